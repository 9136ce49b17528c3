// The collector's own health figures: kept as plain numbers for the heartbeat row and exposed
// through prom-client for /metrics (when METRICS_PORT is set).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from '@dockpulse/common';
import type { WriterStateView } from './jobs/maintenance-job';

/** What the spool may be doing: writing, or why it holds rows in memory only. */
const SPOOL_STATES = ['writing', 'disk-full', 'at-limit', 'failing'] as const;

export type JobName = 'stats' | 'status' | 'events' | 'images' | 'logs' | 'maintenance' | 'host';

export class CollectorMetrics {
  readonly registry = new Registry();
  lastStatsCycleMs: number | null = null;
  /** Stats cycles that ran to the end (each one sampled every container listed as running). */
  statsCycles = 0;
  skippedCycles = 0;
  /** Stats runs skipped because the previous cycle overran the schedule (part of skippedCycles). */
  skippedStatsCycles = 0;
  notRunningSamples = 0;
  containersSeen = 0;
  /** Which stats sampler this process chose at start ('cgroup' or 'engine'). */
  statsSampler: 'cgroup' | 'engine' | null = null;
  vanishedContainers = 0;
  sameSlotSamples = 0;
  cgroupFallbacks = 0;
  droppedLogLines = 0;
  errorsTotal = 0;
  lastError: string | null = null;
  lastErrorAt: Date | null = null;

  private readonly errors = new Counter({
    name: 'dockpulse_collector_errors_total',
    help: 'Errors by job (engine calls, malformed answers, database calls); each was logged',
    labelNames: ['job'],
    registers: [this.registry],
  });
  private readonly skipped = new Counter({
    name: 'dockpulse_collector_skipped_cycles_total',
    help: 'Scheduled runs skipped because the previous run of the same job was still going',
    labelNames: ['job'],
    registers: [this.registry],
  });
  private readonly cycleSeconds = new Gauge({
    name: 'dockpulse_collector_stats_cycle_seconds',
    help: 'Wall time of the last stats cycle',
    registers: [this.registry],
  });
  private readonly cycles = new Counter({
    name: 'dockpulse_collector_stats_cycles_total',
    help: 'Stats cycles run (a skipped overrun is not one)',
    registers: [this.registry],
  });
  private readonly samples = new Counter({
    name: 'dockpulse_collector_stats_samples_total',
    help: 'Stats samples handed to the writer',
    registers: [this.registry],
  });
  private readonly notRunning = new Counter({
    name: 'dockpulse_collector_stats_not_running_total',
    help: 'Stats answers without a sample (zero read time) for containers listed as running, e.g. in their restart back-off',
    registers: [this.registry],
  });
  private readonly logLines = new Counter({
    name: 'dockpulse_collector_log_lines_total',
    help: 'Log lines handed to the writer',
    registers: [this.registry],
  });
  private readonly droppedLines = new Counter({
    name: 'dockpulse_collector_log_lines_dropped_total',
    help: 'Log lines dropped by the per-container rate cap',
    registers: [this.registry],
  });
  private readonly eventsSeen = new Counter({
    name: 'dockpulse_collector_events_total',
    help: 'Container events recorded',
    registers: [this.registry],
  });
  private readonly reconnects = new Counter({
    name: 'dockpulse_collector_events_reconnects_total',
    help: 'Times the events stream was reconnected',
    registers: [this.registry],
  });
  private readonly streamsEnded = new Counter({
    name: 'dockpulse_collector_streams_ended_total',
    help: 'Follow streams (events, logs) that ended while open and were reopened: an idle connection cut by a proxy, an engine restart. Not errors',
    labelNames: ['stream'],
    registers: [this.registry],
  });
  private readonly containers = new Gauge({
    name: 'dockpulse_collector_containers',
    help: 'Containers seen by the last status pass (running or not)',
    registers: [this.registry],
  });

  private readonly sampler = new Gauge({
    name: 'dockpulse_collector_stats_sampler',
    help: 'The stats sampler chosen at start: 1 for the one in use (cgroup: kernel files; engine: the stats endpoint)',
    labelNames: ['sampler'],
    registers: [this.registry],
  });
  private readonly vanished = new Counter({
    name: 'dockpulse_collector_stats_vanished_total',
    help: 'Containers listed as running that were gone before their cgroup files were read: skipped for that cycle',
    registers: [this.registry],
  });
  private readonly sameSlot = new Counter({
    name: 'dockpulse_collector_stats_same_slot_total',
    help: "Samples not stored because the container's previous sample is in the same stats schedule slot (a cycle the engine held up answered late)",
    registers: [this.registry],
  });
  private readonly fallbacks = new Counter({
    name: 'dockpulse_collector_stats_cgroup_fallbacks_total',
    help: 'Containers whose cgroup files could not be read or parsed, sampled through the engine from then on (warned once each)',
    registers: [this.registry],
  });

  /**
   * The writer's figures on /metrics, read when scraped. The spool state is 1 for the current
   * one: anything but writing means rows are held in memory only (a SIGKILL would lose them).
   */
  watchWriter(state: () => WriterStateView): void {
    const gauge = (name: string, help: string, read: (w: WriterStateView) => number) =>
      new Gauge({ name, help, registers: [this.registry], collect() { this.set(read(state())); } });
    new Gauge({
      name: 'dockpulse_collector_spool_state',
      help: 'The write-ahead spool: 1 for its current state (writing; disk-full, at-limit or failing: rows held in memory only)',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const current = state().spoolState ?? 'writing';
        for (const s of SPOOL_STATES) this.set({ state: s }, s === current ? 1 : 0);
      },
    });
    gauge('dockpulse_collector_spool_bytes', 'Bytes of the spool on disk (bounded by SPOOL_MAX_BYTES)', (w) => w.spoolBytes ?? 0);
    gauge('dockpulse_collector_spooled_rows', 'Rows in the spool not stored in the database yet', (w) => w.spooledRows);
    gauge('dockpulse_collector_memory_only_rows', 'Rows not stored yet that are only in memory (before their group commit, or while the spool cannot take rows)', (w) => w.bufferedRows);
    gauge('dockpulse_collector_spool_appends', 'Record writes of the spool since start (one per group commit)', (w) => w.spoolAppends ?? 0);
    gauge('dockpulse_collector_spool_syncs', 'fdatasync/fsync calls of the spool since start (at most one per flush interval; none when the database stored the rows first)', (w) => w.spoolSyncs ?? 0);
    gauge('dockpulse_collector_spool_torn_records', 'Spool records found cut short or damaged at start (a crash mid-append): reported and skipped', (w) => w.tornRecords ?? 0);
    gauge('dockpulse_collector_rows_lost', 'Rows dropped because memory was full while the spool could not take them', (w) => w.lostRows ?? 0);
    gauge('dockpulse_collector_rows_dropped', 'Rows never stored: refused by the database, unreadable in the spool, or lost past the memory bound', (w) => w.droppedRows);
  }

  constructor(private readonly logger: Logger) {
    collectDefaultMetrics({ register: this.registry, prefix: 'dockpulse_collector_' });
    // Shown at 0 from the start, so an overrun is a change of a visible series, not a new one.
    for (const job of ['stats', 'status', 'images', 'maintenance'] as const) this.skipped.inc({ job }, 0);
  }

  /** Logs the error with its context and counts it; never throws. */
  error(job: JobName, error: unknown, context: Record<string, unknown>, message: string): void {
    const text = error instanceof Error ? error.message : String(error);
    this.errorsTotal += 1;
    this.lastError = `${job}: ${text}`.slice(0, 2000);
    this.lastErrorAt = new Date();
    this.errors.inc({ job });
    this.logger.warn({ job, err: error, ...context }, message);
  }

  skippedCycle(job: JobName): void {
    this.skippedCycles += 1;
    if (job === 'stats') this.skippedStatsCycles += 1;
    this.skipped.inc({ job });
  }

  statsCycle(durationMs: number, samples: number): void {
    this.lastStatsCycleMs = durationMs;
    this.statsCycles += 1;
    this.cycles.inc();
    this.cycleSeconds.set(durationMs / 1000);
    this.samples.inc(samples);
  }

  statsSamplerChosen(kind: 'cgroup' | 'engine'): void {
    this.statsSampler = kind;
    this.sampler.set({ sampler: kind }, 1);
    this.sampler.set({ sampler: kind === 'cgroup' ? 'engine' : 'cgroup' }, 0);
  }

  statsVanished(): void {
    this.vanishedContainers += 1;
    this.vanished.inc();
  }

  statsSameSlot(): void {
    this.sameSlotSamples += 1;
    this.sameSlot.inc();
  }

  cgroupFallback(): void {
    this.cgroupFallbacks += 1;
    this.fallbacks.inc();
  }

  statsNotRunning(): void {
    this.notRunningSamples += 1;
    this.notRunning.inc();
  }

  logLine(): void {
    this.logLines.inc();
  }

  droppedLogLine(): void {
    this.droppedLogLines += 1;
    this.droppedLines.inc();
  }

  event(): void {
    this.eventsSeen.inc();
  }

  /** An open stream ended by itself; the caller reopens it. */
  streamEnded(stream: 'events' | 'logs'): void {
    this.streamsEnded.inc({ stream });
  }

  reconnect(): void {
    this.reconnects.inc();
  }

  seenContainers(n: number): void {
    this.containersSeen = n;
    this.containers.set(n);
  }
}

// Wires the jobs together: schedules (node-cron), the events stream and the log followers.
// main.ts gives it a pool, a sink (the batch writer) and an engine; tests and the bench do too.
import cron, { type ScheduledTask } from 'node-cron';
import type { Pool } from 'pg';
import type { Logger, RowSink } from '@dockpulse/common';
import { chooseSampler, defaultProcRoot, type SamplerMode } from './cgroup';
import { nonOverlapping } from './concurrency';
import type { Engine } from './docker/client';
import type { EngineInfo } from './docker/engine-types';
import { systemCpuBaseOf } from './docker/stats';
import { EventsStream } from './jobs/events-stream';
import type { JobContext } from './jobs/context';
import { ImagesJob } from './jobs/images-job';
import { LogFollowers } from './jobs/log-followers';
import { MaintenanceJob, type WriterStateView } from './jobs/maintenance-job';
import { StatsJob } from './jobs/stats-job';
import { StatusJob } from './jobs/status-job';
import { CollectorMetrics, type JobName } from './metrics';
import { scheduleIntervalMs } from './schedule-interval';

export interface CollectorOptions {
  engine: Engine;
  sink: RowSink;
  pool: Pool;
  logger: Logger;
  /** Unset: the engine's ID from /info. */
  hostId?: string;
  schedules: { stats: string; status: string; images: string; maintenance: string };
  statsConcurrency: number;
  /** Stats sampler (STATS_SAMPLER, CGROUP_ROOT, PROC_ROOT); unset: auto with the default roots. */
  statsSampler?: { mode: SamplerMode; cgroupRoot?: string; procRoot?: string };
  collectLogs: boolean;
  logRateLimitLinesPerSec: number;
  logMaxLineBytes: number;
  partitionsAheadDays: number;
  retentionMs: { raw: number; hourly: number; daily: number; logs: number; events: number };
  version: string;
  writerState?: () => WriterStateView;
  /** First events-stream reconnect delay (doubles up to 30 s). */
  reconnectInitialMs?: number;
}

export class Collector {
  readonly metrics: CollectorMetrics;
  hostId = '';
  stats!: StatsJob;
  status!: StatusJob;
  images!: ImagesJob;
  maintenance!: MaintenanceJob;
  events!: EventsStream;
  logs!: LogFollowers;
  private tasks: ScheduledTask[] = [];
  private stopping = false;
  private collecting = false;
  private databaseJobs = false;
  /** When startCollecting() began: the events stream of a host with no stored event starts there. */
  private collectingSinceMs: number | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly options: CollectorOptions) {
    this.metrics = new CollectorMetrics(options.logger);
  }

  /** Builds the jobs from the engine's /info; no schedule runs yet and the database is not read. */
  async init(): Promise<void> {
    const o = this.options;
    const info = await this.waitForEngine();
    this.hostId = o.hostId ?? info.ID ?? '';
    if (!this.hostId) throw new Error('HOST_ID is not set and the engine reported no ID in /info');
    const ctx: JobContext = {
      engine: o.engine,
      sink: o.sink,
      pool: o.pool,
      hostId: this.hostId,
      metrics: this.metrics,
      logger: o.logger.child({ hostId: this.hostId }),
    };
    const choice = chooseSampler(
      {
        mode: o.statsSampler?.mode ?? 'auto',
        cgroupRoot: o.statsSampler?.cgroupRoot ?? '/sys/fs/cgroup',
        procRoot: o.statsSampler?.procRoot ?? defaultProcRoot(),
        engine: o.engine,
      },
      info,
    );
    this.metrics.statsSamplerChosen(choice.kind);
    ctx.logger.info({ sampler: choice.kind, reason: choice.reason }, `stats sampler: ${choice.kind}`);
    this.stats = new StatsJob(ctx, o.statsConcurrency, choice.sampler);
    this.stats.hostMemTotalBytes = typeof info.MemTotal === 'number' ? info.MemTotal : null;
    this.stats.engineSystemCpu = systemCpuBaseOf(info);
    this.stats.slotMs = scheduleIntervalMs(o.schedules.stats);
    this.status = new StatusJob(ctx, o.statsConcurrency);
    this.images = new ImagesJob(ctx);
    this.maintenance = new MaintenanceJob(ctx, {
      partitionsAheadDays: o.partitionsAheadDays,
      retentionMs: o.retentionMs,
      version: o.version,
      startedAt: new Date(),
      writerState: o.writerState,
    });
    this.logs = new LogFollowers(ctx, { rateLimitLinesPerSec: o.logRateLimitLinesPerSec, maxLineBytes: o.logMaxLineBytes });
    this.events = new EventsStream(
      ctx,
      {
        refresh: (id) => this.status.refresh(id),
        afterReconnect: async () => {
          await this.status.run();
          if (o.collectLogs) await this.logs.sync();
        },
        onEvent: (row) => {
          if (!o.collectLogs) return;
          if (row.action === 'start') this.logs.ensure(row.container_id);
          else if (row.action === 'destroy') this.logs.forget(row.container_id);
        },
      },
      { initialMs: o.reconnectInitialMs ?? 500, maxMs: 30_000 },
    );
  }

  /**
   * The engine's /info, retried with capped backoff: a collector started before its engine (boot
   * order, engine upgrade) waits for it instead of exiting.
   */
  private async waitForEngine(): Promise<EngineInfo> {
    const o = this.options;
    for (let attempt = 0; ; attempt++) {
      try {
        return await o.engine.info();
      } catch (error) {
        if (this.stopping) throw error;
        const delayMs = Math.min(30_000, (o.reconnectInitialMs ?? 500) * 2 ** attempt);
        this.metrics.error('host', error, { attempt, retryInMs: delayMs }, 'the Docker engine is not answering; waiting for it');
        await new Promise((r) => setTimeout(r, delayMs));
      }
    }
  }

  /** Everything at once, for a database that is there: startCollecting(), then startDatabaseJobs(). */
  async start(): Promise<void> {
    await this.startCollecting();
    await this.startDatabaseJobs();
  }

  /**
   * What needs only the engine, from the first cycle on: the hosts row and the stats schedule.
   * The rows go to the sink (the writer's spool) whether the database is reached or not.
   */
  async startCollecting(): Promise<void> {
    if (!this.stats) await this.init();
    if (this.collecting || this.stopping) return;
    this.collecting = true;
    this.collectingSinceMs = Date.now();
    await this.maintenance.writeHost();
    // The cycle's samples go to the spool in one append as soon as it ends (they cannot be taken again).
    this.schedule('stats', this.options.schedules.stats, () => this.stats.run().finally(() => this.options.sink.endOfCycle?.()));
  }

  /**
   * What resumes from stored positions, once the database answers (and the spool is replayed):
   * the jobs are seeded (known containers and images, the last stored event; each log follower
   * reads its own stored end), then the events stream, log followers and the other schedules
   * start. A seed that fails throws with nothing started, so the caller can try again.
   */
  async startDatabaseJobs(): Promise<void> {
    if (!this.stats) await this.init();
    if (this.databaseJobs) return;
    const o = this.options;
    await this.status.seed();
    await this.images.seed();
    await this.events.seedFromDatabase(this.collectingSinceMs);
    if (this.stopping) return;
    this.databaseJobs = true;
    this.events.start();
    await this.guard('status', () => this.status.run());
    await this.guard('images', () => this.images.run());
    if (o.collectLogs) await this.guard('logs', () => this.logs.sync());
    this.schedule('status', o.schedules.status, async () => {
      await this.status.run();
      if (o.collectLogs) await this.logs.sync();
    });
    this.schedule('images', o.schedules.images, () => this.images.run());
    this.schedule('maintenance', o.schedules.maintenance, () => this.maintenance.run());
  }

  /** Stops schedules, streams and followers, and waits for runs in flight. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.tasks) await t.stop();
    for (const t of this.tasks) await t.destroy();
    this.tasks = [];
    this.events?.stop();
    this.logs?.stopAll();
    await Promise.allSettled([...this.inFlight]);
  }

  private schedule(job: JobName, expression: string, run: () => Promise<unknown>): void {
    const tick = nonOverlapping(
      () => this.guard(job, run),
      () => {
        this.metrics.skippedCycle(job);
        this.options.logger.warn({ job }, `${job} run skipped: the previous one is still going`);
      },
    );
    this.tasks.push(cron.schedule(expression, () => this.track(tick()), { name: `dockpulse-${job}` }));
  }

  private track(p: Promise<unknown>): Promise<unknown> {
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  /** A job's failure is logged and counted; it never escapes into node-cron or the process. */
  private async guard(job: JobName, run: () => Promise<unknown>): Promise<void> {
    try {
      await run();
    } catch (error) {
      this.metrics.error(job, error, {}, `${job} run failed`);
    }
  }
}

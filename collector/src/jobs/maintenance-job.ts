// Every minute: partitions ahead, rollups (plain flavour), retention, the hosts row and the
// collector's heartbeat in collector_status.
import type { CollectorStatusRow, StorageFlavour } from '@dockpulse/common';
import { readFlavour } from '@dockpulse/common';
import { mapHost } from '../docker/host';
import { runOverdueTimescaleJobs } from './timescaledb-jobs';
import type { JobContext } from './context';

export interface WriterStateView {
  bufferedRows: number;
  spooledRows: number;
  droppedRows: number;
  /** writing, or why rows are held in memory only (disk-full, at-limit, failing). */
  spoolState?: string;
  spoolBytes?: number;
  spoolAppends?: number;
  spoolSyncs?: number;
  tornRecords?: number;
  lostRows?: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

export interface MaintenanceOptions {
  partitionsAheadDays: number;
  retentionMs: { raw: number; hourly: number; daily: number; logs: number; events: number };
  version: string;
  startedAt: Date;
  writerState?: () => WriterStateView;
}

export interface MaintenanceResult {
  partitionsCreated: number;
  hoursRolledUp: number;
  retentionChanges: number;
  /** TimescaleDB policies the collector ran because the scheduler had not (see timescaledb-jobs.ts). */
  timescaleJobsRun: number;
}

const interval = (ms: number) => `${Math.round(ms)} milliseconds`;

export class MaintenanceJob {
  private flavour: StorageFlavour | undefined;

  constructor(
    private readonly ctx: JobContext,
    private readonly options: MaintenanceOptions,
  ) {}

  async run(): Promise<MaintenanceResult> {
    const { pool } = this.ctx;
    const r = this.options.retentionMs;
    let result: MaintenanceResult = { partitionsCreated: 0, hoursRolledUp: 0, retentionChanges: 0, timescaleJobsRun: 0 };
    try {
      const parts = await pool.query<{ n: number }>('SELECT dockpulse_prepare_partitions($1) AS n', [this.options.partitionsAheadDays]);
      const rolled = await pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n');
      const retention = await pool.query<{ n: number }>(
        'SELECT dockpulse_apply_retention($1::interval, $2::interval, $3::interval, $4::interval, $5::interval) AS n',
        [interval(r.raw), interval(r.hourly), interval(r.daily), interval(r.logs), interval(r.events)],
      );
      this.flavour ??= await readFlavour(pool);
      const timescaleJobsRun =
        this.flavour === 'timescaledb'
          ? await runOverdueTimescaleJobs(pool, (job, error) =>
              this.ctx.metrics.error('maintenance', error, { job }, 'running an overdue TimescaleDB policy failed'),
            )
          : 0;
      result = {
        partitionsCreated: parts.rows[0]?.n ?? 0,
        hoursRolledUp: rolled.rows[0]?.n ?? 0,
        retentionChanges: retention.rows[0]?.n ?? 0,
        timescaleJobsRun,
      };
    } catch (error) {
      this.ctx.metrics.error('maintenance', error, {}, 'database maintenance failed; retried next run');
    }
    await this.writeHost();
    this.ctx.sink.write('collector_status', this.heartbeat());
    return result;
  }

  async writeHost(): Promise<void> {
    try {
      const [info, api] = await Promise.all([this.ctx.engine.info(), this.ctx.engine.apiVersion()]);
      this.ctx.sink.write('hosts', mapHost(info, this.ctx.hostId, api, new Date()));
    } catch (error) {
      this.ctx.metrics.error('host', error, {}, 'reading the engine /info for the hosts row failed');
    }
  }

  heartbeat(): CollectorStatusRow {
    const m = this.ctx.metrics;
    const w = this.options.writerState?.();
    // The more recent of the collector's and the writer's last error.
    const writerNewer = w?.lastErrorAt && (!m.lastErrorAt || w.lastErrorAt > m.lastErrorAt);
    return {
      host_id: this.ctx.hostId,
      version: this.options.version,
      started_at: this.options.startedAt,
      last_beat: new Date(),
      last_stats_cycle_ms: m.lastStatsCycleMs,
      stats_sampler: m.statsSampler,
      skipped_cycles: m.skippedCycles,
      containers_seen: m.containersSeen,
      buffered_rows: w?.bufferedRows ?? 0,
      spooled_rows: w?.spooledRows ?? 0,
      dropped_rows: w?.droppedRows ?? 0,
      spool_state: w?.spoolState ?? null,
      spool_bytes: w?.spoolBytes ?? null,
      dropped_log_lines: m.droppedLogLines,
      errors_total: m.errorsTotal,
      last_error: writerNewer ? `writer: ${w?.lastError}` : m.lastError,
      last_error_at: writerNewer ? (w?.lastErrorAt ?? null) : m.lastErrorAt,
    };
  }
}

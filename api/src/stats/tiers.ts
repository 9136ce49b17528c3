// The per-minute tier under raw samples (sql/0008_stats_minute_tier.*.sql): what the fleet panels
// over the last hour read instead of every raw sample. Whole minutes of the range whose tier
// rows are current come from the tier; the range's partial first and last minute, and minutes that
// received raw rows since their last rollup (the newest minute, a replayed spool's late rows), come
// from raw rows: the answer equals the raw one (up to the order of float additions).
import type { Metric } from '@dockpulse/common';

export const MINUTE_MS = 60_000;

/**
 * Each metric as partial aggregates named like the minute tier's columns: how raw rows (alias s)
 * give each partial, and the metric's value from merged partials (alias p; {W}: bucket width in ms;
 * sum(...) and max(...) merge the partials of several rows).
 */
const PARTIALS: Record<Metric, { columns: Record<string, string>; value: string }> = {
  cpu_percent: { columns: { cpu_sum: 'sum(s.cpu_percent)', cpu_samples: 'count(s.cpu_percent)' }, value: 'sum(p.cpu_sum) / nullif(sum(p.cpu_samples), 0)' },
  mem_used_bytes: {
    columns: { mem_used_sum: 'sum(s.mem_used_bytes)', mem_used_samples: 'count(s.mem_used_bytes)' },
    value: 'sum(p.mem_used_sum)::float8 / nullif(sum(p.mem_used_samples), 0)',
  },
  // From used and limit, as the hourly and daily rollups do: samples stored since sql/0010 keep no
  // mem_percent (the tier's mem_percent_* columns hold only older samples'). With a fixed limit it
  // is the average of the samples' percentages.
  mem_percent: {
    columns: { mem_used_sum: 'sum(s.mem_used_bytes)', mem_used_samples: 'count(s.mem_used_bytes)', mem_limit_max: 'max(s.mem_limit_bytes)' },
    value: 'sum(p.mem_used_sum)::float8 / nullif(sum(p.mem_used_samples), 0) / nullif(max(p.mem_limit_max), 0)::float8 * 100',
  },
  mem_limit_bytes: { columns: { mem_limit_max: 'max(s.mem_limit_bytes)' }, value: 'max(p.mem_limit_max)::float8' },
  net_rx_bps: { columns: { net_rx_bytes: 'sum(s.net_rx_delta)' }, value: 'sum(p.net_rx_bytes)::float8 / ({W}::float8 / 1000)' },
  net_tx_bps: { columns: { net_tx_bytes: 'sum(s.net_tx_delta)' }, value: 'sum(p.net_tx_bytes)::float8 / ({W}::float8 / 1000)' },
  blk_read_bps: { columns: { blk_read_bytes: 'sum(s.blk_read_delta)' }, value: 'sum(p.blk_read_bytes)::float8 / ({W}::float8 / 1000)' },
  blk_write_bps: { columns: { blk_write_bytes: 'sum(s.blk_write_delta)' }, value: 'sum(p.blk_write_bytes)::float8 / ({W}::float8 / 1000)' },
  pids: { columns: { pids_max: 'max(s.pids)' }, value: 'max(p.pids_max)::float8' },
};

/** The whole minutes of [fromMs, toMs); empty (start = end = toMs) when the range holds none. */
export function tierSpan(fromMs: number, toMs: number): { startMs: number; endMs: number } {
  const startMs = Math.ceil(fromMs / MINUTE_MS) * MINUTE_MS;
  const endMs = Math.floor(toMs / MINUTE_MS) * MINUTE_MS;
  return startMs < endMs ? { startMs, endMs } : { startMs: toMs, endMs: toMs };
}

/**
 * SQL pieces over the tiers for one statement. Parameters it refers to: $3/$4 the range (ms),
 * `span` the two parameters holding tierSpan() (ms); `filter(alias)` restricts rows of any table
 * with host_id and container_id to the request's host and containers.
 */
export class TierSql {
  constructor(
    private readonly span: { start: string; end: string },
    private readonly filter: (alias: string) => string,
  ) {}

  private ts(param: string): string {
    return `to_timestamp(${param}::float8 / 1000)`;
  }

  /** Minutes of the span with raw rows not yet rolled up. */
  private dirty(): string {
    return `SELECT bucket FROM container_stats_dirty_minutes WHERE bucket >= ${this.ts(this.span.start)} AND bucket < ${this.ts(this.span.end)}`;
  }

  /**
   * Raw rows (alias s) outside the span's clean minutes: before and after the span, and in its dirty
   * minutes. One condition of OR'ed time ranges, so each is a bitmap scan of the time BRIN with
   * known bounds (a join to the list of ranges made them parameterized scans the planner took for a
   * ninth of the table each, and planned parallel workers for).
   */
  private rawWhere(): string {
    const dirty = this.dirty();
    return `((s.time >= ${this.ts('$3')} AND s.time < ${this.ts(this.span.start)})
            OR (s.time >= ${this.ts(this.span.end)} AND s.time < ${this.ts('$4')})
            OR (s.time >= (SELECT min(bucket) FROM (${dirty}) d) AND s.time < (SELECT max(bucket) FROM (${dirty}) d) + interval '1 minute'
                AND date_trunc('minute', s.time) IN (${dirty})))`;
  }

  /**
   * Partials of the metrics per container (and per bucket of `bin(timeColumn)` when given), from the
   * minute tier and raw rows, as one UNION ALL to merge with value(): GROUP BY host_id,
   * container_id[, bin] over it.
   */
  partials(metrics: Metric[], bin?: (time: string) => string): string {
    const cols = [...new Set(metrics.flatMap((m) => Object.keys(PARTIALS[m].columns)))];
    const rawCols = metrics.flatMap((m) => Object.entries(PARTIALS[m].columns));
    const rawByName = new Map(rawCols);
    return `SELECT m.host_id, m.container_id${bin ? `, ${bin('m.bucket')} AS bin` : ''}, ${cols.map((c) => `m.${c}`).join(', ')}
         FROM container_stats_minute m
        WHERE m.bucket >= ${this.ts(this.span.start)} AND m.bucket < ${this.ts(this.span.end)} AND ${this.filter('m')}
          AND m.bucket NOT IN (${this.dirty()})
       UNION ALL
       SELECT s.host_id, s.container_id${bin ? `, ${bin('s.time')} AS bin` : ''}, ${cols.map((c) => `${rawByName.get(c)} AS ${c}`).join(', ')}
         FROM container_stats s
        WHERE ${this.rawWhere()} AND ${this.filter('s')}
        GROUP BY s.host_id, s.container_id${bin ? ', bin' : ''}`;
  }

  /**
   * A metric's value from the merged partials (alias p) over buckets `widthMs` wide (SQL). With
   * `merge: false`, from one row's partials: where each (container, bucket) has one row already.
   */
  static value(metric: Metric, widthMs: string, merge = true): string {
    const value = PARTIALS[metric].value.replace(/\{W\}/g, widthMs);
    return merge ? value : value.replace(/\b(?:sum|max)\((p\.[a-z_]+)\)/g, '$1');
  }
}

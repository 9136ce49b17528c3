// The one query behind GET /stats: every requested container and metric, bucketed, from one table.
import type { Pool } from 'pg';
import type { Resolution } from '@dockpulse/common';

export const METRICS = [
  'cpu_percent',
  'mem_used_bytes',
  'mem_percent',
  'mem_limit_bytes',
  'net_rx_bps',
  'net_tx_bps',
  'blk_read_bps',
  'blk_write_bps',
  'pids',
] as const;
export type Metric = (typeof METRICS)[number];

// Per-bucket expressions. $5 is the bucket width in ms. Rates are bytes moved in the bucket
// divided by its seconds: raw rows carry per-sample deltas, rollups carry per-bucket byte sums.
// Averages in the rollups are sums over sample counts, so they equal the raw averages.
const RAW: Record<Metric, string> = {
  cpu_percent: 'avg(s.cpu_percent)',
  mem_used_bytes: 'avg(s.mem_used_bytes)::float8',
  mem_percent: 'avg(s.mem_percent)',
  mem_limit_bytes: 'max(s.mem_limit_bytes)::float8',
  net_rx_bps: 'sum(s.net_rx_delta)::float8 / ($5::float8 / 1000)',
  net_tx_bps: 'sum(s.net_tx_delta)::float8 / ($5::float8 / 1000)',
  blk_read_bps: 'sum(s.blk_read_delta)::float8 / ($5::float8 / 1000)',
  blk_write_bps: 'sum(s.blk_write_delta)::float8 / ($5::float8 / 1000)',
  pids: 'max(s.pids)::float8',
};

const ROLLUP: Record<Metric, string> = {
  cpu_percent: 'sum(s.cpu_sum) / nullif(sum(s.samples), 0)',
  mem_used_bytes: 'sum(s.mem_used_sum)::float8 / nullif(sum(s.samples), 0)',
  // Rollups keep no per-sample percentage; with a fixed limit this equals the raw average.
  mem_percent: 'sum(s.mem_used_sum)::float8 / nullif(sum(s.samples), 0) / nullif(max(s.mem_limit_max), 0)::float8 * 100',
  mem_limit_bytes: 'max(s.mem_limit_max)::float8',
  net_rx_bps: 'sum(s.net_rx_bytes)::float8 / ($5::float8 / 1000)',
  net_tx_bps: 'sum(s.net_tx_bytes)::float8 / ($5::float8 / 1000)',
  blk_read_bps: 'sum(s.blk_read_bytes)::float8 / ($5::float8 / 1000)',
  blk_write_bps: 'sum(s.blk_write_bytes)::float8 / ($5::float8 / 1000)',
  pids: 'max(s.pids_max)::float8',
};

const SOURCE: Record<Resolution, { table: string; time: string; exprs: Record<Metric, string> }> = {
  raw: { table: 'container_stats', time: 'time', exprs: RAW },
  hourly: { table: 'container_stats_hourly', time: 'bucket', exprs: ROLLUP },
  daily: { table: 'container_stats_daily', time: 'bucket', exprs: ROLLUP },
};

export interface StatsQuery {
  resolution: Resolution;
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  metrics: Metric[];
}

export interface StatsRow {
  host_id: string;
  container_id: string;
  name: string | null;
  t: number;
  [metric: string]: unknown;
}

export class StatsStore {
  constructor(private readonly pool: Pool) {}

  async buckets(q: StatsQuery): Promise<StatsRow[]> {
    const source = SOURCE[q.resolution];
    const columns = q.metrics.map((m) => `${source.exprs[m]} AS ${m}`).join(',\n           ');
    // Containers are named by full id or by name; names resolve through container_info in the same statement.
    const { rows } = await this.pool.query<StatsRow>(
      `WITH b AS (
         SELECT s.host_id, s.container_id,
                (floor(extract(epoch FROM s.${source.time}) * 1000 / $5::float8) * $5::float8)::bigint AS t,
                ${columns}
           FROM ${source.table} s
          WHERE s.${source.time} >= to_timestamp($3::float8 / 1000) AND s.${source.time} < to_timestamp($4::float8 / 1000)
            AND ($2::text IS NULL OR s.host_id = $2)
            AND ($1::text[] IS NULL OR s.container_id = ANY ($1)
                 OR (s.host_id, s.container_id) IN (SELECT host_id, container_id FROM container_info WHERE name = ANY ($1)))
          GROUP BY 1, 2, 3)
       SELECT b.*, ci.name FROM b LEFT JOIN container_info ci USING (host_id, container_id)
        ORDER BY b.host_id, b.container_id, b.t`,
      [q.containers ?? null, q.host ?? null, q.fromMs, q.toMs, q.intervalMs],
    );
    return rows;
  }
}

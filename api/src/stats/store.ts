// The one query behind GET /stats: every requested container and metric, bucketed, from one table.
// Ranking (top N), grouping (per host or compose project) and the series bound all happen in the
// same statement, so a fleet of thousands of containers never crosses the wire.
import type { Queryable } from '../db/read-pool';
import { MINUTE_MS, TierSql, tierSpan } from './tiers';
import type { GroupableMetric, GroupBy, Metric, RankAgg, Resolution } from '@dockpulse/common';

/**
 * How the containers of a group combine in one bucket: bytes, rates and process counts add up,
 * percentages average. Exactly the contract's GROUPABLE_METRICS have an entry (mem_limit_bytes has
 * none: a container without a limit reports the host's memory as its limit, so a sum of limits
 * means nothing).
 */
export const GROUP_COMBINE: Partial<Record<Metric, 'sum' | 'avg'>> = {
  cpu_percent: 'avg',
  mem_used_bytes: 'sum',
  mem_percent: 'avg',
  net_rx_bps: 'sum',
  net_tx_bps: 'sum',
  blk_read_bps: 'sum',
  blk_write_bps: 'sum',
  pids: 'sum',
} satisfies Record<GroupableMetric, 'sum' | 'avg'>;

// Per-bucket expressions. {W} is the bucket width in ms. Rates are bytes moved in the bucket
// divided by its seconds: raw rows carry per-sample deltas, rollups carry per-bucket byte sums.
// Averages in the rollups are sums over sample counts, so they equal the raw averages.
const RAW: Record<Metric, string> = {
  cpu_percent: 'avg(s.cpu_percent)',
  mem_used_bytes: 'avg(s.mem_used_bytes)::float8',
  // Samples stored since sql/0010 keep no mem_percent: from used and limit, like the rollups below.
  mem_percent: 'avg(s.mem_used_bytes)::float8 / nullif(max(s.mem_limit_bytes), 0)::float8 * 100',
  mem_limit_bytes: 'max(s.mem_limit_bytes)::float8',
  net_rx_bps: 'sum(s.net_rx_delta)::float8 / ({W}::float8 / 1000)',
  net_tx_bps: 'sum(s.net_tx_delta)::float8 / ({W}::float8 / 1000)',
  blk_read_bps: 'sum(s.blk_read_delta)::float8 / ({W}::float8 / 1000)',
  blk_write_bps: 'sum(s.blk_write_delta)::float8 / ({W}::float8 / 1000)',
  pids: 'max(s.pids)::float8',
};

const ROLLUP: Record<Metric, string> = {
  cpu_percent: 'sum(s.cpu_sum) / nullif(sum(s.samples), 0)',
  mem_used_bytes: 'sum(s.mem_used_sum)::float8 / nullif(sum(s.samples), 0)',
  // Rollups keep no per-sample percentage; with a fixed limit this equals the raw average.
  mem_percent: 'sum(s.mem_used_sum)::float8 / nullif(sum(s.samples), 0) / nullif(max(s.mem_limit_max), 0)::float8 * 100',
  mem_limit_bytes: 'max(s.mem_limit_max)::float8',
  net_rx_bps: 'sum(s.net_rx_bytes)::float8 / ({W}::float8 / 1000)',
  net_tx_bps: 'sum(s.net_tx_bytes)::float8 / ({W}::float8 / 1000)',
  blk_read_bps: 'sum(s.blk_read_bytes)::float8 / ({W}::float8 / 1000)',
  blk_write_bps: 'sum(s.blk_write_bytes)::float8 / ({W}::float8 / 1000)',
  pids: 'max(s.pids_max)::float8',
};

const SOURCE: Record<Resolution, { table: string; time: string; exprs: Record<Metric, string> }> = {
  raw: { table: 'container_stats', time: 'time', exprs: RAW },
  hourly: { table: 'container_stats_hourly', time: 'bucket', exprs: ROLLUP },
  daily: { table: 'container_stats_daily', time: 'bucket', exprs: ROLLUP },
};

export interface Ranking {
  by: Metric;
  agg: RankAgg;
  /** Series (containers or groups) kept, the highest first. */
  limit: number;
}

export interface StatsQuery {
  resolution: Resolution;
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  intervalMs: number;
  metrics: Metric[];
  groupBy?: GroupBy;
  rank?: Ranking;
}

export interface StatsRow {
  /** Container rows: the container's host. Host groups: the host. Project groups: null. */
  host_id: string | null;
  container_id: string | null;
  name: string | null;
  /** Grouped rows: the host id or compose project (null: containers of no project). */
  group_key?: string | null;
  t: number;
  [metric: string]: unknown;
}

export interface StatsResult {
  rows: StatsRow[];
  /** With a ranking: how many containers (or groups) had data in the range before the cut. */
  candidates: number;
}

export interface StatsStoreOptions {
  /**
   * Read the pre-aggregated tiers where they give the raw answer (api/src/stats/tiers.ts); default
   * true. False reads raw rows only: the fleet bench's "raw path".
   */
  tiers?: boolean;
}

interface TiersPresent {
  minute: boolean;
}

export class StatsStore {
  private tiersPresent: Promise<TiersPresent> | undefined;

  constructor(
    private readonly pool: Queryable,
    private readonly options: StatsStoreOptions = {},
  ) {}

  /** Whether the database has the minute tier, asked once (a database not yet migrated is asked again). */
  private async tiers(q: StatsQuery): Promise<TiersPresent> {
    if (this.options.tiers === false || q.resolution !== 'raw') return { minute: false };
    this.tiersPresent ??= this.pool
      .query<{ minute: boolean }>("SELECT to_regclass('container_stats_minute') IS NOT NULL AS minute")
      .then((r) => ({ minute: r.rows[0]?.minute === true }));
    try {
      const present = await this.tiersPresent;
      if (!present.minute) this.tiersPresent = undefined;
      return present;
    } catch (error) {
      this.tiersPresent = undefined;
      throw error;
    }
  }

  async buckets(q: StatsQuery): Promise<StatsResult> {
    const source = SOURCE[q.resolution];
    const expr = (m: Metric, widthMs: string) => source.exprs[m].replace(/\{W\}/g, widthMs);
    // Buckets aligned to the epoch. date_bin is integer arithmetic per row; the epoch-ms of a bucket
    // is computed once per group (extract() is numeric, and slow over millions of rows).
    const bin = `date_bin($5::float8 * interval '1 millisecond', s.${source.time}, 'epoch'::timestamptz)`;
    const epochMs = (ts: string) => `(extract(epoch FROM ${ts}) * 1000)::bigint`;
    const bucket = epochMs(bin);
    const inRange = `s.${source.time} >= to_timestamp($3::float8 / 1000) AND s.${source.time} < to_timestamp($4::float8 / 1000)`;
    // Containers are named by full id or by name; names resolve through container_info in the same statement.
    const filter = (a: string) => `($2::text IS NULL OR ${a}.host_id = $2)
            AND ($1::text[] IS NULL OR ${a}.container_id = ANY ($1)
                 OR (${a}.host_id, ${a}.container_id) IN (SELECT host_id, container_id FROM container_info WHERE name = ANY ($1)))`;
    const where = `${inRange} AND ${filter('s')}`;
    const params: unknown[] = [q.containers ?? null, q.host ?? null, q.fromMs, q.toMs, q.intervalMs];
    const columns = (metrics: Metric[]) => metrics.map((m) => `${expr(m, '$5')} AS ${m}`).join(', ');
    const tiers = q.rank || q.groupBy ? await this.tiers(q) : { minute: false };
    // The tiers' SQL takes the range's whole minutes as $7 and $8, after the limit ($6).
    const span = tierSpan(q.fromMs, q.toMs);
    const tier = new TierSql({ start: '$7', end: '$8' }, filter);

    if (q.groupBy) {
      return this.grouped(q, q.groupBy, { source, bin, bucket, epochMs, where, params, columns, tiers, tier, span });
    }

    if (!q.rank) {
      const { rows } = await this.pool.query<StatsRow>(
        `WITH b AS (
           SELECT s.host_id, s.container_id, ${bucket} AS t, ${columns(q.metrics)}
             FROM ${source.table} s
            WHERE ${where}
            GROUP BY s.host_id, s.container_id, ${bin})
         SELECT b.*, ci.name FROM b LEFT JOIN container_info ci USING (host_id, container_id)
          ORDER BY b.host_id, b.container_id, b.t`,
        params,
      );
      return { rows, candidates: new Set(rows.map((r) => `${r.host_id}\0${r.container_id}`)).size };
    }

    // Ranked containers: score every candidate over the whole range first (one aggregate per
    // container, cheap), then bucket only the rows of the ones kept (index scans on
    // (host_id, container_id, time)).
    const { by, agg, limit } = q.rank;
    params.push(limit);
    const rangeMs = '($4::float8 - $3::float8)';
    if (agg === 'avg' && tiers.minute) params.push(span.startMs, span.endMs);
    const score =
      agg === 'avg' && tiers.minute
        ? // The same average from the minute tier (60 rows per container and hour instead of 720).
          `SELECT p.host_id, p.container_id, ${TierSql.value(by, rangeMs)} AS score
             FROM (${tier.partials([by])}) p GROUP BY 1, 2`
        : agg === 'avg'
        ? // The metric over the range as one bucket: its average (rates: bytes over the range's seconds).
          `SELECT s.host_id, s.container_id, ${expr(by, rangeMs)} AS score
             FROM ${source.table} s WHERE ${where} GROUP BY 1, 2`
        : // The highest bucket: the peak the panel would draw.
          `SELECT host_id, container_id, max(v) AS score FROM (
             SELECT s.host_id, s.container_id, ${bucket} AS t, ${expr(by, '$5')} AS v
               FROM ${source.table} s WHERE ${where} GROUP BY s.host_id, s.container_id, ${bin}) x
            GROUP BY 1, 2`;
    const { rows } = await this.pool.query<StatsRow & { rank: string; candidates: string }>(
      `WITH score AS (${score}),
       -- LIMIT rather than a filter on rank: the planner then knows how many are kept (it took a
       -- filter on a window function for all of them, and planned and JIT-compiled for 80,000).
       kept AS (
         SELECT host_id, container_id,
                row_number() OVER (ORDER BY score DESC NULLS LAST, host_id, container_id) AS rank,
                count(*) OVER () AS candidates
           FROM score
          ORDER BY rank
          LIMIT $6),
       b AS (
         -- LATERAL: one index range scan per kept container, never a pass over the fleet's rows.
         SELECT k.host_id, k.container_id, k.rank, k.candidates, x.*
           FROM kept k CROSS JOIN LATERAL (
             SELECT ${bucket} AS t, ${columns(q.metrics)}
               FROM ${source.table} s
              WHERE s.host_id = k.host_id AND s.container_id = k.container_id AND ${inRange}
              GROUP BY ${bin}) x)
       SELECT b.*, ci.name
         FROM b LEFT JOIN container_info ci USING (host_id, container_id)
        ORDER BY b.rank, b.t`,
      params,
    );
    return { rows, candidates: rows.length ? Number(rows[0]!.candidates) : 0 };
  }

  /**
   * One series per host or compose project: containers are bucketed first, then their bucket values
   * combined (GROUP_COMBINE), so a group's memory is the sum of its containers' averages. Groups are
   * always ranked (by their buckets' average or peak) and cut at the limit.
   */
  private async grouped(
    q: StatsQuery,
    groupBy: GroupBy,
    sql: {
      source: { table: string };
      bin: string;
      bucket: string;
      epochMs: (ts: string) => string;
      where: string;
      params: unknown[];
      columns: (m: Metric[]) => string;
      tiers: TiersPresent;
      tier: TierSql;
      span: { startMs: number; endMs: number };
    },
  ): Promise<StatsResult> {
    const rank = q.rank ?? { by: q.metrics[0]!, agg: 'avg' as const, limit: Number.MAX_SAFE_INTEGER };
    const needed = q.metrics.includes(rank.by) ? q.metrics : [...q.metrics, rank.by];
    const combine = (m: Metric) => {
      const how = GROUP_COMBINE[m];
      if (!how) throw new Error(`${m} cannot be grouped`);
      return `${how}(b.${m}) AS ${m}`;
    };
    // Once per group (in r), not once per row.
    const name = groupBy === 'host' ? '(SELECT h.name FROM hosts h WHERE h.host_id = x.group_key)' : 'x.group_key';
    const params = [...sql.params, rank.limit];
    // Rates are linear: a group's bytes per second are its rows' bytes over the bucket's seconds, so
    // they need no per-container pass. Averages (memory, CPU) and maxima (pids) do: a group's memory
    // is the sum of its containers' averages, whatever their sample counts.
    const linear = needed.every((m) => m.endsWith('_bps'));
    const key = groupBy === 'host' ? 'b.host_id' : 'ci.compose_project';
    // The per-container pass, grouped: its buckets stay timestamps, their epoch-ms are computed per
    // group bucket.
    const fromContainers = (b: string) => `SELECT ${key} AS group_key, ${sql.epochMs('b.bin')} AS t, ${needed.map(combine).join(', ')}
           FROM (${b}) b LEFT JOIN container_info ci USING (host_id, container_id)
          GROUP BY 1, b.bin`;
    const useMinutes = sql.tiers.minute && q.intervalMs % MINUTE_MS === 0;
    if (useMinutes) params.push(sql.span.startMs, sql.span.endMs);
    const g = useMinutes
      ? // Buckets of whole minutes: each container's from its minute rows (and raw rows where the tier
        // is not current). At 1 min, each container and bucket has one row already: no merge.
        `g AS (
         ${fromContainers(
           q.intervalMs === MINUTE_MS
             ? `SELECT p.host_id, p.container_id, p.bin, ${needed.map((m) => `${TierSql.value(m, '$5', false)} AS ${m}`).join(', ')}
           FROM (${sql.tier.partials(needed, (t) => `date_bin($5::float8 * interval '1 millisecond', ${t}, 'epoch'::timestamptz)`)}) p`
             : `SELECT p.host_id, p.container_id, p.bin, ${needed.map((m) => `${TierSql.value(m, '$5')} AS ${m}`).join(', ')}
           FROM (${sql.tier.partials(needed, (t) => `date_bin($5::float8 * interval '1 millisecond', ${t}, 'epoch'::timestamptz)`)}) p
          GROUP BY p.host_id, p.container_id, p.bin`,
         )}),`
      : linear
      ? `g AS (
         SELECT ${groupBy === 'host' ? 's.host_id' : 'ci.compose_project'} AS group_key, ${sql.bucket} AS t, ${sql.columns(needed)}
           FROM ${sql.source.table} s LEFT JOIN container_info ci USING (host_id, container_id)
          WHERE ${sql.where}
          GROUP BY 1, ${sql.bin}),`
      : // The per-container pass has a group per container and bucket (every sample, at 5 s buckets).
        `g AS (
         ${fromContainers(`SELECT s.host_id, s.container_id, ${sql.bin} AS bin, ${sql.columns(needed)}
           FROM ${sql.source.table} s
          WHERE ${sql.where}
          GROUP BY s.host_id, s.container_id, ${sql.bin}`)}),`;
    const { rows } = await this.pool.query<StatsRow & { rank: string; candidates: string }>(
      `WITH ${g}
       r AS MATERIALIZED (
         SELECT group_key, rank, candidates, ${name} AS name FROM (
           SELECT group_key,
                  row_number() OVER (ORDER BY ${rank.agg}(${rank.by}) DESC NULLS LAST, group_key NULLS LAST) AS rank,
                  count(*) OVER () AS candidates
             FROM g GROUP BY group_key) x
          WHERE rank <= $6)
       SELECT g.*, r.rank, r.candidates, r.name,
              ${groupBy === 'host' ? 'g.group_key' : 'NULL::text'} AS host_id, NULL::text AS container_id
         FROM g JOIN r ON g.group_key IS NOT DISTINCT FROM r.group_key
        ORDER BY r.rank, g.t`,
      params,
    );
    return { rows, candidates: rows.length ? Number(rows[0]!.candidates) : 0 };
  }
}

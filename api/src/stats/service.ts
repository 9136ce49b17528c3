import {
  chooseResolution,
  RESOLUTION_STEP_MS,
  type GroupBy,
  type Metric,
  type RankAgg,
  type ResolutionPolicy,
  type ResolutionRequest,
  type StatsAnswer,
  type StatsSeries,
} from '@dockpulse/common';
import { cachedRange, paramsKey, type Cache, type Cached } from '../cache';
import { StatsStore, type Ranking, type StatsRow } from './store';

export interface StatsRequest {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  metrics: Metric[];
  resolution: ResolutionRequest;
  intervalMs?: number;
  maxDataPoints: number;
  /** Keep the top N containers (or groups), ranked by `by` (default: the first metric) and `agg`. */
  top?: number;
  by?: Metric;
  agg?: RankAgg;
  groupBy?: GroupBy;
}

/** Buckets are aligned to multiples of the interval since the epoch: how many touch [from, to). */
export function bucketCount(fromMs: number, toMs: number, intervalMs: number): number {
  return Math.floor((toMs - 1) / intervalMs) - Math.floor(fromMs / intervalMs) + 1;
}

/**
 * The bucket width: what chooseResolution() says, rounded up to whole table steps (an hourly row
 * never straddles two buckets), then widened until the aligned buckets fit in maxDataPoints.
 */
export function bucketInterval(stepMs: number, chosenMs: number, fromMs: number, toMs: number, maxDataPoints: number): number {
  let steps = Math.max(1, Math.ceil(chosenMs / stepMs));
  // Widening grows geometrically, so even maxDataPoints=1 over years settles in a few dozen rounds.
  while (bucketCount(fromMs, toMs, steps * stepMs) > maxDataPoints) steps += Math.max(1, Math.floor(steps / 16));
  return steps * stepMs;
}

export class StatsService {
  constructor(
    private readonly store: StatsStore,
    private readonly cache: Cache,
    private readonly policy: ResolutionPolicy,
    /** STATS_MAX_SERIES: series per metric answered at most when no containers and no top are given. */
    private readonly maxSeries: number,
  ) {}

  query(req: StatsRequest, nowMs = this.cache.now()): Promise<Cached<StatsAnswer>> {
    const choice = chooseResolution({
      fromMs: req.fromMs,
      toMs: req.toMs,
      nowMs,
      requested: req.resolution,
      intervalMs: req.intervalMs,
      maxDataPoints: req.maxDataPoints,
      policy: this.policy,
    });
    const intervalMs = bucketInterval(RESOLUTION_STEP_MS[choice.resolution], choice.intervalMs, req.fromMs, req.toMs, req.maxDataPoints);
    // A range reaching the present is widened to whole buckets, so refreshes within one bucket
    // share the key, and cached briefly (its newest bucket still fills): api/src/cache/range.ts.
    // The key holds what the answer depends on: the chosen table and interval, not the
    // maxDataPoints or intervalMs that led to them (panels of other widths share it).
    const range = cachedRange(req.fromMs, req.toMs, intervalMs, nowMs);
    const key = `stats:range:${paramsKey({
      containers: req.containers?.join(','),
      host: req.host,
      fromMs: range.fromMs,
      toMs: range.toMs,
      metrics: req.metrics.join(','),
      resolution: choice.resolution,
      intervalMs,
      top: req.top,
      by: req.by,
      agg: req.agg,
      groupBy: req.groupBy,
    })}`;
    // Without a container list or an explicit top the answer would grow with the fleet: bound it
    // to the top maxSeries by the first metric, and say so.
    const implicit = req.top === undefined && req.containers === undefined;
    const rank: Ranking | undefined =
      req.top !== undefined
        ? { by: req.by ?? req.metrics[0]!, agg: req.agg ?? 'avg', limit: req.top }
        : implicit || req.groupBy
          ? { by: req.metrics[0]!, agg: 'avg', limit: this.maxSeries }
          : undefined;
    return this.cache.getOrLoad(key, range.ttlMs, async () => {
      const { rows, candidates } = await this.store.buckets({
        resolution: choice.resolution,
        containers: req.containers,
        host: req.host,
        fromMs: range.fromMs,
        toMs: range.toMs,
        intervalMs,
        metrics: req.metrics,
        groupBy: req.groupBy,
        rank,
      });
      return {
        resolution: choice.resolution,
        table: choice.table,
        intervalMs,
        fromMs: range.fromMs,
        toMs: range.toMs,
        ...(req.groupBy ? { groupBy: req.groupBy } : {}),
        ...(rank ? { ranking: { by: rank.by, agg: rank.agg, top: rank.limit, candidates } } : {}),
        truncated: implicit && candidates > this.maxSeries,
        series: toSeries(rows, req.metrics, req.groupBy),
      };
    });
  }
}

/** Rows arrive ordered by series (rank first when ranked), then time: one series per row key and metric. */
function toSeries(rows: StatsRow[], metrics: Metric[], groupBy: GroupBy | undefined): StatsSeries[] {
  const byKey = new Map<string, StatsSeries>();
  for (const row of rows) {
    const rowKey = groupBy ? String(row.group_key ?? '\0none') : `${row.host_id}\0${row.container_id}`;
    for (const metric of metrics) {
      const id = `${rowKey}\0${metric}`;
      let series = byKey.get(id);
      if (!series) {
        series = groupBy
          ? { containerId: null, containerName: null, hostId: row.host_id, group: { by: groupBy, key: row.group_key ?? null, name: row.name }, metric, points: [] }
          : { containerId: row.container_id, containerName: row.name, hostId: row.host_id, metric, points: [] };
        byKey.set(id, series);
      }
      const value = row[metric];
      series.points.push([Number(row.t), value === null || value === undefined ? null : Number(value)]);
    }
  }
  return [...byKey.values()];
}

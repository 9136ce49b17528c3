import { chooseResolution, RESOLUTION_STEP_MS, type ResolutionPolicy, type ResolutionRequest } from '@dockpulse/common';
import { CACHE_TTL_MS, paramsKey, type Cache, type Cached } from '../cache';
import { StatsStore, type Metric } from './store';

export interface StatsRequest {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  metrics: Metric[];
  resolution: ResolutionRequest;
  intervalMs?: number;
  maxDataPoints: number;
}

export interface Series {
  containerId: string;
  containerName: string | null;
  hostId: string;
  metric: Metric;
  points: [number, number | null][];
}

export interface StatsAnswer {
  resolution: string;
  table: string;
  intervalMs: number;
  fromMs: number;
  toMs: number;
  series: Series[];
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
  ) {}

  query(req: StatsRequest, nowMs = Date.now()): Promise<Cached<StatsAnswer>> {
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
    const key = `stats:range:${paramsKey({ ...req, containers: req.containers?.join(','), metrics: req.metrics.join(','), resolution: choice.resolution, intervalMs })}`;
    return this.cache.getOrLoad(key, CACHE_TTL_MS.statsRange, async () => {
      const rows = await this.store.buckets({
        resolution: choice.resolution,
        containers: req.containers,
        host: req.host,
        fromMs: req.fromMs,
        toMs: req.toMs,
        intervalMs,
        metrics: req.metrics,
      });
      const byKey = new Map<string, Series>();
      for (const row of rows) {
        for (const metric of req.metrics) {
          const id = `${row.host_id}\0${row.container_id}\0${metric}`;
          let series = byKey.get(id);
          if (!series) {
            series = { containerId: row.container_id, containerName: row.name, hostId: row.host_id, metric, points: [] };
            byKey.set(id, series);
          }
          const value = row[metric];
          series.points.push([Number(row.t), value === null || value === undefined ? null : Number(value)]);
        }
      }
      return {
        resolution: choice.resolution,
        table: choice.table,
        intervalMs,
        fromMs: req.fromMs,
        toMs: req.toMs,
        series: [...byKey.values()],
      };
    });
  }
}

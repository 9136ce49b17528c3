// Which stats table serves a time range (GET /stats, docs/architecture.md "The flow"): short
// ranges read raw samples, longer ones the hourly or daily rollups; a range that reaches past a
// table's retention moves coarser.
import { RESOLUTIONS, type Resolution, type ResolutionRequest } from './contract/lists';

export const RESOLUTION_TABLES: Record<Resolution, string> = {
  raw: 'container_stats',
  hourly: 'container_stats_hourly',
  daily: 'container_stats_daily',
};

/** The natural spacing of each table's points. */
export const RESOLUTION_STEP_MS: Record<Resolution, number> = {
  raw: 5_000,
  hourly: 3_600_000,
  daily: 86_400_000,
};

export interface ResolutionPolicy {
  /** Ranges shorter than this read raw samples (default 1 h). */
  rawMaxRangeMs: number;
  /** Ranges up to this read the hourly rollup; longer ones the daily (default 24 h). */
  hourlyMaxRangeMs: number;
  /** How far back each table keeps data; a range starting earlier moves to a coarser table. */
  retentionMs: Record<Resolution, number>;
}

export const DEFAULT_RESOLUTION_POLICY: ResolutionPolicy = {
  rawMaxRangeMs: 3_600_000,
  hourlyMaxRangeMs: 86_400_000,
  retentionMs: { raw: 7 * 86_400_000, hourly: 90 * 86_400_000, daily: 3 * 365 * 86_400_000 },
};

export interface ResolutionChoice {
  resolution: Resolution;
  table: string;
  /** Bucket width of the answer: never finer than the table's own step. */
  intervalMs: number;
}

const ORDER: readonly Resolution[] = RESOLUTIONS;

export function chooseResolution(args: {
  fromMs: number;
  toMs: number;
  nowMs?: number;
  requested?: ResolutionRequest;
  intervalMs?: number;
  maxDataPoints?: number;
  policy?: ResolutionPolicy;
}): ResolutionChoice {
  const policy = args.policy ?? DEFAULT_RESOLUTION_POLICY;
  const nowMs = args.nowMs ?? Date.now();
  const rangeMs = Math.max(0, args.toMs - args.fromMs);
  let resolution: Resolution;
  if (args.requested && args.requested !== 'auto') {
    resolution = args.requested;
  } else {
    resolution = rangeMs < policy.rawMaxRangeMs ? 'raw' : rangeMs <= policy.hourlyMaxRangeMs ? 'hourly' : 'daily';
    // Data older than a table keeps is only in a coarser one.
    let index = ORDER.indexOf(resolution);
    while (index < ORDER.length - 1 && args.fromMs < nowMs - policy.retentionMs[ORDER[index] as Resolution]) index++;
    resolution = ORDER[index] as Resolution;
  }
  const byPoints = args.maxDataPoints && args.maxDataPoints > 0 ? Math.ceil(rangeMs / args.maxDataPoints) : 0;
  const intervalMs = Math.max(RESOLUTION_STEP_MS[resolution], args.intervalMs ?? 0, byPoints);
  return { resolution, table: RESOLUTION_TABLES[resolution], intervalMs };
}

// Cache keys and lifetimes of answers over a time range.
//
// A dashboard on a relative range (now-6h .. now, refreshed every 30 s) sends a new from/to each
// time, so keyed on them as given no refresh ever meets a cached answer. A range that reaches the
// present is therefore widened to whole buckets of the answer's interval (from down, to up to a
// multiple of intervalMs since the epoch, the same grid /stats buckets on: api/src/stats/service.ts
// bucketCount). That changes no bucket an answer has, it only fills the two edge ones, and every
// refresh inside one bucket gets the same key.
//
// Freshness: such an answer holds the newest, still filling bucket (the open one). It is kept only
// OPEN_FRACTION of the bucket's width (a minute per hour; at least OPEN_MIN_TTL_MS, the collector's
// 5 s sample interval; at most OPEN_MAX_TTL_MS, the plain flavour's rollup cadence, past which an
// hourly or daily row has changed anyway), never until the bucket ends: an hourly point is re-read
// every 60 s, a 5-minute one every 5 s. So a cached open bucket lacks at most 1/60 of its width in
// samples. When the open bucket closes, `to` moves into the next one and the key changes with it.
//
// Events, logs and image versions get the same treatment on a grid of their own (listingGridMs).
//
// A range that ended more than SETTLE_MS ago (an absolute range in the past) is kept as given and
// cached for CLOSED_TTL_MS: its rows only change when late rows arrive (a collector replaying its
// spool, the plain flavour's rollup running once a minute).

export const OPEN_FRACTION = 1 / 60;
export const OPEN_MIN_TTL_MS = 5_000;
export const OPEN_MAX_TTL_MS = 60_000;
/** Rows land up to a flush interval (1-5 s) after their time, rollups up to a minute after. */
export const SETTLE_MS = 120_000;
export const CLOSED_TTL_MS = 300_000;

export interface CachedRange {
  /** The range to query and to key on. */
  fromMs: number;
  toMs: number;
  /** How long the answer over it may be served from the cache. */
  ttlMs: number;
  /** True when the range reaches the present (its newest bucket may still fill). */
  open: boolean;
}

/** How long an answer whose newest bucket (of intervalMs) is still filling stays cached. */
export function openBucketTtlMs(intervalMs: number): number {
  return Math.min(OPEN_MAX_TTL_MS, Math.max(OPEN_MIN_TTL_MS, Math.round(intervalMs * OPEN_FRACTION)));
}

/**
 * The range to query and key on, and its TTL. `intervalMs` is the answer's bucket width (/stats) or
 * listingGridMs() (events, logs); `openTtlMs` how long an answer reaching the present is kept.
 */
export function cachedRange(fromMs: number, toMs: number, intervalMs: number, nowMs: number, openTtlMs = openBucketTtlMs(intervalMs)): CachedRange {
  if (toMs < nowMs - SETTLE_MS) return { fromMs, toMs, ttlMs: CLOSED_TTL_MS, open: false };
  return {
    fromMs: Math.floor(fromMs / intervalMs) * intervalMs,
    toMs: Math.ceil(toMs / intervalMs) * intervalMs,
    ttlMs: openTtlMs,
    open: true,
  };
}

/**
 * Listings (events, logs, image versions) have no buckets: a range reaching the present is
 * aligned to 1/720 of its length in whole 5 s steps (30 s for 6 h), so each edge moves by at most
 * that and the oldest edge may show that much more (the newest edge is the present: nothing lies
 * beyond it). Their freshness is the route's own TTL, not a bucket's.
 */
export function listingGridMs(rangeMs: number): number {
  return Math.max(1, Math.ceil(rangeMs / 720 / 5_000)) * 5_000;
}

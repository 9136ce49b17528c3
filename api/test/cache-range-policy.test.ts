// The range policy of api/src/cache/range.ts on fixed times: no server, no clock read.
import { CLOSED_TTL_MS, SETTLE_MS, cachedRange, listingGridMs, openBucketTtlMs } from '@dockpulse/api/cache';
import { bucketCount } from '@dockpulse/api/stats/service';

const HOUR_MS = 3_600_000;
// 2026-12-01T10:17:42.123Z: a quarter past inside an hour, ms not round.
const NOW_MS = Date.UTC(2026, 11, 1, 10, 17, 42, 123);

describe('cachedRange', () => {
  it('widens a range reaching the present to whole buckets, so every refresh inside the open bucket has the same range', () => {
    const refreshes = [0, 30_000, 600_000, 2_537_876].map((later) => cachedRange(NOW_MS + later - 6 * HOUR_MS, NOW_MS + later, HOUR_MS, NOW_MS + later));
    for (const r of refreshes) {
      expect(r).toEqual({ fromMs: Date.UTC(2026, 11, 1, 4), toMs: Date.UTC(2026, 11, 1, 11), ttlMs: 60_000, open: true });
    }
  });

  it('moves to the next range once the present enters the next bucket', () => {
    const next = Date.UTC(2026, 11, 1, 11, 0, 0, 1);
    expect(cachedRange(next - 6 * HOUR_MS, next, HOUR_MS, next)).toMatchObject({ fromMs: Date.UTC(2026, 11, 1, 5), toMs: Date.UTC(2026, 11, 1, 12) });
  });

  it('adds no bucket: the widened range touches the buckets the asked one touches', () => {
    for (const intervalMs of [5_000, 60_000, 300_000, HOUR_MS]) {
      const r = cachedRange(NOW_MS - 6 * HOUR_MS, NOW_MS, intervalMs, NOW_MS);
      expect(bucketCount(r.fromMs, r.toMs, intervalMs)).toBe(bucketCount(NOW_MS - 6 * HOUR_MS, NOW_MS, intervalMs));
      expect(r.fromMs % intervalMs).toBe(0);
      expect(r.toMs % intervalMs).toBe(0);
    }
  });

  it('keeps a range that ended before the settle time as asked, for the closed TTL', () => {
    const toMs = NOW_MS - SETTLE_MS - 1;
    expect(cachedRange(toMs - HOUR_MS, toMs, 60_000, NOW_MS)).toEqual({ fromMs: toMs - HOUR_MS, toMs, ttlMs: CLOSED_TTL_MS, open: false });
    // Inside the settle time the newest bucket may still receive rows: treated as open.
    expect(cachedRange(NOW_MS - SETTLE_MS - HOUR_MS, NOW_MS - SETTLE_MS, 60_000, NOW_MS).open).toBe(true);
  });

  it('takes the TTL the caller gives for listings', () => {
    expect(cachedRange(NOW_MS - 6 * HOUR_MS, NOW_MS, listingGridMs(6 * HOUR_MS), NOW_MS, 10_000)).toEqual({
      fromMs: Date.UTC(2026, 11, 1, 4, 17, 30),
      toMs: Date.UTC(2026, 11, 1, 10, 18, 0),
      ttlMs: 10_000,
      open: true,
    });
  });
});

describe('openBucketTtlMs', () => {
  it('is 1/60 of the bucket, at least the 5 s sample interval, at most a minute', () => {
    expect([5_000, 60_000, 300_000, 600_000, HOUR_MS, 86_400_000].map(openBucketTtlMs)).toEqual([5_000, 5_000, 5_000, 10_000, 60_000, 60_000]);
  });
});

describe('listingGridMs', () => {
  it('is 1/720 of the range in whole 5 s steps', () => {
    expect([60_000, 30 * 60_000, 6 * HOUR_MS, 24 * HOUR_MS, 7 * 24 * HOUR_MS].map(listingGridMs)).toEqual([5_000, 5_000, 30_000, 120_000, 840_000]);
  });
});

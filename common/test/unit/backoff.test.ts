// Pure: the retry delays of the writer and of waitForDatabase.
import { backoffDelayMs } from '@dockpulse/common';

describe('backoff', () => {
  it('grows exponentially up to the cap, with the pick spread over [0, ceiling)', () => {
    const options = { baseMs: 100, capMs: 5_000 };
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 5, 6, 40].map((a) => backoffDelayMs(a, options, top))).toEqual([99, 199, 399, 799, 3199, 4999, 4999]);
    expect(backoffDelayMs(4, options, () => 0)).toBe(0);
    const picks = Array.from({ length: 2000 }, () => backoffDelayMs(3, options));
    expect(Math.max(...picks)).toBeLessThan(800);
    expect(new Set(picks).size).toBeGreaterThan(100); // jittered, not one fixed delay
  });
});

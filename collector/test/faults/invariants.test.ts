import { compareLogLines, compareStatsSlots, runningIntervals, SLOT_MS, tally } from './invariants';

// A fixed slot-aligned origin: these are pure functions of the times they are given.
const T0 = 1_800_000_000_000;

describe('fault-schedule invariants', () => {
  it('counts missing, duplicated and foreign items', () => {
    expect(tally(['a', 'b', 'c', 'd'], ['a', 'b', 'b', 'b', 'x'])).toEqual({
      expected: 4, stored: 4, missing: 2, duplicated: 2, unexpected: 1, missingKeys: ['c', 'd'],
    });
    expect(() => tally(['a', 'a'], [])).toThrow(/distinct/);
  });

  it('holds log lines to the engine order, once each', () => {
    const engine = ['boot 1 line 1', 'boot 1 line 2', 'boot 2 line 1'];
    expect(compareLogLines(engine, engine)).toMatchObject({ expected: 3, stored: 3, missing: 0, duplicated: 0, inOrder: true });
    expect(compareLogLines(engine, ['boot 1 line 2', 'boot 1 line 1', 'boot 2 line 1'])).toMatchObject({ missing: 0, inOrder: false });
    // A line read twice after a resume: a duplicate, and the first occurrences are still in order.
    expect(compareLogLines(engine, ['boot 1 line 1', 'boot 1 line 2', 'boot 1 line 2', 'boot 2 line 1'])).toMatchObject({ duplicated: 1, inOrder: true });
    expect(compareLogLines(engine, ['boot 1 line 1', 'boot 2 line 1'])).toMatchObject({ missing: 1, missingKeys: ['boot 1 line 2'] });
  });

  it('ends running intervals at a die event and at an engine restart', () => {
    const changes = [
      { timeMs: T0, running: true },
      { timeMs: T0 + 11_000, running: false },
      { timeMs: T0 + 11_100, running: true },
      // the engine went away at T0 + 20 s: its die event never arrived
      { timeMs: T0 + 30_000, running: true },
    ];
    expect(runningIntervals(changes, [T0 + 20_000], T0 + 60_000)).toEqual([
      { fromMs: T0, toMs: T0 + 11_000 },
      { fromMs: T0 + 11_100, toMs: T0 + 20_000 },
      { fromMs: T0 + 30_000, toMs: T0 + 60_000 },
    ]);
  });

  it('expects one sample per container in each slot the collector lived through until it had collected, and counts second samples', () => {
    const running = new Map([
      ['c1', [{ fromMs: T0 - 60_000, toMs: T0 + 60_000 }]],
      // starts 0.5 s before the slot at T0 + 10 s: too close to count
      ['c2', [{ fromMs: T0 + 9_500, toMs: T0 + 60_000 }]],
      // dies 0.5 s into the slot at T0 + 15 s, before the slot counts as collected
      ['c3', [{ fromMs: T0 - 60_000, toMs: T0 + 15_500 }]],
    ]);
    // alive from 0.2 s into the first slot to 1.5 s into the fifth: slots 1 to 4 are collected
    const collectorAlive = [{ fromMs: T0 + 200, toMs: T0 + 4 * SLOT_MS + 1_500 }];
    const samples = new Map([
      ['c1', [T0 + 5_010, T0 + 10_020, T0 + 10_900, T0 + 20_010]], // slot 3 (T0 + 15 s) missing, slot 2 twice
      ['c2', [T0 + 10_010, T0 + 15_010, T0 + 20_010]],
      ['c3', [T0 + 5_010, T0 + 10_010]],
    ]);
    const result = compareStatsSlots({ collectorAlive, running, samples, startMarginMs: 1_000, collectedWithinMs: 1_000 });
    expect(result).toMatchObject({ expected: 8, stored: 8, missing: 1, duplicated: 1 });
    expect(result.missingKeys).toEqual([`c1@${new Date(T0 + 15_000).toISOString()}`]);
    expect(result.duplicatedKeys).toEqual([`c1@${new Date(T0 + 10_000).toISOString()}`]);
    // Killed 0.9 s into the slot at T0 + 20 s: that slot expects nothing.
    const killedEarly = compareStatsSlots({ collectorAlive: [{ fromMs: T0 + 200, toMs: T0 + 20_900 }], running, samples, startMarginMs: 1_000, collectedWithinMs: 1_000 });
    expect(killedEarly).toMatchObject({ expected: 6, missing: 1 });
  });
});

// The fault-schedule test's exact invariants, as pure functions of what the engine produced and
// what the database holds, so they are tested on their own (invariants.test.ts) before they judge
// a run. Every comparison gives the same four counts: expected, stored, missing, duplicated.

/** The stats schedule's period (STATS_SCHEDULE `*\/5 * * * * *`). */
export const SLOT_MS = 5_000;

export interface Tally {
  expected: number;
  /** Stored items that match an expected one, duplicates included. */
  stored: number;
  missing: number;
  /** Stored occurrences beyond the first of one item. */
  duplicated: number;
  /** Stored items the engine never produced (or outside the window). */
  unexpected: number;
}

export interface Interval {
  fromMs: number;
  toMs: number;
}

function countBy(keys: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return counts;
}

/** Expected items are distinct keys (numbered log lines, event keys); stored ones may repeat. */
export function tally(expected: readonly string[], stored: readonly string[]): Tally & { missingKeys: string[] } {
  const want = new Set(expected);
  if (want.size !== expected.length) throw new Error('expected items must be distinct');
  const have = countBy(stored);
  const missingKeys = expected.filter((k) => !have.has(k));
  let matched = 0;
  let duplicated = 0;
  let unexpected = 0;
  for (const [k, n] of have) {
    if (n > 1) duplicated += n - 1;
    if (want.has(k)) matched += n;
    else unexpected += n;
  }
  return { expected: expected.length, stored: matched, missing: missingKeys.length, duplicated, unexpected, missingKeys };
}

/**
 * Log lines of one container: the engine's (in the engine's order) against the stored ones (in
 * (time, seq) order). Holds when every line is stored once and the order is the engine's.
 */
export function compareLogLines(engineLines: readonly string[], storedLines: readonly string[]): Tally & { inOrder: boolean; missingKeys: string[] } {
  const t = tally(engineLines, storedLines);
  // Order: the stored lines that are expected, first occurrences only, are a subsequence of the
  // engine's in the same order (exact equality when nothing is missing or extra).
  const position = new Map(engineLines.map((line, i) => [line, i]));
  const seen = new Set<string>();
  let last = -1;
  let inOrder = true;
  for (const line of storedLines) {
    const i = position.get(line);
    if (i === undefined || seen.has(line)) continue;
    seen.add(line);
    if (i < last) inOrder = false;
    last = i;
  }
  return { ...t, inOrder };
}

export const slotOf = (timeMs: number): number => Math.floor(timeMs / SLOT_MS);

/** One container's state changes as the engine reported them. */
export interface StateChange {
  timeMs: number;
  running: boolean;
}

/**
 * Intervals in which a container ran, from its start/die events. `cutsMs` are moments where the
 * engine went away (dockerd stopped): whatever ran is taken as ended there, since the engine's
 * last events before a shutdown never reach a client.
 */
export function runningIntervals(changes: readonly StateChange[], cutsMs: readonly number[], endMs: number): Interval[] {
  const marks = [
    ...changes.map((c) => ({ timeMs: c.timeMs, running: c.running as boolean | 'cut' })),
    ...cutsMs.map((timeMs) => ({ timeMs, running: 'cut' as const })),
  ].sort((a, b) => a.timeMs - b.timeMs);
  const out: Interval[] = [];
  let openedMs: number | undefined;
  for (const m of marks) {
    if (m.running === true) {
      openedMs ??= m.timeMs;
    } else if (openedMs !== undefined) {
      out.push({ fromMs: openedMs, toMs: m.timeMs });
      openedMs = undefined;
    }
  }
  if (openedMs !== undefined) out.push({ fromMs: openedMs, toMs: endMs });
  return out;
}

const covers = (intervals: readonly Interval[], fromMs: number, toMs: number): boolean =>
  intervals.some((i) => i.fromMs <= fromMs && i.toMs >= toMs);

export interface SlotInput {
  /** When the collector ran its schedules: from its start to its kill or stop. */
  collectorAlive: readonly Interval[];
  /** Per container, when it ran. */
  running: ReadonlyMap<string, readonly Interval[]>;
  /** Per container, the stored sample times. */
  samples: ReadonlyMap<string, readonly number[]>;
  /**
   * How long before a slot a container must already run to be sampled in it: a container started
   * just before a cycle may be listed or not, so such a slot counts as neither expected nor missing.
   */
  startMarginMs: number;
  /**
   * By when after its slot starts a cycle has collected its samples (read them and handed them to
   * the writer). A collector alive that long has collected the slot, and a kill after that point
   * must not lose it.
   */
  collectedWithinMs: number;
}

export interface SlotResult extends Tally {
  /** `container@slot start` of each expected slot without a sample. */
  missingKeys: string[];
  /** `container@slot start` of each slot with more than one sample. */
  duplicatedKeys: string[];
}

/**
 * A slot expects one sample of a container when the collector was alive from the slot's start
 * until `collectedWithinMs` into it, and the container ran from `startMarginMs` before the slot to
 * that point. Any slot with two samples of one container is a duplicate, expected or not.
 */
export function compareStatsSlots(input: SlotInput): SlotResult {
  const expectedKeys: string[] = [];
  for (const [container, intervals] of input.running) {
    for (const alive of input.collectorAlive) {
      for (let slot = Math.ceil(alive.fromMs / SLOT_MS); slot * SLOT_MS + input.collectedWithinMs <= alive.toMs; slot++) {
        const fromMs = slot * SLOT_MS;
        if (covers(intervals, fromMs - input.startMarginMs, fromMs + input.collectedWithinMs)) expectedKeys.push(`${container}@${new Date(fromMs).toISOString()}`);
      }
    }
  }
  const storedKeys: string[] = [];
  for (const [container, times] of input.samples) {
    for (const t of times) storedKeys.push(`${container}@${new Date(slotOf(t) * SLOT_MS).toISOString()}`);
  }
  const t = tally(expectedKeys, storedKeys);
  const duplicatedKeys = [...countBy(storedKeys)].filter(([, n]) => n > 1).map(([k]) => k);
  // Samples in slots that expected none (collector starting, container restarting) are allowed.
  return { ...t, unexpected: 0, duplicatedKeys };
}

/** One line for the report: `what: expected E, stored S, missing M, duplicated D`. */
export function formatTally(what: string, t: Tally): string {
  return `${what}: expected ${t.expected}, stored ${t.stored}, missing ${t.missing}, duplicated ${t.duplicated}` +
    (t.unexpected ? `, not produced by the engine ${t.unexpected}` : '');
}

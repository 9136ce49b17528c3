export interface BackoffOptions {
  /** First retry waits up to this long. */
  baseMs: number;
  /** No retry waits longer than this, however long the outage. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/**
 * Capped exponential backoff with full jitter (a uniform pick in [0, min(cap, base * 2^attempt)]):
 * many collectors that lost the same database do not all come back at the same instant.
 */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceilingMs = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceilingMs);
}

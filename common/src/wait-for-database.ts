// A process that starts before its database (compose starts them together; a remote collector's
// central database may be restarting) waits for it with backoff instead of exiting at the first
// refused connection, for a bounded time, and then fails naming the last error.
import type { Pool } from 'pg';
import { backoffDelayMs, type BackoffOptions } from './backoff';
import { isConnectionError } from './db';
import type { Logger } from './logger';

export interface WaitForDatabaseOptions {
  /** Give up after this long; the error then names the last failure. */
  timeoutMs: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  /** What to call the database in messages (a URL without its password). */
  target?: string;
  /** Injected in tests: the clock and the pause between attempts. */
  nowMs?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class DatabaseUnavailableError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

/**
 * True when another attempt may succeed: the server is not (yet) there, or says it is starting
 * up or shutting down (SQLSTATE 57P01-57P03, in isConnectionError). A wrong database name or
 * password is not: it fails the same way every time.
 */
export function isTransientStartupError(error: unknown): boolean {
  return isConnectionError(error);
}

/**
 * Resolves once `SELECT 1` succeeds. Connection errors are retried with capped exponential
 * backoff and jitter until `timeoutMs` has passed; anything else (a wrong password, a missing
 * role) fails at once, since waiting cannot fix it. Returns the number of attempts made.
 */
export async function waitForDatabase(pool: Pool, options: WaitForDatabaseOptions): Promise<number> {
  const nowMs = options.nowMs ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const backoff = options.backoff ?? { baseMs: 250, capMs: 5_000 };
  const target = options.target ?? 'the database';
  const deadline = nowMs() + options.timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await pool.query('SELECT 1');
      if (attempt > 1) options.logger?.info({ attempts: attempt }, `${target} answers`);
      return attempt;
    } catch (error) {
      const text = (error as Error).message ?? String(error);
      if (!isTransientStartupError(error)) {
        throw new DatabaseUnavailableError(`${target} refused the connection: ${text}`, attempt, error);
      }
      const delayMs = Math.max(50, backoffDelayMs(attempt - 1, backoff, options.random));
      if (nowMs() + delayMs > deadline) {
        throw new DatabaseUnavailableError(
          `${target} did not answer within ${Math.round(options.timeoutMs / 1000)} s (${attempt} attempts); last error: ${text}`,
          attempt,
          error,
        );
      }
      options.logger?.warn({ attempt, retryInMs: delayMs, error: text }, `${target} is not reachable yet: waiting`);
      await sleep(delayMs);
    }
  }
}

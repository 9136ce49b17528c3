// Pure: a fake pool and an injected clock, so no server and no real waiting.
import type { Pool } from 'pg';
import pino from 'pino';
import { DatabaseUnavailableError, waitForDatabase } from '@dockpulse/common';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const startingUp = () => Object.assign(new Error('the database system is starting up'), { code: '57P03' });

function fakePool(answers: (() => Error | undefined)[]): { pool: Pool; calls: () => number } {
  let calls = 0;
  const pool = {
    query: async () => {
      const answer = answers[Math.min(calls, answers.length - 1)]?.();
      calls += 1;
      if (answer) throw answer;
      return { rows: [{ '?column?': 1 }] };
    },
  } as unknown as Pool;
  return { pool, calls: () => calls };
}

function fakeClock() {
  let now = 1_000_000;
  const pauses: number[] = [];
  return {
    nowMs: () => now,
    sleep: async (ms: number) => {
      pauses.push(ms);
      now += ms;
    },
    pauses,
  };
}

describe('waitForDatabase', () => {
  it('retries refused connections and "starting up" answers with growing pauses until the server answers', async () => {
    const { pool, calls } = fakePool([refused, refused, startingUp, refused, () => undefined]);
    const clock = fakeClock();
    const lines: { msg: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const attempts = await waitForDatabase(pool, {
      timeoutMs: 60_000, backoff: { baseMs: 1000, capMs: 8000 }, logger, target: 'postgres://w@db/dockpulse',
      random: () => 0.999, ...clock,
    });
    expect(attempts).toBe(5);
    expect(calls()).toBe(5);
    expect(clock.pauses).toEqual([999, 1998, 3996, 7992]);
    expect(lines.map((l) => l.msg)).toEqual([
      ...Array(4).fill('postgres://w@db/dockpulse is not reachable yet: waiting'),
      'postgres://w@db/dockpulse answers',
    ]);
  });

  it('gives up after the timeout, naming the target, the attempts and the last error', async () => {
    const { pool } = fakePool([refused]);
    const clock = fakeClock();
    const waiting = waitForDatabase(pool, { timeoutMs: 10_000, backoff: { baseMs: 1000, capMs: 4000 }, target: 'db:5432', random: () => 0.999, ...clock });
    await expect(waiting).rejects.toThrow(DatabaseUnavailableError);
    await expect(waiting).rejects.toThrow('db:5432 did not answer within 10 s (4 attempts); last error: connect ECONNREFUSED 127.0.0.1:5432');
    expect(clock.pauses.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it('fails at once on an error that waiting cannot fix (wrong password)', async () => {
    const denied = () => Object.assign(new Error('password authentication failed for user "dockpulse_writer"'), { code: '28P01' });
    const { pool, calls } = fakePool([denied]);
    const clock = fakeClock();
    await expect(waitForDatabase(pool, { timeoutMs: 60_000, target: 'db', ...clock })).rejects.toThrow(
      'db refused the connection: password authentication failed for user "dockpulse_writer"',
    );
    expect(calls()).toBe(1);
    expect(clock.pauses).toEqual([]);
  });
});

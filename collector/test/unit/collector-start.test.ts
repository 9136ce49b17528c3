// A collector started before its engine waits for it (counted, logged) instead of exiting.
import pino from 'pino';
import type { Pool } from 'pg';
import { Collector } from '@dockpulse/collector/collector';
import type { Engine } from '@dockpulse/collector/docker/client';
import { fixture } from '../fixtures';

it('init retries /info with backoff until the engine answers, then takes the host id from it', async () => {
  let calls = 0;
  const no = () => Promise.reject(new Error('not used'));
  const engine: Engine = {
    apiVersion: no, listContainers: no, inspect: no, stats: no, listImages: no, events: no, logs: no,
    info: async () => {
      calls += 1;
      if (calls <= 2) throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
      return fixture('v1-info.json');
    },
  };
  const pool = { query: async () => ({ rows: [] }) } as unknown as Pool;
  const collector = new Collector({
    engine, pool, sink: { write: () => undefined }, logger: pino({ level: 'silent' }),
    schedules: { stats: '* * * * * *', status: '* * * * * *', images: '* * * * * *', maintenance: '* * * * * *' },
    statsConcurrency: 4, collectLogs: false, logRateLimitLinesPerSec: 10, logMaxLineBytes: 100, partitionsAheadDays: 1,
    retentionMs: { raw: 1, hourly: 1, daily: 1, logs: 1, events: 1 }, version: 't', reconnectInitialMs: 10,
  });
  await collector.init();
  expect(calls).toBe(3);
  expect(collector.hostId).toBe(fixture<{ ID: string }>('v1-info.json').ID);
  expect(collector.metrics.errorsTotal).toBe(2);
  expect(collector.metrics.lastError).toMatch(/host: connect ENOENT/);
});

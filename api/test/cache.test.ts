import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import pino from 'pino';
import { RedisBackend } from '@dockpulse/api/cache/backend';
import { NEAR_MAX_MS } from '@dockpulse/api/cache/cache';
import { createPool } from '@dockpulse/common';
import { createTestDatabase } from '@dockpulse/common/testing';
import { freePort, startThrowawayPostgres, throwawayPostgresUnavailable, type ThrowawayPostgres } from '@dockpulse/common/testing-postgres';
import { FLEET, HOSTS } from './helpers/fleet';
import { REDIS_URL, startHarness, startWithDatabase, type Harness } from './helpers/harness';
import { samples, seed } from './helpers/seed';

const web = FLEET[0]!;

describe('cache with the shared Redis', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startWithDatabase({ cache: 'redis', config: { queryTimeoutMs: 300 } });
    redis = new Redis(REDIS_URL);
    await seed(h.writerPool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
      for (const s of samples(web.host_id, web.container_id, 0, Date.now() - 30_000, 3)) write('container_stats', s);
    });
  });
  afterAll(async () => {
    redis.disconnect();
    await h.close();
  });

  it('answers a hit without touching the database, with the same body as the miss', async () => {
    const first = await h.get('/api/v1/containers?host=h1&limit=3');
    expect(first.headers.get('x-cache')).toBe('miss');
    h.resetQueries();
    const second = await h.get('/api/v1/containers?host=h1&limit=3');
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(h.queries()).toBe(0);
    expect(second.body).toEqual(first.body);
    const ttl = await redis.pttl(`${h.config.cache.keyPrefix}containers:list:{"host":"h1","limit":3,"offset":0}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(10_000);
  });

  it('expires stats/latest after its 2 s TTL in Redis and then shows the newer sample', async () => {
    const before = await h.get(`/api/v1/containers/${web.container_id}/stats/latest`);
    const newer = samples(web.host_id, web.container_id, 0, Date.now(), 1)[0]!;
    await seed(h.writerPool, (write) => write('container_stats', newer));
    const cached = await h.get(`/api/v1/containers/${web.container_id}/stats/latest`);
    expect(cached.headers.get('x-cache')).toBe('hit');
    expect(cached.body.sample.time).toBe(before.body.sample.time);
    await new Promise((r) => setTimeout(r, 2_100));
    const fresh = await h.get(`/api/v1/containers/${web.container_id}/stats/latest`);
    expect(fresh.headers.get('x-cache')).toBe('miss');
    expect(fresh.body.sample.time).toBe(newer.time.toISOString());
  });

  it('makes one database query for 25 concurrent misses of one key', async () => {
    h.resetQueries();
    const answers = await Promise.all(Array.from({ length: 25 }, () => h.get('/api/v1/containers?state=paused')));
    expect(h.queries()).toBe(1);
    for (const a of answers) expect(a.body.items.map((i: { name: string }) => i.name)).toEqual(['cron']);
  });

  it('answers 504 when a query runs past QUERY_TIMEOUT', async () => {
    // The writer holds the lock, as a long rollup or migration would.
    const locker = new Client({ connectionString: h.writerPool.options.connectionString });
    await locker.connect();
    await locker.query('BEGIN; LOCK TABLE container_info IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await h.get('/api/v1/containers?name=nothing-cached-under-this');
      expect(res.status).toBe(504);
      expect(res.body.error.code).toBe('query_timeout');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
  });
});

describe('a Redis that dies mid-test', () => {
  let h: Harness & { db: { url: string } };
  let server: ChildProcess;
  let redisUrl = '';
  const until = async (ok: () => boolean, what: string) => {
    for (let i = 0; !ok(); i++) {
      if (i > 300) throw new Error(`gave up waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  beforeAll(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    for (let i = 0; i < 50; i++) {
      if (await probe.ping().then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    redisUrl = `redis://127.0.0.1:${port}`;
    h = await startWithDatabase({ cache: 'redis', redisUrl });
    await seed(h.writerPool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
    });
  });
  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await h.close();
  });

  it('keeps answering correctly from the database after Redis is killed, and a command to the dead Redis fails at once', async () => {
    const cached = await h.get('/api/v1/containers?state=running');
    expect((await h.get('/api/v1/containers?state=running')).headers.get('x-cache')).toBe('hit');
    // A second client of the same kind the API uses, to see how a command fails once Redis is gone.
    const backend = new RedisBackend({ url: redisUrl, logger: pino({ level: 'silent' }) });
    try {
      await until(() => backend.client.status === 'ready', 'the probe client to connect');
      server.kill('SIGKILL');
      await new Promise((r) => server.once('exit', r));
      await until(() => backend.client.status !== 'ready', 'the probe client to see Redis gone');
      // Refused by the client, not timed out: a request never waits for a reconnect (no offline queue).
      await expect(backend.get('any')).rejects.toThrow(/enableOfflineQueue/);
    } finally {
      await backend.close();
    }
    // The API's near copy (api/src/cache/cache.ts) may answer for NEAR_MAX_MS more; after it, the database does.
    await new Promise((r) => setTimeout(r, NEAR_MAX_MS + 50));
    for (let i = 0; i < 3; i++) {
      const res = await h.get('/api/v1/containers?state=running');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('miss');
      expect(res.body).toEqual(cached.body);
    }
    expect((await h.get('/api/v1/health')).body).toMatchObject({ status: 'degraded', database: { ok: true }, cache: { backend: 'redis', ok: false } });
  });
});

const noPostgres = throwawayPostgresUnavailable();
(noPostgres ? describe.skip : describe)(`a database that stops${noPostgres ? ` (skipped: ${noPostgres})` : ''}`, () => {
  let pg: ThrowawayPostgres;
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    pg = await startThrowawayPostgres({ settings: { fsync: 'off' } });
    // The API's pool gives up on a dead server after 1 s, so the test sees 503 quickly.
    const db = await createTestDatabase({ serverUrl: pg.url });
    const pool = createPool({ connectionString: db.readerUrl, max: 3, connectionTimeoutMillis: 1_000 });
    h = await startHarness({ databaseUrl: db.readerUrl, writerUrl: db.url, cache: 'redis', pool });
    await seed(h.writerPool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
    });
    redis = new Redis(REDIS_URL);
  }, 120_000);
  afterAll(async () => {
    redis.disconnect();
    await h.close();
    await h.pool.end();
    await pg.destroy();
  });

  it('answers the last cached copy marked stale, 503 without one, and recovers', async () => {
    const good = await h.get('/api/v1/containers?host=h2');
    expect(good.status).toBe(200);
    await pg.stop();
    // The fresh copy expires (as after its 10 s TTL); the longer-lived stale copy remains.
    await redis.del(`${h.config.cache.keyPrefix}containers:list:{"host":"h2","limit":50,"offset":0}`);
    await new Promise((r) => setTimeout(r, NEAR_MAX_MS + 50)); // and the API's near copy of it
    const stale = await h.get('/api/v1/containers?host=h2');
    expect(stale.status).toBe(200);
    expect(stale.headers.get('x-cache')).toBe('stale');
    expect(stale.body).toEqual({ ...good.body, stale: true });

    const uncached = await h.get('/api/v1/containers?host=h1');
    expect(uncached.status).toBe(503);
    expect(uncached.body.error.code).toBe('database_unavailable');
    const health = await h.get('/api/v1/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', database: { ok: false } });

    await pg.start();
    const back = await h.get('/api/v1/containers?host=h1');
    expect(back.status).toBe(200);
    expect(back.body.total).toBe(FLEET.filter((c) => c.host_id === 'h1').length);
  }, 120_000);
});

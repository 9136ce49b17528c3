import { spawn, type ChildProcess } from 'node:child_process';
import { Client } from 'pg';
import { Redis } from 'ioredis';
import { createPool, migrate } from '@dockpulse/common';
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
    await seed(h.pool, (write) => {
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
    await seed(h.pool, (write) => write('container_stats', newer));
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
    const locker = new Client({ connectionString: h.pool.options.connectionString });
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
  beforeAll(async () => {
    const port = await freePort();
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
    for (let i = 0; i < 50; i++) {
      if (await probe.ping().then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    probe.disconnect();
    h = await startWithDatabase({ cache: 'redis', redisUrl: `redis://127.0.0.1:${port}` });
    await seed(h.pool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
    });
  });
  afterAll(async () => {
    if (server.exitCode === null) server.kill('SIGKILL');
    await h.close();
  });

  it('keeps answering correctly from the database, quickly, after Redis is killed', async () => {
    const cached = await h.get('/api/v1/containers?state=running');
    expect((await h.get('/api/v1/containers?state=running')).headers.get('x-cache')).toBe('hit');
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await h.get('/api/v1/containers?state=running');
      expect(res.status).toBe(200);
      expect(res.headers.get('x-cache')).toBe('miss');
      expect(res.body).toEqual(cached.body);
      expect(Date.now() - started).toBeLessThan(1_000);
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
    const pool = createPool({ connectionString: pg.url, max: 3, connectionTimeoutMillis: 1_000 });
    await migrate(pool, { storage: 'postgres' });
    await seed(pool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
    });
    h = await startHarness({ databaseUrl: pg.url, cache: 'redis', pool });
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

// The cache as dashboards use it (api/src/cache/range.ts, cache.ts), against the real Redis and the
// real PostgreSQL: relative ranges share a key within a bucket, the newest bucket is re-read, keys
// start with the prefix, stale copies stay bounded, and a hit sends the miss's bytes.
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Cache, CLOSED_TTL_MS, MemoryBackend, NEAR_MAX_MS, OPEN_MIN_TTL_MS, RedisBackend, openBucketTtlMs } from '@dockpulse/api/cache';
import { FLEET, HOSTS } from './helpers/fleet';
import { REDIS_URL, startWithDatabase, type Harness } from './helpers/harness';
import { samples, seed } from './helpers/seed';

const HOUR_MS = 3_600_000;
const web = FLEET[0]!;
const silent = pino({ level: 'silent' });

async function raw(h: Harness, path: string, headers: Record<string, string> = {}): Promise<{ status: number; cache: string | null; etag: string | null; bytes: Buffer }> {
  const res = await fetch(h.base + path, { headers });
  return { status: res.status, cache: res.headers.get('x-cache'), etag: res.headers.get('etag'), bytes: Buffer.from(await res.arrayBuffer()) };
}

const statsPath = (fromMs: number, toMs: number, extra = '') => `/api/v1/stats?containers=${web.container_id}&metrics=cpu_percent&from=${fromMs}&to=${toMs}${extra}`;

describe('ranges reaching the present, with the shared Redis', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startWithDatabase({ cache: 'redis' });
    redis = new Redis(REDIS_URL);
    await seed(h.writerPool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
      for (const s of samples(web.host_id, web.container_id, 0, Date.now() - 20 * 60_000, 200)) write('container_stats', s);
    });
  });
  afterAll(async () => {
    redis.disconnect();
    await h.close();
  });

  it('gives two refreshes of now-6h inside one hourly bucket the same key: the second is a hit with the bytes and ETag of the miss', async () => {
    const nowMs = Date.now();
    const bucketStartMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS;
    // Both ends inside the open hour: as two viewers' refreshes a few minutes apart would send them.
    const laterMs = nowMs + Math.floor((bucketStartMs + HOUR_MS - nowMs) / 2);
    const first = await raw(h, statsPath(nowMs - 6 * HOUR_MS, nowMs));
    h.resetQueries();
    const second = await raw(h, statsPath(laterMs - 6 * HOUR_MS, laterMs, '&maxDataPoints=640'));
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(h.queries()).toBe(0);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.etag).toBe(first.etag);
    const answer = JSON.parse(first.bytes.toString('utf8'));
    expect(answer).toMatchObject({ resolution: 'hourly', intervalMs: HOUR_MS, fromMs: bucketStartMs - 6 * HOUR_MS, toMs: bucketStartMs + HOUR_MS });
    // The copy lives as long as the open bucket may stay unread (a minute of the hour), not until the hour ends.
    const keys = await redis.keys(`${h.config.cache.keyPrefix}stats:range:*`);
    expect(keys).toHaveLength(1);
    const ttlMs = await redis.pttl(keys[0]!);
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(openBucketTtlMs(HOUR_MS));

    // node's http, not fetch: fetch adds Cache-Control: no-cache to a conditional request.
    const notModified = await new Promise<{ status?: number; length: number }>((resolve, reject) => {
      httpGet(h.base + statsPath(nowMs - 6 * HOUR_MS, nowMs), { headers: { 'If-None-Match': first.etag! } }, (res) => {
        let length = 0;
        res.on('data', (chunk: Buffer) => (length += chunk.length));
        res.on('end', () => resolve({ status: res.statusCode, length }));
      }).on('error', reject);
    });
    expect(notModified).toEqual({ status: 304, length: 0 });
  });

  it('answers a request whose end lies in the next bucket afresh, under its own key', async () => {
    const nowMs = Date.now();
    const nextBucketMs = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS + 1_000;
    await raw(h, statsPath(nowMs - 6 * HOUR_MS, nowMs));
    const next = await raw(h, statsPath(nextBucketMs - 6 * HOUR_MS, nextBucketMs));
    expect(next.cache).toBe('miss');
    expect(JSON.parse(next.bytes.toString('utf8')).toMs).toBe(Math.ceil(nextBucketMs / HOUR_MS) * HOUR_MS);
  });

  it('re-reads the newest, still filling bucket after a few seconds instead of serving it until the bucket ends', async () => {
    const path = () => {
      const nowMs = Date.now();
      return statsPath(nowMs - 30 * 60_000, nowMs, '&resolution=raw&intervalMs=60000');
    };
    const before = await raw(h, path());
    const key = (await redis.keys(`${h.config.cache.keyPrefix}stats:range:*"intervalMs":60000*`))[0]!;
    expect(await redis.pttl(key)).toBeLessThanOrEqual(OPEN_MIN_TTL_MS);
    const lastPoint = (bytes: Buffer) => (JSON.parse(bytes.toString('utf8')).series[0].points as [number, number][]).at(-1)!;
    // A sample far above the others lands in the open minute.
    const spike = { ...samples(web.host_id, web.container_id, 0, Date.now(), 1)[0]!, cpu_percent: 5_000 };
    await seed(h.writerPool, (write) => write('container_stats', spike));
    for (let i = 0; (await redis.exists(key)) === 1; i++) {
      if (i > 200) throw new Error('the open-bucket copy never expired');
      await new Promise((r) => setTimeout(r, 50));
    }
    const after = await raw(h, path());
    expect(after.cache).toBe('miss');
    const [bucketMs, value] = lastPoint(after.bytes);
    expect(bucketMs).toBe(Math.floor(spike.time.getTime() / 60_000) * 60_000);
    expect(value).toBeGreaterThan(lastPoint(before.bytes)[1]);
  });

  it('keeps a range that ended long ago as asked (no widening), for the closed-range TTL', async () => {
    const toMs = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS + 17_000;
    const first = await raw(h, statsPath(toMs - 6 * HOUR_MS, toMs));
    expect(JSON.parse(first.bytes.toString('utf8'))).toMatchObject({ fromMs: toMs - 6 * HOUR_MS, toMs });
    const key = (await redis.keys(`${h.config.cache.keyPrefix}stats:range:*"toMs":${toMs}*`))[0]!;
    expect(await redis.pttl(key)).toBeGreaterThan(openBucketTtlMs(HOUR_MS));
    expect(await redis.pttl(key)).toBeLessThanOrEqual(CLOSED_TTL_MS);
  });

  it('aligns the events of a refreshing window too: the second refresh is a hit', async () => {
    const nowMs = Date.now();
    const first = await raw(h, `/api/v1/events?from=${nowMs - 6 * HOUR_MS}&to=${nowMs}`);
    const second = await raw(h, `/api/v1/events?from=${nowMs - 6 * HOUR_MS + 1}&to=${nowMs + 1}`);
    // 30 s grid for 6 h: the two ends stay in one step unless a step boundary falls between them.
    const sameStep = Math.floor((nowMs - 6 * HOUR_MS) / 30_000) === Math.floor((nowMs - 6 * HOUR_MS + 1) / 30_000) && Math.ceil(nowMs / 30_000) === Math.ceil((nowMs + 1) / 30_000);
    expect([first.cache, second.cache]).toEqual(['miss', sameStep ? 'hit' : 'miss']);
    expect(second.bytes.equals(first.bytes)).toBe(sameStep);
  });

  it('puts the prefix first in every key it writes, stale copies included', async () => {
    const prefix = h.config.cache.keyPrefix;
    await raw(h, '/api/v1/containers?host=h1&limit=2');
    const mine = await redis.keys(`*${prefix}*`);
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.filter((k) => !k.startsWith(prefix))).toEqual([]);
    expect(await redis.keys(`${prefix}stale:containers:list:*`)).toHaveLength(1);
    expect(await redis.exists(`${prefix}stale-index`)).toBe(1);
  });
});

describe('stale copies in the real Redis', () => {
  let redis: Redis;
  let backend: RedisBackend;
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  beforeAll(async () => {
    redis = new Redis(REDIS_URL);
    backend = new RedisBackend({ url: REDIS_URL, logger: silent });
    await new Promise((resolve) => backend.client.once('ready', resolve));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await backend.close();
  });

  it('keeps at most CACHE_STALE_MAX_COPIES of them, dropping the soonest-expiring, and still falls back to a kept one', async () => {
    const cache = new Cache(backend, { enabled: true, keyPrefix: prefix, staleTtlMs: 3_600_000, maxStaleCopies: 5 }, silent);
    for (let i = 0; i < 12; i++) {
      await cache.getOrLoad(`k${String(i).padStart(2, '0')}`, 60_000, async () => ({ i }));
      // Distinct write times: the index orders by expiry, which Redis' clock gives in ms.
      await new Promise((r) => setTimeout(r, 3));
    }
    const stale = (await redis.keys(`${prefix}stale:*`)).sort();
    expect(stale).toEqual(['k07', 'k08', 'k09', 'k10', 'k11'].map((k) => `${prefix}stale:${k}`));
    expect(await redis.zcard(`${prefix}stale-index`)).toBe(5);
    // Fresh copies are not bounded by it (their TTL is short), and they hold the answers.
    expect((await redis.keys(`${prefix}k*`)).length).toBe(12);
    const indexTtlMs = await redis.pttl(`${prefix}stale-index`);
    expect(indexTtlMs).toBeGreaterThan(3_500_000);
    expect(indexTtlMs).toBeLessThanOrEqual(3_600_000);

    const outage = async () => {
      throw new Error('database down');
    };
    await redis.del(`${prefix}k11`, `${prefix}k00`);
    await new Promise((r) => setTimeout(r, NEAR_MAX_MS + 50)); // the process' own near copies go too
    const kept = await cache.getOrLoad('k11', 60_000, outage);
    expect(kept.source).toBe('stale');
    expect(kept.value).toEqual({ i: 11 });
    await expect(cache.getOrLoad('k00', 60_000, outage)).rejects.toThrow('database down');
  });

  it('rewriting a key moves its stale copy to the back instead of adding one', async () => {
    const cache = new Cache(backend, { enabled: true, keyPrefix: `${prefix}re:`, staleTtlMs: 3_600_000, maxStaleCopies: 3 }, silent);
    for (const k of ['a', 'b', 'c']) await cache.getOrLoad(k, 1, async () => k);
    await new Promise((r) => setTimeout(r, 5));
    await cache.getOrLoad('a', 1, async () => 'a2');
    await cache.getOrLoad('d', 1, async () => 'd');
    expect((await redis.keys(`${prefix}re:stale:*`)).sort()).toEqual(['a', 'c', 'd'].map((k) => `${prefix}re:stale:${k}`));
  });
});

describe('near copies in front of the real Redis', () => {
  let redis: Redis;
  const backends: RedisBackend[] = [];
  const prefix = `t${randomBytes(4).toString('hex')}:`;
  const open = async () => {
    const backend = new RedisBackend({ url: REDIS_URL, logger: silent });
    backends.push(backend);
    await new Promise((resolve) => backend.client.once('ready', resolve));
    return new Cache(backend, { enabled: true, keyPrefix: prefix, staleTtlMs: 60_000 }, silent);
  };
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    await Promise.all(backends.map((b) => b.close()));
  });

  it('answers a repeated hit from the process without asking Redis, and never past the Redis copy\'s expiry', async () => {
    const writer = await open();
    const reader = await open();
    expect((await writer.getOrLoad('k', 400, async () => 'v1')).source).toBe('miss');
    // Another process reads it from Redis, with its remaining TTL...
    expect((await reader.getOrLoad('k', 400, async () => 'from the database')).source).toBe('hit');
    await redis.del(`${prefix}k`);
    // ...and answers it again from its near copy: Redis no longer has it.
    const near = await reader.getOrLoad('k', 400, async () => 'from the database');
    expect([near.source, near.value]).toEqual(['hit', 'v1']);
    await new Promise((r) => setTimeout(r, 450));
    // The Redis copy would have expired by now: the near one did too.
    const after = await reader.getOrLoad('k', 400, async () => 'v2');
    expect([after.source, after.value]).toEqual(['miss', 'v2']);
  });
});

describe('the in-process backend, on a simulated clock', () => {
  it('expires fresh and stale copies by the injected clock and bounds the stale ones too', async () => {
    let nowMs = 1_000_000;
    const clock = () => nowMs;
    const cache = new Cache(new MemoryBackend({ clock }), { enabled: true, keyPrefix: 'p:', staleTtlMs: 60_000, maxStaleCopies: 2 }, silent, clock);
    for (const k of ['a', 'b', 'c']) await cache.getOrLoad(k, 10_000, async () => k);
    expect((await cache.getOrLoad('a', 10_000, async () => 'reloaded')).source).toBe('hit');
    nowMs += 10_001;
    const outage = async (): Promise<string> => {
      throw new Error('down');
    };
    // The fresh copies are gone; of the stale copies, 'a' was dropped by the bound of 2.
    await expect(cache.getOrLoad('a', 10_000, outage)).rejects.toThrow('down');
    expect((await cache.getOrLoad('c', 10_000, outage)).source).toBe('stale');
    nowMs += 60_000;
    await expect(cache.getOrLoad('c', 10_000, outage)).rejects.toThrow('down');
  });
});

// Runs the real app in-process on 127.0.0.1 port 0 against a real PostgreSQL test database and,
// when asked, a real Redis. Every query through the pool is counted, so tests can see whether a
// request reached the database.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { createLogger, createPool, type Logger } from '@dockpulse/common';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { createApp, type BuiltApp } from '@dockpulse/api/app';
import { Cache, MemoryBackend, RedisBackend, type CacheBackend } from '@dockpulse/api/cache';
import { testConfig, type ApiConfig } from '@dockpulse/api/config';
import { createReadPool, type ReadPool } from '@dockpulse/api/db/read-pool';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

// Answers are checked field by field by the tests' assertions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Body = any;

export interface Harness {
  base: string;
  /** The API's own pool, as the read-only role (as in the stack). */
  pool: Pool;
  /** The API's reads: the replica of config.databaseReadUrl when set, this pool otherwise. */
  reads: ReadPool;
  /** As the writer role, for seeding and rollups: what the collector would have written. */
  writerPool: Pool;
  cache: Cache;
  config: ApiConfig;
  built: BuiltApp;
  server: Server;
  /** Queries sent through the app's pool (the primary) since the last reset. */
  queries(): number;
  resetQueries(): void;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: Body }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** The API's database URL; startWithDatabase gives it the reader role's. */
  databaseUrl: string;
  /** Where seeds are written; the API's URL when unset. */
  writerUrl?: string;
  cache?: 'redis' | 'memory' | 'off';
  redisUrl?: string;
  config?: Partial<ApiConfig>;
  pool?: Pool;
  logger?: Logger;
}

export function countQueries(pool: Pool): { count(): number; reset(): void } {
  let n = 0;
  const original = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  (pool as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    n++;
    return original(...args);
  };
  return { count: () => n, reset: () => (n = 0) };
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const config = testConfig({
    databaseUrl: options.databaseUrl,
    // A fresh prefix per harness: test files share one Redis and must not see each other's keys.
    cache: { enabled: options.cache !== 'off', keyPrefix: `t${randomBytes(4).toString('hex')}:`, staleTtlMs: 3_600_000 },
    ...options.config,
  });
  const logger = options.logger ?? createLogger('api-test', 'silent');
  const pool = options.pool ?? createPool({ connectionString: options.databaseUrl, max: 5, statementTimeoutMs: config.queryTimeoutMs });
  const counter = countQueries(pool);
  const writerPool = options.writerUrl ? createPool({ connectionString: options.writerUrl, max: 3 }) : pool;
  const backend: CacheBackend =
    options.cache === 'redis' ? new RedisBackend({ url: options.redisUrl ?? REDIS_URL, logger }) : new MemoryBackend();
  if (backend instanceof RedisBackend && backend.client.status !== 'ready') {
    // Without the offline queue, commands before the first connect fail (as they should in
    // production); tests want a warm connection so their first request is cached.
    await new Promise((resolve) => backend.client.once('ready', resolve));
  }
  const cache = new Cache(backend, config.cache, logger);
  const reads = createReadPool(config, pool, logger);
  const built = createApp({ pool, reads, cache, config, logger });
  const server = await new Promise<Server>((resolve) => {
    const s = built.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    pool,
    reads,
    writerPool,
    cache,
    config,
    built,
    server,
    queries: counter.count,
    resetQueries: counter.reset,
    async get(path, headers = {}) {
      const res = await fetch(base + path, { headers });
      const text = await res.text();
      let body: unknown = text;
      if ((res.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
      return { status: res.status, headers: res.headers, body };
    },
    async close() {
      built.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await cache.close();
      await reads.end();
      if (!options.pool) await pool.end();
      if (writerPool !== pool) await writerPool.end();
    },
  };
}

/**
 * A migrated test database with the harness on top, the API on the reader role and seeds by the
 * writer, as in the stack; `close` removes both. `serverUrl` picks another server (a throwaway one).
 */
export async function startWithDatabase(
  options: Omit<HarnessOptions, 'databaseUrl' | 'writerUrl'> & { serverUrl?: string } = {},
): Promise<Harness & { db: TestDatabase }> {
  const { serverUrl, ...rest } = options;
  const db = await createTestDatabase(serverUrl ? { serverUrl } : {});
  const h = await startHarness({ ...rest, databaseUrl: db.readerUrl, writerUrl: db.url });
  return {
    ...h,
    db,
    async close() {
      await h.close();
      await db.drop();
    },
  };
}

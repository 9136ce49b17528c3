// Where cached answers live: Redis when REDIS_URL is set, else an in-process LRU with the same
// TTLs. Both only store strings; the Cache in ./cache.ts does (de)serialisation and policy.
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { redactUrl, type Logger } from '@dockpulse/common';

export interface CacheEntry {
  key: string;
  value: string;
  ttlMs: number;
}

export interface CacheBackend {
  readonly kind: 'redis' | 'memory';
  /** Throws when the backend is unreachable; the caller treats that as a miss. */
  get(key: string): Promise<string | undefined>;
  set(entries: CacheEntry[]): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, string>;

  constructor(maxEntries = 10_000) {
    this.lru = new LRUCache<string, string>({ max: maxEntries, ttlAutopurge: false });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async set(entries: CacheEntry[]): Promise<void> {
    for (const e of entries) this.lru.set(e.key, e.value, { ttl: e.ttlMs });
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.lru.clear();
  }
}

export interface RedisBackendOptions {
  url: string;
  logger: Logger;
  /** A command slower than this fails (and the request goes to the database). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export class RedisBackend implements CacheBackend {
  readonly kind = 'redis';
  readonly client: Redis;
  private lastErrorLogMs = 0;

  constructor(options: RedisBackendOptions) {
    const logger = options.logger;
    this.client = new Redis(options.url, {
      // Without the offline queue a command to a dead Redis fails at once instead of waiting
      // for a reconnect, so a Redis outage costs a request nothing but a cache miss.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 500,
      commandTimeout: options.commandTimeoutMs ?? 250,
      // Keep trying in the background, at most once a second.
      retryStrategy: (times) => Math.min(100 * times, 1_000),
      lazyConnect: false,
    });
    this.client.on('error', (error: Error) => {
      // A dead Redis emits an error per reconnect attempt; one line every 10 s is enough.
      const now = Date.now();
      if (now - this.lastErrorLogMs > 10_000) {
        this.lastErrorLogMs = now;
        logger.warn({ err: error, redis: redactUrl(options.url) }, 'redis unavailable: serving from the database');
      }
    });
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.client.get(key);
    return value ?? undefined;
  }

  async set(entries: CacheEntry[]): Promise<void> {
    const multi = this.client.multi();
    for (const e of entries) multi.set(e.key, e.value, 'PX', Math.max(1, Math.round(e.ttlMs)));
    const results = await multi.exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}

// Where cached answers live: Redis when REDIS_URL is set, else an in-process LRU with the same
// TTLs. Both store bytes as given; the Cache in ./cache.ts does the encoding and the policy.
import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { redactUrl, type Logger } from '@dockpulse/common';

export interface CacheEntry {
  key: string;
  value: Buffer;
  ttlMs: number;
}

export interface StoredEntry {
  value: Buffer;
  /** Milliseconds the entry has left. */
  ttlMs: number;
}

/** Where the long-lived copy for the stale fallback goes, and how many such copies may exist. */
export interface StaleCopy {
  key: string;
  ttlMs: number;
  /** Lists the stale copies by expiry, so the ones past maxCopies can be dropped (soonest-expiring first). */
  indexKey: string;
  maxCopies: number;
}

export interface CacheBackend {
  readonly kind: 'redis' | 'memory';
  /** The entry and how much longer it lives. Throws when the backend is unreachable; the caller treats that as a miss. */
  get(key: string): Promise<StoredEntry | undefined>;
  /** Stores the fresh entry and its stale copy, then drops stale copies beyond stale.maxCopies. */
  put(entry: CacheEntry, stale: StaleCopy): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export interface MemoryBackendOptions {
  /** Fresh entries kept at most (the least recently used go first). */
  maxEntries?: number;
  /** Bytes of fresh entries kept at most. */
  maxBytes?: number;
  /** Milliseconds since the epoch; benchmarks inject a simulated clock. */
  clock?: () => number;
}

export class MemoryBackend implements CacheBackend {
  readonly kind = 'memory';
  private readonly lru: LRUCache<string, Buffer>;
  /** Stale copies in the order written (a Map keeps insertion order): with one stale TTL, the order they expire. */
  private readonly stale = new Map<string, { value: Buffer; expiresAtMs: number }>();
  private readonly clock: () => number;

  constructor(options: MemoryBackendOptions = {}) {
    this.clock = options.clock ?? Date.now;
    const clock = this.clock;
    this.lru = new LRUCache<string, Buffer>({
      max: options.maxEntries ?? 10_000,
      maxSize: options.maxBytes ?? 256 * 1024 * 1024,
      sizeCalculation: (value) => Math.max(1, value.length),
      ttlAutopurge: false,
      // Read the clock on every check: lru-cache otherwise reuses one reading for 1 ms of real
      // time, which a simulated clock jumping ahead would never leave.
      ttlResolution: 0,
      perf: { now: clock },
    });
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    const fresh = this.lru.get(key);
    if (fresh !== undefined) return { value: fresh, ttlMs: this.lru.getRemainingTTL(key) };
    const stale = this.stale.get(key);
    if (stale === undefined) return undefined;
    const ttlMs = stale.expiresAtMs - this.clock();
    if (ttlMs > 0) return { value: stale.value, ttlMs };
    this.stale.delete(key);
    return undefined;
  }

  async put(entry: CacheEntry, stale: StaleCopy): Promise<void> {
    this.lru.set(entry.key, entry.value, { ttl: entry.ttlMs });
    this.stale.delete(stale.key);
    this.stale.set(stale.key, { value: entry.value, expiresAtMs: this.clock() + stale.ttlMs });
    for (const key of this.stale.keys()) {
      if (this.stale.size <= stale.maxCopies) break;
      this.stale.delete(key);
    }
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    this.lru.clear();
    this.stale.clear();
  }
}

export interface RedisBackendOptions {
  url: string;
  logger: Logger;
  /** A command slower than this fails (and the request goes to the database). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

// One round trip per miss: both copies, the index of stale copies by expiry (Redis' own clock),
// forgetting the expired ones and dropping the soonest-expiring beyond the cap. The dropped keys
// are not in KEYS: fine on a standalone Redis, which is what Dockpulse deploys (not Cluster).
const PUT_SCRIPT = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[3], nowMs + tonumber(ARGV[3]), KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', nowMs)
local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[4])
if over > 0 then
  local dropped = redis.call('ZPOPMIN', KEYS[3], over)
  for i = 1, #dropped, 2 do redis.call('UNLINK', dropped[i]) end
end
local last = redis.call('ZRANGE', KEYS[3], -1, -1, 'WITHSCORES')
if #last == 2 then redis.call('PEXPIREAT', KEYS[3], last[2]) end
return over
`;

type PutCommand = (fresh: string, stale: string, index: string, value: Buffer, ttlMs: number, staleTtlMs: number, maxCopies: number) => Promise<number>;

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
    this.client.defineCommand('dockpulsePut', { numberOfKeys: 3, lua: PUT_SCRIPT });
    this.client.on('error', (error: Error) => {
      // A dead Redis emits an error per reconnect attempt; one line every 10 s is enough.
      const now = Date.now();
      if (now - this.lastErrorLogMs > 10_000) {
        this.lastErrorLogMs = now;
        logger.warn({ err: error, redis: redactUrl(options.url) }, 'redis unavailable: serving from the database');
      }
    });
  }

  async get(key: string): Promise<StoredEntry | undefined> {
    // One round trip for both (a pipeline, not a transaction: an entry expiring in between reads as gone).
    const results = await this.client.pipeline().getBuffer(key).pttl(key).exec();
    const failed = results?.find(([error]) => error);
    if (failed) throw failed[0];
    const value = results?.[0]?.[1] as Buffer | null | undefined;
    const ttlMs = results?.[1]?.[1] as number | undefined;
    return value && ttlMs !== undefined && ttlMs > 0 ? { value, ttlMs } : undefined;
  }

  async put(entry: CacheEntry, stale: StaleCopy): Promise<void> {
    const put = (this.client as unknown as { dockpulsePut: PutCommand }).dockpulsePut.bind(this.client);
    const ms = (n: number) => Math.max(1, Math.round(n));
    await put(entry.key, stale.key, stale.indexKey, entry.value, ms(entry.ttlMs), ms(stale.ttlMs), stale.maxCopies);
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

// Cache-aside with single-flight and a stale fallback (docs/architecture.md, "The flow"):
// - hit: answer from the cache, no database query, the stored bytes sent as they are;
// - miss: one database query per key however many requests miss at once;
// - cache errors count as misses (logged, never surfaced);
// - database errors answer with the last good copy, marked stale, when there is one.
//
// Keys: CACHE_KEY_PREFIX first, then the key, so one prefix covers everything a deployment stores
// (a SCAN/flush of `<prefix>*`, an ACL key pattern): fresh copies `<prefix><key>`, stale copies
// `<prefix>stale:<key>`, their index `<prefix>stale-index`. Stale copies live CACHE_STALE_TTL and
// at most CACHE_STALE_MAX_COPIES of them exist (the soonest-expiring go first).
//
// In front of Redis, each process keeps what it just read or wrote for at most NEAR_MAX_MS and
// never past the Redis copy's own expiry (read with it in one round trip): under load nearly every
// hit is answered without a Redis round trip, and a copy is never served longer than Redis would
// serve it. Only an outside change to Redis (a manual flush) is seen up to NEAR_MAX_MS late.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Logger } from '@dockpulse/common';
import { ApiError } from '../http/errors';
import type { CacheBackend, StoredEntry } from './backend';

export type CacheSource = 'hit' | 'miss' | 'stale' | 'off';

export interface Cached<T> {
  readonly value: T;
  source: CacheSource;
  /** The answer as JSON bytes: a hit is sent as stored, without parsing and re-serialising it. */
  readonly body: Buffer;
  /** A weak ETag of the body (as express makes one), computed once when the answer was stored. */
  readonly etag: string;
}

/**
 * A stored entry is `<etag>\n<json>`: the JSON bytes and the one header that depends on them.
 * Parses only when someone reads `value`; routes that just send the answer never do.
 */
function decode<T>(stored: Buffer, source: CacheSource): Cached<T> {
  const newline = stored.indexOf(0x0a);
  const body = stored.subarray(newline + 1);
  let parsed: { v: T } | undefined;
  return {
    source,
    body,
    etag: stored.toString('latin1', 0, newline),
    get value(): T {
      parsed ??= { v: JSON.parse(body.toString('utf8')) as T };
      return parsed.v;
    },
  };
}

export function encodeAnswer(value: unknown): Buffer {
  const json = Buffer.from(JSON.stringify(value), 'utf8');
  const etag = `W/"${json.length.toString(16)}-${createHash('sha1').update(json).digest('base64').slice(0, 27)}"`;
  return Buffer.concat([Buffer.from(`${etag}\n`, 'latin1'), json]);
}

export interface CacheOptions {
  enabled: boolean;
  keyPrefix: string;
  /** How long the last good copy stays for the stale fallback; longer than any fresh TTL. */
  staleTtlMs: number;
  /** Stale copies kept at most (CACHE_STALE_MAX_COPIES); default DEFAULT_MAX_STALE_COPIES. */
  maxStaleCopies?: number;
}

/** Without CACHE_STALE_MAX_COPIES: every panel of a few dozen dashboards over the stale TTL; each copy is one answer. */
export const DEFAULT_MAX_STALE_COPIES = 1_000;

/** How long a process serves a Redis entry from its own memory, at most. */
export const NEAR_MAX_MS = 1_000;
/** Bytes the near copies take at most, per process. */
export const NEAR_MAX_BYTES = 64 * 1024 * 1024;

/** The fresh TTLs of the cached answers, in one place; answers over a time range take theirs from ./range.ts. */
export const CACHE_TTL_MS = {
  containersList: 10_000,
  containerLatest: 2_000,
  image: 300_000,
  /** Open ranges of events and image versions: a container's death shows within this, as in the list. */
  eventsOpen: 10_000,
  /** Open ranges of logs: about the collector's log flush interval. */
  logsOpen: 5_000,
} as const;

export class Cache {
  private readonly inflight = new Map<string, Promise<Cached<unknown>>>();
  /** Near copies of Redis entries (none for the in-process backend: it is near already). */
  private readonly near: LRUCache<string, Buffer> | undefined;
  private lastErrorLogMs = 0;
  /** Told where every answer came from (the API's cache metrics). */
  observe?: (source: CacheSource) => void;

  constructor(
    readonly backend: CacheBackend,
    private readonly options: CacheOptions,
    private readonly logger: Logger,
    /** Milliseconds since the epoch: what "now" is for ranges that reach the present (./range.ts). */
    readonly now: () => number = Date.now,
  ) {
    if (backend.kind === 'redis') {
      this.near = new LRUCache<string, Buffer>({ max: 10_000, maxSize: NEAR_MAX_BYTES, sizeCalculation: (v) => Math.max(1, v.length), ttlAutopurge: false });
    }
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** The full key of a fresh copy, and of its stale copy (prefix first, for both). */
  keyOf(key: string): { fresh: string; stale: string; staleIndex: string } {
    const prefix = this.options.keyPrefix;
    return { fresh: prefix + key, stale: `${prefix}stale:${key}`, staleIndex: `${prefix}stale-index` };
  }

  async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    const result = await this.lookup(key, ttlMs, load);
    this.observe?.(result.source);
    return result;
  }

  private async lookup<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    if (!this.options.enabled) return decode(encodeAnswer(await load()), 'off');
    const keys = this.keyOf(key);
    const near = this.near?.get(keys.fresh);
    if (near !== undefined) return decode<T>(near, 'hit');
    const hit = await this.safeGet(keys.fresh);
    if (hit !== undefined) {
      this.keepNear(keys.fresh, hit.value, hit.ttlMs);
      return decode<T>(hit.value, 'hit');
    }

    const running = this.inflight.get(keys.fresh);
    if (running) return running as Promise<Cached<T>>;
    const promise = this.loadAndStore(keys, ttlMs, load).finally(() => this.inflight.delete(keys.fresh));
    this.inflight.set(keys.fresh, promise);
    return promise;
  }

  private async loadAndStore<T>(keys: ReturnType<Cache['keyOf']>, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    let value: T;
    try {
      value = await load();
    } catch (error) {
      // A 4xx (not found, ambiguous) is an answer, not an outage: no stale copy stands in for it.
      if (error instanceof ApiError && error.status < 500) throw error;
      const stale = await this.safeGet(keys.stale);
      if (stale === undefined) throw error;
      this.logger.warn({ err: error, key: keys.fresh }, 'database query failed: serving the last cached copy (stale)');
      return decode<T>(stale.value, 'stale');
    }
    const stored = encodeAnswer(value);
    try {
      await this.backend.put(
        { key: keys.fresh, value: stored, ttlMs },
        {
          key: keys.stale,
          ttlMs: Math.max(this.options.staleTtlMs, ttlMs),
          indexKey: keys.staleIndex,
          maxCopies: this.options.maxStaleCopies ?? DEFAULT_MAX_STALE_COPIES,
        },
      );
      this.keepNear(keys.fresh, stored, ttlMs);
    } catch (error) {
      this.logCacheError(error);
    }
    // The miss answers the same bytes a later hit will (dates as text, undefined fields gone).
    return decode<T>(stored, 'miss');
  }

  private keepNear(fullKey: string, stored: Buffer, ttlMs: number): void {
    this.near?.set(fullKey, stored, { ttl: Math.min(NEAR_MAX_MS, ttlMs) });
  }

  private async safeGet(key: string): Promise<StoredEntry | undefined> {
    try {
      const stored = await this.backend.get(key);
      // Written by an API before entries carried their ETag (plain JSON): a miss, not a broken answer.
      return stored?.value[0] === 0x57 /* W of W/"..." */ ? stored : undefined;
    } catch (error) {
      this.logCacheError(error);
      return undefined;
    }
  }

  private logCacheError(error: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorLogMs > 10_000) {
      this.lastErrorLogMs = now;
      this.logger.warn({ err: error, cache: this.backend.kind }, 'cache unavailable: answering from the database');
    }
  }

  async close(): Promise<void> {
    this.near?.clear();
    await this.backend.close();
  }
}

/** A stable key part for a parameter object: same parameters, same key, whatever their order. */
export function paramsKey(params: Record<string, unknown>): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(entries));
}

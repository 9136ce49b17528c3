// Cache-aside with single-flight and a stale fallback (DESIGN §4):
// - hit: answer from the cache, no database query;
// - miss: one database query per key however many requests miss at once;
// - cache errors count as misses (logged, never surfaced);
// - database errors answer with the last good copy, marked stale, when there is one.
import type { Logger } from '@dockpulse/common';
import { ApiError } from '../http/errors';
import type { CacheBackend } from './backend';

export type CacheSource = 'hit' | 'miss' | 'stale' | 'off';

export interface Cached<T> {
  readonly value: T;
  source: CacheSource;
  /** The answer as JSON text: a hit is sent as stored, without parsing and re-serialising it. */
  readonly json: string;
}

/** Parses only when someone reads `value`; routes that just send the answer never do. */
function cached<T>(json: string, source: CacheSource): Cached<T> {
  let parsed: { v: T } | undefined;
  return {
    source,
    json,
    get value(): T {
      parsed ??= { v: JSON.parse(json) as T };
      return parsed.v;
    },
  };
}

export interface CacheOptions {
  enabled: boolean;
  keyPrefix: string;
  /** How long the last good copy stays for the stale fallback; longer than any fresh TTL. */
  staleTtlMs: number;
}

/** TTLs of DESIGN §4, in one place. */
export const CACHE_TTL_MS = {
  containersList: 10_000,
  containerLatest: 2_000,
  image: 300_000,
  statsRange: 5_000,
} as const;

export class Cache {
  private readonly inflight = new Map<string, Promise<Cached<unknown>>>();
  private lastErrorLogMs = 0;
  /** Told where every answer came from (the API's cache metrics). */
  observe?: (source: CacheSource) => void;

  constructor(
    readonly backend: CacheBackend,
    private readonly options: CacheOptions,
    private readonly logger: Logger,
  ) {}

  get enabled(): boolean {
    return this.options.enabled;
  }

  async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    const result = await this.lookup(key, ttlMs, load);
    this.observe?.(result.source);
    return result;
  }

  private async lookup<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    if (!this.options.enabled) return cached(JSON.stringify(await load()), 'off');
    const fullKey = this.options.keyPrefix + key;
    const hit = await this.safeGet(fullKey);
    if (hit !== undefined) return cached<T>(hit, 'hit');

    const running = this.inflight.get(fullKey);
    if (running) return running as Promise<Cached<T>>;
    const promise = this.loadAndStore(fullKey, ttlMs, load).finally(() => this.inflight.delete(fullKey));
    this.inflight.set(fullKey, promise);
    return promise;
  }

  private async loadAndStore<T>(fullKey: string, ttlMs: number, load: () => Promise<T>): Promise<Cached<T>> {
    let value: T;
    try {
      value = await load();
    } catch (error) {
      // A 4xx (not found, ambiguous) is an answer, not an outage: no stale copy stands in for it.
      if (error instanceof ApiError && error.status < 500) throw error;
      const stale = await this.safeGet(staleKey(fullKey));
      if (stale === undefined) throw error;
      this.logger.warn({ err: error, key: fullKey }, 'database query failed: serving the last cached copy (stale)');
      return cached<T>(stale, 'stale');
    }
    const serialised = JSON.stringify(value);
    try {
      await this.backend.set([
        { key: fullKey, value: serialised, ttlMs },
        { key: staleKey(fullKey), value: serialised, ttlMs: Math.max(this.options.staleTtlMs, ttlMs) },
      ]);
    } catch (error) {
      this.logCacheError(error);
    }
    // The miss answers the same text a later hit will (dates as text, undefined fields gone).
    return cached<T>(serialised, 'miss');
  }

  private async safeGet(key: string): Promise<string | undefined> {
    try {
      return await this.backend.get(key);
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
    await this.backend.close();
  }
}

function staleKey(fullKey: string): string {
  return `stale:${fullKey}`;
}

/** A stable key part for a parameter object: same parameters, same key, whatever their order. */
export function paramsKey(params: Record<string, unknown>): string {
  const entries = Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify(Object.fromEntries(entries));
}

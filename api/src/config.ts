// The API's settings, read from the environment once at start. A bad value stops the process
// with a message naming the variable (parseEnv), never a silent fallback.
import { z } from 'zod';
import {
  boolSetting,
  databaseUrlSetting,
  durationSetting,
  intSetting,
  logLevelSetting,
  parseEnv,
  type ResolutionPolicy,
} from '@dockpulse/common';

const shape = {
  PORT: intSetting(0, 65_535, 8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: databaseUrlSetting,
  // A streaming replica of DATABASE_URL for the API's reads (api/src/db/read-pool.ts); unset, the
  // primary answers them all.
  DATABASE_READ_URL: databaseUrlSetting.optional(),
  REDIS_URL: z
    .string()
    .refine((v) => /^rediss?:\/\//.test(v), 'must be a redis:// or rediss:// URL')
    .optional(),
  CACHE_ENABLED: boolSetting(true),
  // Tests and several deployments may share one Redis; the prefix keeps their keys apart.
  CACHE_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{0,64}$/, 'letters, digits, ":", "_" or "-" only').default('dockpulse:'),
  // How long the last good answer stays available for the stale fallback when the database fails.
  CACHE_STALE_TTL: durationSetting('1h', 1_000),
  // Stale copies kept at most (api/src/cache/cache.ts), whatever Redis' own eviction policy: a
  // shared Redis may run noeviction, and stale copies outlive fresh ones (1 h against seconds).
  CACHE_STALE_MAX_COPIES: intSetting(1, 1_000_000, 1_000),
  API_TOKENS: z
    .string()
    .transform((v) => v.split(',').map((t) => t.trim()).filter((t) => t.length > 0))
    .refine((tokens) => tokens.every((t) => t.length >= 16), 'every token must be at least 16 characters')
    .optional(),
  AUTH_HEALTH: boolSetting(false),
  AUTH_METRICS: boolSetting(false),
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
    .refine((origins) => origins.every((o) => o === '*' || /^https?:\/\/[^/\s]+$/.test(o)), 'must be * or a comma-separated list of http(s)://host[:port] origins')
    .optional(),
  // 0 turns the limiter off (benchmarks); per client IP per minute otherwise.
  RATE_LIMIT_PER_MINUTE: intSetting(0, 1_000_000, 1_200),
  QUERY_TIMEOUT: durationSetting('10s', 100),
  DB_POOL_MAX: intSetting(1, 200, 10),
  RESOLUTION_RAW_MAX_RANGE: durationSetting('1h', 60_000),
  RESOLUTION_HOURLY_MAX_RANGE: durationSetting('24h', 3_600_000),
  RETENTION_RAW: durationSetting('7d', 3_600_000),
  RETENTION_HOURLY: durationSetting('90d', 86_400_000),
  RETENTION_DAILY: durationSetting('3y', 86_400_000),
  // Series per metric that /stats answers at most when neither containers nor top are given: the
  // top ones by the first metric, flagged truncated. No panel draws thousands of lines anyway.
  STATS_MAX_SERIES: intSetting(1, 10_000, 200),
  SSE_MAX_STREAMS: intSetting(1, 100_000, 100),
  SSE_POLL_INTERVAL: durationSetting('2s', 100),
  SSE_HEARTBEAT_INTERVAL: durationSetting('15s', 1_000),
  TRUST_PROXY: boolSetting(false),
  LOG_LEVEL: logLevelSetting,
};

export type ApiEnv = z.infer<z.ZodObject<typeof shape>>;

export interface ApiConfig {
  port: number;
  host: string;
  databaseUrl: string;
  databaseReadUrl?: string;
  redisUrl?: string;
  cache: { enabled: boolean; keyPrefix: string; staleTtlMs: number; maxStaleCopies?: number };
  auth: { tokens: string[]; health: boolean; metrics: boolean };
  corsOrigins?: string[];
  rateLimitPerMinute: number;
  queryTimeoutMs: number;
  dbPoolMax: number;
  resolution: ResolutionPolicy;
  statsMaxSeries: number;
  sse: { maxStreams: number; pollIntervalMs: number; heartbeatIntervalMs: number };
  trustProxy: boolean;
  logLevel: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  const e = parseEnv(shape, env);
  if (e.RESOLUTION_HOURLY_MAX_RANGE <= e.RESOLUTION_RAW_MAX_RANGE) {
    throw new Error('RESOLUTION_HOURLY_MAX_RANGE: must be longer than RESOLUTION_RAW_MAX_RANGE');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    redisUrl: e.REDIS_URL,
    cache: { enabled: e.CACHE_ENABLED, keyPrefix: e.CACHE_KEY_PREFIX, staleTtlMs: e.CACHE_STALE_TTL, maxStaleCopies: e.CACHE_STALE_MAX_COPIES },
    auth: { tokens: e.API_TOKENS ?? [], health: e.AUTH_HEALTH, metrics: e.AUTH_METRICS },
    corsOrigins: e.CORS_ORIGINS,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    queryTimeoutMs: e.QUERY_TIMEOUT,
    dbPoolMax: e.DB_POOL_MAX,
    resolution: {
      rawMaxRangeMs: e.RESOLUTION_RAW_MAX_RANGE,
      hourlyMaxRangeMs: e.RESOLUTION_HOURLY_MAX_RANGE,
      retentionMs: { raw: e.RETENTION_RAW, hourly: e.RETENTION_HOURLY, daily: e.RETENTION_DAILY },
    },
    statsMaxSeries: e.STATS_MAX_SERIES,
    sse: {
      maxStreams: e.SSE_MAX_STREAMS,
      pollIntervalMs: e.SSE_POLL_INTERVAL,
      heartbeatIntervalMs: e.SSE_HEARTBEAT_INTERVAL,
    },
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
  };
}

/** A config for tests and benchmarks: the defaults plus what the caller overrides. */
export function testConfig(overrides: Partial<ApiConfig> & { databaseUrl: string }): ApiConfig {
  const base = loadConfig({ DATABASE_URL: overrides.databaseUrl, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0' });
  return { ...base, ...overrides };
}

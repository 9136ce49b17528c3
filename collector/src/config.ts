// The collector's settings, read once from the environment and validated at start. A bad value
// stops the process with a ConfigError naming the variable (see README "Settings").
import cron from 'node-cron';
import { z } from 'zod';
import {
  boolSetting,
  databaseUrlSetting,
  databaseWaitSetting,
  durationSetting,
  intSetting,
  logLevelSetting,
  parseEnv,
  storageSetting,
  type StorageRequest,
} from '@dockpulse/common';
import { writerConfigFromSettings, writerSettings, type WriterConfig } from './writer/config';
import type { DockerTarget } from './docker/target';

const cronSetting = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => cron.validate(v), 'must be a node-cron expression (5 or 6 fields, seconds first), e.g. */5 * * * * *');

const shape = {
  // The batch writer's settings (WRITER_*, SPOOL_DIR) are validated here too, in one pass.
  ...writerSettings,
  DATABASE_URL: databaseUrlSetting,
  DATABASE_WAIT_TIMEOUT: databaseWaitSetting,
  // Unset: the engine's own ID from /info, so the name survives collector restarts.
  HOST_ID: z.string().max(200, 'must be at most 200 characters').optional(),
  DOCKER_HOST: z
    .string()
    .regex(/^(unix|tcp|http|https):\/\/.+/, 'must be unix:///path/to/docker.sock or tcp://host:port')
    .optional(),
  DOCKER_SOCKET: z.string().default('/var/run/docker.sock'),
  DOCKPULSE_STORAGE: storageSetting,
  // Granted SELECT on every table by the migrations when the role exists (the API's and Grafana's).
  DOCKPULSE_READER_ROLE: z.string().default('dockpulse_reader'),
  STATS_SCHEDULE: cronSetting('*/5 * * * * *'),
  STATUS_SCHEDULE: cronSetting('*/30 * * * * *'),
  IMAGES_SCHEDULE: cronSetting('0 * * * * *'),
  MAINTENANCE_SCHEDULE: cronSetting('30 * * * * *'),
  // Parallel engine calls of one stats cycle. Each call waits up to one engine tick (1 s), so with
  // fewer slots than running containers a cycle takes several ticks (measured: 50 containers take
  // 3.8 s at 16 slots, 0.8 s at 50).
  STATS_CONCURRENCY: intSetting(1, 1024, 64),
  DOCKER_TIMEOUT: durationSetting('10s', 100),
  // auto: the kernel's cgroup files when the host's are visible, else the engine's stats endpoint.
  STATS_SAMPLER: z.enum(['auto', 'cgroup', 'engine']).default('auto'),
  // Where the host's cgroup filesystem and /proc are mounted (read-only is enough). PROC_ROOT unset:
  // /host/proc when it is there (the compose file mounts it so), else /proc.
  CGROUP_ROOT: z.string().default('/sys/fs/cgroup'),
  PROC_ROOT: z.string().optional(),
  LOG_RATE_LIMIT: intSetting(1, 1_000_000, 200),
  LOG_MAX_LINE_BYTES: intSetting(64, 1_048_576, 16_384),
  RETENTION_RAW: durationSetting('7d', 3_600_000),
  RETENTION_HOURLY: durationSetting('90d', 86_400_000),
  RETENTION_DAILY: durationSetting('3y', 86_400_000),
  RETENTION_LOGS: durationSetting('7d', 3_600_000),
  RETENTION_EVENTS: durationSetting('90d', 3_600_000),
  PARTITIONS_AHEAD_DAYS: intSetting(1, 60, 3),
  // 0 = no /metrics endpoint.
  METRICS_PORT: intSetting(0, 65_535, 0),
  LOG_LEVEL: logLevelSetting,
  // Follow container logs at all (a host with chatty containers may want stats only).
  COLLECT_LOGS: boolSetting(true),
};

export interface CollectorConfig {
  databaseUrl: string;
  /** How long the start waits for the database before it fails. */
  databaseWaitTimeoutMs: number;
  hostId: string | undefined;
  docker: DockerTarget;
  storage: StorageRequest;
  readerRole: string;
  schedules: { stats: string; status: string; images: string; maintenance: string };
  statsConcurrency: number;
  statsSampler: { mode: 'auto' | 'cgroup' | 'engine'; cgroupRoot: string; procRoot: string | undefined };
  dockerTimeoutMs: number;
  logRateLimitLinesPerSec: number;
  logMaxLineBytes: number;
  collectLogs: boolean;
  retentionMs: { raw: number; hourly: number; daily: number; logs: number; events: number };
  partitionsAheadDays: number;
  metricsPort: number;
  logLevel: string;
  writer: WriterConfig;
}

/** DOCKER_HOST wins over DOCKER_SOCKET, as with the docker CLI. */
function dockerTarget(host: string | undefined, socket: string): DockerTarget {
  if (!host) return { socketPath: socket };
  const url = new URL(host);
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  return {
    host: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 2376 : 2375)),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CollectorConfig {
  const s = parseEnv(shape, env);
  return {
    databaseUrl: s.DATABASE_URL,
    databaseWaitTimeoutMs: s.DATABASE_WAIT_TIMEOUT,
    hostId: s.HOST_ID,
    docker: dockerTarget(s.DOCKER_HOST, s.DOCKER_SOCKET),
    storage: s.DOCKPULSE_STORAGE,
    readerRole: s.DOCKPULSE_READER_ROLE,
    schedules: {
      stats: s.STATS_SCHEDULE,
      status: s.STATUS_SCHEDULE,
      images: s.IMAGES_SCHEDULE,
      maintenance: s.MAINTENANCE_SCHEDULE,
    },
    statsConcurrency: s.STATS_CONCURRENCY,
    statsSampler: { mode: s.STATS_SAMPLER, cgroupRoot: s.CGROUP_ROOT, procRoot: s.PROC_ROOT },
    dockerTimeoutMs: s.DOCKER_TIMEOUT,
    logRateLimitLinesPerSec: s.LOG_RATE_LIMIT,
    logMaxLineBytes: s.LOG_MAX_LINE_BYTES,
    collectLogs: s.COLLECT_LOGS,
    retentionMs: {
      raw: s.RETENTION_RAW,
      hourly: s.RETENTION_HOURLY,
      daily: s.RETENTION_DAILY,
      logs: s.RETENTION_LOGS,
      events: s.RETENTION_EVENTS,
    },
    partitionsAheadDays: s.PARTITIONS_AHEAD_DAYS,
    metricsPort: s.METRICS_PORT,
    logLevel: s.LOG_LEVEL,
    writer: writerConfigFromSettings(s),
  };
}

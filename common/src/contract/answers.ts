// The JSON answers of /api/v1, as the API sends them and the plugin reads them: camelCase, times
// as RFC 3339 text (UTC), byte counts as numbers. Types only. The API's zod answer schemas
// (api/src/openapi/answers.ts) are checked against these at compile time, and the OpenAPI document
// made from them is checked against the API's real answers (api/test/openapi-contract.test.ts).
import type {
  CacheBackendKind,
  ContainerState,
  EventAction,
  GroupBy,
  HealthStatus,
  LogStream,
  Metric,
  RankAgg,
  Resolution,
} from './lists';

/** Answers served from the cache carry `stale: true` when the database failed and the last good copy answered. */
export interface MaybeStale {
  stale?: boolean;
}

/** Every answer with a status of 400 or more. */
export interface ErrorAnswer {
  error: {
    /** invalid_parameter, not_found, ambiguous_container, unauthorized, query_timeout, ... */
    code: string;
    message: string;
    /** invalid_parameter: `[{ parameter, message }]`; ambiguous_*: what matched. */
    details?: unknown;
  };
}

/** A page of a listing: `total` counts every match, `items` holds at most `limit` from `offset` on. */
export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

// GET /hosts

export interface CollectorSummary {
  version: string;
  lastBeat: string;
  containersSeen: number;
  bufferedRows: number;
  spooledRows: number;
  lastError: string | null;
}

export interface HostItem {
  hostId: string;
  name: string;
  engineVersion: string | null;
  apiVersion: string | null;
  os: string | null;
  kernel: string | null;
  cpus: number | null;
  memTotalBytes: number | null;
  cgroupVersion: number | null;
  firstSeen: string;
  lastSeen: string;
  /** The host's collector heartbeat; null before its first one. */
  collector: CollectorSummary | null;
  containersRunning: number;
}

export interface HostsAnswer {
  items: HostItem[];
}

// GET /containers, /containers/{id}, /containers/{id}/stats/latest

export interface ContainerItem {
  hostId: string;
  containerId: string;
  name: string;
  image: string | null;
  imageId: string | null;
  command: string | null;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  state: ContainerState;
  status: string | null;
  health: string | null;
  restartCount: number;
  exitCode: number | null;
  oomKilled: boolean;
  labels: Record<string, string>;
  composeProject: string | null;
  composeService: string | null;
  cpuLimitCores: number | null;
  memLimitBytes: number | null;
  firstSeen: string;
  lastSeen: string;
  removedAt: string | null;
}

export interface ContainersAnswer extends Paged<ContainerItem>, MaybeStale {}

/** The figures of one stored stats sample; net and block IO are the engine's cumulative counters. */
export interface SampleFigures {
  cpuPercent: number | null;
  memUsedBytes: number | null;
  memLimitBytes: number | null;
  memPercent: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  blkReadBytes: number | null;
  blkWriteBytes: number | null;
  pids: number | null;
}

/** A container's newest stats sample. */
export interface LatestSample extends SampleFigures {
  time: string;
  memUsageBytes: number | null;
}

export interface ContainerDetailAnswer extends ContainerItem {
  latest: LatestSample | null;
}

export interface ContainerLatestAnswer extends MaybeStale {
  hostId: string;
  containerId: string;
  name: string;
  sample: LatestSample | null;
}

// GET /stats

export interface StatsSeries {
  /** null for a group's series (groupBy). */
  containerId: string | null;
  containerName: string | null;
  /** The container's host, or the host of a host group; null for a project group. */
  hostId: string | null;
  /** Grouped answers: which host or compose project (key null: containers of no project). */
  group?: { by: GroupBy; key: string | null; name: string | null };
  metric: Metric;
  /** [epoch milliseconds of the bucket's start, value or null]. */
  points: Array<[number, number | null]>;
}

export interface StatsRanking {
  by: Metric;
  agg: RankAgg;
  top: number;
  /** How many containers (or groups) had data in the range before the cut. */
  candidates: number;
}

export interface StatsAnswer extends MaybeStale {
  resolution: Resolution;
  /** The table that answered. */
  table: string;
  intervalMs: number;
  /** The range answered: the one asked for, widened to whole buckets when it reaches the present. */
  fromMs: number;
  toMs: number;
  groupBy?: GroupBy;
  /** How the series were chosen when ranked. */
  ranking?: StatsRanking;
  /** True when a request without containers and without top met more series than STATS_MAX_SERIES. */
  truncated: boolean;
  series: StatsSeries[];
}

// GET /images, /images/{id}, /images/{id}/versions, /image-versions

export interface ImageItem {
  hostId: string;
  imageId: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number | null;
  createdAt: string | null;
  labels: Record<string, string>;
  firstSeen: string;
  lastSeen: string;
  removedAt: string | null;
  /** Containers on the host that use the image (removed ones not counted). */
  containers: number;
}

export type ImagesAnswer = Paged<ImageItem>;

/** One image id, with each host's copy. */
export interface ImageDetailAnswer extends MaybeStale {
  imageId: string;
  hosts: ImageItem[];
}

/** A tag starting to point at an image (deploys). */
export interface ImageVersionItem {
  time: string;
  hostId: string;
  repository: string;
  tag: string;
  imageId: string;
  digest: string | null;
  previousImageId: string | null;
}

export interface ImageVersionsOfImageAnswer {
  imageId: string;
  items: ImageVersionItem[];
}

export interface ImageVersionsAnswer extends MaybeStale {
  items: ImageVersionItem[];
}

// GET /logs, and the `log` events of GET /stream/logs

export interface LogItem {
  /** RFC 3339 with microseconds, exactly as stored. */
  time: string;
  /** The same instant in epoch microseconds, as text (more digits than a double holds). */
  timeUs: string;
  hostId: string;
  containerId: string;
  containerName: string | null;
  stream: LogStream;
  /** Order of lines that share one timestamp. */
  seq: number;
  message: string;
}

export interface LogsAnswer extends MaybeStale {
  items: LogItem[];
  /** Pass back as cursor= for the next, older page; null on the last page. */
  nextCursor: string | null;
}

// GET /events

export interface EventItem {
  time: string;
  /** The engine's timeNano as text: it exceeds 2^53. */
  timeNano: string;
  hostId: string;
  containerId: string;
  containerName: string | null;
  image: string | null;
  action: EventAction;
  exitCode: number | null;
  attributes: Record<string, string>;
}

export interface EventsAnswer extends MaybeStale {
  items: EventItem[];
}

// GET /stream/logs and /stream/stats: Server-Sent Events. Each stream starts with a `ready` event,
// then sends `log` (LogItem) or `stats` (StreamStatsSample) events, and `error` when a poll failed
// (the stream goes on).

export interface StreamReadyEvent {
  pollIntervalMs: number;
}

export interface StreamErrorEvent {
  message: string;
}


export interface StreamStatsSample extends SampleFigures {
  time: string;
  hostId: string;
  containerId: string;
  containerName: string | null;
}

// GET /health (200, or 503 with the same body when the primary database is down)

export interface DatabaseState {
  ok: boolean;
  /** timescaledb or postgres, as the migrations recorded it; null before the first migration. */
  flavour?: string | null;
  schemaVersion?: number | null;
  latencyMs?: number;
  error?: string;
}

/** The read replica (DATABASE_READ_URL), asked itself. */
export interface ReplicaState {
  ok: boolean;
  /** pg_is_in_recovery(): false means the server is no standby (promoted, or a primary by mistake). */
  inRecovery?: boolean;
  /**
   * now() minus pg_last_xact_replay_timestamp(): how old the newest replayed commit is. It also
   * grows while the primary commits nothing; replayedAllReceived tells the two apart.
   */
  replayLagSeconds?: number | null;
  /** Every WAL record received has been replayed. */
  replayedAllReceived?: boolean;
  latencyMs?: number;
  error?: string;
}

export interface CacheState {
  backend: CacheBackendKind;
  enabled: boolean;
  ok: boolean;
}

export interface HealthAnswer {
  status: HealthStatus;
  version: string;
  database: DatabaseState;
  /** Only when the API reads from a replica; a replica down or not a standby degrades the status. */
  replica?: ReplicaState;
  cache: CacheState;
}

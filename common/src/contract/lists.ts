// The names the API and its clients both use: what a parameter may say and what an answer holds.
// Constants and types only, and no import: the plugin's browser bundle takes this module as it is
// (plugin/src/import-graph.test.ts checks that), the API validates its parameters against it
// (api/src/*/routes.ts) and the collector writes rows in these words (common/src/rows.ts).

/** The metrics of GET /stats, each named with its unit. */
export const METRICS = [
  'cpu_percent',
  'mem_used_bytes',
  'mem_percent',
  'mem_limit_bytes',
  'net_rx_bps',
  'net_tx_bps',
  'blk_read_bps',
  'blk_write_bps',
  'pids',
] as const;
export type Metric = (typeof METRICS)[number];

/** What GET /stats answers when no metrics are asked for. */
export const DEFAULT_STATS_METRICS = ['cpu_percent', 'mem_used_bytes'] as const satisfies readonly Metric[];

/**
 * Metrics that combine over the containers of a group (groupBy): summed or averaged. mem_limit_bytes
 * is not one: a container without a limit reports the host's memory as its limit.
 */
export const GROUPABLE_METRICS = [
  'cpu_percent',
  'mem_used_bytes',
  'mem_percent',
  'net_rx_bps',
  'net_tx_bps',
  'blk_read_bps',
  'blk_write_bps',
  'pids',
] as const satisfies readonly Metric[];
export type GroupableMetric = (typeof GROUPABLE_METRICS)[number];

/** groupBy on /stats: one series per host or per compose project. */
export const GROUP_BYS = ['host', 'project'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

/** agg on /stats: top=N ranks by the metric's average over the range or by its highest bucket. */
export const RANK_AGGS = ['avg', 'max'] as const;
export type RankAgg = (typeof RANK_AGGS)[number];

/** The stats tables, finest first: raw samples, hourly and daily rollups. */
export const RESOLUTIONS = ['raw', 'hourly', 'daily'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** resolution on /stats: a table, or auto (chosen by the range: common/src/resolution.ts). */
export const RESOLUTION_REQUESTS = ['auto', ...RESOLUTIONS] as const;
export type ResolutionRequest = (typeof RESOLUTION_REQUESTS)[number];

/** A container's state, in Docker's words, and `removed` once the engine no longer lists it. */
export const CONTAINER_STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'removed'] as const;
export type ContainerState = (typeof CONTAINER_STATES)[number];

/** The states an engine reports (all but `removed`, which only the collector concludes). */
export const ENGINE_CONTAINER_STATES = CONTAINER_STATES.filter((s): s is Exclude<ContainerState, 'removed'> => s !== 'removed');

/**
 * The container event actions the collector records, in Docker's words (other engines' words are
 * mapped to them by the collector), and so the ones the API filters on: one list for both.
 */
export const EVENT_ACTIONS = [
  'create', 'start', 'restart', 'stop', 'die', 'kill', 'oom', 'pause', 'unpause',
  'destroy', 'rename', 'update', 'health_status',
] as const;
export type EventAction = (typeof EVENT_ACTIONS)[number];

/** A log line's stream. */
export const LOG_STREAMS = ['stdout', 'stderr'] as const;
export type LogStream = (typeof LOG_STREAMS)[number];

/** GET /health's status: ok; degraded (cache or replica down: slower, still right); unavailable (no database: 503). */
export const HEALTH_STATUSES = ['ok', 'degraded', 'unavailable'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Where the API caches answers: Redis, or the process's own memory without REDIS_URL. */
export const CACHE_BACKENDS = ['redis', 'memory'] as const;
export type CacheBackendKind = (typeof CACHE_BACKENDS)[number];

import type { DataSourceApi, MetricFindValue, ScopedVars } from '@grafana/data';
import type { DataQuery, DataSourceJsonData } from '@grafana/schema';
import {
  CONTAINER_STATES,
  DEFAULT_STATS_METRICS,
  EVENT_ACTIONS,
  GROUP_BYS,
  GROUPABLE_METRICS,
  LOG_STREAMS,
  METRICS,
  RANK_AGGS,
  RESOLUTION_REQUESTS,
  type ContainerState,
  type EventAction,
  type GroupBy,
  type LogStream as ApiLogStream,
  type Metric,
  type RankAgg,
  type ResolutionRequest,
} from '../../../common/src/contract/lists';

/** Every kind of question the datasource can ask the Dockpulse API. */
export type QueryType = 'stats' | 'containers' | 'images' | 'imageVersions' | 'logs' | 'events';

export const QUERY_TYPES: Array<{ value: QueryType; label: string; description: string }> = [
  { value: 'stats', label: 'Stats', description: 'CPU, memory, network, block IO and pids over time' },
  { value: 'containers', label: 'Containers', description: 'Containers and their current state (table)' },
  { value: 'images', label: 'Images', description: 'Images on the hosts (table)' },
  { value: 'imageVersions', label: 'Image versions', description: 'When a tag started pointing at another image' },
  { value: 'logs', label: 'Logs', description: 'Container log lines (Logs panel)' },
  { value: 'events', label: 'Events', description: 'Container events: start, die, oom, health, ...' },
];

// The API's words: the contract's lists (common/src/contract/lists.ts), taken by a relative path
// because that module holds only constants and types, so the bundle takes it without the server
// side of common (src/import-graph.test.ts checks both).
export { CONTAINER_STATES, EVENT_ACTIONS, GROUP_BYS, GROUPABLE_METRICS, LOG_STREAMS, METRICS, RANK_AGGS };
export type { ContainerState, EventAction, GroupBy, Metric, RankAgg };

/** The query's resolution: auto (the API chooses by range) or one table. */
export type Resolution = ResolutionRequest;
export const RESOLUTIONS = RESOLUTION_REQUESTS;

/** The logs query's stream: both, or one of the API's. */
export type LogStream = 'all' | ApiLogStream;
export const LOG_STREAM_CHOICES: readonly LogStream[] = ['all', ...LOG_STREAMS];

/** One panel query. Fields that do not apply to the chosen queryType are ignored. */
export interface DockpulseQuery extends DataQuery {
  queryType?: QueryType;
  /** Host id; template variables allowed. */
  host?: string;
  /** Container ids or names; each may be a template variable, multi-value and All included. */
  containers?: string[];
  // stats
  metrics?: Metric[];
  resolution?: Resolution;
  /** Only the N highest series (containers, or groups with groupBy), ranked by `by` over the range. */
  top?: number;
  /** The metric that ranks for top; unset: the first metric. */
  by?: Metric;
  /** avg (default): the metric's average over the range; max: its highest bucket. */
  agg?: RankAgg;
  /** One series per host or compose project instead of one per container. */
  groupBy?: GroupBy;
  // containers
  state?: string;
  name?: string;
  image?: string;
  label?: string;
  // images and image versions
  repository?: string;
  tag?: string;
  // logs
  search?: string;
  stream?: LogStream;
  limit?: number;
  // events
  actions?: EventAction[];
  /** Events only: also mark deploys, i.e. a tag starting to point at a new image (image_versions). */
  includeDeploys?: boolean;
}

export const DEFAULT_QUERY: Partial<DockpulseQuery> = {
  queryType: 'stats',
  metrics: [...DEFAULT_STATS_METRICS],
  resolution: 'auto',
};

export const DEFAULT_LOG_LIMIT = 500;

/** Options stored in the datasource's jsonData (visible to the browser). */
export interface DockpulseOptions extends DataSourceJsonData {
  /** Base URL of the Dockpulse API as Grafana's server reaches it, without /api/v1 (http://api:8080). */
  apiUrl?: string;
  /**
   * Auto resolution thresholds: a range shorter than rawMaxRangeHours reads raw samples, shorter than
   * hourlyMaxRangeHours the hourly table, anything longer the daily one. Unset: the API's own policy.
   */
  rawMaxRangeHours?: number;
  hourlyMaxRangeHours?: number;
}

/** Options stored encrypted by Grafana: used only by the data proxy, never sent to the browser. */
export interface DockpulseSecureOptions {
  apiToken?: string;
}

/** Template variable query (CustomVariableSupport). */
export type VariableQueryType = 'hosts' | 'containers' | 'images';
export interface DockpulseVariableQuery extends DataQuery {
  type: VariableQueryType;
  /** Only containers of this host (may be a variable such as $host). */
  host?: string;
  /** Containers only: include those that are not running. */
  includeStopped?: boolean;
}

/**
 * What the variable support (variables.ts) and its editor need of the datasource. It lives here,
 * beside the query types, so that neither imports datasource.ts, which imports the variable support.
 */
export interface VariableDataSource extends DataSourceApi<DockpulseQuery, DockpulseOptions> {
  findVariableValues(query: DockpulseVariableQuery, scopedVars?: ScopedVars): Promise<MetricFindValue[]>;
}

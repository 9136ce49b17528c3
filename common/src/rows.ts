// Row shapes of the tables in sql/ (docs/architecture.md, "The flow"). The collector produces
// them, the writer stores them, the API reads them back. Byte counters are numbers (they stay
// below 2^53). The words a row holds (states, streams, actions) are the contract's lists.
import type { ContainerState, EventAction, LogStream } from './contract/lists';

export interface HostRow {
  host_id: string;
  name: string;
  engine_version: string | null;
  api_version: string | null;
  os: string | null;
  kernel: string | null;
  cpus: number | null;
  mem_total_bytes: number | null;
  cgroup_version: number | null;
  last_seen: Date;
}

export interface ContainerInfoRow {
  host_id: string;
  container_id: string;
  name: string;
  image: string | null;
  image_id: string | null;
  command: string | null;
  created_at: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  state: ContainerState;
  status: string | null;
  health: string | null;
  restart_count: number;
  exit_code: number | null;
  oom_killed: boolean;
  labels: Record<string, string>;
  compose_project: string | null;
  compose_service: string | null;
  cpu_limit_cores: number | null;
  mem_limit_bytes: number | null;
  last_seen: Date;
  removed_at: Date | null;
}

export interface ContainerStatsRow {
  time: Date;
  host_id: string;
  container_id: string;
  cpu_percent: number | null;
  mem_used_bytes: number | null;
  mem_usage_bytes: number | null;
  mem_limit_bytes: number | null;
  mem_percent: number | null;
  net_rx_bytes: number | null;
  net_tx_bytes: number | null;
  blk_read_bytes: number | null;
  blk_write_bytes: number | null;
  net_rx_delta: number | null;
  net_tx_delta: number | null;
  blk_read_delta: number | null;
  blk_write_delta: number | null;
  pids: number | null;
}

export interface ContainerLogRow {
  time: Date;
  host_id: string;
  container_id: string;
  stream: LogStream;
  /** Order of lines that share one timestamp (0 for the first). */
  seq: number;
  message: string;
}

export interface ContainerEventRow {
  time: Date;
  /** The engine's timeNano as a decimal string: it exceeds 2^53. */
  time_nano: string;
  host_id: string;
  container_id: string;
  container_name: string | null;
  image: string | null;
  action: EventAction;
  exit_code: number | null;
  attributes: Record<string, string>;
}

export interface DockerImageRow {
  host_id: string;
  image_id: string;
  repo_tags: string[];
  repo_digests: string[];
  size_bytes: number | null;
  created_at: Date | null;
  labels: Record<string, string>;
  last_seen: Date;
  removed_at: Date | null;
}

export interface ImageVersionRow {
  time: Date;
  host_id: string;
  repository: string;
  tag: string;
  image_id: string;
  digest: string | null;
  previous_image_id: string | null;
}

export interface CollectorStatusRow {
  host_id: string;
  version: string;
  started_at: Date | null;
  last_beat: Date;
  last_stats_cycle_ms: number | null;
  /** cgroup (the kernel's files) or engine (its stats endpoint); null before the first choice. */
  stats_sampler: string | null;
  skipped_cycles: number;
  containers_seen: number;
  buffered_rows: number;
  spooled_rows: number;
  dropped_rows: number;
  /** The write-ahead spool: writing, or disk-full / at-limit / failing (rows held in memory only). */
  spool_state: string | null;
  spool_bytes: number | null;
  dropped_log_lines: number;
  errors_total: number;
  last_error: string | null;
  last_error_at: Date | null;
}

/** Every table the writer fills, with the row type it takes. */
export interface TableRows {
  hosts: HostRow;
  container_info: ContainerInfoRow;
  container_stats: ContainerStatsRow;
  container_logs: ContainerLogRow;
  container_events: ContainerEventRow;
  docker_images: DockerImageRow;
  image_versions: ImageVersionRow;
  collector_status: CollectorStatusRow;
}
export type TableName = keyof TableRows;

/**
 * Where the collector's jobs put rows. The batch writer implements it: `write` validates the row
 * at once (throwing a RowValidationError that names the table and field) and buffers it; storing
 * is asynchronous and never loses an accepted row.
 */
export interface RowSink {
  write<T extends TableName>(table: T, row: TableRows[T]): void;
  /** A job's cycle has written all its rows: a sink with a write-ahead spool appends them now. */
  endOfCycle?(): void;
}

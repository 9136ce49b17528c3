// One spec per table drives the writer's three jobs: the check at write(), the INSERT text and
// the column arrays. Columns mirror sql/ and the row types of common/src/rows.ts.
import type { StorageFlavour, TableName, TableRows } from '@dockpulse/common';

export type ColumnType =
  | 'text'
  | 'smallint'
  | 'integer'
  | 'bigint'
  | 'double precision'
  | 'boolean'
  | 'timestamptz'
  | 'jsonb'
  | 'text[]';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** false: null (or a missing field) is stored as NULL. */
  required: boolean;
}

export interface TableSpec {
  table: TableName;
  columns: readonly ColumnSpec[];
  /** Columns of the table's unique key: what makes a replayed row a duplicate. */
  conflictKey: readonly string[];
  /**
   * append: ON CONFLICT DO NOTHING, so a replayed batch adds nothing.
   * upsert: ON CONFLICT DO UPDATE of every non-key column; first_seen is set once from last_seen.
   */
  mode: 'append' | 'upsert';
  /** Partitioned by day on this column in the plain flavour. */
  partitionColumn?: string;
}

/** A spec whose key names are checked against the table's row type. */
type TypedSpec<T extends TableName> = TableSpec & {
  table: T;
  conflictKey: readonly (keyof TableRows[T] & string)[];
  partitionColumn?: keyof TableRows[T] & string;
};

const req = (name: string, type: ColumnType): ColumnSpec => ({ name, type, required: true });
const opt = (name: string, type: ColumnType): ColumnSpec => ({ name, type, required: false });

type Specs = { [T in TableName]: TypedSpec<T> };

/** Tables whose rows carry first_seen: set once, from the first row's last_seen. */
const FIRST_SEEN: ReadonlySet<TableName> = new Set(['hosts', 'container_info', 'docker_images']);

export const TABLE_SPECS: Specs = {
  hosts: {
    table: 'hosts',
    mode: 'upsert',
    conflictKey: ['host_id'],
    columns: [
      req('host_id', 'text'), req('name', 'text'), opt('engine_version', 'text'), opt('api_version', 'text'),
      opt('os', 'text'), opt('kernel', 'text'), opt('cpus', 'integer'), opt('mem_total_bytes', 'bigint'),
      opt('cgroup_version', 'smallint'), req('last_seen', 'timestamptz'),
    ],
  },
  container_info: {
    table: 'container_info',
    mode: 'upsert',
    conflictKey: ['host_id', 'container_id'],
    columns: [
      req('host_id', 'text'), req('container_id', 'text'), req('name', 'text'), opt('image', 'text'),
      opt('image_id', 'text'), opt('command', 'text'), opt('created_at', 'timestamptz'),
      opt('started_at', 'timestamptz'), opt('finished_at', 'timestamptz'), req('state', 'text'),
      opt('status', 'text'), opt('health', 'text'), req('restart_count', 'integer'), opt('exit_code', 'integer'),
      req('oom_killed', 'boolean'), req('labels', 'jsonb'), opt('compose_project', 'text'),
      opt('compose_service', 'text'), opt('cpu_limit_cores', 'double precision'), opt('mem_limit_bytes', 'bigint'),
      req('last_seen', 'timestamptz'), opt('removed_at', 'timestamptz'),
    ],
  },
  container_stats: {
    table: 'container_stats',
    mode: 'append',
    conflictKey: ['host_id', 'container_id', 'time'],
    partitionColumn: 'time',
    columns: [
      req('time', 'timestamptz'), req('host_id', 'text'), req('container_id', 'text'),
      opt('cpu_percent', 'double precision'), opt('mem_used_bytes', 'bigint'), opt('mem_usage_bytes', 'bigint'),
      opt('mem_limit_bytes', 'bigint'), opt('mem_percent', 'double precision'), opt('net_rx_bytes', 'bigint'),
      opt('net_tx_bytes', 'bigint'), opt('blk_read_bytes', 'bigint'), opt('blk_write_bytes', 'bigint'),
      opt('net_rx_delta', 'bigint'), opt('net_tx_delta', 'bigint'), opt('blk_read_delta', 'bigint'),
      opt('blk_write_delta', 'bigint'), opt('pids', 'integer'),
    ],
  },
  container_logs: {
    table: 'container_logs',
    mode: 'append',
    conflictKey: ['host_id', 'container_id', 'time', 'stream', 'seq'],
    partitionColumn: 'time',
    columns: [
      req('time', 'timestamptz'), req('host_id', 'text'), req('container_id', 'text'), req('stream', 'text'),
      req('seq', 'integer'), req('message', 'text'),
    ],
  },
  container_events: {
    table: 'container_events',
    mode: 'append',
    conflictKey: ['host_id', 'container_id', 'time', 'action', 'time_nano'],
    partitionColumn: 'time',
    columns: [
      req('time', 'timestamptz'), req('time_nano', 'bigint'), req('host_id', 'text'), req('container_id', 'text'),
      opt('container_name', 'text'), opt('image', 'text'), req('action', 'text'), opt('exit_code', 'integer'),
      req('attributes', 'jsonb'),
    ],
  },
  docker_images: {
    table: 'docker_images',
    mode: 'upsert',
    conflictKey: ['host_id', 'image_id'],
    columns: [
      req('host_id', 'text'), req('image_id', 'text'), req('repo_tags', 'text[]'), req('repo_digests', 'text[]'),
      opt('size_bytes', 'bigint'), opt('created_at', 'timestamptz'), req('labels', 'jsonb'),
      req('last_seen', 'timestamptz'), opt('removed_at', 'timestamptz'),
    ],
  },
  image_versions: {
    table: 'image_versions',
    mode: 'append',
    conflictKey: ['host_id', 'repository', 'tag', 'time', 'image_id'],
    columns: [
      req('time', 'timestamptz'), req('host_id', 'text'), req('repository', 'text'), req('tag', 'text'),
      req('image_id', 'text'), opt('digest', 'text'), opt('previous_image_id', 'text'),
    ],
  },
  collector_status: {
    table: 'collector_status',
    mode: 'upsert',
    conflictKey: ['host_id'],
    columns: [
      req('host_id', 'text'), req('version', 'text'), opt('started_at', 'timestamptz'), req('last_beat', 'timestamptz'),
      opt('last_stats_cycle_ms', 'double precision'), opt('stats_sampler', 'text'), req('skipped_cycles', 'bigint'), req('containers_seen', 'integer'),
      req('buffered_rows', 'bigint'), req('spooled_rows', 'bigint'), req('dropped_rows', 'bigint'),
      opt('spool_state', 'text'), opt('spool_bytes', 'bigint'),
      req('dropped_log_lines', 'bigint'), req('errors_total', 'bigint'), opt('last_error', 'text'),
      opt('last_error_at', 'timestamptz'),
    ],
  },
};

export const TABLE_NAMES = Object.keys(TABLE_SPECS) as TableName[];

/**
 * A relation rows are stored in, as COPY and INSERT name it: a table of TABLE_SPECS, or the plain
 * flavour's container_samples, which holds container_stats rows under an integer key (sql/0009).
 */
export interface StoredSpec {
  relation: string;
  columns: readonly ColumnSpec[];
  conflictKey: readonly string[];
  mode: 'append' | 'upsert';
  partitionColumn?: string;
  /** Rows carry first_seen, set once from the first row's last_seen. */
  firstSeen: boolean;
  /** Upserts: a stored row is replaced only by a row with a later value of this column. */
  newerOnly?: string;
}

const STATS_KEY_COLUMNS: ReadonlySet<string> = new Set(['time', 'host_id', 'container_id']);

/**
 * Columns of container_stats stored only in each container's newest sample (container_stats_latest,
 * sql/0010_stats_latest.sql), NULL in the history: the engine's cumulative counters, whose
 * per-sample deltas the history keeps (every rate and rollup sums those), the memory usage with page
 * cache, and mem_percent, which is mem_used_bytes / mem_limit_bytes. On TimescaleDB they were 18 of
 * the 43 compressed bytes of a sample; a NULL column costs about nothing there, and 8 B less per
 * column in a plain heap row.
 */
export const LATEST_ONLY_STATS_COLUMNS: ReadonlySet<string> = new Set([
  'mem_usage_bytes', 'mem_percent', 'net_rx_bytes', 'net_tx_bytes', 'blk_read_bytes', 'blk_write_bytes',
]);

const HISTORY_STATS_COLUMNS = TABLE_SPECS.container_stats.columns.filter((c) => !LATEST_ONLY_STATS_COLUMNS.has(c.name));

/** container_stats's history under container_keys' integer (sql/0009_stats_integer_keys.postgres.sql). */
export const CONTAINER_SAMPLES_SPEC: StoredSpec = {
  relation: 'container_samples',
  mode: 'append',
  conflictKey: ['ckey', 'time'],
  partitionColumn: 'time',
  columns: [req('time', 'timestamptz'), req('ckey', 'integer'), ...HISTORY_STATS_COLUMNS.filter((c) => !STATS_KEY_COLUMNS.has(c.name))],
  firstSeen: false,
};

/** container_stats's history in the TimescaleDB flavour: the hypertable, without the latest-only columns. */
const CONTAINER_STATS_HISTORY_SPEC: StoredSpec = {
  relation: 'container_stats',
  mode: 'append',
  conflictKey: TABLE_SPECS.container_stats.conflictKey,
  partitionColumn: 'time',
  columns: HISTORY_STATS_COLUMNS,
  firstSeen: false,
};

/** Each container's newest sample, whole (sql/0010_stats_latest.sql); a replayed older one changes nothing. */
export const CONTAINER_STATS_LATEST_SPEC: StoredSpec = {
  relation: 'container_stats_latest',
  mode: 'upsert',
  conflictKey: ['host_id', 'container_id'],
  columns: TABLE_SPECS.container_stats.columns,
  firstSeen: false,
  newerOnly: 'time',
};

const STORED_AS_TABLE = new Map<TableName, StoredSpec>(
  TABLE_NAMES.map((t) => {
    const { table, columns, conflictKey, mode, partitionColumn } = TABLE_SPECS[t] as TableSpec;
    return [t, { relation: table, columns, conflictKey, mode, partitionColumn, firstSeen: FIRST_SEEN.has(t) }];
  }),
);

/**
 * Where `table`'s rows are stored in `flavour`: container_stats's history goes to container_samples
 * in the plain flavour (container_stats is a view there) and to the hypertable in TimescaleDB, both
 * without the latest-only columns, which go to latestSpec().
 */
export function storedSpec(table: TableName, flavour: StorageFlavour): StoredSpec {
  if (table === 'container_stats') return flavour === 'postgres' ? CONTAINER_SAMPLES_SPEC : CONTAINER_STATS_HISTORY_SPEC;
  return STORED_AS_TABLE.get(table) as StoredSpec;
}

/** Where the newest of `table`'s rows are also kept, whole: container_stats_latest for container_stats. */
export function latestSpec(table: TableName): StoredSpec | undefined {
  return table === 'container_stats' ? CONTAINER_STATS_LATEST_SPEC : undefined;
}

export function tableSpec(table: TableName): TableSpec {
  return TABLE_SPECS[table];
}

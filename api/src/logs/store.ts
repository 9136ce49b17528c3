import type { LogItem, LogStream } from '@dockpulse/common';
import type { Queryable } from '../db/read-pool';
import { likeLiteral } from '../http/validation';
import type { LogKey } from './cursor';

export interface LogQuery {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  q?: string;
  stream?: LogStream;
  limit: number;
  /** Newest first: lines strictly older (in sort order) than this key. */
  before?: LogKey;
  /** Oldest first: lines strictly newer than this key (the SSE tail). */
  after?: LogKey;
}

// Epoch microseconds (text) to timestamptz, exactly: whole seconds and microseconds separately,
// so no step goes through a float that cannot hold 16 digits.
const US_TO_TS = (p: string) =>
  `('epoch'::timestamptz + (${p}::bigint / 1000000) * interval '1 second' + (${p}::bigint % 1000000) * interval '1 microsecond')`;

export const LOG_COLUMNS = `(extract(epoch FROM l.time) * 1000000)::bigint::text AS time_us,
  to_char(l.time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS time_text,
  l.host_id, l.container_id, l.stream, l.seq, l.message`;

export function toLogItem(r: Record<string, unknown>, names: Map<string, string>): LogItem {
  return {
    time: r.time_text as string,
    timeUs: r.time_us as string,
    hostId: r.host_id as string,
    containerId: r.container_id as string,
    containerName: names.get(`${r.host_id}\0${r.container_id}`) ?? null,
    stream: r.stream as LogStream,
    seq: r.seq as number,
    message: r.message as string,
  };
}

export class LogStore {
  constructor(private readonly pool: Queryable) {}

  async query(q: LogQuery): Promise<LogItem[]> {
    const { rows } = await this.pool.query(logQuerySql(q));
    const names = new Map(rows.map((r) => [`${r.host_id}\0${r.container_id}`, r.container_name as string]));
    return rows.map((r) => toLogItem(r, names));
  }

  /** The sort key of the newest stored line (where a live tail starts). */
  async newestKey(): Promise<LogKey | null> {
    const { rows } = await this.pool.query(
      `SELECT ${LOG_COLUMNS} FROM container_logs l ORDER BY l.time DESC, l.host_id DESC, l.container_id DESC, l.stream DESC, l.seq DESC LIMIT 1`,
    );
    const r = rows[0];
    return r ? { timeUs: r.time_us, hostId: r.host_id, containerId: r.container_id, stream: r.stream, seq: r.seq } : null;
  }
}

/**
 * The one statement behind GET /logs and the SSE tail; exported so a test can EXPLAIN exactly it.
 *
 * Shape, for the planner (api/test/logs-search.test.ts proves it on a realistic table):
 * - `q` is ILIKE '%text%' with the wildcards of the text escaped; node-postgres sends unnamed
 *   statements, which PostgreSQL plans with the values bound, so the pattern is a constant there and
 *   the trigram index (sql/0004_log_search.sql) serves rare terms.
 * - ORDER BY time DESC with LIMIT: over the daily partitions (or chunks) that is an ordered append
 *   of backward index scans, newest partition first, which stops as soon as the page is full; a
 *   common term never reads past its first page.
 * - Containers become (host_id, container_id) pairs first, so the unique index on
 *   (host_id, container_id, time, ...) finds one container's lines without reading the fleet's.
 */
export function logQuerySql(q: LogQuery): { text: string; values: unknown[] } {
  const key = q.before ?? q.after;
  const values: unknown[] = [
    q.containers ?? null,
    q.host ?? null,
    q.fromMs,
    q.toMs,
    q.stream ?? null,
    q.q === undefined ? null : likeLiteral(q.q),
    key?.timeUs ?? null,
    key?.hostId ?? null,
    key?.containerId ?? null,
    key?.stream ?? null,
    key?.seq ?? null,
    q.limit,
  ];
  const dir = q.after ? 'ASC' : 'DESC';
  const cmp = q.after ? '>' : '<';
  const order = (t: string) => `${t}.time ${dir}, ${t}.host_id ${dir}, ${t}.container_id ${dir}, ${t}.stream ${dir}, ${t}.seq ${dir}`;
  // A full id that container_info does not know yet (its lines may arrive first) still matches, on any host.
  const containers = q.containers
    ? `AND (x.host_id, x.container_id) IN (
               SELECT host_id, container_id FROM container_info WHERE container_id = ANY ($1) OR name = ANY ($1)
               UNION
               SELECT h.host_id, r.id FROM hosts h, unnest($1::text[]) AS r(id)
                WHERE r.id ~ '^[0-9a-f]{64}$' AND NOT EXISTS (SELECT 1 FROM container_info ci WHERE ci.container_id = r.id))`
    : 'AND $1::text[] IS NULL';
  const text = `WITH l AS (
       SELECT ${LOG_COLUMNS.replace(/l\./g, 'x.')}, x.time
         FROM container_logs x
        WHERE x.time >= to_timestamp($3::float8 / 1000) AND x.time < to_timestamp($4::float8 / 1000)
          ${containers}
          AND ($2::text IS NULL OR x.host_id = $2)
          AND ($5::text IS NULL OR x.stream = $5)
          AND ($6::text IS NULL OR x.message ILIKE '%' || $6 || '%')
          AND ($7::text IS NULL OR (x.time, x.host_id, x.container_id, x.stream, x.seq) ${cmp} (${US_TO_TS('$7')}, $8::text, $9::text, $10::text, $11::int))
        ORDER BY ${order('x')}
        LIMIT $12)
     SELECT l.*, ci.name AS container_name FROM l LEFT JOIN container_info ci USING (host_id, container_id)
      ORDER BY ${order('l')}`;
  return { text, values };
}

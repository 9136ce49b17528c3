// COPY ... FROM STDIN for append-only tables: the fastest way rows enter PostgreSQL (one text
// stream, no per-element array parsing). COPY has no ON CONFLICT, so a batch that meets a row
// already stored (a replay after an outage) fails with unique_violation and the store retries it
// with the unnest INSERT ... ON CONFLICT DO NOTHING; in normal operation that never happens.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Row } from './statements';
import type { ColumnType, StoredSpec } from './tables';

// COPY text format: backslash, newline, carriage return and tab are escaped; \N is NULL.
const escapeCopy = (text: string) =>
  /[\\\n\r\t]/.test(text) ? text.replace(/[\\\n\r\t]/g, (c) => ({ '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c] as string) : text;

// An array value is an array literal ("{"a","b"}") inside the COPY field.
const arrayLiteral = (items: readonly unknown[]) =>
  `{${items.map((i) => (i == null ? 'NULL' : `"${String(i).replace(/[\\"]/g, '\\$&')}"`)).join(',')}}`;

const FIELD_ENCODERS: Record<ColumnType, (value: unknown) => string> = {
  text: (v) => escapeCopy(v as string),
  smallint: String,
  integer: String,
  bigint: String,
  'double precision': String,
  boolean: (v) => (v ? 't' : 'f'),
  timestamptz: (v) => (v instanceof Date ? v.toISOString() : escapeCopy(String(v))),
  jsonb: (v) => escapeCopy(JSON.stringify(v)),
  'text[]': (v) => escapeCopy(arrayLiteral(v as unknown[])),
};

const COPY_SQL = new Map<string, string>();

/** The COPY text of `rows`: one line per row, columns in the spec's order. */
export function copyText(spec: StoredSpec, rows: readonly Row[]): string {
  const columns = spec.columns;
  const lines = new Array<string>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as Row;
    const fields = new Array<string>(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as (typeof columns)[number];
      const value = row[column.name];
      fields[c] = value == null ? '\\N' : FIELD_ENCODERS[column.type](value);
    }
    lines[r] = fields.join('\t');
  }
  return lines.join('\n') + '\n';
}

export function copySql(spec: StoredSpec): string {
  let text = COPY_SQL.get(spec.relation);
  if (text === undefined) {
    text = `COPY "${spec.relation}" (${spec.columns.map((c) => `"${c.name}"`).join(', ')}) FROM STDIN`;
    COPY_SQL.set(spec.relation, text);
  }
  return text;
}

/** Streams `rows` into the spec's relation over `client` with COPY FROM STDIN. */
export async function copyRows(client: PoolClient, spec: StoredSpec, rows: readonly Row[]): Promise<void> {
  const stream = client.query(copyFrom(copySql(spec)));
  await pipeline(Readable.from([copyText(spec, rows)]), stream);
}

// INSERT ... SELECT FROM unnest(arrays): one statement and one parameter per column, whatever the
// number of rows, so a batch costs one round trip and one parse (the statement is prepared by name).
import type { ColumnSpec, ColumnType, StoredSpec } from './tables';

export type Row = Record<string, unknown>;

const quote = (identifier: string) => `"${identifier}"`;

/**
 * How a column travels: the array type of its parameter and the expression that turns one element
 * back into the column's type. jsonb goes as text (a jsonb[] literal would need escaping twice);
 * text[] goes as one JSON array per row, because unnest flattens a 2-D array instead of giving
 * rows of arrays, and a 2-D array cannot hold rows of different lengths anyway.
 */
function transport(column: ColumnSpec, ref: string): { paramType: string; expression: string } {
  switch (column.type) {
    case 'jsonb':
      return { paramType: 'text[]', expression: `${ref}::jsonb` };
    case 'text[]':
      return {
        paramType: 'text[]',
        expression: `CASE WHEN ${ref} IS NULL THEN NULL ELSE ARRAY(SELECT jsonb_array_elements_text(${ref}::jsonb)) END`,
      };
    default:
      return { paramType: `${column.type}[]`, expression: ref };
  }
}

function buildInsertSql(spec: StoredSpec): string {
  const names = spec.columns.map((c) => quote(c.name));
  const params = spec.columns.map((c, i) => `$${i + 1}::${transport(c, '').paramType}`);
  const select = spec.columns.map((c) => transport(c, `u.${quote(c.name)}`).expression);
  const insertColumns = [...names];
  if (spec.firstSeen) {
    // first_seen is the first row's last_seen, not the time a replay happened to store it.
    insertColumns.push(quote('first_seen'));
    select.push(`u.${quote('last_seen')}`);
  }
  let conflict = 'ON CONFLICT DO NOTHING';
  if (spec.mode === 'upsert') {
    const key = new Set<string>(spec.conflictKey);
    const updates = spec.columns
      .filter((c) => !key.has(c.name))
      .map((c) => `${quote(c.name)} = EXCLUDED.${quote(c.name)}`);
    conflict = `ON CONFLICT (${spec.conflictKey.map(quote).join(', ')}) DO UPDATE SET ${updates.join(', ')}`;
    if (spec.newerOnly) conflict += ` WHERE EXCLUDED.${quote(spec.newerOnly)} > ${quote(spec.relation)}.${quote(spec.newerOnly)}`;
  }
  return (
    `INSERT INTO ${quote(spec.relation)} (${insertColumns.join(', ')}) ` +
    `SELECT ${select.join(', ')} FROM unnest(${params.join(', ')}) AS u(${names.join(', ')}) ${conflict}`
  );
}

/**
 * Each column goes as one array literal ('{a,b,NULL}') built here: node-pg's generic array
 * serializer inspects every element and costs more than the insert itself at 1000-row batches.
 * Text is always quoted (so "NULL" or "" stay strings); numbers, booleans and ISO times need no quotes.
 */
type ElementEncoder = (value: unknown) => string;

const quoteText = (text: string) => `"${text.replace(/[\\"]/g, '\\$&')}"`;
const ELEMENT_ENCODERS: Record<ColumnType, ElementEncoder> = {
  text: (v) => quoteText(v as string),
  smallint: String,
  integer: String,
  bigint: String,
  'double precision': String,
  boolean: (v) => (v ? 't' : 'f'),
  timestamptz: (v) => (v instanceof Date ? v.toISOString() : quoteText(String(v))),
  jsonb: (v) => quoteText(JSON.stringify(v)),
  'text[]': (v) => quoteText(JSON.stringify(v)),
};

export function arrayLiteral(type: ColumnType, values: readonly unknown[]): string {
  const encode = ELEMENT_ENCODERS[type];
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v == null ? 'NULL' : encode(v);
  }
  return `{${parts.join(',')}}`;
}

export interface InsertStatement {
  name: string;
  text: string;
  /** One array literal per column. */
  values: string[];
}

const SQL = new Map<string, string>();

export function insertSql(spec: StoredSpec): string {
  let text = SQL.get(spec.relation);
  if (text === undefined) SQL.set(spec.relation, (text = buildInsertSql(spec)));
  return text;
}

/** The statement for one relation's rows of a batch: one array per column, rows in order. */
export function buildInsert(spec: StoredSpec, rows: readonly Row[]): InsertStatement {
  const values = spec.columns.map((column) =>
    arrayLiteral(column.type, rows.map((row) => row[column.name])),
  );
  return { name: `dockpulse_insert_${spec.relation}`, text: insertSql(spec), values };
}

/**
 * Upsert rows of one batch that share a key keep only the last one (with `newerOnly`, the one with
 * the latest value of that column, the last of equals): Postgres refuses to update one row twice in
 * a statement ("ON CONFLICT DO UPDATE command cannot affect row a second time").
 */
export function dedupeByKey(spec: StoredSpec, rows: readonly Row[]): Row[] {
  if (spec.mode !== 'upsert') return rows as Row[];
  const byKey = new Map<string, Row>();
  const column = spec.newerOnly;
  for (const row of rows) {
    const key = spec.conflictKey.map((k) => String(row[k])).join('\u0000');
    const kept = byKey.get(key);
    if (column && kept && timeValue(kept[column]) > timeValue(row[column])) continue;
    byKey.delete(key); // keep the last occurrence in its own (latest) position
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

/** A Date, an ISO time (rows replayed from the spool) or a number, as a number to compare. */
function timeValue(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return Date.parse(value);
  return typeof value === 'number' ? value : Number.NEGATIVE_INFINITY;
}

// What Grafana does with an alert rule's SQL and expressions, for the checks of our rules:
// expands the PostgreSQL datasource's macros (non-TimescaleDB forms, as in Grafana's
// pkg/tsdb/grafana-postgresql-datasource macros), turns the rows of a time_series query into one
// series per label set, and applies the reduce and threshold expressions.

export interface TimeRange {
  from: Date;
  to: Date;
}

const quoteTime = (d: Date) => `'${d.toISOString().replace(/\.\d{3}Z$/, 'Z')}'`;

function intervalSeconds(text: string): number {
  const m = /^'?(\d+)(ms|s|m|h|d)'?$/.exec(text.trim());
  if (!m) throw new Error(`unsupported interval in macro: ${text}`);
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, d: n * 86400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

/** Expands $__macro(...) calls; throws on a macro Grafana has but this does not know. */
export function expandMacros(sql: string, range: TimeRange): string {
  return sql.replace(/\$__(\w+)\(([^)]*)\)/g, (_all, name: string, argText: string) => {
    const args = argText.split(',').map((a) => a.trim()).filter((a) => a !== '');
    switch (name) {
      case 'timeFilter':
        return `${args[0]} BETWEEN ${quoteTime(range.from)} AND ${quoteTime(range.to)}`;
      case 'timeFrom':
        return quoteTime(range.from);
      case 'timeTo':
        return quoteTime(range.to);
      case 'timeGroup':
        return `floor(extract(epoch from ${args[0]})/${intervalSeconds(args[1] ?? '')})*${intervalSeconds(args[1] ?? '')}`;
      case 'timeGroupAlias':
        return `floor(extract(epoch from ${args[0]})/${intervalSeconds(args[1] ?? '')})*${intervalSeconds(args[1] ?? '')} AS "time"`;
      default:
        throw new Error(`macro $__${name} is not supported by this check`);
    }
  });
}

export type Labels = Record<string, string>;
export interface Series {
  labels: Labels;
  points: { time: Date; value: number | null }[];
}

// PostgreSQL type oids Grafana reads as numbers (int2, int4, int8, float4, float8, numeric).
const NUMERIC_OIDS = new Set([21, 23, 20, 700, 701, 1700]);
const TEXT_OIDS = new Set([25, 1043, 19]); // text, varchar, name

/**
 * A time_series result: one time column, numeric value column(s), string columns as labels.
 * Grafana makes one series per (label set, numeric column); our rules have one numeric column.
 * The rows must come sorted by time, as Grafana requires.
 */
export function toSeries(rows: Record<string, unknown>[], fields: { name: string; dataTypeID: number }[]): Series[] {
  const types = new Map(fields.map((f) => [f.name, f.dataTypeID]));
  const byKey = new Map<string, Series>();
  let previousMs = -Infinity;
  for (const [index, row] of rows.entries()) {
    const labels: Labels = {};
    let value: number | null = null;
    let time: Date | undefined;
    for (const [column, cell] of Object.entries(row)) {
      if (column === 'time') time = cell instanceof Date ? cell : new Date(Number(cell) * 1000);
      else if (TEXT_OIDS.has(types.get(column) ?? 0)) labels[column] = String(cell);
      else if (NUMERIC_OIDS.has(types.get(column) ?? 0)) value = cell === null ? null : Number(cell);
      else throw new Error(`column ${column} is neither a label (text) nor a value (number): type oid ${types.get(column)}`);
    }
    if (!time) throw new Error('a time_series query needs a column named time');
    // Grafana turns the long answer into one frame per label set (the SDK's LongToWide), which
    // refuses rows whose time goes backwards: the rule would go to its error state.
    if (time.getTime() < previousMs) {
      throw new Error(`rows are not sorted by time (row ${index} is older than row ${index - 1}): Grafana's long-to-wide conversion refuses them`);
    }
    previousMs = time.getTime();
    const key = JSON.stringify(Object.entries(labels).sort());
    const series = byKey.get(key) ?? { labels, points: [] };
    series.points.push({ time, value });
    byKey.set(key, series);
  }
  return [...byKey.values()];
}

export function reduce(points: (number | null)[], reducer: string): number | null {
  const values = points.filter((v): v is number => v !== null && Number.isFinite(v)); // mode dropNN
  if (values.length === 0) return null;
  switch (reducer) {
    case 'last':
      return values[values.length - 1] as number;
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'count':
      return values.length;
    default:
      throw new Error(`reducer ${reducer} is not supported by this check`);
  }
}

export function threshold(value: number | null, evaluator: { type: string; params: number[] }): boolean {
  if (value === null) return false;
  const [a = 0, b = 0] = evaluator.params;
  switch (evaluator.type) {
    case 'gt':
      return value > a;
    case 'lt':
      return value < a;
    case 'within_range':
      return value > a && value < b;
    case 'outside_range':
      return value < a || value > b;
    default:
      throw new Error(`threshold type ${evaluator.type} is not supported by this check`);
  }
}

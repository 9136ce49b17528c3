// The check at write(): one small predicate per column, built once per table, so a wrong row is
// refused where it was made (with a message naming table and field) and never reaches a batch.
import type { TableName } from '@dockpulse/common';
import { TABLE_SPECS, type ColumnType, type TableSpec } from './tables';

export class RowValidationError extends Error {
  constructor(
    readonly table: string,
    readonly field: string | undefined,
    readonly expected: string,
    readonly got: string,
  ) {
    super(field === undefined ? `${table}: expected ${expected}, got ${got}` : `${table}.${field}: expected ${expected}, got ${got}`);
    this.name = 'RowValidationError';
  }
}

interface TypeCheck {
  expected: string;
  accepts(value: unknown): boolean;
}

const isInt = (min: number, max: number) => (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

// Ranges of integer/smallint are the database's business (it names the value); the door only
// checks the JavaScript type. bigint is limited to safe integers, or a decimal string past 2^53.
const TYPE_CHECKS: Record<ColumnType, TypeCheck> = {
  text: { expected: 'a string', accepts: (v) => typeof v === 'string' },
  smallint: { expected: 'a whole number', accepts: isInt(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) },
  integer: { expected: 'a whole number', accepts: isInt(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) },
  bigint: {
    expected: 'a safe whole number or a decimal string',
    accepts: (v) =>
      (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,19}$/.test(v)),
  },
  'double precision': { expected: 'a finite number', accepts: (v) => typeof v === 'number' && Number.isFinite(v) },
  boolean: { expected: 'a boolean', accepts: (v) => typeof v === 'boolean' },
  timestamptz: { expected: 'a valid Date', accepts: (v) => v instanceof Date && !Number.isNaN(v.getTime()) },
  jsonb: {
    expected: 'a plain object',
    accepts: (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date),
  },
  'text[]': {
    expected: 'an array of strings',
    accepts: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'),
  },
};

/** What a wrong value looked like, short enough for a log line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (Array.isArray(value)) return `array of ${value.length}`;
  if (typeof value === 'object') return 'object';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `${typeof value} ${text.length > 60 ? `${text.slice(0, 57)}...` : text}`;
}

type RowCheck = (row: Record<string, unknown>) => void;

function compile(spec: TableSpec): RowCheck {
  const columns = spec.columns.map((c) => ({ name: c.name, required: c.required, check: TYPE_CHECKS[c.type] }));
  return (row) => {
    for (const column of columns) {
      const value = row[column.name];
      if (value === undefined || value === null) {
        if (column.required) {
          throw new RowValidationError(spec.table, column.name, `${column.check.expected} (required)`, describeValue(value));
        }
      } else if (!column.check.accepts(value)) {
        throw new RowValidationError(spec.table, column.name, column.check.expected, describeValue(value));
      }
    }
  };
}

const CHECKS = new Map<string, RowCheck>(Object.values(TABLE_SPECS).map((spec) => [spec.table, compile(spec)]));

/** Throws RowValidationError for an unknown table, a row that is not an object, or a bad field. */
export function validateRow(table: TableName, row: unknown): void {
  const check = CHECKS.get(table);
  if (!check) throw new RowValidationError(String(table), undefined, `one of ${[...CHECKS.keys()].join(', ')}`, `table ${describeValue(table)}`);
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new RowValidationError(table, undefined, 'a row object', describeValue(row));
  }
  check(row as Record<string, unknown>);
}

import { Pool, type PoolConfig } from 'pg';
import { types } from 'pg';

// int8 (bigint) columns hold byte counters that stay below 2^53 in practice; numbers are what
// every caller wants. Values past 2^53 would lose precision, so they stay strings instead.
types.setTypeParser(types.builtins.INT8, (text) => {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : (text as unknown as number);
});

export interface PoolOptions {
  connectionString: string;
  /** Clients kept open at most. */
  max?: number;
  /** Server-side statement_timeout for every query of the pool; 0 = none. */
  statementTimeoutMs?: number;
  /** Tag shown in pg_stat_activity. */
  applicationName?: string;
  /** How long to wait for a connection before failing. */
  connectionTimeoutMillis?: number;
}

export function createPool(options: PoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    max: options.max ?? 5,
    application_name: options.applicationName ?? 'dockpulse',
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    idleTimeoutMillis: 30_000,
  };
  if (options.statementTimeoutMs) config.statement_timeout = options.statementTimeoutMs;
  const pool = new Pool(config);
  // An idle client that loses its server emits 'error' on the pool; without a listener
  // that would crash the process. The next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

/** SQLSTATE classes that mean "the server or the connection is not there right now". */
export function isConnectionError(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | undefined;
  const code = e?.code ?? '';
  if (/^(08|53|57P0[1-3])/.test(code)) return true; // connection exception, insufficient resources, shutdown
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(code)) {
    return true;
  }
  const message = e?.message ?? '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(
    message,
  );
}

// Where the API's reads go: a streaming replica when DATABASE_READ_URL names one, the primary
// (DATABASE_URL) otherwise. A read the replica fails for a reason the primary does not share
// (api/src/db/replica-errors.ts) is asked again of the primary; when that fails too, the route's
// own error path answers (the stale cache copy, or 503/504: api/src/http/errors.ts).
import { performance } from 'node:perf_hooks';
import type { Pool, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { createPool, type Logger, type ReplicaState } from '@dockpulse/common';
import type { ApiConfig } from '../config';
import { marksReplicaDown, replicaFallbackReason, type ReplicaFallbackReason } from './replica-errors';

/** What a store needs of a pool: a pg.Pool is one, and so is a ReadPool. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * After the replica could not be reached, reads skip it for this long: a replica that is down
 * would otherwise cost every read a connection attempt (up to the pool's connect timeout).
 */
export const REPLICA_RETRY_AFTER_MS = 5_000;

/** Shown in pg_stat_activity on the replica. */
export const READ_POOL_APPLICATION_NAME = 'dockpulse-api-reads';

export class ReadPool implements Queryable {
  private downUntilMs = 0;
  private lastWarnMs = -Infinity;
  /** Told of every read the primary answered instead of the replica (the API's metrics). */
  observe?: (reason: ReplicaFallbackReason) => void;

  constructor(
    private readonly primary: Queryable,
    private readonly replica: (Queryable & { end(): Promise<void> }) | undefined,
    private readonly logger: Logger,
    private readonly nowMs: () => number = () => performance.now(),
  ) {}

  get hasReplica(): boolean {
    return this.replica !== undefined;
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>> {
    // Looked up on every call, not bound once: tests count the primary's queries by wrapping it.
    if (!this.replica) return this.primary.query<R>(text, values);
    if (this.nowMs() < this.downUntilMs) return this.fallBack<R>('marked_down', text, values);
    try {
      return await this.replica.query<R>(text, values);
    } catch (error) {
      const reason = replicaFallbackReason(error);
      if (!reason) throw error;
      if (marksReplicaDown(reason)) this.downUntilMs = this.nowMs() + REPLICA_RETRY_AFTER_MS;
      this.warn(reason, error);
      return this.fallBack<R>(reason, text, values);
    }
  }

  /** The replica's health, asked of the replica itself (never falls back). */
  async replicaState(): Promise<ReplicaState | undefined> {
    if (!this.replica) return undefined;
    const started = this.nowMs();
    try {
      const { rows } = await this.replica.query<{ in_recovery: boolean; replay_lag_seconds: number | null; replayed_all_received: boolean }>(
        `SELECT pg_is_in_recovery() AS in_recovery,
                extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_lag_seconds,
                pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() AS replayed_all_received`,
      );
      const row = rows[0];
      // It answers: the next read may try it again at once.
      this.downUntilMs = 0;
      return {
        ok: true,
        inRecovery: row?.in_recovery ?? false,
        replayLagSeconds: row?.replay_lag_seconds ?? null,
        replayedAllReceived: row?.replayed_all_received ?? false,
        latencyMs: Math.round(this.nowMs() - started),
      };
    } catch (error) {
      this.logger.warn({ err: error }, 'health: replica check failed');
      return { ok: false, error: 'replica not reachable: reads go to the primary' };
    }
  }

  /** Closes the replica's connections; the primary's pool belongs to whoever made it. */
  async end(): Promise<void> {
    await this.replica?.end();
  }

  private fallBack<R extends QueryResultRow>(reason: ReplicaFallbackReason, text: string | QueryConfig, values?: unknown[]): Promise<QueryResult<R>> {
    this.observe?.(reason);
    return this.primary.query<R>(text, values);
  }

  private warn(reason: ReplicaFallbackReason, error: unknown): void {
    // One line per 10 s at most: a replica that is down would otherwise log every read.
    const now = this.nowMs();
    if (now - this.lastWarnMs < 10_000) return;
    this.lastWarnMs = now;
    this.logger.warn({ err: error, reason }, 'replica read failed: answering from the primary');
  }
}

/** The API's read pool: the replica's own connections when DATABASE_READ_URL is set. */
export function createReadPool(config: ApiConfig, primary: Pool, logger: Logger): ReadPool {
  const replica = config.databaseReadUrl
    ? createPool({
        connectionString: config.databaseReadUrl,
        max: config.dbPoolMax,
        statementTimeoutMs: config.queryTimeoutMs,
        applicationName: READ_POOL_APPLICATION_NAME,
        // Short: a replica that does not answer costs a read this long before the primary is asked.
        connectionTimeoutMillis: 3_000,
      })
    : undefined;
  return new ReadPool(primary, replica, logger);
}

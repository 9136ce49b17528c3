// Which failures of a read on the replica (DATABASE_READ_URL) the primary answers instead. Anything
// else (a 4xx-worthy mistake, a bug in the SQL) would fail on the primary too and is thrown as is.
import { isConnectionError } from '@dockpulse/common';

export type ReplicaFallbackReason =
  /** Refused, reset, no route, pool could not connect in time, shut down by an administrator. */
  | 'unreachable'
  /** SQLSTATE 57P03 "the database system is starting up" (or not yet consistent for hot standby). */
  | 'starting_up'
  /** "canceling statement due to conflict with recovery": replay needed what the query held. */
  | 'recovery_conflict'
  /** SQLSTATE 57014: past statement_timeout (QUERY_TIMEOUT) on the replica. */
  | 'timeout'
  /** A table, column or function the replica has not replayed yet (a migration just ran). */
  | 'schema_behind'
  /** Not asked at all: it failed to connect a moment ago (see REPLICA_RETRY_AFTER_MS). */
  | 'marked_down';

/** The reason to send a failed replica read to the primary, or undefined to throw the error. */
export function replicaFallbackReason(error: unknown): Exclude<ReplicaFallbackReason, 'marked_down'> | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === '57P03') return 'starting_up';
  // 40001 and 40P01 on a read-only standby come from recovery conflicts (the API runs no
  // serializable transactions); 57P04 is the conflict of a dropped database.
  if (code === '40001' || code === '40P01' || code === '57P04') return 'recovery_conflict';
  if (code === '57014') return 'timeout';
  if (code === '42P01' || code === '42703' || code === '42883') return 'schema_behind';
  if (isConnectionError(error)) return 'unreachable';
  return undefined;
}

/** Reasons after which the replica is not asked again for a while: each try would wait to fail. */
export function marksReplicaDown(reason: ReplicaFallbackReason): boolean {
  return reason === 'unreachable' || reason === 'starting_up';
}

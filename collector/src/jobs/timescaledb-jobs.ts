// TimescaleDB runs its policies (continuous-aggregate refresh, compression, retention) from its
// own background scheduler. Where those workers fail — seen with TimescaleDB 2.28 on PostgreSQL
// 15.20 and 2.29 on 17.12, both built from source here (docs/timescaledb-local.md): every job
// ends with `cannot drop portal "" while it is being set up`, while the same job
// succeeds with CALL run_job — the rollups would silently stop. The maintenance job therefore runs
// Dockpulse's overdue policies itself. Where the scheduler works, its successes keep every policy
// current and this is one cheap query a minute.
import type { Pool, PoolClient } from 'pg';

const DOCKPULSE_RELATIONS = [
  'container_stats',
  'container_logs',
  'container_events',
  'container_stats_minute',
  'container_stats_hourly',
  'container_stats_daily',
];

// Several collectors share one database: one of them at a time runs the overdue policies.
const JOB_RUNNER_LOCK = 0x646f6a72; // "dojr"

// The scheduler gets this long past a policy's interval before the collector steps in.
const GRACE = "interval '2 minutes'";

export interface TimescaleJob {
  jobId: number;
  proc: string;
  relation: string;
}

/**
 * Policies of Dockpulse's tables that nobody (neither TimescaleDB's scheduler nor a collector,
 * which records its runs in dockpulse_job_runs because CALL run_job leaves the job statistics
 * alone) has run successfully within their interval. Refreshes first, hourly before daily.
 */
export async function overdueTimescaleJobs(pool: Pool): Promise<TimescaleJob[]> {
  const result = await pool.query<{ job_id: number; proc_name: string; hypertable_name: string }>(
    `SELECT j.job_id, j.proc_name, j.hypertable_name
     FROM timescaledb_information.jobs j
     LEFT JOIN timescaledb_information.job_stats s ON s.job_id = j.job_id
     LEFT JOIN dockpulse_job_runs r ON r.job_id = j.job_id
     WHERE j.scheduled
       AND j.hypertable_name = ANY ($1)
       AND j.proc_name IN ('policy_refresh_continuous_aggregate', 'policy_compression', 'policy_retention')
       AND greatest(coalesce(s.last_successful_finish, '-infinity'), coalesce(r.last_success, '-infinity'))
           < now() - j.schedule_interval - ${GRACE}
     ORDER BY j.proc_name <> 'policy_refresh_continuous_aggregate', j.hypertable_name = 'container_stats_daily', j.job_id`,
    [DOCKPULSE_RELATIONS],
  );
  return result.rows.map((r) => ({ jobId: r.job_id, proc: r.proc_name, relation: r.hypertable_name }));
}

/**
 * Planner settings of the session that runs the policies. A refresh groups the raw rows of each
 * batch of buckets it materializes; with the defaults the planner sorted them on disk (its batch
 * estimates are far below the rows, and the hash of 2,000 containers' minutes needs ~40 MB). Grouped
 * by a hash in memory, an hour of 2,000 containers refreshed in 1.33-1.44 s instead of 2.32-2.75 s
 * (the minute aggregate) and 0.44-0.49 s instead of 0.87-1.13 s (hourly), uncompressed and analyzed
 * (bench/README, "Session 8"). Set for this session only, and reset before it goes back to the pool.
 */
export const JOB_SESSION_SETTINGS: Readonly<Record<string, string>> = { enable_sort: 'off', work_mem: '64MB', jit: 'off' };

/** Runs `work` on `client` under JOB_SESSION_SETTINGS, and resets them after (the bench times it too). */
export async function withJobSessionSettings<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  for (const [name, value] of Object.entries(JOB_SESSION_SETTINGS)) await client.query('SELECT set_config($1, $2, false)', [name, value]);
  try {
    return await work();
  } finally {
    for (const name of Object.keys(JOB_SESSION_SETTINGS)) await client.query(`RESET ${name}`);
  }
}

/** Runs each overdue policy with CALL run_job (outside a transaction, as TimescaleDB requires). */
export async function runOverdueTimescaleJobs(
  pool: Pool,
  onError: (job: TimescaleJob, error: unknown) => void,
): Promise<number> {
  const client = await pool.connect();
  let ran = 0;
  try {
    const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [JOB_RUNNER_LOCK]);
    if (!locked.rows[0]?.ok) return 0;
    try {
      await withJobSessionSettings(client, async () => {
        for (const job of await overdueTimescaleJobs(pool)) {
          try {
            await client.query('CALL run_job($1)', [job.jobId]);
            await record(client, job, null);
            ran++;
          } catch (error) {
            await record(client, job, error).catch(() => undefined);
            onError(job, error);
          }
        }
      });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [JOB_RUNNER_LOCK]);
    }
  } finally {
    client.release();
  }
  return ran;
}

function record(client: { query: Pool['query'] }, job: TimescaleJob, error: unknown) {
  return client.query(
    `INSERT INTO dockpulse_job_runs (job_id, proc_name, relation, last_success, last_error, last_error_at)
     VALUES ($1, $2, $3, CASE WHEN $4::text IS NULL THEN now() END, $4, CASE WHEN $4::text IS NOT NULL THEN now() END)
     ON CONFLICT (job_id) DO UPDATE SET
       last_success = coalesce(EXCLUDED.last_success, dockpulse_job_runs.last_success),
       last_error = coalesce(EXCLUDED.last_error, dockpulse_job_runs.last_error),
       last_error_at = coalesce(EXCLUDED.last_error_at, dockpulse_job_runs.last_error_at)`,
    [job.jobId, job.proc, job.relation, error === null ? null : String((error as Error).message ?? error)],
  );
}

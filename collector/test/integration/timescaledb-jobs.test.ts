// The collector runs TimescaleDB policies the scheduler failed or missed (timescaledb-jobs.ts).
// Needs a server with TimescaleDB (TIMESCALEDB_TEST_URL, docs/timescaledb-local.md).
import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { createTestDatabase, TIMESCALEDB_SKIP_REASON, TIMESCALEDB_TEST_URL, type TestDatabase } from '@dockpulse/common/testing';
import { JOB_SESSION_SETTINGS, overdueTimescaleJobs, runOverdueTimescaleJobs, withJobSessionSettings } from '@dockpulse/collector/jobs/timescaledb-jobs';

if (!TIMESCALEDB_TEST_URL) {
  describe('overdue TimescaleDB policies', () => {
    console.warn(`overdue TimescaleDB policies: ${TIMESCALEDB_SKIP_REASON}`);
    it.skip(TIMESCALEDB_SKIP_REASON, () => undefined);
  });
} else {
  const serverUrl = TIMESCALEDB_TEST_URL;

  describe('overdue TimescaleDB policies', () => {
    let db: TestDatabase;
    let pool: Pool;
    beforeAll(async () => {
      db = await createTestDatabase({ flavour: 'timescaledb', serverUrl });
      pool = createPool({ connectionString: db.url, max: 2 });
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('policies nobody ran within their interval are run by the collector, once, and materialize the hour', async () => {
      const twoHoursAgo = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 2 * 3_600_000);
      await pool.query(
        `INSERT INTO container_stats (time, host_id, container_id, cpu_percent, mem_used_bytes)
         SELECT $1::timestamptz + i * interval '5 seconds', 'h', 'c', 10 + i % 3, 1000 FROM generate_series(0, 99) i`,
        [twoHoursAgo],
      );
      // On a new database no policy has succeeded yet, so all of Dockpulse's are overdue
      // (unless a working scheduler got to some first: then those are left alone).
      const overdue = await overdueTimescaleJobs(pool);
      expect(overdue.every((j) => j.relation.startsWith('container_'))).toBe(true);
      const firstRefresh = overdue.findIndex((j) => j.proc === 'policy_refresh_continuous_aggregate');
      const firstOther = overdue.findIndex((j) => j.proc !== 'policy_refresh_continuous_aggregate');
      if (firstRefresh >= 0 && firstOther >= 0) expect(firstRefresh).toBeLessThan(firstOther);

      const errors: unknown[] = [];
      const ran = await runOverdueTimescaleJobs(pool, (_job, error) => errors.push(error));
      expect(errors).toEqual([]);
      expect(ran).toBe(overdue.length);
      const recorded = await pool.query('SELECT count(*)::int AS n FROM dockpulse_job_runs WHERE last_success IS NOT NULL');
      expect(recorded.rows[0].n).toBe(overdue.length);

      // Materialized rows, not the real-time union: read the materialization only.
      await pool.query('ALTER MATERIALIZED VIEW container_stats_hourly SET (timescaledb.materialized_only = true)');
      const hourly = await pool.query('SELECT samples::int AS samples FROM container_stats_hourly WHERE bucket = $1', [twoHoursAgo]);
      expect(hourly.rows).toEqual([{ samples: 100 }]);
      // Each ran once: nothing is overdue until its interval passes again.
      expect(await overdueTimescaleJobs(pool)).toEqual([]);
      expect(await runOverdueTimescaleJobs(pool, (_job, error) => errors.push(error))).toBe(0);
    });

    it('runs work under its planner settings and resets them after, also when the work fails', async () => {
      const client = await pool.connect();
      try {
        const settings = async () => {
          const values: string[] = [];
          for (const name of Object.keys(JOB_SESSION_SETTINGS)) values.push((await client.query('SELECT current_setting($1) AS v', [name])).rows[0].v);
          return values;
        };
        const defaults = await settings();
        expect(defaults).not.toEqual(Object.values(JOB_SESSION_SETTINGS));
        expect(await withJobSessionSettings(client, settings)).toEqual(Object.values(JOB_SESSION_SETTINGS));
        expect(await settings()).toEqual(defaults);
        await expect(withJobSessionSettings(client, () => client.query('SELECT 1/0'))).rejects.toThrow(/division by zero/);
        expect(await settings()).toEqual(defaults);
      } finally {
        client.release();
      }
    });
  });
}

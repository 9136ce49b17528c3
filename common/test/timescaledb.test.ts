// The TimescaleDB flavour of the schema, on the server named by TIMESCALEDB_TEST_URL (see
// docs/timescaledb-local.md). Without it the suite is one skipped test that says why.
// Background jobs are never waited for: on the builds here (TimescaleDB 2.28 on PostgreSQL 15.20,
// 2.29 on 17.12) TimescaleDB's job workers may fail with "cannot drop portal "" while it is being
// set up", while the same jobs succeed with CALL run_job(id); so every policy here is run explicitly.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { createPool, DEFAULT_SQL_DIR, loadMigrations, migrate, timescaledbMinor } from '@dockpulse/common';
import {
  createTestDatabase,
  olderMigrations,
  TEST_DATABASE_URL,
  TIMESCALEDB_SKIP_REASON,
  TIMESCALEDB_TEST_URL,
  type TestDatabase,
} from '@dockpulse/common/testing';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const todayMs = Math.floor(Date.now() / DAY) * DAY;

const TIME_SERIES = ['container_stats', 'container_logs', 'container_events'];
const ROLLUPS = ['container_stats_hourly', 'container_stats_daily', 'container_stats_minute'];

async function columns(pool: Pool, table: string): Promise<{ name: string; type: string }[]> {
  const r = await pool.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position`,
    [table],
  );
  return r.rows;
}

async function jobs(pool: Pool): Promise<{ job_id: number; proc_name: string; hypertable_name: string; config: Record<string, unknown> }[]> {
  return (
    await pool.query(
      `SELECT job_id, proc_name, hypertable_name, config FROM timescaledb_information.jobs
       WHERE hypertable_name IS NOT NULL ORDER BY hypertable_name, proc_name`,
    )
  ).rows;
}

function statsRows(day: number, containers: string[], perHour = 4, hours = [1, 2, 13]) {
  const rows: Record<string, unknown>[] = [];
  for (const container_id of containers) {
    for (const h of hours) {
      for (let i = 0; i < perHour; i++) {
        const n = h * 10 + i;
        rows.push({
          time: new Date(day + h * HOUR + i * 900_000).toISOString(),
          host_id: 'host-a',
          container_id,
          cpu_percent: n * 0.5,
          mem_used_bytes: 1_000_000 + n,
          mem_usage_bytes: 2_000_000 + n,
          mem_limit_bytes: 4_000_000,
          mem_percent: n / 4,
          net_rx_bytes: 10_000 * n,
          net_tx_bytes: 5_000 * n,
          blk_read_bytes: 0,
          blk_write_bytes: 0,
          net_rx_delta: 100 * n,
          net_tx_delta: 50 * n,
          blk_read_delta: null,
          blk_write_delta: 0,
          pids: n % 7,
        });
      }
    }
  }
  return rows;
}

const extversion = async (pool: Pool) =>
  (await pool.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")).rows[0]?.extversion as string;
const atLeast218 = (v: string) => {
  const [major, minor] = timescaledbMinor(v);
  return major > 2 || (major === 2 && minor >= 18);
};

const insertStats = (pool: Pool, rows: Record<string, unknown>[], onConflict = '') =>
  pool.query(
    `INSERT INTO container_stats SELECT * FROM json_populate_recordset(NULL::container_stats, $1) ${onConflict}`,
    [JSON.stringify(rows)],
  );

if (!TIMESCALEDB_TEST_URL) {
  describe('TimescaleDB flavour', () => {
    console.warn(`TimescaleDB flavour: ${TIMESCALEDB_SKIP_REASON}`);
    it.skip(TIMESCALEDB_SKIP_REASON, () => undefined);
  });
} else {
  const serverUrl = TIMESCALEDB_TEST_URL;

  describe('TimescaleDB flavour: migrations', () => {
    let db: TestDatabase;
    let pool: Pool;
    beforeAll(async () => {
      db = await createTestDatabase({ migrated: false, serverUrl });
      pool = createPool({ connectionString: db.url });
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('applies on an empty database, records the flavour, and a second run changes nothing', async () => {
      const first = await migrate(pool, { storage: 'timescaledb' });
      expect(first.flavour).toBe('timescaledb');
      const installed = await extversion(pool);
      const files = loadMigrations(DEFAULT_SQL_DIR, 'timescaledb', installed).map((f) => f.file);
      // 2.18 and later: the columnstore API's variant of 0002
      const variant = atLeast218(installed) ? '0002_timeseries.timescaledb-2.18.sql' : '0002_timeseries.timescaledb.sql';
      expect(files.slice(0, 3)).toEqual(['0001_core.sql', variant, '0003_job_runs.sql']);
      expect(first.applied).toEqual(files);
      const meta = await pool.query("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'");
      expect(meta.rows[0].value).toBe('timescaledb');
      const jobsBefore = await jobs(pool);

      const second = await migrate(pool, { storage: 'auto' });
      expect(second).toMatchObject({ flavour: 'timescaledb', applied: [] });
      expect(await jobs(pool)).toEqual(jobsBefore);
    });

    it('the migration file itself can run again without error or change', async () => {
      const jobsBefore = await jobs(pool);
      const file = atLeast218(await extversion(pool)) ? '0002_timeseries.timescaledb-2.18.sql' : '0002_timeseries.timescaledb.sql';
      const sql = readFileSync(path.join(DEFAULT_SQL_DIR, file), 'utf8');
      await pool.query(sql);
      expect(await jobs(pool)).toEqual(jobsBefore);
    });
  });

  describe('TimescaleDB flavour: a database migrated with the compression-API variant of 0002', () => {
    let db: TestDatabase;
    let pool: Pool;
    // the migrations as a Dockpulse without the 2.18 variant had them
    const older = olderMigrations((f) => !/-\d+\.\d+\.sql$/.test(f));
    beforeAll(async () => {
      db = await createTestDatabase({ migrated: false, serverUrl });
      pool = createPool({ connectionString: db.url });
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
      older.remove();
    });

    it('stays valid when the runner now picks the columnstore variant: nothing is applied again, nothing refused', async () => {
      const before = await migrate(pool, { storage: 'timescaledb', dir: older.dir });
      expect(before.applied).toContain('0002_timeseries.timescaledb.sql');
      const policies = await jobs(pool);
      const after = await migrate(pool, { storage: 'timescaledb' });
      expect(after.applied).toEqual([]);
      expect(await jobs(pool)).toEqual(policies);
      // both variants give the same columnstore settings and policy
      const settings = await pool.query(
        `SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings WHERE hypertable = 'container_stats'::regclass`,
      );
      expect(settings.rows).toEqual([{ segmentby: 'host_id,container_id', orderby: '"time" DESC' }]);
    });
  });

  describe('TimescaleDB flavour: schema', () => {
    let db: TestDatabase;
    let pool: Pool;
    beforeAll(async () => {
      db = await createTestDatabase({ flavour: 'timescaledb', serverUrl });
      pool = createPool({ connectionString: db.url, max: 3 });
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('raw tables are hypertables with 1-day chunks; only container_stats is compressed', async () => {
      const r = await pool.query(
        `SELECT h.hypertable_name AS name, h.compression_enabled AS compressed, d.column_name AS dim, d.time_interval AS chunk
         FROM timescaledb_information.hypertables h
         JOIN timescaledb_information.dimensions d USING (hypertable_schema, hypertable_name)
         WHERE h.hypertable_schema = 'public' ORDER BY 1`,
      );
      expect(r.rows).toEqual([
        { name: 'container_events', compressed: false, dim: 'time', chunk: { days: 1 } },
        { name: 'container_logs', compressed: false, dim: 'time', chunk: { days: 1 } },
        { name: 'container_stats', compressed: true, dim: 'time', chunk: { days: 1 } },
      ]);
      const settings = await pool.query(
        `SELECT segmentby, orderby FROM timescaledb_information.hypertable_compression_settings
         WHERE hypertable = 'container_stats'::regclass`,
      );
      expect(settings.rows).toEqual([{ segmentby: 'host_id,container_id', orderby: '"time" DESC' }]);
    });

    it('hourly is a real-time continuous aggregate; daily is a hierarchical one on it', async () => {
      const r = await pool.query(
        `SELECT view_name, hypertable_name, materialized_only, materialization_hypertable_name
         FROM timescaledb_information.continuous_aggregates ORDER BY view_name`,
      );
      expect(r.rows.map((x) => [x.view_name, x.materialized_only])).toEqual([
        ['container_stats_daily', false],
        ['container_stats_hourly', false],
        ['container_stats_minute', false],
      ]);
      const daily = r.rows[0];
      const hourly = r.rows[1];
      expect(hourly.hypertable_name).toBe('container_stats');
      // a cagg on a cagg is defined over the lower one's materialization hypertable
      expect(daily.hypertable_name).toBe(hourly.materialization_hypertable_name);
    });

    it('the minute aggregate keeps only its bucket index (0012: the group indexes were a third of its refresh); hourly keeps its own', async () => {
      const indexes = async (view: string) =>
        (
          await pool.query<{ columns: string }>(
            `SELECT (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) AS columns
               FROM timescaledb_information.continuous_aggregates ca
               JOIN pg_index i ON i.indrelid = format('%I.%I', ca.materialization_hypertable_schema, ca.materialization_hypertable_name)::regclass
              WHERE ca.view_name = $1 ORDER BY 1`,
            [view],
          )
        ).rows.map((r) => r.columns);
      expect(await indexes('container_stats_minute')).toEqual(['bucket']);
      expect(await indexes('container_stats_hourly')).toEqual(['bucket', 'container_id,bucket', 'host_id,bucket']);
    });

    it('has refresh, compression and retention policies with the default intervals', async () => {
      const list = (await jobs(pool)).map((j) => [j.hypertable_name, j.proc_name, j.config.drop_after ?? j.config.compress_after ?? j.config.start_offset]);
      expect(list).toEqual([
        ['container_events', 'policy_retention', '90 days'],
        ['container_logs', 'policy_retention', '7 days'],
        ['container_stats', 'policy_compression', '1 day'],
        ['container_stats', 'policy_retention', '7 days'],
        ['container_stats_daily', 'policy_refresh_continuous_aggregate', '7 days'],
        ['container_stats_daily', 'policy_retention', '3 years'],
        ['container_stats_hourly', 'policy_refresh_continuous_aggregate', '3 days'],
        ['container_stats_hourly', 'policy_retention', '90 days'],
        ['container_stats_minute', 'policy_refresh_continuous_aggregate', '3 days'],
        ['container_stats_minute', 'policy_retention', '31 days'],
      ]);
    });

    it('has the same tables, views and columns as the plain flavour', async () => {
      const plainDb = await createTestDatabase({ flavour: 'postgres', serverUrl: TEST_DATABASE_URL });
      const plain = createPool({ connectionString: plainDb.url, max: 1 });
      try {
        for (const table of [...TIME_SERIES, ...ROLLUPS]) {
          const mine = await columns(pool, table);
          expect(mine.length).toBeGreaterThan(0);
          // numeric only where the plain flavour has it; the rest identical
          expect({ table, columns: mine }).toEqual({ table, columns: await columns(plain, table) });
        }
      } finally {
        await plain.end();
        await plainDb.drop();
      }
    });

    it('dockpulse_rollup and dockpulse_prepare_partitions exist and do nothing', async () => {
      const r = await pool.query('SELECT dockpulse_rollup() AS a, dockpulse_rollup(10) AS b, dockpulse_prepare_partitions() AS c, dockpulse_prepare_partitions(5) AS d');
      expect(r.rows[0]).toEqual({ a: 0, b: 0, c: 0, d: 0 });
    });

    it('dockpulse_apply_retention is idempotent and replaces a policy whose interval differs', async () => {
      const defaults = "'7 days', '90 days', '3 years', '7 days', '90 days'";
      const same = await pool.query(`SELECT dockpulse_apply_retention(${defaults}) AS n`);
      expect(same.rows[0].n).toBe(0);
      const before = await jobs(pool);

      const changed = await pool.query(
        "SELECT dockpulse_apply_retention('4 days', '90 days', '1 year', '7 days', '30 days') AS n",
      );
      expect(changed.rows[0].n).toBe(3);
      const retention = (await jobs(pool))
        .filter((j) => j.proc_name === 'policy_retention')
        .map((j) => [j.hypertable_name, j.config.drop_after]);
      expect(retention).toEqual([
        ['container_events', '30 days'],
        ['container_logs', '7 days'],
        ['container_stats', '4 days'],
        ['container_stats_daily', '1 year'],
        ['container_stats_hourly', '90 days'],
        ['container_stats_minute', '31 days'],
      ]);
      const again = await pool.query("SELECT dockpulse_apply_retention('4 days', '90 days', '1 year', '7 days', '30 days') AS n");
      expect(again.rows[0].n).toBe(0);
      // one retention policy per relation, always
      const counts = await pool.query(
        "SELECT hypertable_name, count(*)::int AS n FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention' GROUP BY 1 HAVING count(*) > 1",
      );
      expect(counts.rows).toEqual([]);
      // raw data kept no longer than the hourly refresh window would be wiped from the aggregate
      await expect(
        pool.query("SELECT dockpulse_apply_retention('2 days', '90 days', '1 year', '7 days', '30 days')"),
      ).rejects.toThrow(/container_stats_hourly must be longer than its refresh window/);
      await expect(
        pool.query("SELECT dockpulse_apply_retention('7 days', '7 days', '1 year', '7 days', '30 days')"),
      ).rejects.toThrow(/container_stats_daily must be longer than its refresh window/);
      // back to the defaults: the same jobs as before for the unchanged ones
      expect((await pool.query(`SELECT dockpulse_apply_retention(${defaults}) AS n`)).rows[0].n).toBe(3);
      const after = await jobs(pool);
      const unchanged = (list: typeof before) =>
        list.filter((j) => ['container_logs', 'container_stats_hourly'].includes(j.hypertable_name) || j.proc_name !== 'policy_retention');
      expect(unchanged(after)).toEqual(unchanged(before));
    });

    it('compresses a chunk; its rows read back equal; ON CONFLICT DO NOTHING into it works', async () => {
      const day = todayMs - 3 * DAY;
      const rows = statsRows(day, ['c1', 'c2']);
      await insertStats(pool, rows);
      const read = () =>
        pool.query(
          `SELECT * FROM container_stats WHERE time >= $1 AND time < $2 ORDER BY host_id, container_id, time`,
          [new Date(day).toISOString(), new Date(day + DAY).toISOString()],
        );
      const before = (await read()).rows;
      expect(before).toHaveLength(rows.length);

      // the compression policy compresses chunks older than a day: run it now instead of waiting
      const policy = (await jobs(pool)).find((j) => j.proc_name === 'policy_compression');
      await pool.query(`CALL run_job(${policy!.job_id})`);
      const chunks = await pool.query(
        `SELECT chunk_name, is_compressed, range_start, range_end FROM timescaledb_information.chunks
         WHERE hypertable_name = 'container_stats' AND range_start = $1`,
        [new Date(day).toISOString()],
      );
      expect(chunks.rows).toHaveLength(1);
      expect(chunks.rows[0].is_compressed).toBe(true);
      expect(chunks.rows[0].range_end.getTime() - chunks.rows[0].range_start.getTime()).toBe(DAY);
      const stats = await pool.query(
        `SELECT before_compression_total_bytes > 0 AS had, after_compression_total_bytes > 0 AS has
         FROM chunk_compression_stats('container_stats') WHERE chunk_name = $1`,
        [chunks.rows[0].chunk_name],
      );
      expect(stats.rows[0]).toEqual({ had: true, has: true });
      expect((await read()).rows).toEqual(before);

      // a replayed batch (same rows) is harmless; a late new row goes in
      const replay = await insertStats(pool, rows.slice(0, 5), 'ON CONFLICT DO NOTHING');
      expect(replay.rowCount).toBe(0);
      const late = { ...rows[0], time: new Date(day + 5 * HOUR).toISOString(), cpu_percent: 42 };
      const added = await insertStats(pool, [late, rows[1]!], 'ON CONFLICT DO NOTHING');
      expect(added.rowCount).toBe(1);
      // without ON CONFLICT the unique constraint still holds on compressed data
      await expect(insertStats(pool, [rows[2]!])).rejects.toThrow(/duplicate key/);
      const after = (await read()).rows;
      expect(after).toHaveLength(rows.length + 1);
      expect(after.filter((r) => r.cpu_percent !== 42 || r.time.getTime() !== day + 5 * HOUR)).toEqual(before);

      // the continuous aggregates see compressed data and the late row
      await pool.query(
        `CALL refresh_continuous_aggregate('container_stats_hourly', '${new Date(day).toISOString()}'::timestamptz, '${new Date(day + DAY).toISOString()}'::timestamptz)`,
      );
      await pool.query(
        `CALL refresh_continuous_aggregate('container_stats_daily', '${new Date(day).toISOString()}'::timestamptz, '${new Date(day + DAY).toISOString()}'::timestamptz)`,
      );
      const daily = await pool.query(
        "SELECT container_id, samples FROM container_stats_daily WHERE bucket = $1 ORDER BY container_id",
        [new Date(day).toISOString()],
      );
      expect(daily.rows).toEqual([
        { container_id: 'c1', samples: 13 },
        { container_id: 'c2', samples: 12 },
      ]);
    });

    it('real-time aggregation: hourly and daily show raw rows not yet materialized', async () => {
      const hour = todayMs - DAY + 5 * HOUR; // after everything refreshed so far
      await insertStats(pool, statsRows(hour, ['rt'], 3, [0]));
      const hourly = await pool.query("SELECT bucket, samples FROM container_stats_hourly WHERE container_id = 'rt'");
      expect(hourly.rows).toEqual([{ bucket: new Date(hour), samples: 3 }]);
      const daily = await pool.query("SELECT samples FROM container_stats_daily WHERE container_id = 'rt'");
      expect(daily.rows).toEqual([{ samples: 3 }]);
    });

    it('every policy runs successfully with CALL run_job', async () => {
      for (const job of await jobs(pool)) {
        await expect(pool.query(`CALL run_job(${job.job_id})`)).resolves.toBeDefined();
      }
      const failed = await pool.query(
        `SELECT job_id, last_run_status FROM timescaledb_information.job_stats
         WHERE hypertable_name IS NOT NULL AND last_run_status = 'Failed'`,
      );
      // job_stats records background runs only; a failed one is the known PostgreSQL 15 problem
      if (failed.rowCount) console.warn('background job runs that failed (run_job worked):', failed.rows);
    });
  });
}

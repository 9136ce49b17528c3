// Migration 0009 (plain flavour): raw stats move from container_stats, keyed by text, to
// container_samples under container_keys' integers, and container_stats becomes a view with the
// same columns. What was stored before is carried over; readers and the rollup see the same rows.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client, type Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createPool, migrate } from '@dockpulse/common';
import { createTestDatabase, migrationsBefore, type TestDatabase } from '@dockpulse/common/testing';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CONTAINERS = [
  { host_id: 'host-a', container_id: 'a'.repeat(64) },
  { host_id: 'host-a', container_id: 'b'.repeat(64) },
  { host_id: 'host-b', container_id: 'a'.repeat(64) },
];
// Every column of the old table, in its order: the view must give them back the same way.
const COLUMNS = [
  'time', 'host_id', 'container_id', 'cpu_percent', 'mem_used_bytes', 'mem_usage_bytes', 'mem_limit_bytes',
  'mem_percent', 'net_rx_bytes', 'net_tx_bytes', 'blk_read_bytes', 'blk_write_bytes', 'net_rx_delta',
  'net_tx_delta', 'blk_read_delta', 'blk_write_delta', 'pids',
];

const rowsSql = `SELECT ${COLUMNS.join(', ')} FROM container_stats ORDER BY host_id, container_id, time`;
const partitionsOf = async (pool: Pool, table: string) =>
  (
    await pool.query<{ relname: string }>(
      'SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1',
      [table],
    )
  ).rows.map((r) => r.relname);
const bytesOf = async (pool: Pool, table: string) =>
  Number(
    (
      await pool.query<{ b: string }>(
        'SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint AS b FROM pg_inherits WHERE inhparent = $1::regclass',
        [table],
      )
    ).rows[0]!.b,
  );

describe('migration 0009: integer container keys for raw stats (postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const older = migrationsBefore(9);
  // Up to 0009 itself: later migrations replace what it made (0010: dockpulse_latest_stats).
  const through = migrationsBefore(10);
  // The server's UTC midnight: the partition functions go by its clock.
  let todayMs = 0;
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');

  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = createPool({ connectionString: db.url, max: 3 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    older.remove();
    through.remove();
  });

  it('carries every stored sample over, in fewer bytes, behind a view with the old columns', async () => {
    const before = await migrate(pool, { storage: 'postgres', dir: older.dir });
    expect(before.current).toBe(8);
    todayMs = Number(
      (await pool.query<{ ms: string }>("SELECT (extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC')) * 1000)::bigint AS ms")).rows[0]!.ms,
    );
    const fiveDaysAgo = todayMs - 5 * DAY;
    await pool.query("SELECT dockpulse_ensure_partitions('container_stats', $1::date, $1::date)", [new Date(fiveDaysAgo).toISOString().slice(0, 10)]);
    // Each container: 200 samples 5 s apart in the first hour of today, 10 five days ago, some
    // figures NULL as a container's first sample has them.
    await pool.query(
      `INSERT INTO container_stats (${COLUMNS.join(', ')})
       SELECT t, c.host_id, c.container_id,
              CASE WHEN i = 0 THEN NULL ELSE (i % 40) * 0.25 END, 1000000 + i, 1100000 + i, 4000000000, (i % 50) * 0.5,
              i * 100, i * 50, i * 10, i * 5, CASE WHEN i = 0 THEN NULL ELSE 100 END, 50, 10, 5, 1 + i % 7
         FROM jsonb_to_recordset($1::jsonb) AS c(host_id text, container_id text),
              LATERAL (SELECT i, to_timestamp($2::float8 / 1000) + i * interval '5 seconds' AS t FROM generate_series(0, 199) i
                       UNION ALL
                       SELECT i, to_timestamp($3::float8 / 1000) + i * interval '5 seconds' FROM generate_series(0, 9) i) s`,
      [JSON.stringify(CONTAINERS), todayMs, fiveDaysAgo],
    );
    expect(await pool.query('SELECT dockpulse_rollup() AS n')).toMatchObject({ rows: [{ n: 2 }] });
    const rowsBefore = (await pool.query(rowsSql)).rows;
    expect(rowsBefore).toHaveLength(3 * 210);
    const hourlyBefore = (await pool.query('SELECT * FROM container_stats_hourly ORDER BY bucket, host_id, container_id')).rows;
    const bytesBefore = await bytesOf(pool, 'container_stats');

    const after = await migrate(pool, { storage: 'postgres', dir: through.dir });
    expect(after.applied).toEqual(['0009_stats_integer_keys.postgres.sql']);

    expect((await pool.query(rowsSql)).rows).toEqual(rowsBefore);
    const view = await pool.query<{ relkind: string }>("SELECT relkind FROM pg_class WHERE relname = 'container_stats'");
    expect(view.rows).toEqual([{ relkind: 'v' }]);
    const columns = await pool.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'container_stats' ORDER BY ordinal_position",
    );
    expect(columns.rows.map((c) => c.column_name)).toEqual(COLUMNS);
    expect((await pool.query('SELECT host_id, container_id FROM container_keys ORDER BY ckey')).rows).toEqual(
      [...CONTAINERS].sort((x, y) => x.host_id.localeCompare(y.host_id) || x.container_id.localeCompare(y.container_id)),
    );
    // the old partitions' days, and yesterday to 3 days ahead
    const days = [-5, -1, 0, 1, 2, 3].map((o) => `container_samples_p${stamp(todayMs + o * DAY)}`);
    expect(await partitionsOf(pool, 'container_samples')).toEqual(days);
    // the same rollup rows, and nothing left dirty by the copy
    expect((await pool.query('SELECT * FROM container_stats_hourly ORDER BY bucket, host_id, container_id')).rows).toEqual(hourlyBefore);
    expect((await pool.query('SELECT count(*)::int AS n FROM container_stats_dirty_minutes')).rows).toEqual([{ n: 0 }]);
    const bytesAfter = await bytesOf(pool, 'container_samples');
    expect(bytesAfter).toBeLessThan(bytesBefore);
  });

  it('stores an INSERT or COPY into the view, marks its minute dirty, and skips a row already stored', async () => {
    const t = new Date(todayMs + 2 * HOUR).toISOString();
    const insert = `INSERT INTO container_stats (time, host_id, container_id, cpu_percent, pids) VALUES ($1, 'host-c', 'new', 12.5, 3)`;
    expect((await pool.query(insert, [t])).rowCount).toBe(1);
    // the same row again: skipped and not counted, as the writer's replay (ON CONFLICT DO NOTHING)
    expect((await pool.query(insert, [t])).rowCount).toBe(0);
    expect((await pool.query("SELECT count(*)::int AS n FROM container_stats WHERE host_id = 'host-c'")).rows).toEqual([{ n: 1 }]);
    expect((await pool.query("SELECT bucket FROM container_stats_dirty_minutes")).rows).toEqual([{ bucket: new Date(t) }]);
    expect(await pool.query('SELECT dockpulse_rollup() AS n')).toMatchObject({ rows: [{ n: 1 }] });
    const minute = await pool.query("SELECT host_id, container_id, samples::int, cpu_sum, pids_max FROM container_stats_minute WHERE host_id = 'host-c'");
    expect(minute.rows).toEqual([{ host_id: 'host-c', container_id: 'new', samples: 1, cpu_sum: 12.5, pids_max: 3 }]);
    // a day without a partition is refused with the message the collector's writer looks for
    await expect(pool.query(insert, [new Date(todayMs + 9 * DAY).toISOString()])).rejects.toThrow(/no partition of relation "container_samples"/);
  });

  it('takes the COPY of a collector from before 0009 (text-keyed rows into container_stats), and its replay adds nothing', async () => {
    const client = await pool.connect();
    try {
      const copy = async () => {
        const line = (i: number) => `${new Date(todayMs + 3 * HOUR + i * 5000).toISOString()}\thost-old\t${'c'.repeat(64)}\t${i * 0.5}\t${i}\n`;
        const stream = client.query(copyFrom('COPY container_stats (time, host_id, container_id, cpu_percent, pids) FROM STDIN'));
        await pipeline(Readable.from([[0, 1, 2].map(line).join('')]), stream);
      };
      await copy();
      await copy();
    } finally {
      client.release();
    }
    const rows = await pool.query("SELECT cpu_percent, pids FROM container_stats WHERE host_id = 'host-old' ORDER BY time");
    expect(rows.rows).toEqual([{ cpu_percent: 0, pids: 0 }, { cpu_percent: 0.5, pids: 1 }, { cpu_percent: 1, pids: 2 }]);
  });

  it('dockpulse_latest_stats gives the newest sample by one backward index scan, where the view needs a sort', async () => {
    const c = CONTAINERS[1]!;
    const latest = await pool.query(`SELECT ${COLUMNS.join(', ')} FROM dockpulse_latest_stats($1, $2)`, [c.host_id, c.container_id]);
    const byView = await pool.query(`${rowsSql.replace(' ORDER BY host_id, container_id, time', '')} WHERE host_id = $1 AND container_id = $2 ORDER BY time DESC LIMIT 1`, [c.host_id, c.container_id]);
    expect(latest.rows).toHaveLength(1);
    expect(latest.rows).toEqual(byView.rows);
    const since = await pool.query('SELECT count(*)::int AS n FROM dockpulse_latest_stats($1, $2, $3)', [c.host_id, c.container_id, new Date(todayMs + DAY)]);
    expect(since.rows).toEqual([{ n: 0 }]);
    // The plans, with scans that could not give the time order ruled out: the function's LIMIT
    // sits on an ordered scan of (ckey, time); the view's ORDER BY ... LIMIT 1 sorts every sample.
    const plan = async (sql: string) => {
      const client = await pool.connect();
      try {
        await client.query('SET enable_seqscan = off; SET enable_bitmapscan = off');
        return JSON.stringify((await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, [c.host_id, c.container_id])).rows[0]);
      } finally {
        await client.query('RESET enable_seqscan; RESET enable_bitmapscan');
        client.release();
      }
    };
    const fn = await plan('SELECT * FROM dockpulse_latest_stats($1, $2)');
    expect(fn).toMatch(/"Scan Direction":"Backward".*container_samples/);
    expect(fn).not.toMatch(/"Node Type":"Sort"/);
    expect(await plan('SELECT * FROM container_stats WHERE host_id = $1 AND container_id = $2 ORDER BY time DESC LIMIT 1')).toMatch(/"Node Type":"Sort"/);
  });

  it('dockpulse_container_keys gives two concurrent callers the same new key', async () => {
    const first = new Client({ connectionString: db.url });
    const second = new Client({ connectionString: db.url });
    await first.connect();
    await second.connect();
    try {
      await first.query('BEGIN');
      const a = await first.query<{ ckey: number }>("SELECT ckey FROM dockpulse_container_keys(ARRAY['host-d'], ARRAY['raced'])");
      const secondPid = (await second.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      // waits on the first caller's uncommitted key, then must return it
      const waiting = second.query<{ ckey: number }>("SELECT ckey FROM dockpulse_container_keys(ARRAY['host-d', 'host-d'], ARRAY['raced', 'other'])");
      for (;;) {
        const state = await pool.query<{ w: string | null }>('SELECT wait_event_type AS w FROM pg_stat_activity WHERE pid = $1', [secondPid]);
        if (state.rows[0]?.w === 'Lock') break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await first.query('COMMIT');
      const b = await waiting;
      expect(a.rows).toHaveLength(1);
      expect(b.rows.map((r) => r.ckey)).toContain(a.rows[0]!.ckey);
      expect(b.rows).toHaveLength(2);
    } finally {
      await first.end();
      await second.end();
    }
  });
});

describe('migration 0009 while a collector is writing (postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  const older = migrationsBefore(9);
  // Up to 0009 itself: later migrations replace what it made (0010: dockpulse_latest_stats).
  const through = migrationsBefore(10);
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = createPool({ connectionString: db.url, max: 3 });
    await migrate(pool, { storage: 'postgres', dir: older.dir });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    older.remove();
    through.remove();
  });

  it('waits for a writer inside its transaction and carries its row over', async () => {
    const collector = new Client({ connectionString: db.url });
    await collector.connect();
    try {
      await collector.query('BEGIN');
      await collector.query("INSERT INTO container_stats (time, host_id, container_id, cpu_percent) VALUES (now(), 'host-w', 'writing', 1.5)");
      const migrating = migrate(pool, { storage: 'postgres', dir: through.dir });
      // the migration must be held up by the writer's open transaction before it commits
      for (;;) {
        const waits = await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        if (waits.rows[0]!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await collector.query('COMMIT');
      expect((await migrating).applied).toEqual(['0009_stats_integer_keys.postgres.sql']);
      const rows = await pool.query("SELECT host_id, container_id, cpu_percent FROM container_stats WHERE container_id = 'writing'");
      expect(rows.rows).toEqual([{ host_id: 'host-w', container_id: 'writing', cpu_percent: 1.5 }]);
    } finally {
      await collector.end();
    }
  });
});

// The hourly and daily rollups must equal a direct GROUP BY over the raw samples, in both storage
// flavours: plain PostgreSQL (dockpulse_rollup()) always, TimescaleDB (continuous aggregates,
// refreshed explicitly) when TIMESCALEDB_TEST_URL names a server with it.
import type { Pool, PoolClient } from 'pg';
import { createPool, type ContainerStatsRow, type StorageFlavour } from '@dockpulse/common';
import {
  createTestDatabase,
  testServers,
  TIMESCALEDB_SKIP_REASON,
  TIMESCALEDB_TEST_URL,
  type TestDatabase,
} from '@dockpulse/common/testing';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const todayMs = Math.floor(Date.now() / DAY) * DAY; // UTC midnight
const day0 = todayMs - 2 * DAY;
const day1 = todayMs - DAY;

/** A container_stats row with its time as ISO text, as json_populate_recordset takes it. */
type RawRow = Omit<ContainerStatsRow, 'time'> & { time: string };

const CONTAINERS = [
  { host_id: 'host-a', container_id: 'c1' },
  { host_id: 'host-a', container_id: 'c2' },
];

/** Samples every 10 minutes in a few hours of two days. CPU values are multiples of 0.25, so every
 * sum is exact in floating point whatever the order of addition. Some deltas are NULL (first sample
 * after a counter reset). */
function rawRows(hours: number[], seed = 0): RawRow[] {
  const rows: RawRow[] = [];
  CONTAINERS.forEach((c, ci) => {
    for (const hourStart of hours) {
      for (let i = 0; i < 6; i++) {
        const n = seed + ci * 100 + i + Math.floor(hourStart / HOUR);
        rows.push({
          time: new Date(hourStart + i * 600_000).toISOString(),
          ...c,
          cpu_percent: ((n * 7) % 400) * 0.25,
          mem_used_bytes: 50_000_000 + (n % 97) * 4096,
          mem_usage_bytes: 60_000_000 + (n % 97) * 4096,
          mem_limit_bytes: ci === 0 ? 536_870_912 : 1_073_741_824 + (n % 3),
          mem_percent: ((n * 3) % 100) * 0.5,
          net_rx_bytes: 1_000_000 + n * 1000,
          net_tx_bytes: 2_000_000 + n * 500,
          blk_read_bytes: 0,
          blk_write_bytes: 0,
          net_rx_delta: i === 0 && ci === 1 ? null : (n % 50) * 1000,
          net_tx_delta: (n % 30) * 500,
          blk_read_delta: n % 4 === 0 ? null : (n % 11) * 4096,
          blk_write_delta: (n % 13) * 512,
          pids: 1 + (n % 9),
        });
      }
    }
  });
  return rows;
}

const HOURS = [
  day0 + 9 * HOUR,
  day0 + 10 * HOUR,
  day0 + 23 * HOUR,
  day1 + 0 * HOUR,
  day1 + 7 * HOUR,
  day1 + 8 * HOUR,
];

async function insertRaw(db: Pool | PoolClient, rows: RawRow[]): Promise<void> {
  await db.query('INSERT INTO container_stats SELECT * FROM json_populate_recordset(NULL::container_stats, $1)', [
    JSON.stringify(rows),
  ]);
}

const ROLLUP_COLUMNS = `bucket, host_id, container_id, samples, cpu_sum, cpu_max, mem_used_sum, mem_used_max,
  mem_limit_max, net_rx_bytes, net_tx_bytes, blk_read_bytes, blk_write_bytes, pids_max`;

/** What a rollup table must hold: the raw rows grouped directly. */
async function expected(pool: Pool, unit: 'hour' | 'day'): Promise<unknown[]> {
  const r = await pool.query(
    `SELECT date_trunc('${unit}', time, 'UTC') AS bucket, host_id, container_id, count(*)::bigint AS samples,
            sum(cpu_percent) AS cpu_sum, max(cpu_percent) AS cpu_max,
            sum(mem_used_bytes)::bigint AS mem_used_sum, max(mem_used_bytes) AS mem_used_max,
            max(mem_limit_bytes) AS mem_limit_max,
            sum(net_rx_delta)::bigint AS net_rx_bytes, sum(net_tx_delta)::bigint AS net_tx_bytes,
            sum(blk_read_delta)::bigint AS blk_read_bytes, sum(blk_write_delta)::bigint AS blk_write_bytes,
            max(pids) AS pids_max
     FROM container_stats GROUP BY 1, 2, 3 ORDER BY 2, 3, 1`,
  );
  return r.rows;
}

async function actual(pool: Pool, table: 'container_stats_hourly' | 'container_stats_daily'): Promise<unknown[]> {
  const r = await pool.query(`SELECT ${ROLLUP_COLUMNS} FROM ${table} ORDER BY host_id, container_id, bucket`);
  return r.rows;
}

/** Rows of `after` that are not in `before` (compared whole). */
function changed(before: unknown[], after: unknown[]): unknown[] {
  const seen = new Set(before.map((r) => JSON.stringify(r)));
  return after.filter((r) => !seen.has(JSON.stringify(r)));
}

async function rollUp(pool: Pool, flavour: StorageFlavour): Promise<void> {
  if (flavour === 'postgres') {
    await pool.query('SELECT dockpulse_rollup()');
    return;
  }
  // Background jobs are not waited for (they may fail on recent PostgreSQL 15 minors, see
  // docs/timescaledb-local.md): the aggregates are refreshed explicitly, hourly first.
  const from = new Date(day0 - DAY).toISOString();
  const to = new Date(todayMs).toISOString();
  await pool.query(`CALL refresh_continuous_aggregate('container_stats_hourly', '${from}'::timestamptz, '${to}'::timestamptz)`);
  await pool.query(`CALL refresh_continuous_aggregate('container_stats_daily', '${from}'::timestamptz, '${to}'::timestamptz)`);
}

for (const server of testServers()) {
  describe(`rollups (${server.flavour})`, () => {
    let db: TestDatabase;
    let pool: Pool;
    beforeAll(async () => {
      db = await createTestDatabase({ flavour: server.flavour, serverUrl: server.serverUrl });
      pool = createPool({ connectionString: db.url, max: 4 });
      if (server.flavour === 'postgres') {
        // the template may be older than today; make partitions for every day the test writes
        await pool.query(
          "SELECT dockpulse_ensure_partitions('container_samples', $1::date, $2::date)",
          [new Date(day0).toISOString().slice(0, 10), new Date(todayMs + 3 * DAY).toISOString().slice(0, 10)],
        );
      }
      await insertRaw(pool, rawRows(HOURS));
      await rollUp(pool, server.flavour);
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    it('hourly rows equal a GROUP BY over the raw rows', async () => {
      const hourly = await actual(pool, 'container_stats_hourly');
      expect(hourly).toHaveLength(HOURS.length * CONTAINERS.length);
      expect(hourly).toEqual(await expected(pool, 'hour'));
      // spot check one row by hand: 6 samples, NULL deltas ignored by the sums
      const first = hourly[0] as { samples: number; bucket: Date };
      expect(first.samples).toBe(6);
      expect(first.bucket.getTime()).toBe(HOURS[0]);
    });

    it('daily rows equal a GROUP BY over the raw rows (weighted through the hourly sums)', async () => {
      const daily = await actual(pool, 'container_stats_daily');
      expect(daily).toHaveLength(2 * CONTAINERS.length);
      expect(daily).toEqual(await expected(pool, 'day'));
      expect((daily as { samples: number }[]).map((d) => d.samples)).toEqual([18, 18, 18, 18]);
    });

    it('a late row in an hour already rolled up changes that hour and its day, and nothing else', async () => {
      const hourlyBefore = await actual(pool, 'container_stats_hourly');
      const dailyBefore = await actual(pool, 'container_stats_daily');
      const late: RawRow = {
        ...rawRows([day0 + 10 * HOUR], 5)[0]!,
        time: new Date(day0 + 10 * HOUR + 150_000).toISOString(), // 10:02:30, between two samples
        cpu_percent: 99.5,
        mem_used_bytes: 900_000_000,
        net_rx_delta: 123_456,
        pids: 77,
      };
      await insertRaw(pool, [late]);
      await rollUp(pool, server.flavour);

      const hourlyAfter = await actual(pool, 'container_stats_hourly');
      const dailyAfter = await actual(pool, 'container_stats_daily');
      expect(hourlyAfter).toEqual(await expected(pool, 'hour'));
      expect(dailyAfter).toEqual(await expected(pool, 'day'));
      expect(hourlyAfter).toHaveLength(hourlyBefore.length);
      expect(dailyAfter).toHaveLength(dailyBefore.length);

      const hourChanged = changed(hourlyBefore, hourlyAfter) as Record<string, unknown>[];
      expect(hourChanged).toHaveLength(1);
      expect(hourChanged[0]).toMatchObject({ host_id: 'host-a', container_id: 'c1', samples: 7, cpu_max: 99.5, pids_max: 77 });
      expect((hourChanged[0]!.bucket as Date).getTime()).toBe(day0 + 10 * HOUR);
      const old = hourlyBefore.find(
        (r) => JSON.stringify(r).includes('"c1"') && (r as { bucket: Date }).bucket.getTime() === day0 + 10 * HOUR,
      ) as Record<string, number>;
      expect(hourChanged[0]!.net_rx_bytes).toBe(old.net_rx_bytes! + 123_456);

      const dayChanged = changed(dailyBefore, dailyAfter) as Record<string, unknown>[];
      expect(dayChanged).toHaveLength(1);
      expect(dayChanged[0]).toMatchObject({ host_id: 'host-a', container_id: 'c1', samples: 19, pids_max: 77 });
      expect((dayChanged[0]!.bucket as Date).getTime()).toBe(day0);
    });

    if (server.flavour === 'postgres') {
      it('two concurrent dockpulse_rollup() calls do not double count', async () => {
        await insertRaw(pool, rawRows([day1 + 12 * HOUR, day1 + 13 * HOUR], 11));
        const [a, b] = await Promise.all([
          pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n'),
          pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n'),
        ]);
        // one of them recomputed both hours, or each took what the other had left: never both
        expect(a.rows[0]!.n + b.rows[0]!.n).toBe(2);
        expect(await actual(pool, 'container_stats_hourly')).toEqual(await expected(pool, 'hour'));
        expect(await actual(pool, 'container_stats_daily')).toEqual(await expected(pool, 'day'));

        // forced overlap: while one rollup's transaction is open, another one does nothing
        await insertRaw(pool, rawRows([day1 + 14 * HOUR], 12));
        const holder = await pool.connect();
        try {
          await holder.query('BEGIN');
          const first = await holder.query<{ n: number }>('SELECT dockpulse_rollup() AS n');
          const second = await pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n');
          await holder.query('COMMIT');
          expect([first.rows[0]!.n, second.rows[0]!.n]).toEqual([1, 0]);
        } finally {
          holder.release();
        }
        expect((await pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n')).rows[0]!.n).toBe(0);
        expect(await actual(pool, 'container_stats_hourly')).toEqual(await expected(pool, 'hour'));
        expect(await actual(pool, 'container_stats_daily')).toEqual(await expected(pool, 'day'));
      });

      it("a rollup running while a writer's transaction is open does not lose the writer's rows", async () => {
        // The hour is already marked dirty (committed); a writer then inserts into it in a
        // transaction that commits only after the rollup has run.
        await insertRaw(pool, rawRows([day1 + 15 * HOUR], 13));
        const writer = await pool.connect();
        let rollup: Promise<unknown> | undefined;
        try {
          await writer.query('BEGIN');
          await insertRaw(writer, [{ ...rawRows([day1 + 15 * HOUR], 14)[0]!, time: new Date(day1 + 15 * HOUR + 1000).toISOString() }]);
          rollup = pool.query('SELECT dockpulse_rollup() AS n');
          // give the rollup time to run (or to block on the writer's mark)
          await new Promise((resolve) => setTimeout(resolve, 500));
          await writer.query('COMMIT');
        } finally {
          writer.release();
        }
        await rollup;
        await pool.query('SELECT dockpulse_rollup()');
        expect(await actual(pool, 'container_stats_hourly')).toEqual(await expected(pool, 'hour'));
        expect(await actual(pool, 'container_stats_daily')).toEqual(await expected(pool, 'day'));
      });
    }
  });
}

if (!TIMESCALEDB_TEST_URL) {
  describe('rollups (timescaledb)', () => {
    console.warn(`rollups (timescaledb): ${TIMESCALEDB_SKIP_REASON}`);
    it.skip(TIMESCALEDB_SKIP_REASON, () => undefined);
  });
}

describe('partitions and retention (postgres)', () => {
  let db: TestDatabase;
  let pool: Pool;
  // The partition functions go by the server's clock, so "today" is the server's UTC day (the test
  // process could be on the other side of midnight).
  let todayMs = 0;
  const day = (offset: number) => new Date(todayMs + offset * DAY).toISOString().slice(0, 10);
  const partitionsOf = async (table: string) =>
    (
      await pool.query<{ relname: string }>(
        'SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = $1::regclass ORDER BY 1',
        [table],
      )
    ).rows.map((r) => r.relname);
  const suffix = (offset: number) => day(offset).replace(/-/g, '');
  // The plain flavour's raw stats are partitions of container_samples; container_stats is a view
  // of them (sql/0009).
  const RAW_TABLES = ['container_samples', 'container_logs', 'container_events'];

  beforeEach(async () => {
    db = await createTestDatabase({ flavour: 'postgres' });
    pool = createPool({ connectionString: db.url });
    todayMs = Number(
      (await pool.query<{ ms: string }>("SELECT (extract(epoch FROM date_trunc('day', now() AT TIME ZONE 'UTC')) * 1000)::bigint AS ms")).rows[0]!.ms,
    );
    // start from no partitions at all (the template's depend on the day it was made)
    for (const table of RAW_TABLES) {
      for (const p of await partitionsOf(table)) await pool.query(`DROP TABLE ${p}`);
    }
  });
  afterEach(async () => {
    await pool.end();
    await db.drop();
  });

  it('dockpulse_prepare_partitions creates yesterday to 3 days ahead, UTC-bounded, once', async () => {
    const created = await pool.query<{ n: number }>('SELECT dockpulse_prepare_partitions() AS n');
    expect(created.rows[0]!.n).toBe(15);
    for (const table of RAW_TABLES) {
      expect(await partitionsOf(table)).toEqual([-1, 0, 1, 2, 3].map((o) => `${table}_p${suffix(o)}`));
    }
    const bound = await pool.query<{ b: string }>(
      'SELECT pg_get_expr(relpartbound, oid) AS b FROM pg_class WHERE relname = $1',
      [`container_samples_p${suffix(0)}`],
    );
    expect(bound.rows[0]!.b).toBe(`FOR VALUES FROM ('${day(0)} 00:00:00+00') TO ('${day(1)} 00:00:00+00')`);
    expect((await pool.query<{ n: number }>('SELECT dockpulse_prepare_partitions() AS n')).rows[0]!.n).toBe(0);
    // a row of today and of 3 days ahead fit; one of 4 days ahead has no partition yet
    await insertRaw(pool, [{ ...rawRows([todayMs])[0]! }, { ...rawRows([todayMs + 3 * DAY + HOUR])[0]! }]);
    await expect(insertRaw(pool, [{ ...rawRows([todayMs + 4 * DAY + HOUR])[0]! }])).rejects.toThrow(/no partition/);
  });

  it('dockpulse_apply_retention drops whole partitions older than the interval and old rollup rows', async () => {
    for (const table of RAW_TABLES) {
      await pool.query('SELECT dockpulse_ensure_partitions($1, $2::date, $3::date)', [table, day(-10), day(0)]);
    }
    // one raw row at noon of every day from 10 days ago to today
    const noon = (o: number) => todayMs + o * DAY + 12 * HOUR;
    const offsets = [-10, -9, -8, -7, -6, -1];
    await insertRaw(pool, offsets.map((o) => ({ ...rawRows([noon(o)])[0]! })));
    await pool.query(
      `INSERT INTO container_logs (time, host_id, container_id, stream, message)
       SELECT t, 'host-a', 'c1', 'stdout', 'line' FROM unnest($1::timestamptz[]) t`,
      [offsets.map((o) => new Date(noon(o)).toISOString())],
    );
    await pool.query(
      `INSERT INTO container_events (time, time_nano, host_id, container_id, action)
       SELECT t, (extract(epoch FROM t) * 1e9)::bigint, 'host-a', 'c1', 'start' FROM unnest($1::timestamptz[]) t`,
      [offsets.map((o) => new Date(noon(o)).toISOString())],
    );
    await pool.query('SELECT dockpulse_rollup()');
    // rollup rows far in the past, as if kept since then
    await pool.query(
      `INSERT INTO container_stats_hourly (bucket, host_id, container_id, samples)
         VALUES (now() - interval '31 days', 'host-a', 'old', 1), (now() - interval '29 days', 'host-a', 'old', 1)`,
    );
    await pool.query(
      `INSERT INTO container_stats_daily (bucket, host_id, container_id, samples)
         VALUES (now() - interval '400 days', 'host-a', 'old', 1), (now() - interval '300 days', 'host-a', 'old', 1)`,
    );
    const hourlyBefore = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM container_stats_hourly')).rows[0]!.n;

    const n = await pool.query<{ n: number }>(
      "SELECT dockpulse_apply_retention('7 days', '30 days', '365 days', '9 days', '90 days') AS n",
    );
    // stats: days -10, -9, -8 end at or before now - 7 days; logs: -10 ends before now - 9 days
    const kept = (offsetsKept: number[], table: string) => offsetsKept.map((o) => `${table}_p${suffix(o)}`);
    expect(await partitionsOf('container_samples')).toEqual(kept([-7, -6, -5, -4, -3, -2, -1, 0], 'container_samples'));
    expect(await partitionsOf('container_logs')).toEqual(kept([-9, -8, -7, -6, -5, -4, -3, -2, -1, 0], 'container_logs'));
    expect(await partitionsOf('container_events')).toHaveLength(11);
    expect(n.rows[0]!.n).toBe(3 + 1 + 0 + 1 + 1);
    const raw = await pool.query<{ d: string }>("SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS d FROM container_stats ORDER BY time");
    expect(raw.rows.map((r) => r.d)).toEqual([-7, -6, -1].map(day));
    // rollup rows of dropped raw days stay (they are kept longer than raw samples)
    const hourly = await pool.query<{ c: string; n: number }>(
      'SELECT container_id AS c, count(*)::int AS n FROM container_stats_hourly GROUP BY 1 ORDER BY 1',
    );
    expect(hourly.rows).toEqual([
      { c: 'c1', n: 6 },
      { c: 'old', n: 1 },
    ]);
    expect(hourlyBefore).toBe(8);
    const daily = await pool.query<{ c: string; n: number }>(
      "SELECT count(*)::int AS n FROM container_stats_daily WHERE container_id = 'old'",
    );
    expect(daily.rows[0]!.n).toBe(1);
    // again: nothing left to do
    const again = await pool.query<{ n: number }>(
      "SELECT dockpulse_apply_retention('7 days', '30 days', '365 days', '9 days', '90 days') AS n",
    );
    expect(again.rows[0]!.n).toBe(0);
  });
});

// Migration 0010: each container's newest sample kept whole in container_stats_latest, seeded from
// the samples stored before it; dockpulse_latest_stats reads the table. On plain PostgreSQL always,
// on TimescaleDB where TIMESCALEDB_TEST_URL names a server with it.
import type { Pool } from 'pg';
import { createPool, migrate } from '@dockpulse/common';
import { createTestDatabase, migrationsBefore, testServers, type TestDatabase } from '@dockpulse/common/testing';

const COLUMNS = [
  'time', 'host_id', 'container_id', 'cpu_percent', 'mem_used_bytes', 'mem_usage_bytes', 'mem_limit_bytes',
  'mem_percent', 'net_rx_bytes', 'net_tx_bytes', 'blk_read_bytes', 'blk_write_bytes', 'net_rx_delta',
  'net_tx_delta', 'blk_read_delta', 'blk_write_delta', 'pids',
];

for (const server of testServers()) {
  describe(`migration 0010: container_stats_latest (${server.flavour})`, () => {
    let db: TestDatabase;
    let pool: Pool;
    const older = migrationsBefore(10);
    // Whole minutes before now, so every sample is in today's or yesterday's partition or chunk.
    const baseMs = Math.floor(Date.now() / 60_000) * 60_000 - 20 * 60_000;

    beforeAll(async () => {
      db = await createTestDatabase({ migrated: false, serverUrl: server.serverUrl });
      pool = createPool({ connectionString: db.url, max: 3 });
      await migrate(pool, { storage: server.flavour, dir: older.dir });
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
      older.remove();
    });

    it('is seeded with every container\'s newest stored sample, which dockpulse_latest_stats then gives', async () => {
      // Three containers with 30 samples each, 5 s apart; a fourth has info but no samples.
      await pool.query(
        `INSERT INTO container_info (host_id, container_id, name, state, restart_count, oom_killed, labels, last_seen, first_seen)
         SELECT 'host-' || (c % 2), 'c' || c, 'n' || c, 'running', 0, false, '{}', now(), now() FROM generate_series(1, 4) c`,
      );
      await pool.query(
        `INSERT INTO container_stats (${COLUMNS.join(', ')})
         SELECT to_timestamp($1::float8 / 1000) + i * interval '5 seconds', 'host-' || (c % 2), 'c' || c, i * 0.5, 1000 + i,
                2000 + i, 4000, (1000 + i) / 40.0, 100 * i + c, 50 * i, 0, 4096 * i, 100, 50, 0, 4096, 3
           FROM generate_series(1, 3) c, generate_series(0, 29) i`,
        [baseMs],
      );
      const newest = await pool.query(
        `SELECT DISTINCT ON (host_id, container_id) ${COLUMNS.join(', ')} FROM container_stats ORDER BY host_id, container_id, time DESC`,
      );
      expect(newest.rows).toHaveLength(3);

      const after = await migrate(pool, { storage: server.flavour });
      expect(after.applied.slice(0, 2)).toEqual(['0010_stats_latest.sql', `0011_stats_latest_older_collectors.${server.flavour}.sql`]);
      const latest = await pool.query(`SELECT ${COLUMNS.join(', ')} FROM container_stats_latest ORDER BY host_id, container_id`);
      expect(latest.rows).toEqual(newest.rows);
      expect(newest.rows[0].net_rx_bytes).toBe(2900 + Number(newest.rows[0].container_id.slice(1)));

      for (const row of newest.rows) {
        const fn = await pool.query(`SELECT ${COLUMNS.join(', ')} FROM dockpulse_latest_stats($1, $2)`, [row.host_id, row.container_id]);
        expect(fn.rows).toEqual([row]);
        const since = await pool.query('SELECT count(*)::int AS n FROM dockpulse_latest_stats($1, $2, $3)', [row.host_id, row.container_id, row.time]);
        expect(since.rows).toEqual([{ n: 0 }]);
      }
      expect((await pool.query("SELECT count(*)::int AS n FROM dockpulse_latest_stats('host-0', 'c4')")).rows).toEqual([{ n: 0 }]);
    });
  });
}

import { readdirSync } from 'node:fs';
import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { startThrowawayPostgres, throwawayPostgresUnavailable, type ThrowawayPostgres } from '@dockpulse/common/testing-postgres';
import { BatchWriter } from '@dockpulse/collector/writer';
import { sleep, statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const unavailable = throwawayPostgresUnavailable();
const describeIf = unavailable ? describe.skip : describe;
if (unavailable) console.warn(`skipped: writer outage tests need a throwaway PostgreSQL: ${unavailable}`);

describeIf('BatchWriter through a database outage', () => {
  let server: ThrowawayPostgres;
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    server = await startThrowawayPostgres();
    db = await createTestDatabase({ serverUrl: server.url });
    pool = createPool({ connectionString: db.url, connectionTimeoutMillis: 1_000 });
    // Records the order in which rows reach the table (a row-level trigger fires in insert order).
    await pool.query(`
      CREATE TABLE arrival (seq bigserial PRIMARY KEY, container_id text, time timestamptz);
      CREATE FUNCTION record_arrival() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO arrival (container_id, time) SELECT container_id, NEW.time FROM container_keys WHERE ckey = NEW.ckey;
        RETURN NULL;
      END $$;
      -- The plain flavour's stats rows are stored in container_samples (sql/0009).
      CREATE TRIGGER record_arrival AFTER INSERT ON container_samples FOR EACH ROW EXECUTE FUNCTION record_arrival();`);
  }, 120_000);
  afterAll(async () => {
    await server?.start();
    await pool?.end();
    await db?.drop();
    await server?.destroy();
  });

  it('keeps every row written while the database is stopped (spooled, memory bounded), and stores them once, in order, when it is back', async () => {
    const spoolDir = tempSpoolDir();
    const maxBufferedRows = 300;
    const writer = new BatchWriter({
      pool, flavour: 'postgres', spoolDir, batchSize: 100, flushIntervalMs: 200, maxBufferedRows,
      spoolSegmentBytes: 16_384, spoolSyncDelayMs: 50, backoff: { baseMs: 50, capMs: 300 },
    });
    await writer.start();
    try {
      const base = Date.now() - 3_600_000;
      let written = 0;
      const writeSome = (n: number) => {
        for (let i = 0; i < n; i++) writer.write('container_stats', statsRow(written++, base, 'c-outage'));
      };
      writeSome(50);
      await writer.flush();

      await server.stop();
      // Written in bursts while retries fail, as the stats job would: 10 x 150 rows.
      for (let burst = 0; burst < 10; burst++) {
        writeSome(150);
        await sleep(60);
      }
      await waitFor('a failed retry', () => writer.state().retries > 0);
      const during = writer.state();
      expect(during.bufferedRows).toBeLessThanOrEqual(maxBufferedRows);
      expect(during.spooledRows).toBeGreaterThan(0);
      expect(during.bufferedRows + during.spooledRows).toBe(written - 50);
      expect(during.lastError).toEqual(expect.any(String));
      expect(readdirSync(spoolDir).filter((f) => f.startsWith('segment-')).length).toBeGreaterThan(1);

      await server.start();
      writeSome(25); // rows written after the database is back come after the replayed ones
      await waitFor('the backlog to be stored', async () => {
        await writer.flush().catch(() => undefined);
        const s = writer.state();
        return s.bufferedRows === 0 && s.spooledRows === 0;
      }, 30_000);

      const stored = await pool.query<{ n: number; d: number }>(
        "SELECT count(*)::int AS n, count(DISTINCT time)::int AS d FROM container_stats WHERE container_id = 'c-outage'",
      );
      expect(stored.rows[0]).toEqual({ n: written, d: written });
      const order = await pool.query<{ time: Date }>("SELECT time FROM arrival WHERE container_id = 'c-outage' ORDER BY seq");
      const expected = Array.from({ length: written }, (_, i) => statsRow(i, base).time.getTime());
      expect(order.rows.map((r) => r.time.getTime())).toEqual(expected);
      // Stored segments are gone; the one still appended to stays until close().
      expect(readdirSync(spoolDir).filter((f) => f.startsWith('segment-')).length).toBeLessThanOrEqual(1);
      expect(writer.state().droppedRows).toBe(0);
      await writer.close();
      expect(readdirSync(spoolDir).filter((f) => f.startsWith('segment-'))).toEqual([]);
    } finally {
      await writer.close();
    }
  });

  it('close() during an outage leaves the unstored rows in the spool; the next writer stores them', async () => {
    const spoolDir = tempSpoolDir();
    const options = { pool, flavour: 'postgres' as const, spoolDir, batchSize: 100, flushIntervalMs: 60_000, backoff: { baseMs: 50, capMs: 200 } };
    const first = new BatchWriter(options);
    await first.start();
    await server.stop();
    const base = Date.now() - 7_200_000;
    for (let i = 0; i < 40; i++) first.write('container_stats', statsRow(i, base, 'c-close-down'));
    await first.close();
    expect(first.state()).toMatchObject({ bufferedRows: 0, spooledRows: 40 });

    await server.start();
    const second = new BatchWriter(options);
    await second.start();
    try {
      await waitFor('the replay', async () => second.state().spooledRows === 0);
      const order = await pool.query<{ time: Date }>("SELECT time FROM arrival WHERE container_id = 'c-close-down' ORDER BY seq");
      expect(order.rows.map((r) => r.time.getTime())).toEqual(Array.from({ length: 40 }, (_, i) => statsRow(i, base).time.getTime()));
    } finally {
      await second.close();
    }
  });
});

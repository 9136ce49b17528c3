// The collector process started while its PostgreSQL is down: it collects from its first cycle
// into the spool, reaches the database with backoff, migrates, replays the spool, and only then
// reads the log and event resume positions, so the lines the engine still holds are stored too.
// Real engine, the built collector (collector/dist/main.js), a throwaway PostgreSQL it stops itself.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { freePort, startThrowawayPostgres, throwawayPostgresUnavailable, type ThrowawayPostgres } from '@dockpulse/common/testing-postgres';
import { docker, engineMissing, removeRunContainers, TEST_IMAGE, TEST_LABEL, tempDir, testPool, waitFor } from './support';
import { startNodeChild } from '../support/node-child';

const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'main.js');

describe('collector started while its database is down', () => {
  const runId = `offline${process.pid}${Date.now() % 100_000}`;
  let missing: string | undefined;
  let pg: ThrowawayPostgres | undefined;
  let db: TestDatabase | undefined;
  let pool: Pool | undefined;
  beforeAll(async () => {
    missing = throwawayPostgresUnavailable() ?? (await engineMissing()) ?? (existsSync(MAIN) ? undefined : `${MAIN} is not built (npx tsc -b)`);
    if (missing) return;
    pg = await startThrowawayPostgres({ settings: { fsync: 'off' } });
    db = await createTestDatabase({ migrated: false, serverUrl: pg.url });
  }, 120_000);
  afterAll(async () => {
    await removeRunContainers(runId);
    await pool?.end();
    await pg?.destroy();
  });

  it('collects from the first cycle into the spool, then migrates, replays, and resumes logs and events from where they stand once the database answers', async () => {
    if (missing || !pg || !db) {
      console.warn(`skipped: ${missing}`);
      return;
    }
    await pg.stop();
    // No network: the logger needs none, and the bridge is one thing less that can fail.
    const logger = await docker.createContainer({
      Image: TEST_IMAGE, name: `dp-offline-logger-${runId}`, Labels: { [TEST_LABEL]: 'collector', 'dockpulse.test.run': runId },
      Cmd: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo line-$i; sleep 0.2; done'], HostConfig: { NetworkMode: 'none' },
    });
    await logger.start();
    const metricsPort = await freePort();
    const hostId = `host-${runId}`;
    const { child, output: printed, exited } = startNodeChild([MAIN], {
        DATABASE_URL: db.url, HOST_ID: hostId, SPOOL_DIR: tempDir('dp-offline-spool-'), METRICS_PORT: String(metricsPort),
        STATS_SCHEDULE: '* * * * * *', STATUS_SCHEDULE: '*/5 * * * * *', LOG_LEVEL: 'info', WRITER_RETRY_BASE: '100ms', WRITER_RETRY_CAP: '1s',
        DATABASE_WAIT_TIMEOUT: '2s',
    });
    try {
      const scrape = async (name: string) => {
        const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
        const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
        return m ? Number(m[1]) : 0;
      };
      // Stats rows of several cycles (and the hosts row) are in the spool while nothing answers.
      await waitFor('rows in the spool', async () => (await scrape('dockpulse_collector_spooled_rows')) >= 6, 30_000);
      expect(printed()).toMatch(/not reached yet: collecting into the spool meanwhile/);
      await waitFor('the DATABASE_WAIT_TIMEOUT message', async () => /not reached within DATABASE_WAIT_TIMEOUT: still collecting/.test(printed()), 10_000);
      expect(child.exitCode).toBeNull();
      // An event while the database is down, on a host with no stored event yet: read once connected.
      const late = await docker.createContainer({
        Image: TEST_IMAGE, name: `dp-offline-late-${runId}`, Labels: { [TEST_LABEL]: 'collector', 'dockpulse.test.run': runId },
        Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' },
      });
      await late.start();
      // At least three stats cycles while nothing answers (on a loaded machine two may be all by now).
      await waitFor('three stats cycles without the database', async () => (await scrape('dockpulse_collector_stats_cycles_total')) >= 3, 30_000);
      const upAtMs = Date.now();
      await pg.start();
      pool = testPool(db.url);
      await waitFor('the replay and the jobs', async () => /collector running: spool replayed/.test(printed()), 30_000);
      expect(printed().indexOf('reached and migrated: storing the spool')).toBeLessThan(printed().indexOf('collector running: spool replayed'));
      const p = pool;
      const early = await p.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM container_stats WHERE host_id = $1 AND container_id = $2 AND time < $3', [hostId, logger.id, new Date(upAtMs)],
      );
      expect(early.rows[0]?.n).toBeGreaterThanOrEqual(3); // cycles run while the database was down
      const host = await p.query('SELECT host_id FROM hosts WHERE host_id = $1', [hostId]);
      expect(host.rows).toHaveLength(1);
      // Log lines printed while the database was down are read from the engine once positions are known.
      await waitFor('log lines', async () => {
        const r = await p.query<{ n: number }>('SELECT count(*)::int AS n FROM container_logs WHERE host_id = $1 AND container_id = $2', [hostId, logger.id]);
        return (r.rows[0]?.n ?? 0) >= 20;
      }, 30_000);
      const lines = await p.query<{ message: string }>(
      'SELECT message FROM container_logs WHERE host_id = $1 AND container_id = $2 ORDER BY time, seq', [hostId, logger.id],
    );
      const numbers = lines.rows.map((r) => Number(r.message.replace('line-', '')));
      expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
      await waitFor('the start event of the container started while the database was down', async () => {
        const r = await p.query<{ n: number }>("SELECT count(*)::int AS n FROM container_events WHERE container_id = $1 AND action = 'start'", [late.id]);
        return r.rows[0]?.n === 1;
      }, 20_000);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});

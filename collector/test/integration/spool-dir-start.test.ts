// The collector process started with a SPOOL_DIR it cannot create: it does not exit. It collects
// (rows held in memory, stored while the database answers), says so on /metrics, in its heartbeat
// and so to the provisioned alert rule, and spools once the directory can be made.
// Real engine, the built collector (collector/dist/main.js), a real test database.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { freePort } from '@dockpulse/common/testing-postgres';
import { evaluateRule } from '../../../deploy/test/support/alert-evaluate';
import { alertRules } from '../../../deploy/test/support/provisioning';
import { docker, engineMissing, removeRunContainers, TEST_IMAGE, TEST_LABEL, tempDir, testPool, waitFor } from './support';
import { startNodeChild } from '../support/node-child';

const MAIN = path.resolve(__dirname, '..', '..', 'dist', 'main.js');
const SPOOL_RULE_UID = 'dockpulse-collector-spool-unwritable';

describe('collector started with a spool directory it cannot create', () => {
  const runId = `spooldir${process.pid}${Date.now() % 100_000}`;
  let missing: string | undefined;
  let db: TestDatabase | undefined;
  let pool: Pool | undefined;
  let reader: Pool | undefined;
  beforeAll(async () => {
    missing = (await engineMissing()) ?? (existsSync(MAIN) ? undefined : `${MAIN} is not built (npx tsc -b)`);
    if (missing) return;
    db = await createTestDatabase();
    pool = testPool(db.url);
    reader = testPool(db.readerUrl);
  }, 120_000);
  afterAll(async () => {
    await removeRunContainers(runId);
    await pool?.end();
    await reader?.end();
    await db?.drop();
  });

  it('keeps collecting, reports failing (metric, heartbeat, alert rule) and spools once the directory can be made', async () => {
    if (missing || !db || !pool || !reader) {
      console.warn(`skipped: ${missing}`);
      return;
    }
    const p = pool;
    const container = await docker.createContainer({
      Image: TEST_IMAGE, name: `dp-spooldir-${runId}`, Labels: { [TEST_LABEL]: 'collector', 'dockpulse.test.run': runId },
      Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'none' },
    });
    await container.start();
    const volume = path.join(tempDir('dp-spooldir-'), 'volume');
    writeFileSync(volume, 'a file where the volume should be'); // mkdir of SPOOL_DIR under it: ENOTDIR
    const spoolDir = path.join(volume, 'spool');
    const metricsPort = await freePort();
    const hostId = `host-${runId}`;
    const { child, output: printed, exited } = startNodeChild([MAIN], {
      DATABASE_URL: db.url, HOST_ID: hostId, SPOOL_DIR: spoolDir, METRICS_PORT: String(metricsPort),
      STATS_SCHEDULE: '* * * * * *', MAINTENANCE_SCHEDULE: '*/2 * * * * *', WRITER_FLUSH_INTERVAL: '1s', LOG_LEVEL: 'info',
    });
    const metric = async (series: string) => {
      const text = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()).catch(() => '');
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const heartbeat = async () =>
      (await p.query<{ spool_state: string | null; last_error: string | null }>('SELECT spool_state, last_error FROM collector_status WHERE host_id = $1', [hostId])).rows[0];
    const samples = async () =>
      (await p.query<{ n: number }>('SELECT count(*)::int AS n FROM container_stats WHERE host_id = $1 AND container_id = $2', [hostId, container.id])).rows[0]?.n ?? 0;
    const rule = alertRules().find((r) => r.uid === SPOOL_RULE_UID);
    if (!rule) throw new Error(`no provisioned alert rule ${SPOOL_RULE_UID}`);
    try {
      await waitFor('spool_state failing on /metrics', async () => (await metric('dockpulse_collector_spool_state{state="failing"}')) === 1, 30_000);
      await waitFor('stats samples stored from memory', async () => (await samples()) >= 3, 30_000);
      await waitFor('a heartbeat saying failing', async () => (await heartbeat())?.spool_state === 'failing', 30_000);
      expect((await heartbeat())?.last_error).toContain(spoolDir);
      expect(printed()).toMatch(/the spool cannot take rows: collecting in memory only until it can/);
      expect((await evaluateRule(reader, rule, Date.now())).firing).toContain(hostId);
      expect(child.exitCode).toBeNull();

      rmSync(volume);
      mkdirSync(volume); // the volume is mounted now
      await waitFor('spool_state writing on /metrics', async () => (await metric('dockpulse_collector_spool_state{state="writing"}')) === 1, 30_000);
      await waitFor('an append to the spool', async () => ((await metric('dockpulse_collector_spool_appends')) ?? 0) > 0, 30_000);
      expect(readdirSync(spoolDir).filter((f) => /^segment-\d+\.wal$/.test(f)).length).toBeGreaterThan(0);
      await waitFor('a heartbeat saying writing', async () => (await heartbeat())?.spool_state === 'writing', 30_000);
      const after = await evaluateRule(reader, rule, Date.now());
      expect({ firing: after.firing.includes(hostId), quiet: after.quiet.includes(hostId) }).toEqual({ firing: false, quiet: true });
      const before = await samples();
      await waitFor('more samples after the spool opened', async () => (await samples()) > before + 1, 30_000);
      expect(await metric('dockpulse_collector_rows_lost')).toBe(0);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 180_000);
});

// The bundled dashboards' PostgreSQL panels (collector health) run their SQL against the real
// migrated schema, after the macro expansion Grafana does.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { expandMacros } from './support/grafana-sql';
import { REPO_ROOT } from './support/provisioning';

interface Panel {
  title: string;
  panels?: Panel[];
  targets?: { datasource?: { uid?: string }; rawSql?: string; format?: string }[];
}
const dashboardsDir = path.join(REPO_ROOT, 'plugin', 'src', 'dashboards');
const flatten = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...flatten(p.panels ?? [])]);

const queries = readdirSync(dashboardsDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((file) => {
    const dashboard = JSON.parse(readFileSync(path.join(dashboardsDir, file), 'utf8')) as { panels: Panel[] };
    return flatten(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? [])
        .filter((t) => t.datasource?.uid === 'dockpulse-postgres' && t.rawSql)
        .map((t) => [`${file}: ${panel.title}`, t.rawSql as string, t.format ?? 'table'] as const),
    );
  });

describe('PostgreSQL queries of the bundled dashboards', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeAll(async () => {
    db = await createTestDatabase();
    pool = createPool({ connectionString: db.url });
    await pool.query(`INSERT INTO hosts (host_id, name) VALUES ('h1', 'host one')`);
    await pool.query(`INSERT INTO collector_status (host_id, version, last_beat, buffered_rows, spooled_rows) VALUES ('h1', 't', now(), 3, 4)`);
    await pool.query(
      `INSERT INTO container_stats (time, host_id, container_id, cpu_percent)
       SELECT now() - i * interval '5 seconds', 'h1', 'c1', 1 FROM generate_series(0, 23) i`,
    );
    await pool.query(
      `INSERT INTO container_logs (time, host_id, container_id, stream, message)
       SELECT now() - i * interval '1 second', 'h1', 'c1', 'stdout', 'line ' || i FROM generate_series(0, 9) i`,
    );
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('exist (the collector health dashboard reads the database directly)', () => {
    expect(queries.length).toBeGreaterThanOrEqual(3);
  });

  it.each(queries)('%s runs and answers rows of the right shape', async (_name, sql, format) => {
    const now = Date.now();
    const result = await pool.query(expandMacros(sql, { from: new Date(now - 3_600_000), to: new Date(now) }));
    expect(result.rows.length).toBeGreaterThan(0);
    if (format === 'time_series') {
      expect(result.fields.map((f) => f.name)).toContain('time');
      // a time series needs a numeric value column next to the time and the labels
      expect(result.fields.some((f) => [20, 21, 23, 700, 701, 1700].includes(f.dataTypeID))).toBe(true);
    }
  });
});

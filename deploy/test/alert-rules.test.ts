import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { evaluateRule } from './support/alert-evaluate';
import { expandMacros, toSeries } from './support/grafana-sql';
import { alertGroups, alertRules, provisionedDatasourceUids, type AlertRule } from './support/provisioning';

const rules = alertRules();
const NOW = Date.now();
const ago = (seconds: number) => new Date(NOW - seconds * 1000);

/** Which label sets fire and which stay quiet when Grafana evaluates `rule` now. */
const evaluate = (pool: Pool, rule: AlertRule) => evaluateRule(pool, rule, NOW);

describe('provisioned alert rules', () => {
  it('are complete: unique uids, a known datasource, reduce + threshold, for, severity, summary and description', () => {
    const datasources = provisionedDatasourceUids();
    expect(rules.length).toBeGreaterThanOrEqual(9);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    for (const rule of rules) {
      const where = `rule ${rule.uid}`;
      expect([where, rule.data.filter((d) => d.datasourceUid !== '__expr__').every((d) => datasources.includes(d.datasourceUid))]).toEqual([where, true]);
      expect([where, rule.data.some((d) => d.model.type === 'reduce'), rule.data.some((d) => d.refId === rule.condition && d.model.type === 'threshold')]).toEqual([where, true, true]);
      expect([where, rule.data.find((d) => d.model.rawSql)?.model.format]).toEqual([where, 'time_series']);
      expect([where, ['warning', 'critical'].includes(rule.labels.severity ?? '')]).toEqual([where, true]);
      expect([where, /^\d+[smh]$/.test(rule.for)]).toEqual([where, true]);
      expect([where, Boolean(rule.annotations.summary && rule.annotations.description)]).toEqual([where, true]);
    }
    for (const group of alertGroups()) expect(group.folder).toBe('Dockpulse');
  });

  describe('against the migrated schema with data made to breach each rule', () => {
    let db: TestDatabase;
    let pool: Pool;

    beforeAll(async () => {
      db = await createTestDatabase();
      pool = createPool({ connectionString: db.url });
      await seed(pool);
    });
    afterAll(async () => {
      await pool?.end();
      await db?.drop();
    });

    const expected: Record<string, { firing: string[]; quiet: string[] }> = {
      'dockpulse-cpu-high': { firing: ['h1/hot'], quiet: ['h1/calm', 'h1/slim'] },
      'dockpulse-memory-near-limit': { firing: ['h1/fat'], quiet: ['h1/slim'] },
      'dockpulse-oom-killed': { firing: ['h1/oomy'], quiet: ['h1/calm', 'h1/crashed'] },
      'dockpulse-restart-loop': { firing: ['h1/loopy'], quiet: ['h1/slim', 'h1/calm'] },
      'dockpulse-unhealthy': { firing: ['h1/sick'], quiet: ['h1/fine'] },
      'dockpulse-exited-nonzero': { firing: ['h1/crashed'], quiet: ['h1/done', 'h1/oldcrash', 'h1/calm'] },
      'dockpulse-container-missing': { firing: ['h1/ghost'], quiet: ['h1/hot', 'h1/calm'] },
      'dockpulse-collector-stale': { firing: ['h2'], quiet: ['h1', 'h3'] },
      'dockpulse-collector-backlog': { firing: ['h2'], quiet: ['h1', 'h3'] },
      'dockpulse-collector-overrun': { firing: ['h3'], quiet: ['h1'] },
      'dockpulse-collector-spool-unwritable': { firing: ['h3'], quiet: ['h1'] },
    };

    // Grafana refuses a time_series answer whose rows are not sorted by time (toSeries checks it
    // the same way); a single host hides a missing ORDER BY, so the data has several.
    it.each(rules.map((r) => [r.uid, r] as const))('%s answers rows sorted by time, over several hosts', async (_uid, rule) => {
      const query = rule.data.find((d) => d.datasourceUid !== '__expr__');
      const range = query?.relativeTimeRange ?? { from: 600, to: 0 };
      const sql = expandMacros(query?.model.rawSql ?? '', { from: new Date(NOW - range.from * 1000), to: new Date(NOW - range.to * 1000) });
      const { rows, fields } = await pool.query(sql);
      expect(() => toSeries(rows, fields)).not.toThrow();
      expect(new Set(rows.map((r) => r.host)).size).toBeGreaterThanOrEqual(2);
    });

    it('has an expectation for every rule', () => {
      expect(Object.keys(expected).sort()).toEqual(rules.map((r) => r.uid).sort());
    });

    it.each(rules.map((r) => [r.uid, r] as const))('%s fires on the breaching data only', async (uid, rule) => {
      const { firing, quiet } = await evaluate(pool, rule);
      const want = expected[uid];
      expect(firing).toEqual(want?.firing);
      expect(quiet).toEqual(expect.arrayContaining(want?.quiet ?? ['(missing expectation)']));
    });

    it('the container on a host whose collector is dead is left to the collector alert', async () => {
      const rule = rules.find((r) => r.uid === 'dockpulse-container-missing') as AlertRule;
      const { firing, quiet } = await evaluate(pool, rule);
      expect([...firing, ...quiet].some((k) => k.startsWith('h2/'))).toBe(false);
    });
  });
});

async function seed(pool: Pool): Promise<void> {
  await pool.query(`INSERT INTO hosts (host_id, name, cpus, mem_total_bytes) VALUES ('h1', 'h1', 4, 8e9), ('h2', 'h2', 2, 4e9), ('h3', 'h3', 8, 16e9)`);
  await pool.query(
    `INSERT INTO collector_status (host_id, version, last_beat, buffered_rows, spooled_rows, last_stats_cycle_ms, spool_state)
     VALUES ('h1', 'test', $1, 10, 0, 800, 'writing'), ('h2', 'test', $2, 5000, 30000, 9000, 'at-limit'), ('h3', 'test', $3, 0, 0, 7200, 'disk-full')`,
    [ago(5), ago(600), ago(20)],
  );
  const containers: [string, string, Record<string, unknown>][] = [
    ['h1', 'hot', { cpu_limit_cores: 1 }],
    ['h1', 'calm', {}],
    ['h1', 'fat', { mem_limit_bytes: 100e6 }],
    ['h1', 'slim', { mem_limit_bytes: 100e6 }],
    ['h1', 'oomy', {}],
    ['h1', 'loopy', {}],
    ['h1', 'sick', { health: 'unhealthy' }],
    ['h1', 'fine', { health: 'healthy' }],
    ['h1', 'crashed', { state: 'exited', exit_code: 2, finished_at: ago(600) }],
    ['h1', 'done', { state: 'exited', exit_code: 0, finished_at: ago(600) }],
    ['h1', 'oldcrash', { state: 'exited', exit_code: 1, finished_at: ago(3 * 3600) }],
    ['h1', 'ghost', {}],
    ['h2', 'far', {}],
    // a second live host whose containers breach nothing: every rule sees several hosts
    ['h3', 'web', { health: 'healthy', mem_limit_bytes: 1e9 }],
    ['h3', 'db', {}],
  ];
  for (const [host, name, extra] of containers) {
    await pool.query(
      `INSERT INTO container_info (host_id, container_id, name, state, health, exit_code, finished_at, cpu_limit_cores, mem_limit_bytes)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [host, `id-${name}`, name, extra.state ?? 'running', extra.health ?? null, extra.exit_code ?? null,
        extra.finished_at ?? null, extra.cpu_limit_cores ?? null, extra.mem_limit_bytes ?? null],
    );
  }
  // Samples every 30 s over the last 10 minutes for every running container on h1 but the ghost,
  // whose samples stop 10 minutes ago.
  const perContainer: Record<string, { cpu: number; mem: number }> = {
    hot: { cpu: 97, mem: 1e6 }, calm: { cpu: 150, mem: 1e6 }, fat: { cpu: 1, mem: 95e6 }, slim: { cpu: 1, mem: 10e6 },
    oomy: { cpu: 1, mem: 1e6 }, loopy: { cpu: 1, mem: 1e6 }, sick: { cpu: 1, mem: 1e6 }, fine: { cpu: 1, mem: 1e6 },
  };
  const rows: [Date, string, string, number, number][] = [];
  for (let s = 590; s >= 0; s -= 30) {
    for (const [name, v] of Object.entries(perContainer)) rows.push([ago(s), 'h1', `id-${name}`, v.cpu, v.mem]);
    rows.push([ago(600 + s), 'h1', 'id-ghost', 2, 1e6]);
    // h3's samples 10 s off h1's, so the hosts' rows interleave in time
    for (const name of ['web', 'db']) rows.push([ago(s + 10), 'h3', `id-${name}`, 3, 50e6]);
  }
  await pool.query(
    `INSERT INTO container_stats (time, host_id, container_id, cpu_percent, mem_used_bytes)
     SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::float8[], $5::bigint[])`,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2]), rows.map((r) => r[3]), rows.map((r) => r[4])],
  );
  const events: [Date, string, string][] = [
    [ago(300), 'id-oomy', 'oom'],
    [ago(1800), 'id-calm', 'oom'], // outside the 10-minute window
    ...[60, 180, 300, 420].map((s): [Date, string, string] => [ago(s), 'id-loopy', 'die']),
    [ago(100), 'id-slim', 'die'],
    [ago(200), 'id-slim', 'restart'],
  ];
  let nano = 0;
  for (const [time, id, action] of events) {
    await pool.query(
      `INSERT INTO container_events (time, time_nano, host_id, container_id, action) VALUES ($1, $2, 'h1', $3, $4)`,
      [time, String(BigInt(time.getTime()) * 1_000_000n + BigInt(nano++)), id, action],
    );
  }
}

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { createPool, DEFAULT_SQL_DIR, migrate, MigrationError } from '@dockpulse/common';
import { createTestDatabase, TEST_ROLES, type TestDatabase } from '@dockpulse/common/testing';

const run = promisify(execFile);

async function tables(pool: Pool): Promise<string[]> {
  const r = await pool.query<{ relname: string }>(
    `SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p', 'v', 'm')
       AND NOT relispartition ORDER BY relname`,
  );
  return r.rows.map((x) => x.relname);
}

describe('migrations on plain PostgreSQL', () => {
  let db: TestDatabase;
  let pool: Pool;
  beforeEach(async () => {
    db = await createTestDatabase({ migrated: false });
    pool = createPool({ connectionString: db.url });
  });
  afterEach(async () => {
    await pool.end();
    await db.drop();
  });

  it('creates every table of the design on an empty database and records the flavour', async () => {
    const result = await migrate(pool, { storage: 'auto' });
    expect(result.flavour).toBe('postgres');
    expect(result.applied.length).toBeGreaterThanOrEqual(2);
    expect(await tables(pool)).toEqual(
      expect.arrayContaining([
        'collector_status', 'container_events', 'container_info', 'container_logs', 'container_stats',
        'container_stats_daily', 'container_stats_hourly', 'docker_images', 'dockpulse_meta', 'hosts',
        'image_versions', 'schema_migrations',
      ]),
    );
    const meta = await pool.query("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'");
    expect(meta.rows[0].value).toBe('postgres');
    // partitions from yesterday to 3 days ahead exist for the raw tables (container_stats is a view
    // of container_samples and container_keys in this flavour)
    const parts = await pool.query(
      "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'container_samples'::regclass",
    );
    expect(parts.rows[0].n).toBeGreaterThanOrEqual(5);
  });

  it('is idempotent: a second run applies nothing and changes nothing', async () => {
    await migrate(pool, { storage: 'postgres' });
    const before = await tables(pool);
    const second = await migrate(pool, { storage: 'postgres' });
    expect(second.applied).toEqual([]);
    expect(await tables(pool)).toEqual(before);
  });

  it('two processes migrating at once both succeed and apply each migration once', async () => {
    const built = path.resolve(__dirname, '..', 'dist', 'index.js');
    const child = `
      const { createPool, migrate } = require(${JSON.stringify(built)});
      const pool = createPool({ connectionString: process.argv[1] });
      migrate(pool, { storage: 'postgres' }).then((r) => { console.log(JSON.stringify(r)); return pool.end(); })
        .catch((e) => { console.error(e.message); process.exit(1); });`;
    const [a, b] = await Promise.all([
      run(process.execPath, ['-e', child, db.url]),
      run(process.execPath, ['-e', child, db.url]),
    ]);
    const applied = [JSON.parse(a.stdout).applied, JSON.parse(b.stdout).applied];
    // one of them applied everything, the other found nothing left to do
    expect(applied.map((x: string[]) => x.length).sort()).toEqual([0, readdirSync(DEFAULT_SQL_DIR).filter((f) => /^\d{4}_[a-z0-9_]+(\.postgres)?\.sql$/.test(f)).length]);
    const count = await pool.query('SELECT count(*)::int AS n, count(DISTINCT version)::int AS d FROM schema_migrations');
    expect(count.rows[0].n).toBe(count.rows[0].d);
  });

  it('refuses a database migrated by newer code, naming the unknown migration', async () => {
    await migrate(pool, { storage: 'postgres' });
    await pool.query("INSERT INTO schema_migrations (version, name, flavour, checksum) VALUES (9999, 'future', 'postgres', 'x')");
    await expect(migrate(pool, { storage: 'postgres' })).rejects.toThrow(/migration 9999 \(future\)/);
  });

  it('refuses an applied migration whose file changed', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-sql-'));
    for (const f of readdirSync(DEFAULT_SQL_DIR)) writeFileSync(path.join(dir, f), readFileSync(path.join(DEFAULT_SQL_DIR, f)));
    await migrate(pool, { storage: 'postgres', dir });
    writeFileSync(path.join(dir, '0001_core.sql'), readFileSync(path.join(dir, '0001_core.sql'), 'utf8') + '\n-- edited\n');
    await expect(migrate(pool, { storage: 'postgres', dir })).rejects.toThrow(/0001_core\.sql changed after it was applied/);
  });

  it('refuses tables that exist without a migration record (a half-restored database)', async () => {
    await pool.query('CREATE TABLE container_info (x int)');
    const error = await migrate(pool, { storage: 'postgres' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as Error).message).toMatch(/no schema_migrations record/);
  });

  it('rolls back a failing migration completely and names it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-sql-'));
    for (const f of readdirSync(DEFAULT_SQL_DIR)) writeFileSync(path.join(dir, f), readFileSync(path.join(DEFAULT_SQL_DIR, f)));
    writeFileSync(path.join(dir, '9000_broken.sql'), 'CREATE TABLE half_done (x int);\nSELECT no_such_function();\n');
    await expect(migrate(pool, { storage: 'postgres', dir })).rejects.toThrow(/9000_broken\.sql failed and was rolled back/);
    const half = await pool.query("SELECT to_regclass('half_done') AS t");
    expect(half.rows[0].t).toBeNull();
    const versions = await pool.query('SELECT max(version)::int AS v FROM schema_migrations');
    expect(versions.rows[0].v).toBeLessThan(9000);
  });

  it('refuses DOCKPULSE_STORAGE=timescaledb on a server without the extension', async () => {
    const available = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
    if (available.rowCount) {
      console.warn('skipped: this server has timescaledb; the refusal path needs a server without it');
      return;
    }
    await expect(migrate(pool, { storage: 'timescaledb' })).rejects.toThrow(/timescaledb extension is not installed/);
  });

  it('grants SELECT, and only SELECT, to the reader role when it exists', async () => {
    await migrate(pool, { storage: 'postgres', readerRole: TEST_ROLES.reader.name });
    const r = await pool.query(
      "SELECT has_table_privilege($1, 'container_stats', 'SELECT') AS s, has_table_privilege($1, 'container_stats', 'INSERT') AS i",
      [TEST_ROLES.reader.name],
    );
    expect(r.rows[0]).toEqual({ s: true, i: false });
  });

  it('runs as the stack\'s writer role, which owns the database and is no superuser', async () => {
    const who = await pool.query(
      `SELECT current_user AS role, r.rolsuper AS superuser, pg_get_userbyid(d.datdba) AS owner
         FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
    );
    expect(who.rows[0]).toEqual({ role: TEST_ROLES.writer.name, superuser: false, owner: TEST_ROLES.writer.name });
    await migrate(pool, { storage: 'auto' });
  });
});

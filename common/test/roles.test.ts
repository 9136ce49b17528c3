// The stack's roles as deploy/initdb/10-dockpulse-roles.sh makes them: the reader may read every
// table and change none; the writer migrates without being a superuser, also on a server that
// offers TimescaleDB (where reading shared_preload_libraries needs privileges the writer lacks).
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Pool } from 'pg';
import { createPool, migrate, MigrationError } from '@dockpulse/common';
import {
  POSTGRES_BIN_DIR,
  startThrowawayPostgres,
  throwawayPostgresUnavailable,
  type ThrowawayPostgres,
} from '@dockpulse/common/testing-postgres';
import {
  createTestDatabase,
  TEST_ROLES,
  testServers,
  TIMESCALEDB_SKIP_REASON,
  TIMESCALEDB_TEST_URL,
  withClient,
  type TestDatabase,
} from '@dockpulse/common/testing';

const run = promisify(execFile);

for (const server of testServers()) describe(`the reader role (${server.flavour})`, () => {
  let db: TestDatabase;
  let tables: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ flavour: server.flavour, serverUrl: server.serverUrl });
    tables = await withClient(db.url, async (c) =>
      (
        await c.query<{ name: string }>(
          `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace
             AND relkind IN ('r', 'p', 'v', 'm') AND NOT relispartition ORDER BY 1`,
        )
      ).rows.map((r) => r.name),
    );
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('may SELECT every table and view of the schema', async () => {
    expect(tables).toEqual(expect.arrayContaining(['container_info', 'container_stats', 'container_stats_hourly', 'hosts']));
    const answers = await withClient(db.readerUrl, async (c) => {
      const out: Record<string, boolean> = {};
      for (const t of tables) {
        await c.query(`SELECT * FROM ${t} LIMIT 1`);
        out[t] = true;
      }
      return out;
    });
    expect(answers).toEqual(Object.fromEntries(tables.map((t) => [t, true])));
  });

  it('is refused every write, naming the table', async () => {
    await withClient(db.readerUrl, async (c) => {
      const refusals = [
        "INSERT INTO hosts (host_id, name) VALUES ('h-reader', 'x')",
        "UPDATE container_info SET name = 'x'",
        // The table samples are stored in: container_samples in the plain flavour (0009), the hypertable on TimescaleDB.
        `DELETE FROM ${server.flavour === 'postgres' ? 'container_samples' : 'container_stats'}`,
        'TRUNCATE container_logs',
        'CREATE TABLE reader_was_here (x int)',
      ];
      for (const sql of refusals) {
        await expect(c.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    });
    await expect(withClient(db.readerUrl, (c) => c.query("INSERT INTO hosts (host_id, name) VALUES ('h', 'x')"))).rejects.toThrow(
      'permission denied for table hosts',
    );
  });

  it('sees tables created by later migrations (default privileges) and runs under a 30 s statement timeout', async () => {
    await withClient(db.url, (c) => c.query('CREATE TABLE later_migration_table (x int)'));
    const row = await withClient(db.readerUrl, async (c) => {
      await c.query('SELECT * FROM later_migration_table');
      return (await c.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]?.statement_timeout;
    });
    expect(row).toBe('30s');
  });
});

describe('the writer role', () => {
  if (TIMESCALEDB_TEST_URL) {
    const tsdb = TIMESCALEDB_TEST_URL;
    for (const [what, prepare] of [
      ['the extension enabled by the init script, as the official image does', async () => undefined],
      ['the extension not enabled yet (TimescaleDB is a trusted extension: the owner may)', async (db: TestDatabase) => {
        await withClient(db.adminUrl, (c) => c.query('DROP EXTENSION IF EXISTS timescaledb'));
      }],
    ] as const) {
      it(`migrates with auto to TimescaleDB where it is preloaded: ${what}`, async () => {
        const db = await createTestDatabase({ migrated: false, serverUrl: tsdb });
        const pool = createPool({ connectionString: db.url, max: 1 });
        try {
          await prepare(db);
          expect((await migrate(pool, { storage: 'auto', readerRole: TEST_ROLES.reader.name })).flavour).toBe('timescaledb');
          const hyper = await pool.query("SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_name = 'container_stats'");
          expect(hyper.rows[0].n).toBe(1);
        } finally {
          await pool.end();
          await db.drop();
        }
      });
    }
  } else {
    it.skip(`migrates with auto to TimescaleDB where it is preloaded: ${TIMESCALEDB_SKIP_REASON}`, () => undefined);
  }

  it('is no superuser, owns the database, and cannot read shared_preload_libraries', async () => {
    const db = await createTestDatabase({ migrated: false });
    try {
      await withClient(db.url, async (c) => {
        const who = await c.query(
          `SELECT r.rolsuper AS superuser, pg_get_userbyid(d.datdba) AS owner
             FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
        );
        expect(who.rows[0]).toEqual({ superuser: false, owner: TEST_ROLES.writer.name });
        // what the first migration runner asked, and why the stack's migrate always failed
        await expect(c.query("SELECT current_setting('shared_preload_libraries')")).rejects.toThrow(/pg_read_all_settings/);
      });
    } finally {
      await db.drop();
    }
  });
});

// A server whose extension folder offers "timescaledb" without preloading it: a private copy of
// the PostgreSQL binaries (Debian's build finds its share folder relative to the binary) with a
// stand-in control file. The migration runner must find out, as the writer, that it is not
// preloaded, and not try CREATE EXTENSION (which would end the session with FATAL).
const noServer = throwawayPostgresUnavailable();
(noServer ? describe.skip : describe)(
  `a server that offers timescaledb without the preload${noServer ? ` (skipped: ${noServer})` : ''}`,
  () => {
    let tree: string;
    beforeAll(async () => {
      tree = mkdtempSync(path.join(tmpdir(), 'dp-pgtree-'));
      chmodSync(tree, 0o755); // the server runs as postgres when the tests run as root
      const lib = path.join(tree, 'usr/lib/postgresql');
      const share = path.join(tree, 'usr/share/postgresql');
      await run('mkdir', ['-p', lib, share]);
      await run('cp', ['-a', path.resolve(POSTGRES_BIN_DIR, '..'), lib]);
      await run('cp', ['-a', path.resolve(POSTGRES_BIN_DIR, '../../../../share/postgresql/15'), share]);
      const ext = path.join(share, '15/extension');
      writeFileSync(path.join(ext, 'timescaledb.control'), "comment = 'stand-in for the test'\ndefault_version = '0.0.1'\nrelocatable = false\n");
      writeFileSync(path.join(ext, 'timescaledb--0.0.1.sql'), 'SELECT 1;\n');
    });
    afterAll(() => {
      if (tree) rmSync(tree, { recursive: true, force: true });
    });

    async function migrateAsWriter(server: ThrowawayPostgres, storage: 'auto' | 'timescaledb') {
      const db = await createTestDatabase({ migrated: false, serverUrl: server.url });
      const pool: Pool = createPool({ connectionString: db.url, max: 1 });
      const warnings: string[] = [];
      const logger = pino({ level: 'warn' }, { write: (l: string) => void warnings.push(JSON.parse(l).msg) });
      try {
        const offered = await pool.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
        expect(offered.rowCount).toBe(1);
        const result = await migrate(pool, { storage, logger });
        return { result, warnings };
      } finally {
        await pool.end();
        await db.drop();
      }
    }

    for (const [what, settings] of [
      ['nothing of timescaledb in its settings', {}],
      ['a timescaledb.* line in postgresql.conf (a placeholder)', { 'timescaledb.max_background_workers': '8' }],
    ] as const) {
      it(`auto, as the writer, with ${what}: picks plain PostgreSQL and says why`, async () => {
        const server = await startThrowawayPostgres({ binDir: path.join(tree, 'usr/lib/postgresql/15/bin'), settings });
        try {
          const { result, warnings } = await migrateAsWriter(server, 'auto');
          expect(result.flavour).toBe('postgres');
          expect(warnings).toEqual([expect.stringMatching(/installed but not in shared_preload_libraries/)]);
          await expect(migrateAsWriter(server, 'timescaledb')).rejects.toThrow(MigrationError);
        } finally {
          await server.destroy();
        }
      });
    }
  },
);

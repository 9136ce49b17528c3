import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import type { StorageFlavour, StorageRequest } from './config';
import type { Logger } from './logger';

/** The repository's sql/ folder, from both common/src and common/dist. */
export const DEFAULT_SQL_DIR = path.resolve(__dirname, '..', '..', 'sql');

// One fixed key for pg_advisory_lock: every collector starting at once waits here in turn.
const MIGRATION_LOCK_KEY = 0x646f636b; // "dock"

export class MigrationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MigrationError';
  }
}

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  sql: string;
  checksum: string;
  /**
   * Checksums an applied migration of this version may have: this file's and those of its other
   * TimescaleDB-version variants (a database migrated under an older TimescaleDB keeps its variant).
   */
  acceptedChecksums: string[];
}

/** A TimescaleDB version as [major, minor], from an extversion such as '2.28.3' or '2.18.0-dev'. */
export function timescaledbMinor(extversion: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(extversion);
  if (!m) throw new MigrationError(`cannot read the TimescaleDB version ${JSON.stringify(extversion)}`);
  return [Number(m[1]), Number(m[2])];
}

const atLeast = (v: [number, number], min: [number, number]) => v[0] > min[0] || (v[0] === min[0] && v[1] >= min[1]);

/**
 * Migration files are `NNNN_name.sql` (both flavours) or `NNNN_name.<flavour>.sql`. A TimescaleDB
 * file may also name the version it needs, `NNNN_name.timescaledb-<major>.<minor>.sql`: of the
 * variants of one version, the one with the highest such version the server has is applied (a file
 * without one needs none). 0002 has two: the compression API, and from 2.18 the columnstore API.
 * A version must exist for the flavour asked for, once per required version.
 * @param timescaledbVersion the installed extension's version (timescaledb flavour); without it the
 *   variant without a required version is taken.
 */
export function loadMigrations(dir: string, flavour: StorageFlavour, timescaledbVersion?: string): MigrationFile[] {
  const installed = timescaledbVersion === undefined ? undefined : timescaledbMinor(timescaledbVersion);
  const candidates = new Map<number, { file: MigrationFile; needs: [number, number] }[]>();
  for (const file of readdirSync(dir).sort()) {
    const match = /^(\d{4})_([a-z0-9_]+?)(?:\.(postgres|timescaledb)(?:-(\d+)\.(\d+))?)?\.sql$/.exec(file);
    if (!match) continue;
    const [, versionText, name, fileFlavour, major, minor] = match;
    if (fileFlavour && fileFlavour !== flavour) continue;
    if (major !== undefined && fileFlavour !== 'timescaledb') continue;
    const version = Number(versionText);
    const needs: [number, number] = major === undefined ? [0, 0] : [Number(major), Number(minor)];
    const list = candidates.get(version) ?? [];
    const twin = list.find((c) => c.needs[0] === needs[0] && c.needs[1] === needs[1]);
    if (twin) throw new MigrationError(`two migrations with version ${version} for ${flavour}: ${twin.file.file} and ${file}`);
    const sql = readFileSync(path.join(dir, file), 'utf8');
    const checksum = createHash('sha256').update(sql).digest('hex');
    list.push({ file: { version, name: name as string, file, sql, checksum, acceptedChecksums: [] }, needs });
    candidates.set(version, list);
  }
  const chosen: MigrationFile[] = [];
  for (const [version, list] of candidates) {
    const usable = list.filter((c) => (installed ? atLeast(installed, c.needs) : c.needs[0] === 0 && c.needs[1] === 0));
    usable.sort((x, y) => (atLeast(x.needs, y.needs) ? -1 : 1));
    const pick = usable[0];
    if (!pick) {
      const needs = list.map((c) => `${c.file.file} needs TimescaleDB ${c.needs.join('.')}`).join(', ');
      throw new MigrationError(`no migration ${version} for TimescaleDB ${timescaledbVersion ?? '(version unknown)'}: ${needs}`);
    }
    chosen.push({ ...pick.file, acceptedChecksums: list.map((c) => c.file.checksum) });
  }
  return chosen.sort((a, b) => a.version - b.version);
}

export interface MigrateOptions {
  storage: StorageRequest;
  dir?: string;
  /** Role granted SELECT on every table when it exists (the API's and Grafana's). */
  readerRole?: string;
  logger?: Logger;
}

export interface MigrateResult {
  flavour: StorageFlavour;
  applied: string[];
  current: number;
}

/**
 * Brings the schema up to date under an advisory lock, one transaction per migration, so several
 * collectors may start at once and a failed migration leaves nothing half done.
 */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrateResult> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await migrateLocked(client, options);
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}

async function migrateLocked(client: PoolClient, options: MigrateOptions): Promise<MigrateResult> {
  const log = options.logger;
  await client.query(`
    CREATE TABLE IF NOT EXISTS dockpulse_meta (key text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, flavour text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now());
  `);
  const flavour = await chooseFlavour(client, options.storage, log);
  const timescaledbVersion =
    flavour === 'timescaledb'
      ? (await client.query<{ extversion: string }>("SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")).rows[0]?.extversion
      : undefined;
  const files = loadMigrations(options.dir ?? DEFAULT_SQL_DIR, flavour, timescaledbVersion);
  const applied = (
    await client.query<{ version: number; name: string; checksum: string; flavour: string }>(
      'SELECT version, name, checksum, flavour FROM schema_migrations ORDER BY version',
    )
  ).rows;

  await checkConsistency(client, files, applied);

  const done: string[] = [];
  const appliedVersions = new Set(applied.map((a) => a.version));
  for (const migration of files) {
    if (appliedVersions.has(migration.version)) continue;
    log?.info({ migration: migration.file }, 'applying migration');
    try {
      await client.query('BEGIN');
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_migrations (version, name, flavour, checksum) VALUES ($1, $2, $3, $4)',
        [migration.version, migration.name, flavour, migration.checksum],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw new MigrationError(`migration ${migration.file} failed and was rolled back: ${(error as Error).message}`);
    }
    done.push(migration.file);
  }

  await client.query(
    `INSERT INTO dockpulse_meta (key, value) VALUES ('storage_flavour', $1), ('schema_version', $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [flavour, String(files.at(-1)?.version ?? 0)],
  );
  if (options.readerRole) await grantReader(client, options.readerRole);
  return { flavour, applied: done, current: files.at(-1)?.version ?? 0 };
}

async function chooseFlavour(client: PoolClient, requested: StorageRequest, log?: Logger): Promise<StorageFlavour> {
  const stored = (
    await client.query<{ value: string }>("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'")
  ).rows[0]?.value as StorageFlavour | undefined;
  if (stored) {
    if (requested !== 'auto' && requested !== stored) {
      throw new MigrationError(
        `DOCKPULSE_STORAGE=${requested}, but this database was created with the ${stored} flavour; ` +
          `set DOCKPULSE_STORAGE=${stored} or auto (changing flavour needs a new database)`,
      );
    }
    if (stored === 'timescaledb') await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return stored;
  }
  if (requested === 'postgres') return 'postgres';
  // Enabled already (the official TimescaleDB image does it at init, as does
  // deploy/initdb/10-dockpulse-roles.sh): nothing to decide, and no privilege needed.
  const enabled = (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'")).rowCount === 1;
  if (enabled) return 'timescaledb';
  const available =
    (await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).rowCount === 1;
  if (!available) {
    if (requested === 'timescaledb') {
      throw new MigrationError('DOCKPULSE_STORAGE=timescaledb, but the timescaledb extension is not installed on this server');
    }
    log?.info('timescaledb extension not available: using the plain PostgreSQL flavour');
    return 'postgres';
  }
  // Without the preload, CREATE EXTENSION fails with a FATAL error that closes the connection, so ask first.
  if (!(await timescaledbPreloaded(client))) {
    const why = "the timescaledb extension is installed but not in shared_preload_libraries (add shared_preload_libraries = 'timescaledb' to postgresql.conf and restart)";
    if (requested === 'timescaledb') throw new MigrationError(`DOCKPULSE_STORAGE=timescaledb, but ${why}`);
    log?.warn(`${why}: using the plain PostgreSQL flavour`);
    return 'postgres';
  }
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return 'timescaledb';
  } catch (error) {
    const e = error as { code?: string; message: string };
    if (e.code === '42501') {
      // The writer is no superuser. Falling back would fix the plain flavour for good on a server
      // meant for TimescaleDB, so say what to do instead.
      throw new MigrationError(
        `the server has TimescaleDB, but this role may not enable it (${e.message}): have a superuser run ` +
          '"CREATE EXTENSION timescaledb" in this database (deploy/initdb/10-dockpulse-roles.sh does), ' +
          'or set DOCKPULSE_STORAGE=postgres for the plain PostgreSQL flavour',
      );
    }
    if (requested === 'timescaledb') {
      throw new MigrationError(`DOCKPULSE_STORAGE=timescaledb, but CREATE EXTENSION timescaledb failed: ${e.message}`);
    }
    log?.warn({ err: error }, 'timescaledb is installed but cannot be enabled: using the plain PostgreSQL flavour');
    return 'postgres';
  }
}

/**
 * Whether the server preloads timescaledb. shared_preload_libraries itself is readable only by
 * superusers and members of pg_read_all_settings, and the writer role is neither; but the
 * preloaded loader defines its own settings, which pg_settings shows to every role. (A
 * `timescaledb.*` line in postgresql.conf without the preload is only a placeholder, which
 * current_setting() returns but pg_settings hides, so it does not count.)
 */
async function timescaledbPreloaded(client: PoolClient): Promise<boolean> {
  const loader = await client.query("SELECT 1 FROM pg_settings WHERE name = 'timescaledb.max_background_workers'");
  return loader.rowCount === 1;
}

async function checkConsistency(
  client: PoolClient,
  files: MigrationFile[],
  applied: { version: number; name: string; checksum: string }[],
): Promise<void> {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    if (!file) {
      throw new MigrationError(
        `the database has migration ${row.version} (${row.name}) that this code does not know: ` +
          'it was migrated by a newer Dockpulse; run that version or restore a backup',
      );
    }
    if (!file.acceptedChecksums.includes(row.checksum)) {
      throw new MigrationError(
        `migration ${file.file} changed after it was applied (checksum differs); ` +
          'migrations are append-only: add a new migration instead of editing an applied one',
      );
    }
  }
  const last = applied.at(-1)?.version ?? 0;
  const gap = files.find((f) => f.version < last && !applied.some((a) => a.version === f.version));
  if (gap) {
    throw new MigrationError(`migration ${gap.file} was never applied but later ones were: the database is in an unknown state`);
  }
  if (applied.length === 0) {
    const leftovers = await client.query(
      "SELECT 1 FROM pg_class WHERE relname IN ('container_stats', 'container_info') AND relnamespace = 'public'::regnamespace",
    );
    if (leftovers.rowCount) {
      throw new MigrationError(
        'the database has Dockpulse tables but no schema_migrations record: it was created by hand or half restored; ' +
          'use an empty database or restore schema_migrations with the tables',
      );
    }
  }
}

async function grantReader(client: PoolClient, role: string): Promise<void> {
  const exists = (await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 1;
  if (!exists) return;
  const quoted = (await client.query<{ q: string }>('SELECT quote_ident($1) AS q', [role])).rows[0]?.q as string;
  await client.query(`GRANT USAGE ON SCHEMA public TO ${quoted}`);
  await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${quoted}`);
  await client.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${quoted}`);
}

/** The flavour recorded by the migrations; undefined before the first migration. */
export async function readFlavour(pool: Pool): Promise<StorageFlavour | undefined> {
  const result = await pool
    .query<{ value: string }>("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'")
    .catch(() => undefined);
  return result?.rows[0]?.value as StorageFlavour | undefined;
}

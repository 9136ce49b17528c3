// Test support: every test file gets its own database, cloned from a migrated template, on the
// PostgreSQL server named by DATABASE_URL (scripts/start-services.sh starts one). The TimescaleDB
// flavour is tested on the server named by TIMESCALEDB_TEST_URL when it is set (see
// docs/timescaledb-local.md for a local one).
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createPool } from './db';
import { DEFAULT_SQL_DIR, loadMigrations, migrate } from './migrations';
import type { StorageFlavour } from './config';

export const TEST_DATABASE_URL =
  process.env.DATABASE_URL ?? 'postgres://dockpulse:dockpulse@127.0.0.1:5432/dockpulse';

/** A server with the timescaledb extension, when the environment names one. */
export const TIMESCALEDB_TEST_URL: string | undefined = process.env.TIMESCALEDB_TEST_URL?.trim() || undefined;

/** Shown as the name of the skipped test wherever the TimescaleDB flavour cannot be tested. */
export const TIMESCALEDB_SKIP_REASON =
  'skipped: TIMESCALEDB_TEST_URL is not set (TimescaleDB is not installed on this machine)';

export interface TestServer {
  flavour: StorageFlavour;
  serverUrl: string;
}

/** The servers a flavour-independent test runs on: plain PostgreSQL always, TimescaleDB when available. */
export function testServers(): TestServer[] {
  const servers: TestServer[] = [{ flavour: 'postgres', serverUrl: TEST_DATABASE_URL }];
  if (TIMESCALEDB_TEST_URL) servers.push({ flavour: 'timescaledb', serverUrl: TIMESCALEDB_TEST_URL });
  return servers;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * The roles of the stack, made by its own init script (deploy/initdb/10-dockpulse-roles.sh), with
 * the passwords the tests give them. The writer owns each test database but is no superuser; the
 * reader may only SELECT. The server's superuser (DATABASE_URL) only creates and drops databases.
 */
export const TEST_ROLES = {
  writer: { name: 'dockpulse_writer', password: 'writer-test-password' },
  reader: { name: 'dockpulse_reader', password: 'reader-test-password' },
} as const;

export const ROLES_INIT_SCRIPT = path.resolve(__dirname, '..', '..', 'deploy', 'initdb', '10-dockpulse-roles.sh');

const run = promisify(execFile);

export function withRole(url: string, role: { name: string; password: string }): string {
  const u = new URL(url);
  u.username = encodeURIComponent(role.name);
  u.password = encodeURIComponent(role.password);
  return u.toString();
}

// Serializes the script's runs on one server: test files run in parallel workers, and two
// concurrent ALTER ROLE of the same (cluster-wide) role fail with "tuple concurrently updated".
const ROLES_LOCK_KEY = 7355609;

/** Runs the init script, as the server's superuser, for one database: what the image does on first start. */
export async function applyStackRoles(serverUrl: string, database: string): Promise<void> {
  await withClient(serverUrl, async (lock) => {
    await lock.query('SELECT pg_advisory_lock($1)', [ROLES_LOCK_KEY]);
    try {
      await runRolesScript(serverUrl, database);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [ROLES_LOCK_KEY]);
    }
  });
}

async function runRolesScript(serverUrl: string, database: string): Promise<void> {
  const u = new URL(serverUrl);
  await run('bash', [ROLES_INIT_SCRIPT], {
    env: {
      ...process.env,
      PGHOST: u.hostname,
      PGPORT: u.port || '5432',
      PGPASSWORD: decodeURIComponent(u.password),
      PGCONNECT_TIMEOUT: '10',
      POSTGRES_USER: decodeURIComponent(u.username),
      POSTGRES_DB: database,
      DOCKPULSE_WRITER_PASSWORD: TEST_ROLES.writer.password,
      DOCKPULSE_READER_PASSWORD: TEST_ROLES.reader.password,
    },
  });
}

/** One connection for the length of fn, as whoever the URL names. */
export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function admin<T>(fn: (client: Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  return withClient(url, fn);
}

function templateName(flavour: StorageFlavour): string {
  const files = loadMigrations(DEFAULT_SQL_DIR, flavour);
  // The roles' script shapes the template too (owners, grants).
  const digest = createHash('sha256')
    .update(files.map((f) => f.acceptedChecksums.join('')).join(''))
    .update(readFileSync(ROLES_INIT_SCRIPT))
    .digest('hex')
    .slice(0, 24);
  return `dockpulse_tpl_${flavour}_${digest}`;
}

/** A migrated template database for the current migrations, made once per server and reused. */
async function ensureTemplate(flavour: StorageFlavour, serverUrl: string): Promise<string> {
  const name = templateName(flavour);
  await admin(async (client) => {
    await client.query('SELECT pg_advisory_lock(7355608)');
    try {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount) return;
      const building = `${name}_build`;
      await client.query(`DROP DATABASE IF EXISTS ${building}`);
      await client.query(`CREATE DATABASE ${building}`);
      await applyStackRoles(serverUrl, building);
      // Migrated as the stack migrates: by the writer role, which is no superuser.
      const pool = createPool({ connectionString: withRole(withDatabase(serverUrl, building), TEST_ROLES.writer), max: 1 });
      try {
        await migrate(pool, { storage: flavour, readerRole: TEST_ROLES.reader.name });
      } finally {
        await pool.end();
      }
      if (flavour === 'timescaledb') {
        // TimescaleDB runs a job scheduler in every database with the extension; a database in use
        // can be neither renamed nor copied, so the template refuses connections (the launcher then
        // starts no scheduler there) and the one already running is stopped.
        await client.query(`ALTER DATABASE ${building} WITH ALLOW_CONNECTIONS false`);
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [building]);
      }
      await renameWhenIdle(client, building, name);
    } finally {
      await client.query('SELECT pg_advisory_unlock(7355608)');
    }
  }, serverUrl);
  return name;
}

async function renameWhenIdle(client: Client, from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`ALTER DATABASE ${from} RENAME TO ${to}`);
      return;
    } catch (error) {
      // 55006: still being accessed (a terminated worker has not exited yet)
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

export interface TestDatabase {
  /** As the writer role, which owns the database: what the collector and the migrations use. */
  url: string;
  /** As the read-only role: what the API and Grafana's PostgreSQL datasource use. */
  readerUrl: string;
  /** As the server's superuser, for what only a test does (terminating sessions, say). */
  adminUrl: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file, with the stack's roles. `migrated: false` gives an empty one
 * (for migration tests), owned by the writer as on a fresh stack.
 */
export async function createTestDatabase(
  options: { migrated?: boolean; flavour?: StorageFlavour; serverUrl?: string } = {},
): Promise<TestDatabase> {
  const serverUrl = options.serverUrl ?? TEST_DATABASE_URL;
  const flavour = options.flavour ?? 'postgres';
  const name = `dockpulse_t_${randomBytes(5).toString('hex')}`;
  if (options.migrated === false) {
    await admin((c) => c.query(`CREATE DATABASE ${name}`), serverUrl);
  } else {
    const template = await ensureTemplate(flavour, serverUrl);
    await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`), serverUrl);
  }
  // A copy does not keep the template's owner and database grants: the script sets them again.
  await applyStackRoles(serverUrl, name);
  const adminUrl = withDatabase(serverUrl, name);
  return {
    name,
    url: withRole(adminUrl, TEST_ROLES.writer),
    readerUrl: withRole(adminUrl, TEST_ROLES.reader),
    adminUrl,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), serverUrl).then(() => undefined),
  };
}

/**
 * A temporary copy of the migration files that `keep` accepts: the schema as an older Dockpulse
 * had it, for tests and benches of an upgrade (`migrate(pool, { dir })`, then `migrate(pool)`).
 */
export function olderMigrations(keep: (file: string) => boolean): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-sql-older-'));
  for (const f of readdirSync(DEFAULT_SQL_DIR)) if (keep(f)) copyFileSync(path.join(DEFAULT_SQL_DIR, f), path.join(dir, f));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** olderMigrations() of the versions before `version`. */
export const migrationsBefore = (version: number) => olderMigrations((f) => Number(f.slice(0, 4)) < version);

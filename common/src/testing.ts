// Test support: every test file gets its own database, cloned from a migrated template, on the
// PostgreSQL server named by DATABASE_URL (scripts/start-services.sh starts one). The TimescaleDB
// flavour is tested on the server named by TIMESCALEDB_TEST_URL when it is set (see
// docs/timescaledb-local.md for a local one).
import { randomBytes } from 'node:crypto';
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

async function admin<T>(fn: (client: Client) => Promise<T>, url = TEST_DATABASE_URL): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function templateName(flavour: StorageFlavour): string {
  const files = loadMigrations(DEFAULT_SQL_DIR, flavour);
  const digest = files.map((f) => f.checksum.slice(0, 6)).join('').slice(-24);
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
      const pool = createPool({ connectionString: withDatabase(serverUrl, building), max: 1 });
      try {
        await migrate(pool, { storage: flavour });
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
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file. `migrated: false` gives an empty one (for migration tests).
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
  return {
    name,
    url: withDatabase(serverUrl, name),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`), serverUrl).then(() => undefined),
  };
}

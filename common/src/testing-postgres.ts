// Test support: a throwaway PostgreSQL server of its own, for tests that stop and start the
// database (outages, "database down" answers). It never touches the shared server of DATABASE_URL.
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const POSTGRES_BIN_DIR = process.env.POSTGRES_BIN_DIR ?? '/usr/lib/postgresql/15/bin';

export interface ThrowawayPostgresOptions {
  /** Superuser created by initdb. */
  user?: string;
  password?: string;
  /** Database created after the first start (besides `postgres`). */
  database?: string;
  binDir?: string;
  /** Extra `postgresql.conf` lines, e.g. `{ fsync: 'off' }`. */
  settings?: Record<string, string>;
}

export interface ThrowawayPostgres {
  /** postgres:// URL of `database` on 127.0.0.1:<port>, valid across stop()/start(). */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** Starts the server again on the same port and data after stop(). */
  start(): Promise<void>;
  /** Fast shutdown: open connections are cut, as in a real outage. */
  stop(): Promise<void>;
  /** Stops the server if running and removes its files. */
  destroy(): Promise<void>;
}

/** A port the OS says is free right now (bind to port 0, read it, release it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('the OS gave no free port'))));
    });
  });
}

/**
 * Why the binaries cannot run here, or undefined when they can. Tests call it first and say
 * "skipped: <reason>" instead of failing on a machine without PostgreSQL installed.
 */
export function throwawayPostgresUnavailable(binDir = POSTGRES_BIN_DIR): string | undefined {
  for (const bin of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(path.join(binDir, bin))) return `${path.join(binDir, bin)} is missing (set POSTGRES_BIN_DIR)`;
  }
  return undefined;
}

/**
 * initdb + pg_ctl start in a temporary directory. PostgreSQL refuses to run as root, so when the
 * tests run as root the server runs as the `postgres` user (runuser) and owns the directory.
 */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const binDir = options.binDir ?? POSTGRES_BIN_DIR;
  const unavailable = throwawayPostgresUnavailable(binDir);
  if (unavailable) throw new Error(`cannot start a throwaway PostgreSQL: ${unavailable}`);
  const user = options.user ?? 'dockpulse';
  const password = options.password ?? 'dockpulse';
  const database = options.database ?? 'dockpulse';
  const asRoot = userInfo().uid === 0;

  const baseDir = mkdtempSync(path.join(tmpdir(), 'dp-pg-'));
  const dataDir = path.join(baseDir, 'data');
  const passwordFile = path.join(baseDir, 'pwfile');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(baseDir, uid, gid);
    chownSync(passwordFile, uid, gid);
  }
  chmodSync(baseDir, 0o700);

  const exec = async (bin: string, args: string[]): Promise<void> => {
    const [file, argv] = asRoot
      ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, bin), ...args]]
      : [path.join(binDir, bin), args];
    try {
      await run(file, argv, { cwd: baseDir, timeout: 60_000 });
    } catch (error) {
      const e = error as Error & { stderr?: string; stdout?: string };
      throw new Error(`${bin} ${args.join(' ')} failed: ${e.stderr || e.stdout || e.message}`, { cause: error });
    }
  };

  await exec('initdb', ['-D', dataDir, '-U', user, `--pwfile=${passwordFile}`, '-A', 'scram-sha-256',
    '-E', 'UTF8', '--locale=C', '--no-sync']);
  const port = await freePort();
  const conf = {
    listen_addresses: "'127.0.0.1'",
    port: String(port),
    // The socket directory is the temp dir, so two servers never fight over /var/run/postgresql.
    unix_socket_directories: `'${baseDir}'`,
    max_connections: '50',
    shared_buffers: '32MB',
    ...options.settings,
  };
  writeFileSync(
    path.join(dataDir, 'postgresql.auto.conf'),
    Object.entries(conf).map(([k, v]) => `${k} = ${v}`).join('\n') + '\n',
  );
  if (asRoot) {
    const { uid, gid } = await postgresIds();
    chownSync(path.join(dataDir, 'postgresql.auto.conf'), uid, gid);
  }

  let running = false;
  const logFile = path.join(baseDir, 'server.log');
  const start = async (): Promise<void> => {
    if (running) return;
    await exec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
    running = false;
  };

  await start();
  const adminUrl = `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  if (database !== 'postgres') {
    const { Client } = await import('pg');
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    } finally {
      await client.end();
    }
  }

  return {
    url: adminUrl.replace(/\/postgres$/, `/${encodeURIComponent(database)}`),
    port,
    dataDir,
    start,
    stop,
    destroy: async () => {
      await stop().catch(() => undefined);
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

// A throwaway PostgreSQL 15 primary and a streaming standby made from it by pg_basebackup -R, each
// on its own port with its own data directory under /tmp. Nothing here touches the shared servers.
// initdb refuses to run as root, so as root every server command runs as the postgres user.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile, appendFile, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { withClient } from '@dockpulse/common/testing';

const run = promisify(execFile);

export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const TOOLS = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'];

/** Why the cluster cannot be made here, or undefined when it can. */
export function replicaClusterUnavailable(): string | undefined {
  const missing = TOOLS.filter((t) => !existsSync(path.join(PG_BIN, t)));
  if (missing.length) return `skipped: no ${missing.join(', ')} in ${PG_BIN} (PostgreSQL 15 server binaries; PG_BIN names another place)`;
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) {
    return 'skipped: running as root without runuser, and initdb refuses root';
  }
  return undefined;
}

/** A port nothing listens on right now (asked of the kernel, then let go). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

interface Identity { uid: number; gid: number }

async function postgresIdentity(): Promise<Identity | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export interface ReplicaCluster {
  /** Superuser URLs (postgres / the generated password) of the two servers. */
  primaryUrl: string;
  standbyUrl: string;
  /** Stops the standby (fast: its sessions are cut, as in a crash seen from the API). */
  stopStandby(): Promise<void>;
  startStandby(): Promise<void>;
  stopPrimary(): Promise<void>;
  /** Waits until the standby has replayed (or, with received, only received) everything the primary wrote so far. */
  waitForStandby(options?: { received?: boolean; timeoutMs?: number }): Promise<void>;
  /** Stops both servers and removes their directories. */
  destroy(): Promise<void>;
}

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const owner = await postgresIdentity();
  const dir = await mkdtemp(path.join('/tmp', `dockpulse-replica-${randomBytes(3).toString('hex')}-`));
  const primaryDir = path.join(dir, 'primary');
  const standbyDir = path.join(dir, 'standby');
  const password = randomBytes(12).toString('hex');
  const replicatorPassword = randomBytes(12).toString('hex');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const started: string[] = [];

  const asPostgres = (tool: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const bin = path.join(PG_BIN, tool);
    const [file, argv] = owner ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
    return run(file, argv, { env: { ...process.env, ...env }, cwd: dir });
  };
  const own = async (file: string) => {
    if (owner) await chown(file, owner.uid, owner.gid);
  };
  // Socket in our own directory: the shared server's socket directory stays untouched.
  const serverOptions = (port: number) => `-c port=${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir}`;
  const pgCtl = (dataDir: string, action: 'start' | 'stop', port: number) =>
    asPostgres('pg_ctl', action === 'start'
      ? ['-D', dataDir, '-l', `${dataDir}.log`, '-w', '-t', '60', '-o', serverOptions(port), 'start']
      : ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);

  const destroy = async () => {
    for (const dataDir of started.reverse()) {
      await pgCtl(dataDir, 'stop', 0).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await own(dir);
    const pwfile = path.join(dir, 'pwfile');
    await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    await own(pwfile);
    await asPostgres('initdb', ['-D', primaryDir, '-U', 'postgres', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--auth-local=trust', '--auth-host=scram-sha-256']);
    // What a primary needs for a streaming standby; the standby's copy of this file keeps it (hot
    // standby is the default). max_standby_streaming_delay=0 cancels conflicting standby queries at
    // once instead of holding replay back 30 s: the conflict test needs that.
    await appendFile(
      path.join(primaryDir, 'postgresql.conf'),
      ['', 'wal_level = replica', 'max_wal_senders = 5', 'hot_standby = on', 'max_standby_streaming_delay = 0',
        // No autovacuum: its transactions could keep the conflict test's VACUUM from removing rows.
        'shared_buffers = 16MB', 'max_connections = 60', 'fsync = off', 'autovacuum = off', ''].join('\n'),
    );
    await writeFile(
      path.join(primaryDir, 'pg_hba.conf'),
      [
        'local all all trust',
        // The replication entry: the standby's walreceiver (and pg_basebackup) log in as replicator.
        'host replication replicator 127.0.0.1/32 scram-sha-256',
        'host all all 127.0.0.1/32 scram-sha-256',
        '',
      ].join('\n'),
    );
    await own(path.join(primaryDir, 'pg_hba.conf'));
    await pgCtl(primaryDir, 'start', primaryPort);
    started.push(primaryDir);

    const primaryUrl = `postgres://postgres:${password}@127.0.0.1:${primaryPort}/postgres`;
    await withClient(primaryUrl, (c) => c.query(`CREATE ROLE replicator REPLICATION LOGIN PASSWORD '${replicatorPassword}'`));
    // -R writes standby.signal and primary_conninfo (with this password) into the copy.
    await asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'replicator', '-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast'], {
      PGPASSWORD: replicatorPassword,
    });
    const standbyUrl = `postgres://postgres:${password}@127.0.0.1:${standbyPort}/postgres`;
    const startStandby = async () => {
      await pgCtl(standbyDir, 'start', standbyPort);
      if (!started.includes(standbyDir)) started.push(standbyDir);
    };
    await startStandby();

    return {
      primaryUrl,
      standbyUrl,
      startStandby,
      stopStandby: async () => {
        await pgCtl(standbyDir, 'stop', standbyPort);
      },
      stopPrimary: async () => {
        await pgCtl(primaryDir, 'stop', primaryPort);
      },
      async waitForStandby({ received = false, timeoutMs = 60_000 } = {}) {
        const { rows } = await withClient(primaryUrl, (c) => c.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn'));
        const target = rows[0]?.lsn ?? '0/0';
        const column = received ? 'pg_last_wal_receive_lsn()' : 'pg_last_wal_replay_lsn()';
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const { rows: done } = await withClient(standbyUrl, (c) => c.query<{ ok: boolean }>(`SELECT ${column} >= $1::pg_lsn AS ok`, [target]));
          if (done[0]?.ok) return;
          if (Date.now() > deadline) {
            const log = await readFile(`${standbyDir}.log`, 'utf8').catch(() => '');
            throw new Error(`standby did not reach ${target} (${column}) within ${timeoutMs} ms; its log ends:\n${log.slice(-2000)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}

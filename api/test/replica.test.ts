// DATABASE_READ_URL against a real streaming standby: a throwaway primary on this machine, a
// standby made from it by pg_basebackup -R, the API on the primary (DATABASE_URL) with its reads
// on the standby, both as the stack's reader role. The shared servers are never touched.
//
// A row the standby has not replayed yet is not in the API's answers: reads see the replica's
// past, by its replay lag. That is the documented contract (README, "Sizing"), and the test shows
// it by pausing replay.
import { createLogger, createPool } from '@dockpulse/common';
import { createTestDatabase, TEST_DATABASE_URL, withClient, withDatabase, withRole, TEST_ROLES, type TestDatabase } from '@dockpulse/common/testing';
import { loadConfig } from '@dockpulse/api/config';
import { replicaFallbackReason, type ReplicaFallbackReason } from '@dockpulse/api/db/replica-errors';
import { READ_POOL_APPLICATION_NAME, ReadPool, REPLICA_RETRY_AFTER_MS } from '@dockpulse/api/db/read-pool';
import { startHarness, type Harness } from './helpers/harness';
import { freePort, replicaClusterUnavailable, startReplicaCluster, type ReplicaCluster } from './helpers/replica-cluster';
import { container, host, samples, seed } from './helpers/seed';

describe('DATABASE_READ_URL', () => {
  const base = { DATABASE_URL: 'postgres://u:p@10.0.0.1/db' };
  it('is unset by default (and when empty): the primary answers every read', () => {
    expect(loadConfig(base).databaseReadUrl).toBeUndefined();
    expect(loadConfig({ ...base, DATABASE_READ_URL: '' }).databaseReadUrl).toBeUndefined();
  });
  it('takes a postgres URL', () => {
    expect(loadConfig({ ...base, DATABASE_READ_URL: 'postgres://dockpulse_reader@10.0.0.2:5432/dockpulse' }).databaseReadUrl).toBe('postgres://dockpulse_reader@10.0.0.2:5432/dockpulse');
  });
  it('stops on anything else with a message naming it', () => {
    expect(() => loadConfig({ ...base, DATABASE_READ_URL: 'mysql://10.0.0.2/db' })).toThrow(/DATABASE_READ_URL: must be a postgres:\/\/ URL/);
  });
});

describe('which replica failures the primary answers instead', () => {
  it.each<[string, object, string | undefined]>([
    ['a refused connection', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5434' }, 'unreachable'],
    ['a session ended by a fast shutdown', { code: '57P01', message: 'terminating connection due to administrator command' }, 'unreachable'],
    ['a standby not yet consistent', { code: '57P03', message: 'the database system is starting up' }, 'starting_up'],
    ['a snapshot conflict', { code: '40001', message: 'canceling statement due to conflict with recovery' }, 'recovery_conflict'],
    ['a buffer-pin deadlock with recovery', { code: '40P01', message: 'canceling statement due to conflict with recovery' }, 'recovery_conflict'],
    ['a statement timeout', { code: '57014', message: 'canceling statement due to statement timeout' }, 'timeout'],
    ['a column the standby has not replayed', { code: '42703', message: 'column "x" does not exist' }, 'schema_behind'],
    ['a syntax error (the primary would fail the same way)', { code: '42601', message: 'syntax error at or near "SELEC"' }, undefined],
    ['a division by zero', { code: '22012', message: 'division by zero' }, undefined],
  ])('%s', (_label, error, reason) => {
    expect(replicaFallbackReason(Object.assign(new Error((error as { message: string }).message), error))).toBe(reason);
  });
});

describe('a replica that refuses connections (a port nothing listens on)', () => {
  it('is asked, then skipped for REPLICA_RETRY_AFTER_MS on the injected clock, then asked again; the primary answers each read', async () => {
    const primary = createPool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const replica = createPool({ connectionString: `postgres://nobody:none@127.0.0.1:${await freePort()}/none`, max: 1 });
    let replicaAsked = 0;
    const ask = replica.query.bind(replica) as (text: string) => Promise<unknown>;
    (replica as unknown as { query: (text: string) => Promise<unknown> }).query = (text) => {
      replicaAsked++;
      return ask(text);
    };
    let nowMs = 1_000_000;
    const reads = new ReadPool(primary, replica, createLogger('replica-test', 'silent'), () => nowMs);
    const seen: ReplicaFallbackReason[] = [];
    reads.observe = (reason) => seen.push(reason);
    const answer = async () => (await reads.query<{ n: number }>('SELECT 42 AS n')).rows[0]?.n;
    try {
      expect(await answer()).toBe(42);
      nowMs += REPLICA_RETRY_AFTER_MS - 1;
      expect(await answer()).toBe(42);
      nowMs += 1;
      expect(await answer()).toBe(42);
      expect(seen).toEqual(['unreachable', 'marked_down', 'unreachable']);
      expect(replicaAsked).toBe(2);
      expect(await reads.replicaState()).toEqual({ ok: false, error: 'replica not reachable: reads go to the primary' });
    } finally {
      await reads.end();
      await primary.end();
    }
  });

  it('without a replica sends every read to the primary and reports no replica state', async () => {
    const primary = createPool({ connectionString: TEST_DATABASE_URL, max: 1 });
    const reads = new ReadPool(primary, undefined, createLogger('replica-test', 'silent'));
    const seen: ReplicaFallbackReason[] = [];
    reads.observe = (reason) => seen.push(reason);
    try {
      expect((await reads.query<{ n: number }>('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
      expect(await reads.replicaState()).toBeUndefined();
      expect(seen).toEqual([]);
    } finally {
      await primary.end();
    }
  });
});

const unavailable = replicaClusterUnavailable();
const describeCluster = unavailable ? describe.skip : describe;
if (unavailable) {
  describe('reads from a streaming standby', () => {
    it.skip(unavailable, () => undefined);
  });
}

const NOW_MS = Date.now();
const FIRST = container('r1', 'web');
const LATE = container('r1', 'late-comer');
const STATS_PATH = `/api/v1/stats?containers=web&from=${NOW_MS - 120_000}&to=${NOW_MS}&metrics=cpu_percent`;
// The routes a dashboard reads; none may answer 5xx while the standby is gone.
const READ_PATHS = ['/api/v1/hosts', '/api/v1/containers?limit=100', STATS_PATH, `/api/v1/logs?from=${NOW_MS - 120_000}`, `/api/v1/events?from=${NOW_MS - 120_000}`, '/metrics'];

/** The fallback counters of /metrics, by reason. */
async function fallbacks(h: Harness): Promise<Record<string, number>> {
  const text = (await h.get('/metrics')).body as string;
  const counts: Record<string, number> = {};
  for (const m of text.matchAll(/^dockpulse_api_replica_fallbacks_total\{reason="([a-z_]+)"\} (\d+)$/gm)) counts[m[1] as string] = Number(m[2]);
  return counts;
}
const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

const containerNames = async (h: Harness): Promise<string[]> => {
  const res = await h.get('/api/v1/containers?limit=100');
  expect(res.status).toBe(200);
  return (res.body.items as { name: string }[]).map((c) => c.name).sort();
};

describeCluster('reads from a streaming standby (pg_basebackup -R from a throwaway primary)', () => {
  let cluster: ReplicaCluster;
  let db: TestDatabase;
  let h: Harness;
  let standbyAdminUrl: string;
  /** Every fallback the read pool reported, in order (also counted on /metrics). */
  const observed: string[] = [];

  beforeAll(async () => {
    cluster = await startReplicaCluster();
    // Template, roles (deploy/initdb/10-dockpulse-roles.sh) and migrations, all on the primary.
    db = await createTestDatabase({ serverUrl: cluster.primaryUrl });
    standbyAdminUrl = withDatabase(cluster.standbyUrl, db.name);
    h = await startHarness({
      databaseUrl: db.readerUrl,
      writerUrl: db.url,
      cache: 'off',
      config: { databaseReadUrl: withRole(standbyAdminUrl, TEST_ROLES.reader) },
    });
    const counted = h.reads.observe;
    h.reads.observe = (reason) => {
      observed.push(reason);
      counted?.(reason);
    };
    await seed(h.writerPool, (write) => {
      write('hosts', host('r1', 'replica-host'));
      write('container_info', FIRST);
      for (const s of samples('r1', FIRST.container_id, 0, NOW_MS - 60_000, 6)) write('container_stats', s);
    });
    // Roles, the database, its schema and rows reach the standby by WAL only.
    await cluster.waitForStandby();
  }, 180_000);

  afterAll(async () => {
    await h?.close();
    await cluster?.destroy();
  }, 120_000);

  it('answers from the standby: the primary pool gets no query, the standby has the reader session', async () => {
    h.resetQueries();
    expect(await containerNames(h)).toEqual(['web']);
    const stats = await h.get(STATS_PATH);
    expect(stats.status).toBe(200);
    expect(stats.body.series).toEqual([expect.objectContaining({ containerId: FIRST.container_id, metric: 'cpu_percent' })]);
    expect(h.queries()).toBe(0);
    const sessions = await withClient(standbyAdminUrl, (c) =>
      c.query<{ usename: string }>('SELECT usename FROM pg_stat_activity WHERE application_name = $1 AND datname = $2', [READ_POOL_APPLICATION_NAME, db.name]),
    );
    expect(sessions.rows.map((r) => r.usename)).toContain(TEST_ROLES.reader.name);
    expect(observed).toEqual([]);
  });

  it('reports the standby in /health: in recovery, its replay lag, status ok', async () => {
    const res = await h.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.database.ok).toBe(true);
    expect(res.body.replica).toMatchObject({ ok: true, inRecovery: true, replayedAllReceived: true });
    expect(typeof res.body.replica.replayLagSeconds).toBe('number');
    expect(res.body.replica.replayLagSeconds).toBeGreaterThanOrEqual(0);
  });

  it('does not show a row the standby has received but not replayed, and shows it once replayed', async () => {
    await withClient(standbyAdminUrl, (c) => c.query('SELECT pg_wal_replay_pause()'));
    try {
      await seed(h.writerPool, (write) => write('container_info', LATE));
      await cluster.waitForStandby({ received: true });
      // On the primary already, on the standby not yet: the answer is the standby's.
      const onPrimary = await withClient(db.adminUrl, (c) => c.query('SELECT 1 FROM container_info WHERE name = $1', [LATE.name]));
      expect(onPrimary.rowCount).toBe(1);
      expect(await containerNames(h)).toEqual(['web']);
    } finally {
      await withClient(standbyAdminUrl, (c) => c.query('SELECT pg_wal_replay_resume()'));
    }
    await cluster.waitForStandby();
    expect(await containerNames(h)).toEqual(['late-comer', 'web']);
  });

  it('answers a read the standby cancels for a recovery conflict from the primary', async () => {
    observed.length = 0;
    // Sleeps only on a standby: holds a snapshot there until replay cancels it.
    const read = h.reads.query<{ n: string }>(
      'SELECT CASE WHEN pg_is_in_recovery() THEN pg_sleep(60) END, (SELECT count(*) FROM container_stats)::text AS n',
    );
    await waitUntil(async () => {
      const { rows } = await withClient(standbyAdminUrl, (c) =>
        c.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%pg_sleep(60)%' AND state = 'active'", [READ_POOL_APPLICATION_NAME]),
      );
      return rows.length > 0;
    });
    // Dead rows vacuumed on the primary: replaying that cleanup conflicts with the snapshot
    // (max_standby_streaming_delay = 0 in helpers/replica-cluster.ts, so at once).
    // Repeated until the read is answered: a VACUUM that an older transaction kept from removing
    // the rows would produce no conflict.
    let answered = false;
    void read.then(() => (answered = true), () => (answered = true));
    await withClient(db.adminUrl, async (c) => {
      await c.query('CREATE TABLE conflict_probe (g int)');
      while (!answered) {
        await c.query('INSERT INTO conflict_probe SELECT g FROM generate_series(1, 1000) g');
        await c.query('DELETE FROM conflict_probe');
        await c.query('VACUUM conflict_probe');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });
    const { rows } = await read;
    expect(rows[0]?.n).toBe('6');
    expect(observed).toEqual(['recovery_conflict']);
    expect(await fallbacks(h)).toMatchObject({ recovery_conflict: 1 });
  }, 60_000);

  it('keeps answering from the primary when the standby stops, counts the fallbacks, and says so in /health', async () => {
    await cluster.stopStandby();
    observed.length = 0;
    h.resetQueries();
    for (const p of READ_PATHS) {
      const res = await h.get(p);
      expect([p, res.status]).toEqual([p, 200]);
    }
    // The primary has everything, so the answers are complete.
    expect(await containerNames(h)).toEqual(['late-comer', 'web']);
    // Every read went to the primary and was counted: the first as unreachable, those within the
    // retry window (REPLICA_RETRY_AFTER_MS) as marked_down, unreachable again once it has passed.
    expect(h.queries()).toBeGreaterThanOrEqual(READ_PATHS.length + 1);
    expect(observed).toHaveLength(h.queries());
    expect(observed[0]).toBe('unreachable');
    expect(observed.filter((r) => r !== 'unreachable' && r !== 'marked_down')).toEqual([]);
    const counted = await fallbacks(h);
    expect(counted.unreachable).toBeGreaterThanOrEqual(1);
    expect(total(counted)).toBeGreaterThanOrEqual(observed.length + 1); // + the conflict above

    const health = await h.get('/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.database.ok).toBe(true);
    expect(health.body.replica).toEqual({ ok: false, error: 'replica not reachable: reads go to the primary' });
  }, 60_000);

  it('goes back to the standby once it answers again (a health probe ends the retry wait)', async () => {
    await cluster.startStandby();
    await cluster.waitForStandby();
    const health = await h.get('/health');
    expect(health.body.replica.ok).toBe(true);
    h.resetQueries();
    expect(await containerNames(h)).toEqual(['late-comer', 'web']);
    expect(h.queries()).toBe(0);
  }, 120_000);

  // Last: it stops the primary too.
  it('with the standby and the primary both gone, a cached route answers its last copy (stale) and an uncached one 503', async () => {
    const cached = await startHarness({
      databaseUrl: db.readerUrl,
      cache: 'memory',
      config: { databaseReadUrl: withRole(standbyAdminUrl, TEST_ROLES.reader) },
    });
    try {
      const warm = await cached.get('/api/v1/containers?limit=100');
      expect([warm.status, warm.headers.get('x-cache')]).toEqual([200, 'miss']);
      await cluster.stopStandby();
      await cluster.stopPrimary();
      // Hits until the fresh copy's TTL ends; then the database is asked, fails, and the stale copy answers.
      let res = warm;
      await waitUntil(async () => {
        res = await cached.get('/api/v1/containers?limit=100');
        return res.headers.get('x-cache') !== 'hit';
      });
      expect([res.status, res.headers.get('x-cache')]).toEqual([200, 'stale']);
      expect((res.body.items as { name: string }[]).map((c) => c.name).sort()).toEqual(['late-comer', 'web']);
      const hosts = await cached.get('/api/v1/hosts');
      expect([hosts.status, hosts.body.error?.code]).toEqual([503, 'database_unavailable']);
      const health = await cached.get('/health');
      expect(health.status).toBe(503);
      expect(health.body.replica.ok).toBe(false);
    } finally {
      await cached.close();
    }
  }, 60_000);
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

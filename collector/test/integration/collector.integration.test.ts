// The collector against the real Docker engine and real PostgreSQL, through the real BatchWriter:
// a varied workload, then what landed in the tables, and the built process. The dockerd restart
// is last, on an engine of the test's own, so the shared engine and the other test files running
// beside this one are never stopped.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Pool } from 'pg';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { freePort } from '@dockpulse/common/testing-postgres';
import Docker from 'dockerode';
import { DockerEngine, isNotFound } from '@dockpulse/collector/docker/client';
import {
  docker,
  dockerCli,
  engineMissing,
  removeRunContainers,
  sleep,
  startCollector,
  startContainer,
  tempDir,
  testPool,
  TEST_IMAGE,
  waitFor,
  type RunningCollector,
} from './support';
import { OwnDockerd } from '../faults/own-dockerd';
import { startNodeChild } from '../support/node-child';

jest.setTimeout(120_000);

const runId = randomBytes(4).toString('hex');
const schedules = { stats: '*/2 * * * * *', status: '*/5 * * * * *', images: '*/3 * * * * *', maintenance: '*/10 * * * * *' };
const TICKER_LINES_PER_SEC = 20;
// Far above the 200 lines/s cap the collector runs with here, printed at once.
const SPAM_LINES = 5000;

let missing: string | undefined;
let db: TestDatabase;
let pool: Pool;
const ids: Record<string, string> = {};
async function startLater(name: string, o: Omit<Parameters<typeof startContainer>[0], 'name' | 'runId'>): Promise<void> {
  ids[name] = (await startContainer({ name, runId, ...o })).id;
}
const movingRepo = `dockpulse/ctest-${runId}`;
let committedImage: string | undefined;

async function q<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  return (await pool.query(sql, params)).rows as T[];
}

beforeAll(async () => {
  missing = await engineMissing();
  if (missing) return;
  db = await createTestDatabase();
  pool = testPool(db.url);
  const start = async (name: string, o: Omit<Parameters<typeof startContainer>[0], 'name' | 'runId'>) => {
    ids[name] = (await startContainer({ name, runId, ...o })).id;
  };
  await Promise.all([
    start('burner', { cmd: ['sh', '-c', 'while :; do :; done'] }),
    start('idle', { cmd: ['sleep', '600'] }),
    // 1 MiB into /dev/shm every 0.5 s: shared memory is charged to the container and is not inactive_file
    start('memgrow', { cmd: ['sh', '-c', 'i=0; while [ $i -lt 40 ]; do dd if=/dev/zero of=/dev/shm/f$i bs=1M count=1 2>/dev/null; i=$((i+1)); sleep 0.5; done; sleep 600'] }),
    start('printer', { cmd: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do echo out$i; echo err$i >&2; done; sleep 600'] }),
    start('spammer', { cmd: ['sh', '-c', `yes line | head -n ${SPAM_LINES}; sleep 600`] }),
    start('ticker', { cmd: ['sh', '-c', `i=0; while :; do i=$((i+1)); echo n$i; sleep ${1 / TICKER_LINES_PER_SEC}; done`] }),
  ]);
  await dockerCli('tag', TEST_IMAGE, `${movingRepo}:moving`);
});

afterAll(async () => {
  if (missing) return;
  await removeRunContainers(runId);
  await dockerCli('rmi', `${movingRepo}:moving`).catch(() => undefined);
  if (committedImage) await dockerCli('rmi', '-f', committedImage).catch(() => undefined);
  await pool?.end();
  await db?.drop();
});

function skipIfMissing(): boolean {
  if (missing) console.warn(`skipped: ${missing}`);
  return Boolean(missing);
}

// --- the built process ---------------------------------------------------------------------
const run = promisify(execFile);
const DIST = path.resolve(__dirname, '..', '..', 'dist');
const MAIN = path.join(DIST, 'main.js');
const MIGRATE = path.join(DIST, 'migrate-cli.js');

function notBuilt(): string | undefined {
  return existsSync(MAIN) && existsSync(MIGRATE) ? undefined : `${MAIN} not built; run npx tsc -b`;
}

describe('collector process', () => {
  let mainDb: TestDatabase;
  let mainPool: Pool;
  beforeAll(async () => {
    mainDb = await createTestDatabase({ migrated: false });
    mainPool = testPool(mainDb.url);
  });
  afterAll(async () => {
    await mainPool.end();
    await mainDb.drop();
  });

  it('a bad setting stops it with exit status 2 and a message naming the variable', async () => {
    const why = notBuilt();
    if (why) return console.warn(`skipped: ${why}`);
    const result = await run(process.execPath, [MAIN], {
      env: { ...process.env, DATABASE_URL: mainDb.url, STATS_SCHEDULE: 'every five seconds' },
    }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/STATS_SCHEDULE: must be a node-cron expression/);
  });

  it('npm run migrate (migrate-cli) migrates an empty database and exits 0', async () => {
    const why = notBuilt();
    if (why) return console.warn(`skipped: ${why}`);
    await run(process.execPath, [MIGRATE], { env: { ...process.env, DATABASE_URL: mainDb.url, LOG_LEVEL: 'silent' } });
    const r = await mainPool.query("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'");
    expect(r.rows[0]?.value).toBe('postgres');
  });

  it('collects, serves /metrics, and on SIGTERM stops with status 0 after a final flush', async () => {
    const why = notBuilt() ?? (await engineMissing());
    if (why) return console.warn(`skipped: ${why}`);
    const container = await startContainer({ name: 'main-proc', runId, cmd: ['sh', '-c', 'echo hello-from-main; sleep 600'] });
    const port = await freePort();
    const { child, output: printed, exited } = startNodeChild([MAIN], {
        DATABASE_URL: mainDb.url,
        HOST_ID: `main-test-${runId}`,
        STATS_SCHEDULE: '* * * * * *',
        MAINTENANCE_SCHEDULE: '*/2 * * * * *',
        METRICS_PORT: String(port),
        SPOOL_DIR: tempDir('dp-main-spool-'),
        WRITER_FLUSH_INTERVAL: '5s',
        LOG_LEVEL: 'info',
    });
    try {
      // Stats start at once (into the spool); the log followers start once the database is reached
      // and their positions are read ("collector running"), so wait for both and for a log line.
      await waitFor('the collector running with its database jobs', async () => printed().includes('collector running'), 30_000);
      const metrics = await waitFor('/metrics with samples and log lines', async () => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        const text = await res.text();
        const sampled = /dockpulse_collector_stats_samples_total [1-9]/.test(text);
        const logged = /dockpulse_collector_log_lines_total(\{[^}]*\})? [1-9]/.test(text);
        return sampled && logged ? text : undefined;
      }, 30_000);
      expect(metrics).toMatch(/dockpulse_collector_errors_total/);
      // samples are still in the writer (5 s flush interval); SIGTERM must store them
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(printed()).toMatch(/"msg":"stopped"/);
      const stats = await mainPool.query('SELECT count(*)::int AS n FROM container_stats WHERE container_id = $1', [container.id]);
      expect(stats.rows[0].n).toBeGreaterThanOrEqual(1);
      const logs = await mainPool.query('SELECT message FROM container_logs WHERE container_id = $1', [container.id]);
      expect(logs.rows.map((r: { message: string }) => r.message)).toEqual(['hello-from-main']);
      const hosts = await mainPool.query('SELECT host_id FROM hosts');
      expect(hosts.rows.map((r: { host_id: string }) => r.host_id)).toEqual([`main-test-${runId}`]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});

// --- the collector in-process -----------------------------------------------------------------
// The engine client's own stats requests (stats-request.ts).
describe('DockerEngine.stats against the real engine', () => {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  let id: string;
  const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' }, 5_000);

  beforeAll(async () => {
    const container = await docker.createContainer({
      Image: 'dockpulse/testbox:latest',
      Cmd: ['sleep', '600'],
      Labels: { 'dockpulse.test': 'collector' },
      HostConfig: { Memory: 64 * 2 ** 20 },
    });
    await container.start();
    id = container.id;
  });
  afterAll(async () => {
    await docker.getContainer(id).remove({ force: true });
  });

  it('answers one sample per call, with the engine read time and the memory limit, over reused connections', async () => {
    const first = await engine.stats(id);
    const again = await Promise.all([engine.stats(id), engine.stats(id), engine.stats(id)]);
    for (const sample of [first, ...again]) {
      expect(Number.isNaN(Date.parse(sample.read ?? ''))).toBe(false);
      expect(sample.memory_stats?.limit).toBe(64 * 2 ** 20);
    }
  });

  it('says "not found" for a container that is gone, so a cycle skips it', async () => {
    const error = await engine.stats('0'.repeat(64)).catch((e: unknown) => e);
    expect(isNotFound(error)).toBe(true);
    expect((error as Error).message).toMatch(/404.*no such container/i);
  });

  it('says in words which call timed out', async () => {
    const slow = new DockerEngine({ socketPath: '/var/run/docker.sock' }, 1);
    await expect(slow.stats(id)).rejects.toThrow(/stats of container [0-9a-f]{12}: the Docker engine did not answer within 1 ms/);
  });
});

describe('collector against the real engine and database', () => {
  let first: RunningCollector;
  let movedTo: string | undefined;
  /** At each end of a stats cycle: its samples written since the last end, rows left in memory only after. */
  const cycleEnds: Array<{ statsRows: number; bufferedAfter: number }> = [];

  beforeAll(async () => {
    if (missing) return;
    first = await startCollector(pool, tempDir('dp-spool-'), schedules);
    const writer = first.writer;
    const write = writer.write.bind(writer);
    const endOfCycle = writer.endOfCycle.bind(writer);
    let statsRows = 0;
    writer.write = ((table, row) => {
      if (table === 'container_stats') statsRows++;
      write(table, row);
    }) as typeof writer.write;
    writer.endOfCycle = () => {
      endOfCycle();
      cycleEnds.push({ statsRows, bufferedAfter: writer.state().bufferedRows });
      statsRows = 0;
    };
    // started under the collector's eyes, so their deaths and health changes arrive as events
    await Promise.all([
      startLater('oom', { cmd: ['sh', '-c', 'tail /dev/zero'], memoryBytes: 8 * 1024 * 1024 }),
      startLater('unhealthy', { cmd: ['sleep', '600'], healthcheck: ['sh', '-c', 'exit 1'] }),
      startLater('restarter', { cmd: ['sh', '-c', 'echo run; sleep 0.2; exit 1'], restart: 'on-failure' }),
      startLater('exit3', { cmd: ['sh', '-c', 'exit 3'] }),
    ]);
    // a tag that moves while the collector watches: commit a container to a new image, re-tag
    await sleep(4000);
    const commit = await docker.getContainer(ids.idle as string).commit({ comment: 'dockpulse collector test' });
    committedImage = (commit as { Id: string }).Id;
    await dockerCli('tag', committedImage, `${movingRepo}:moving`);
    movedTo = committedImage;
    await sleep(10_000);
    await first.stop();
  });

  it('stores one sample per running container per stats cycle', async () => {
    if (skipIfMissing()) return;
    // Counted from the cycles the collector ran, not from the wall clock: on a loaded machine a
    // tick can be skipped (counted) or run late.
    const cycles = first.collector.metrics.statsCycles;
    expect(cycles).toBeGreaterThanOrEqual(2);
    const rows = await q<{ container_id: string; n: number }>(
      'SELECT container_id, count(*)::int AS n FROM container_stats WHERE container_id = ANY($1) GROUP BY 1',
      [[ids.burner, ids.idle, ids.memgrow]],
    );
    expect(rows).toHaveLength(3);
    // A cycle that ran late can leave its read in the next cycle's slot; that cycle's read of the
    // container is then not stored (counted). Without such a cycle the count is exact.
    const sameSlot = first.collector.metrics.sameSlotSamples;
    for (const r of rows) {
      expect(r.n).toBeLessThanOrEqual(cycles);
      expect(r.n).toBeGreaterThanOrEqual(cycles - sameSlot);
    }
    if (sameSlot === 0) for (const r of rows) expect(r).toEqual({ container_id: r.container_id, n: cycles });
  });

  it("appends each stats cycle's samples to the spool as the cycle ends (a SIGKILL after it loses none)", () => {
    if (skipIfMissing()) return;
    const withSamples = cycleEnds.filter((c) => c.statsRows > 0);
    expect(withSamples.length).toBeGreaterThanOrEqual(2);
    expect(withSamples.map((c) => c.bufferedAfter)).toEqual(withSamples.map(() => 0));
  });

  it('the burner shows high CPU and the idle container almost none', async () => {
    if (skipIfMissing()) return;
    const cpu = async (id: string) =>
      (await q<{ avg: number; n: number }>('SELECT avg(cpu_percent) AS avg, count(cpu_percent)::int AS n FROM container_stats WHERE container_id = $1', [id]))[0];
    const burner = await cpu(ids.burner as string);
    const idle = await cpu(ids.idle as string);
    expect(burner?.n).toBeGreaterThanOrEqual(3);
    // One busy loop is 100 % of one CPU when it has the machine; on a loaded 2-core test host it gets
    // less, so the bar is "clearly busy" and "clearly idle", an order of magnitude apart.
    expect(burner?.avg).toBeGreaterThan(5); // 13 % seen at load 19
    expect(idle?.avg).toBeLessThan(2);
    expect(burner?.avg).toBeGreaterThan(10 * (idle?.avg ?? 0));
  });

  it('memory used tracks the growing container', async () => {
    if (skipIfMissing()) return;
    const rows = await q<{ mem_used_bytes: number }>(
      'SELECT mem_used_bytes FROM container_stats WHERE container_id = $1 ORDER BY time',
      [ids.memgrow],
    );
    expect(rows.length).toBeGreaterThanOrEqual(4);
    const firstUsed = rows[0]?.mem_used_bytes as number;
    const lastUsed = rows.at(-1)?.mem_used_bytes as number;
    // 1 MiB per step, a step every >= 0.5 s: ~24 MiB over the ~12 s between the first and last
    // sample on an idle machine, 7.6 MiB seen on a loaded one. It grows, and never shrinks (tmpfs
    // pages stay charged) beyond a read's noise.
    expect(lastUsed - firstUsed).toBeGreaterThan(4 * 1024 * 1024);
    const shrinks = rows.slice(1).filter((r, i) => r.mem_used_bytes < (rows[i]?.mem_used_bytes as number) - 1024 * 1024);
    expect(shrinks).toEqual([]);
  });

  it('states, exit codes, restart counts, health and OOM are right in container_info', async () => {
    if (skipIfMissing()) return;
    const info = async (name: string) =>
      (await q<Record<string, unknown>>('SELECT * FROM container_info WHERE container_id = $1', [ids[name]]))[0];
    expect(await info('exit3')).toMatchObject({ state: 'exited', exit_code: 3, oom_killed: false });
    expect(await info('oom')).toMatchObject({ state: 'exited', exit_code: 137, oom_killed: true, mem_limit_bytes: 8 * 1024 * 1024 });
    expect(await info('unhealthy')).toMatchObject({ state: 'running', health: 'unhealthy' });
    expect(((await info('restarter'))?.restart_count as number) > 0).toBe(true);
    expect(await info('burner')).toMatchObject({ state: 'running', exit_code: null, name: `burner-${runId}` });
  });

  it('container_events has the die with exit code 3, the OOM, the health change and the restarts, with exact timeNano', async () => {
    if (skipIfMissing()) return;
    const events = await q<{ container_id: string; action: string; exit_code: number | null; time_nano: string; time: Date }>(
      'SELECT container_id, action, exit_code, time_nano::text AS time_nano, time FROM container_events WHERE container_id = ANY($1)',
      [Object.values(ids)],
    );
    const has = (name: string, action: string) => events.filter((e) => e.container_id === ids[name] && e.action === action);
    expect(has('exit3', 'die').map((e) => e.exit_code)).toEqual([3]);
    expect(has('oom', 'oom').length).toBeGreaterThanOrEqual(1);
    expect(has('unhealthy', 'health_status').length).toBeGreaterThanOrEqual(1);
    expect(has('restarter', 'die').length).toBeGreaterThanOrEqual(2);
    for (const e of events) expect(BigInt(e.time_nano) / 1_000_000n).toBe(BigInt(e.time.getTime()));
  });

  it('stored log lines equal what the container printed, in order, streams apart', async () => {
    if (skipIfMissing()) return;
    const lines = async (stream: string) =>
      (await q<{ message: string }>(
        'SELECT message FROM container_logs WHERE container_id = $1 AND stream = $2 ORDER BY time, seq',
        [ids.printer, stream],
      )).map((r) => r.message);
    const n = Array.from({ length: 15 }, (_, i) => i + 1);
    expect(await lines('stdout')).toEqual(n.map((i) => `out${i}`));
    expect(await lines('stderr')).toEqual(n.map((i) => `err${i}`));
  });

  it('a container printing past the rate cap has lines dropped and counted: stored + dropped = printed', async () => {
    if (skipIfMissing()) return;
    const [r] = await q<{ n: number }>('SELECT count(*)::int AS n FROM container_logs WHERE container_id = $1', [ids.spammer]);
    // the spammer's own count: the collector-wide one also counts other containers on this engine
    const dropped = first.collector.logs.droppedLinesOf(ids.spammer as string);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThanOrEqual(first.collector.metrics.droppedLogLines);
    expect((r?.n ?? 0) + dropped).toBe(SPAM_LINES);
  });

  it('the engine client really sends one-shot on this engine: precpu_stats comes back empty', async () => {
    if (skipIfMissing()) return;
    const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' }, 10_000);
    const answer = await engine.stats(ids.burner as string);
    expect(answer.precpu_stats?.system_cpu_usage).toBeUndefined();
    expect(answer.preread).toMatch(/^0001-01-01/);
    expect(answer.cpu_stats?.system_cpu_usage).toBeGreaterThan(0);
  });

  it('the log follower comes back after its container restarts', async () => {
    if (skipIfMissing()) return;
    const rows = await q<{ message: string }>('SELECT message FROM container_logs WHERE container_id = $1', [ids.restarter]);
    // one "run" per start of the container: more than one means the follower outlived a restart
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(new Set(rows.map((r) => r.message))).toEqual(new Set(['run']));
  });

  it('a tag moved with `docker tag` shows in image_versions with the previous image', async () => {
    if (skipIfMissing()) return;
    const testbox = (await docker.getImage(TEST_IMAGE).inspect()).Id;
    const versions = await q<{ image_id: string; previous_image_id: string | null }>(
      'SELECT image_id, previous_image_id FROM image_versions WHERE repository = $1 AND tag = $2 ORDER BY time',
      [movingRepo, 'moving'],
    );
    expect(versions).toEqual([
      { image_id: testbox, previous_image_id: null },
      { image_id: movedTo, previous_image_id: testbox },
    ]);
  });

  it('maintenance wrote the heartbeat (cycle time, writer state), the hosts row and the hourly rollup', async () => {
    if (skipIfMissing()) return;
    const [beat] = await q<Record<string, unknown>>('SELECT * FROM collector_status WHERE host_id = $1', ['itest-host']);
    expect(beat?.last_stats_cycle_ms).toEqual(expect.any(Number));
    expect(beat?.stats_sampler).toBe(first.collector.metrics.statsSampler);
    expect(['cgroup', 'engine']).toContain(beat?.stats_sampler);
    expect(beat?.containers_seen as number).toBeGreaterThanOrEqual(Object.keys(ids).length);
    const [host] = await q<Record<string, unknown>>('SELECT * FROM hosts WHERE host_id = $1', ['itest-host']);
    expect(host).toMatchObject({ api_version: '1.41', cgroup_version: 1 });
    // the maintenance runs called dockpulse_rollup(): the burner's hour is in the hourly table
    const [hourly] = await q<{ samples: number }>('SELECT samples::int AS samples FROM container_stats_hourly WHERE container_id = $1', [ids.burner]);
    expect(hourly?.samples).toBeGreaterThanOrEqual(1);
  });

  it('after a collector restart no log line is duplicated or lost', async () => {
    if (skipIfMissing()) return;
    // The ticker goes on printing while no collector runs, until its backlog is more than the rate
    // cap lets through in one burst (LOG_RATE_LIMIT 200/s here): the restarted collector reads it
    // all at once, and none of it may count as over the cap (it did, 61 lines lost, before the cap
    // went by the lines' own timestamps).
    const [stored] = await q<{ n: number }>("SELECT count(*)::int AS n FROM container_logs WHERE container_id = $1 AND stream = 'stdout'", [ids.ticker]);
    await waitFor(
      'a backlog of more than 250 ticker lines',
      async () => Number((await dockerCli('logs', '--tail', '1', ids.ticker as string)).slice(1)) - (stored?.n ?? 0) > 250,
      60_000,
    );
    const second = await startCollector(pool, tempDir('dp-spool-'), schedules);
    await waitFor('the restarted collector to follow the ticker', async () => second.collector.logs.follows(ids.ticker as string));
    await sleep(3000);
    await second.stop();
    expect(second.collector.logs.droppedLinesOf(ids.ticker as string)).toBe(0);
    const rows = await q<{ message: string }>(
      "SELECT message FROM container_logs WHERE container_id = $1 AND stream = 'stdout' ORDER BY time, seq",
      [ids.ticker],
    );
    const numbers = rows.map((r) => Number(r.message.slice(1)));
    expect(numbers.length).toBeGreaterThan(TICKER_LINES_PER_SEC * 5);
    // n1, n2, ... with no gap and no repeat across both collectors
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });

  it('after dockerd restarts, the events stream reconnects and collection resumes', async () => {
    if (skipIfMissing()) return;
    // An engine of this test's own (collector/test/faults/own-dockerd.ts, in a network namespace of
    // its own): restarting the shared one stopped the containers of every test file running beside
    // this one.
    const dir = tempDir('dp-own-engine-');
    const own = new OwnDockerd(dir);
    await own.start();
    try {
      await own.loadImageFrom(TEST_IMAGE);
      const host = `itest-own-${runId}`;
      const run = async (name: string) => {
        const c = await own.docker.createContainer({ Image: TEST_IMAGE, name: `${name}-${runId}`, Cmd: ['sleep', '600'], Labels: { 'dockpulse.test': 'collector' } });
        await c.start();
        return c;
      };
      const third = await startCollector(pool, tempDir('dp-spool-'), schedules, {
        engine: new DockerEngine({ socketPath: own.socketPath }, 10_000),
        hostId: host,
      });
      try {
        const before = await run('before-restart');
        await waitFor('the container started before the restart, seen running', async () => {
          await third.writer.flush();
          const [r] = await q<{ state: string }>('SELECT state FROM container_info WHERE host_id = $1 AND container_id = $2', [host, before.id]);
          return r?.state === 'running';
        }, 30_000);
        await before.remove({ force: true });
        const restartedAt = new Date();
        await own.stop();
        await sleep(1000);
        await own.start();
        const after = await run('after-restart');
        await waitFor('events stream reconnect', async () => third.collector.events.connected && third.collector.metrics.errorsTotal > 0, 30_000);
        await waitFor('stats of a container started after the restart', async () => {
          await third.writer.flush();
          const [r] = await q<{ n: number }>('SELECT count(*)::int AS n FROM container_stats WHERE container_id = $1 AND time > $2', [after.id, restartedAt]);
          return (r?.n ?? 0) >= 2;
        }, 30_000);
        await waitFor('the start event recorded after the restart', async () => {
          await third.writer.flush();
          const [r] = await q<{ n: number }>("SELECT count(*)::int AS n FROM container_events WHERE container_id = $1 AND action = 'start'", [after.id]);
          return (r?.n ?? 0) >= 1;
        }, 30_000);
        const [info] = await q<{ state: string }>('SELECT state FROM container_info WHERE container_id = $1', [after.id]);
        expect(info?.state).toBe('running');
        // the container removed before the restart is marked, not left "running"
        await third.writer.flush();
        const gone = await q<{ state: string; removed_at: Date | null }>('SELECT state, removed_at FROM container_info WHERE container_id = $1', [before.id]);
        expect(gone[0]?.state).toBe('removed');
        expect(gone[0]?.removed_at).toBeInstanceOf(Date);
      } finally {
        await third.stop();
      }
    } finally {
      await own.removeAllContainers();
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

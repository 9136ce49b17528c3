// The fault schedule (issue 11): the real collector process against a real Docker engine and a
// real PostgreSQL, through six faults in one run, then exact counts of what arrived against what
// the engine produced. Run with `npm run test:faults -w collector` (2.5 minutes here on a loaded
// 2-core machine; not part of `npm test`, it has a CI step of its own). It needs root, dockerd and
// the PostgreSQL 15 binaries, and the test image on the shared engine (scripts/start-services.sh).
//
// What the test sets up for itself, so that nothing it stops, kills or fills is shared (other
// helpers and the parallel jest files use the machine's dockerd and PostgreSQL):
// - its own PostgreSQL 15 cluster (common/src/testing-postgres.ts: initdb into /tmp as the
//   `postgres` user, its own port and socket directory), given the stack's roles by the stack's own
//   script (deploy/initdb/10-dockpulse-roles.sh through applyStackRoles, as every test database
//   is), with an empty database: the collector migrates it as the non-superuser writer role and
//   connects as that role, the way the product does;
// - its own dockerd (own-dockerd.ts): --data-root, --exec-root (so its own managed containerd),
//   --pidfile and -H unix:// all under /tmp/dp-faults-<run>/engine, --bridge=none and no iptables,
//   --shutdown-timeout=2; the test image is copied in from the shared engine with
//   `docker save | docker -H unix://... load` (nothing can be pulled here);
// - a 16 MiB tmpfs it mounts (it runs as root) for SPOOL_DIR, so the full disk is the collector's
//   only;
// - the collector itself is `node --import tsx collector/src/main.ts`, configured by environment
//   variables only (collector/src/config.ts, collector/README.md "Settings"). LOG_RATE_LIMIT is
//   raised: a restarted collector reads the lines printed while it was down in one burst, and the
//   rate cap would drop them by design (counted, not lost to a fault). WRITER_FLUSH_INTERVAL is at
//   its 5 s maximum and WRITER_MAX_BUFFERED_ROWS at its 1,000 minimum, so what sits in memory is
//   as much as a user can make it; SPOOL_MAX_BYTES (64 MiB) is larger than the tmpfs, so the disk
//   fills first; METRICS_PORT is a free port per process; MAINTENANCE_SCHEDULE runs every 5 s, so
//   the heartbeat in collector_status follows the spool's state within the full-disk phase, where
//   the provisioned alert rule's own query (deploy/test/support/alert-evaluate.ts) is run on it.
// The workload (workload.ts): 3 loggers at 20 numbered lines/s, a container that exits every 11 s
// and is restarted by the engine, 6 that only run; all restart `always`.
//
// The witnesses: the engine's own logs (`docker logs --timestamps`, json-file, kept across restarts
// of containers and of the engine) for every line printed; the test's own events stream
// (event-observer.ts) for every event and for when each container ran; the collector's own
// "collector collecting" line (or "collector running" from a collector that waits for its database)
// and the moment the test signals it for when it was alive (collector-process.ts).
// If jest itself is killed, afterAll does not run: the engine (`pgrep -f /tmp/dp-faults-`), the
// PostgreSQL cluster under /tmp/dp-pg-* and the tmpfs mount are left behind.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { applyStackRoles, TEST_ROLES, withClient, withRole } from '@dockpulse/common/testing';
import { freePort, startThrowawayPostgres, throwawayPostgresUnavailable, type ThrowawayPostgres } from '@dockpulse/common/testing-postgres';
import { Collector } from '@dockpulse/collector/collector';
import { writerSettings } from '@dockpulse/collector/writer/config';
import { CollectorProcess } from './collector-process';
import { EventObserver, eventKey } from './event-observer';
import { compareLogLines, compareStatsSlots, formatTally, runningIntervals, SLOT_MS, tally, type Interval, type Tally } from './invariants';
import { sleep, waitFor } from '../integration/support';
import { OwnDockerd } from './own-dockerd';
import { SpoolFs } from './spool-fs';
import { evaluateRule } from '../../../deploy/test/support/alert-evaluate';
import { alertRules } from '../../../deploy/test/support/provisioning';
import { LOGGER_LINES_PER_SEC, LOGGERS, startWorkload, STATS_ONLY, TEST_IMAGE, type WorkloadContainer } from './workload';

const runId = randomBytes(3).toString('hex');
const dir = `/tmp/dp-faults-${runId}`;
const hostId = `faults-${runId}`;
const MAX_BUFFERED_ROWS = 1_000;
// A stats cycle of the cgroup sampler takes tens of ms here; the spool syncs what it collected
// within SPOOL_SYNC_DELAY (500 ms). A collector alive 1 s into a slot has collected it.
const COLLECTED_WITHIN_MS = 1_000;

// The write-ahead spool (issue 11) brings SPOOL_MAX_BYTES; without it a collector cannot collect
// while its database is down at start, a SIGKILL loses the rows of the last flush interval, and
// there is no spool on disk to fill.
const spoolMissing = 'SPOOL_MAX_BYTES' in writerSettings
  ? undefined
  : 'skipped: needs the write-ahead spool (no SPOOL_MAX_BYTES in collector/src/writer/config.ts writerSettings)';
/** A phase that runs, or is skipped with the name of what it needs in its title. */
const phaseNeeding = (missingWhat: string | undefined) => (name: string, fn: () => Promise<void>, timeoutMs: number) =>
  missingWhat ? it.skip(`${name} (${missingWhat})`, fn, timeoutMs) : it(name, fn, timeoutMs);
const withSpool = phaseNeeding(spoolMissing);
// A collector that collects before its database answers starts its engine-side jobs on their own.
const offlineStartMissing = spoolMissing ?? ('startCollecting' in Collector.prototype
  ? undefined
  : 'skipped: needs a collector that starts while its database is down (no Collector.startCollecting in collector/src/collector.ts)');
const withOfflineStart = phaseNeeding(offlineStartMissing);

function machineMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'must run as root (its own dockerd, a tmpfs mount)';
  const pg = throwawayPostgresUnavailable();
  if (pg) return pg;
  try {
    execFileSync('dockerd', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'dockerd is not installed (scripts/start-services.sh installs docker.io)';
  }
  return undefined;
}
const missing = machineMissing();

const nextSlotStart = (afterMs = Date.now()) => (Math.floor(afterMs / SLOT_MS) + 1) * SLOT_MS;

/** The provisioned rule that watches the spool (provisioning/alerting/dockpulse-rules.yaml). */
const SPOOL_RULE_UID = 'dockpulse-collector-spool-unwritable';
/** The heartbeat every 5 s instead of every minute, so the full-disk phase sees it change. */
const HEARTBEAT_SCHEDULE = '*/5 * * * * *';


(missing ? describe.skip : describe)(`fault schedule${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pg: ThrowawayPostgres;
  let pgRunning = true;
  let engine: OwnDockerd;
  let spoolFs: SpoolFs;
  let observer: EventObserver;
  let workload: WorkloadContainer[] = [];
  const collectors: CollectorProcess[] = [];
  const engineCutsMs: number[] = [];
  const timeline: string[] = [];
  let windowFromMs: number | undefined;
  let windowToMs: number | undefined;

  const note = (what: string) => timeline.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
  const current = () => collectors.at(-1);
  const query = async <R extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> =>
    withClient(pg.url, async (c) => (await c.query<R>(sql, params)).rows);

  async function collectorEnv(): Promise<Record<string, string>> {
    return {
      // Its own /metrics, where the spool's state shows.
      METRICS_PORT: String(await freePort()),
      DATABASE_URL: withRole(pg.url, TEST_ROLES.writer),
      DATABASE_WAIT_TIMEOUT: '10m',
      HOST_ID: hostId,
      DOCKER_HOST: engine.hostUrl,
      DOCKPULSE_STORAGE: 'postgres',
      SPOOL_DIR: spoolFs.spoolDir,
      WRITER_MAX_BUFFERED_ROWS: String(MAX_BUFFERED_ROWS),
      // The longest flush interval allowed: a row held only in memory would wait up to 5 s, so a
      // SIGKILL that loses what was not yet on disk shows.
      WRITER_FLUSH_INTERVAL: '5s',
      WRITER_RETRY_BASE: '200ms',
      WRITER_RETRY_CAP: '2s',
      LOG_RATE_LIMIT: '100000',
      LOG_LEVEL: 'info',
      MAINTENANCE_SCHEDULE: HEARTBEAT_SCHEDULE,
      // Larger than the tmpfs, so the disk fills before the spool's own bound is reached.
      ...(spoolMissing ? {} : { SPOOL_MAX_BYTES: '64MiB' }),
    };
  }

  async function spawnCollector(): Promise<CollectorProcess> {
    const c = new CollectorProcess(await collectorEnv(), path.join(dir, `collector-${collectors.length + 1}.log`));
    collectors.push(c);
    note(`collector ${collectors.length} spawned (pid ${c.pid})`);
    await c.waitRunning(90_000);
    windowFromMs ??= c.runningAtMs;
    note(`collector ${collectors.length} running`);
    return c;
  }

  async function startPostgres(): Promise<void> {
    await pg.start();
    pgRunning = true;
    note('PostgreSQL started');
  }

  /** A live, running collector and a running database, whatever an earlier phase left. */
  async function ready(): Promise<CollectorProcess> {
    if (!pgRunning) await startPostgres();
    const c = current();
    if (c?.alive && c.runningAtMs !== undefined) return c;
    if (c?.alive) {
      await c.waitRunning(90_000);
      return c;
    }
    return spawnCollector();
  }

  /** Waits for a heartbeat written after `sinceMs` whose spool_state is `spoolState`. */
  async function waitHeartbeat(spoolState: string, sinceMs: number): Promise<void> {
    await waitFor(`a heartbeat saying spool_state ${spoolState}`, async () => {
      const [r] = await query<{ spool_state: string | null }>(
        'SELECT spool_state FROM collector_status WHERE host_id = $1 AND last_beat > $2',
        [hostId, new Date(sinceMs)],
      );
      return r?.spool_state === spoolState;
    }, 6 * SLOT_MS);
  }

  /** The provisioned spool rule evaluated now, as Grafana's PostgreSQL datasource (the reader role) would. */
  async function spoolRule(): Promise<{ firing: string[]; quiet: string[] }> {
    const rule = alertRules().find((r) => r.uid === SPOOL_RULE_UID);
    if (!rule) throw new Error(`no provisioned alert rule ${SPOOL_RULE_UID}`);
    return withClient(withRole(pg.url, TEST_ROLES.reader), (client) => evaluateRule(client, rule, Date.now()));
  }

  /** Rows produced after `sinceMs` are stored: what was spooled or buffered before went first. */
  async function waitStoredAfter(sinceMs: number, what: string): Promise<void> {
    await waitFor(what, async () => {
      const [r] = await query<{ n: number }>(
        'SELECT count(*)::int AS n FROM container_logs WHERE host_id = $1 AND time > $2',
        [hostId, new Date(sinceMs + 2_000)],
      );
      return (r?.n ?? 0) > 0;
    }, 90_000);
  }

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    pg = await startThrowawayPostgres({ settings: { fsync: 'off' } });
    // The stack's roles on an empty database: the collector migrates it itself.
    await applyStackRoles(pg.url, 'dockpulse');
    spoolFs = new SpoolFs(path.join(dir, 'spoolfs'));
    await spoolFs.mount(16 * 1024 * 1024);
    engine = new OwnDockerd(path.join(dir, 'engine'));
    await engine.start();
    await engine.loadImageFrom(TEST_IMAGE);
    observer = new EventObserver(engine.docker);
    await observer.start();
    workload = await startWorkload(engine.docker, runId);
    note(`workload of ${workload.length} containers started`);
  }, 180_000);

  afterAll(async () => {
    for (const c of collectors) if (c.alive) await c.signal('SIGKILL');
    observer?.stop();
    await engine?.removeAllContainers();
    await engine?.stop();
    await spoolFs?.unmount();
    await pg?.destroy();
    // The collectors' logs stay in `dir` for a post-mortem; the engine's files go.
    rmSync(path.join(dir, 'engine', 'data'), { recursive: true, force: true });
    rmSync(path.join(dir, 'engine', 'exec'), { recursive: true, force: true });
    console.log(`fault schedule ${runId}, collector logs in ${dir}:\n${timeline.join('\n')}`);
  }, 120_000);

  withOfflineStart('0. starts while PostgreSQL is down, collects from its first cycle into the spool, then migrates and replays once the database is up', async () => {
    await pg.stop();
    pgRunning = false;
    const downFromMs = Date.now();
    note('PostgreSQL stopped before the first collector start');
    const c = await spawnCollector();
    // Three whole stats slots with the database away.
    await sleep(nextSlotStart(c.runningAtMs) + 3 * SLOT_MS + 500 - Date.now());
    expect(c.alive).toBe(true);
    await startPostgres();
    const upAtMs = Date.now();
    await waitStoredAfter(upAtMs, 'rows collected after PostgreSQL came up (the spool replayed before them)');
    const [migrated] = await query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
    expect(migrated?.n).toBeGreaterThan(0);
    // Samples of the slots while the database was down are stored, one per container.
    const [during] = await query<{ n: number }>(
      'SELECT count(DISTINCT (container_id, floor(extract(epoch FROM time) / 5)))::int AS n FROM container_stats WHERE host_id = $1 AND time BETWEEN $2 AND $3',
      [hostId, new Date(Math.max(downFromMs, c.runningAtMs as number)), new Date(upAtMs)],
    );
    expect(during?.n).toBeGreaterThanOrEqual(3 * (workload.length - 1));
    expect(c.alive).toBe(true);
  }, 150_000);

  withSpool('1. SIGKILLed twice at a random point of a cycle, restarted each time', async () => {
    for (const k of [1, 2]) {
      const c = await ready();
      // At least two whole slots alive first.
      const boundary = nextSlotStart(Math.max(Date.now(), (c.runningAtMs as number) + 2 * SLOT_MS));
      // The first kill lands inside the stats cycle (it takes tens of ms); the second after the
      // cycle collected its samples, while a writer without a spool would likely still hold them in
      // memory (flush interval 5 s): that slot's samples must be stored.
      const offsetMs = k === 1 ? Math.floor(Math.random() * 150) : COLLECTED_WITHIN_MS + Math.floor(Math.random() * 2_000);
      await sleep(boundary + offsetMs - Date.now());
      const exit = await c.signal('SIGKILL');
      expect(exit.signal).toBe('SIGKILL');
      note(`collector ${collectors.length} SIGKILLed ${offsetMs} ms into the cycle of ${new Date(boundary).toISOString().slice(11, 19)}`);
      await spawnCollector();
    }
    const c = await ready();
    await sleep(nextSlotStart(Date.now() + SLOT_MS) - Date.now());
    expect(c.alive).toBe(true);
  }, 150_000);

  it('2. PostgreSQL stopped for longer than the writer holds in memory, then started', async () => {
    const c = await ready();
    // The row rate of the last 10 s, to stop the database long enough for the memory bound to pass.
    const [r] = await query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM container_logs WHERE host_id = $1 AND time > now() - interval '12 seconds' AND time <= now() - interval '2 seconds')
             + (SELECT count(*) FROM container_stats WHERE host_id = $1 AND time > now() - interval '12 seconds' AND time <= now() - interval '2 seconds'))::int AS n`,
      [hostId],
    );
    const rowsPerSec = Math.max(1, (r?.n ?? 0) / 10);
    const outageMs = Math.min(60_000, Math.max(20_000, Math.ceil((1.5 * MAX_BUFFERED_ROWS) / rowsPerSec) * 1000));
    await pg.stop();
    pgRunning = false;
    const downFromMs = Date.now();
    note(`PostgreSQL stopped for ${outageMs} ms (${rowsPerSec.toFixed(0)} rows/s, memory bound ${MAX_BUFFERED_ROWS} rows)`);
    await sleep(outageMs);
    expect(c.alive).toBe(true);
    await startPostgres();
    const upAtMs = Date.now();
    await waitStoredAfter(upAtMs, 'rows collected after PostgreSQL came back');
    const [during] = await query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM container_logs WHERE host_id = $1 AND time BETWEEN $2 AND $3)
             + (SELECT count(*) FROM container_stats WHERE host_id = $1 AND time BETWEEN $2 AND $3))::int AS n`,
      [hostId, new Date(downFromMs), new Date(upAtMs)],
    );
    // The outage did what it says: more rows than the memory bound were collected while it lasted.
    expect(during?.n).toBeGreaterThan(MAX_BUFFERED_ROWS);
    expect(c.alive).toBe(true);
  }, 150_000);

  it('3. dockerd restarted (the test\'s own engine)', async () => {
    const c = await ready();
    engineCutsMs.push(Date.now());
    note('dockerd stopping');
    await engine.stop();
    await engine.start();
    note('dockerd started again');
    await waitFor('every workload container running again', async () => {
      const list = await engine.docker.listContainers();
      return list.length >= workload.length - 1; // the restart loop may be between runs
    }, 60_000);
    await sleep(nextSlotStart(Date.now() + 2 * SLOT_MS) - Date.now());
    expect(c.alive).toBe(true);
  }, 150_000);

  withSpool('4. the spool\'s filesystem filled, then freed', async () => {
    const c = await ready();
    const written = spoolFs.fill();
    const filledAtMs = Date.now();
    note(`spool filesystem filled (${written} bytes written, ${await spoolFs.freeBytes()} free)`);
    // It says so (rows held in memory only) and goes on collecting.
    await waitFor('dockpulse_collector_spool_state{state="disk-full"} 1 on /metrics',
      async () => (await c.metric('dockpulse_collector_spool_state{state="disk-full"}')) === 1, 3 * SLOT_MS);
    // The heartbeat says so too, and the provisioned rule's own query fires on it (its `for: 1m`
    // is Grafana's pending period, not the query's).
    await waitHeartbeat('disk-full', filledAtMs);
    const whileFull = await spoolRule();
    note(`${SPOOL_RULE_UID} while full: firing ${JSON.stringify(whileFull.firing)}`);
    expect(whileFull.firing).toContain(hostId);
    await sleep(filledAtMs + 3 * SLOT_MS - Date.now());
    expect(c.alive).toBe(true);
    spoolFs.free();
    const freedAtMs = Date.now();
    note('spool filesystem freed');
    await waitFor('dockpulse_collector_spool_state{state="writing"} 1 on /metrics',
      async () => (await c.metric('dockpulse_collector_spool_state{state="writing"}')) === 1, 3 * SLOT_MS);
    await waitHeartbeat('writing', freedAtMs);
    const afterFree = await spoolRule();
    expect({ firing: afterFree.firing.includes(hostId), quiet: afterFree.quiet.includes(hostId) }).toEqual({ firing: false, quiet: true });
    await sleep(2 * SLOT_MS);
    expect(c.alive).toBe(true);
  }, 150_000);

  it('5. SIGTERM to finish: the collector stops cleanly', async () => {
    const c = await ready();
    // The workload stops first, so every line it printed was printed before the collector stops.
    await Promise.all(workload.map((w) => engine.docker.getContainer(w.id).stop({ t: 2 }).catch(() => undefined)));
    note('workload stopped');
    await sleep(3_000);
    windowToMs = Date.now();
    const exit = await c.signal('SIGTERM');
    note(`collector ${collectors.length} stopped: ${JSON.stringify(exit)}`);
    expect(exit).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('stores every line, event and stats slot the engine produced, once', async () => {
    if (!pgRunning) await startPostgres();
    expect(windowFromMs).toBeDefined();
    expect(windowToMs).toBeDefined();
    const from = windowFromMs as number;
    const to = windowToMs as number;
    const lines: string[] = [];
    const sum = (ts: Tally[]): Tally => ts.reduce(
      (a, t) => ({ expected: a.expected + t.expected, stored: a.stored + t.stored, missing: a.missing + t.missing, duplicated: a.duplicated + t.duplicated, unexpected: a.unexpected + t.unexpected }),
      { expected: 0, stored: 0, missing: 0, duplicated: 0, unexpected: 0 },
    );

    // Log lines: every line the engine holds for each container, in the engine's order.
    const logTallies: Tally[] = [];
    let outOfOrder = 0;
    const missingLines: string[] = [];
    for (const w of workload) {
      const engineLines = (await engine.logs(w.name)).stdout.split('\n').filter(Boolean).map((l) => l.slice(l.indexOf(' ') + 1));
      const stored = (await query<{ message: string }>(
        "SELECT message FROM container_logs WHERE host_id = $1 AND container_id = $2 AND stream = 'stdout' ORDER BY time, seq",
        [hostId, w.id],
      )).map((r) => r.message);
      const t = compareLogLines(engineLines, stored);
      if (!t.inOrder) outOfOrder++;
      missingLines.push(...t.missingKeys.slice(0, 3));
      logTallies.push(t);
    }
    const logs = sum(logTallies);
    lines.push(formatTally(`log lines (${LOGGERS} loggers at ${LOGGER_LINES_PER_SEC}/s, restart loop)`, logs) + `, containers out of order ${outOfOrder}`);

    // Events in the window, by the engine's exact timeNano.
    const expectedEvents = observer.between(from, to).map(eventKey);
    const storedEvents = (await query<{ container_id: string; action: string; nano: string }>(
      'SELECT container_id, action, time_nano::text AS nano FROM container_events WHERE host_id = $1 AND time_nano BETWEEN $2 AND $3',
      [hostId, (BigInt(from) * 1_000_000n).toString(), (BigInt(to) * 1_000_000n).toString()],
    )).map((r) => eventKey({ containerId: r.container_id, action: r.action, timeNano: r.nano }));
    const events = tally(expectedEvents, storedEvents);
    lines.push(formatTally('events', events));

    // Stats: one sample per running container in every slot the collector lived through.
    const collectorAlive: Interval[] = collectors
      .filter((c) => c.runningAtMs !== undefined && c.endedAtMs !== undefined)
      .map((c) => ({ fromMs: c.runningAtMs as number, toMs: c.endedAtMs as number }));
    const running = new Map(workload.map((w) => [w.id, runningIntervals(observer.stateChanges(w.id), engineCutsMs, to)]));
    const samples = new Map<string, number[]>(workload.map((w) => [w.id, []]));
    for (const r of await query<{ container_id: string; time: Date }>('SELECT container_id, time FROM container_stats WHERE host_id = $1', [hostId])) {
      samples.get(r.container_id)?.push(r.time.getTime());
    }
    const slots = compareStatsSlots({ collectorAlive, running, samples, startMarginMs: 1_000, collectedWithinMs: COLLECTED_WITHIN_MS });
    lines.push(formatTally(`stats slots (${LOGGERS + 1 + STATS_ONLY} containers, ${collectorAlive.length} collector lives)`, slots));

    console.log(`fault schedule ${runId}:\n${lines.join('\n')}` +
      (missingLines.length ? `\nfirst missing lines: ${missingLines.join(' | ')}` : '') +
      (events.missingKeys.length ? `\nfirst missing events: ${events.missingKeys.slice(0, 5).join(' | ')}` : '') +
      (slots.missingKeys.length ? `\nfirst missing slots: ${slots.missingKeys.slice(0, 5).join(' | ')}` : '') +
      (slots.duplicatedKeys.length ? `\nfirst duplicated slots: ${slots.duplicatedKeys.slice(0, 5).join(' | ')}` : ''));

    // The run produced something to judge.
    expect(logs.expected).toBeGreaterThan(1_000);
    expect(events.expected).toBeGreaterThan(10);
    expect(slots.expected).toBeGreaterThan(100);
    expect({ logs: { missing: logs.missing, duplicated: logs.duplicated, unexpected: logs.unexpected, outOfOrder } })
      .toEqual({ logs: { missing: 0, duplicated: 0, unexpected: 0, outOfOrder: 0 } });
    expect({ events: { missing: events.missing, duplicated: events.duplicated, unexpected: events.unexpected } })
      .toEqual({ events: { missing: 0, duplicated: 0, unexpected: 0 } });
    expect({ slots: { missing: slots.missing, duplicated: slots.duplicated } }).toEqual({ slots: { missing: 0, duplicated: 0 } });
  }, 60_000);
});

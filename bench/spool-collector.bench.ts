// What the write-ahead spool costs the real collector: the compiled collector (collector/dist) run
// as a user runs it, against the real engine with N containers that print log lines, and a real
// PostgreSQL, two ways side by side in one run:
//   spool   the collector as it ships: every row through the write-ahead spool;
//   memory  the same collector with the spool's file work taken out (bench/spool-collector/child.ts):
//           no encoding, no writes, no fdatasync, no checkpoint. The writer's bookkeeping stays.
// Each run is a fresh collector process with a spool of its own: it reaches the database, warms up,
// then its CPU is read over a window of whole stats cycles (5 s schedule, status every 30 s, the
// events stream, log following: everything the collector does). CPU is exact: the sum over the
// process's threads of /proc/<pid>/task/<tid>/schedstat (time on a CPU, ns). Stats cycles come from
// its /metrics. The spool's calls are also timed in place in both ways (wall time inside them).
// Runs alternate between the ways, so a drift of the machine's load hits both alike.
// Run: npx tsc -b && npx tsx bench/spool-collector.bench.ts [--containers 50,200] [--window-s 60]
//        [--warmup-s 12] [--repeat 3] [--log-lines-per-s 1] [--cpu-prof DIR (each collector's V8 CPU profile, for
//        where its time goes)]
// Figures are printed, never asserted; bench/README.md records them with the machine's load.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { createTestDatabase, type TestDatabase } from '../common/src/testing';
import { freePort } from '../common/src/testing-postgres';
import { flag, sizesFlag } from './flags';
import { median } from './median';

const ROOT = path.resolve(__dirname, '..');
const IMAGE = 'dockpulse/testbox:latest';
const LABEL = 'dockpulse.bench';
const LABEL_VALUE = 'spool-collector';
const WAYS = ['spool', 'memory'] as const;
type Way = (typeof WAYS)[number];

const SIZES = sizesFlag('containers', '50,200');
const WINDOW_S = Number(flag('window-s', '60'));
const WARMUP_S = Number(flag('warmup-s', '12'));
const REPEAT = Number(flag('repeat', '3'));
const LOG_LINES_PER_S = Number(flag('log-lines-per-s', '1'));
const CPU_PROF_DIR = flag('cpu-prof', '');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/**
 * Time on a CPU so far, in ms: of every thread of the process (threads that ended are not counted),
 * and of its main thread (the event loop) alone.
 */
function processCpuMs(pid: number): { all: number; main: number } {
  let all = 0;
  let main = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      all += ns;
      if (Number(tid) === pid) main = ns;
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return { all: all / 1e6, main: main / 1e6 };
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name}`);
  return Number(line.split(' ')[1]);
}

interface InPlace {
  appendMs: number;
  releaseMs: number;
  syncMs: number;
  commitMs: number;
}

class BenchCollector {
  readonly child: ChildProcess;
  private readonly reportPath: string;
  private output = '';
  readonly spoolDir: string;

  constructor(readonly way: Way, db: TestDatabase, readonly metricsPort: number) {
    const dir = mkdtempSync(path.join(tmpdir(), 'dockpulse-spool-collector-'));
    this.spoolDir = path.join(dir, 'spool');
    this.reportPath = path.join(dir, 'report.json');
    const profile = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', path.join(CPU_PROF_DIR, way)] : [];
    this.child = spawn(process.execPath, [...profile, '--import', 'tsx', path.join(__dirname, 'spool-collector', 'child.ts')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? '/root',
        DATABASE_URL: db.url,
        SPOOL_DIR: this.spoolDir,
        METRICS_PORT: String(metricsPort),
        HOST_ID: 'bench-spool-collector',
        LOG_LEVEL: 'info',
        SPOOL_BENCH_WAY: way,
        SPOOL_BENCH_REPORT: this.reportPath,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-20_000);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
  }

  get pid(): number {
    if (!this.child.pid) throw new Error('collector did not start');
    return this.child.pid;
  }

  /** Until it logs `collector running` (database reached, migrated, jobs resumed). */
  async running(timeoutMs = 60_000): Promise<void> {
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(200)) {
      if (this.child.exitCode !== null) throw new Error(`collector exited ${this.child.exitCode}:\n${this.output}`);
      if (this.output.includes('"msg":"collector running')) return;
    }
    throw new Error(`collector not running after ${timeoutMs} ms:\n${this.output}`);
  }

  async inPlace(): Promise<InPlace> {
    rmSync(this.reportPath, { force: true });
    this.child.kill('SIGUSR2');
    for (let i = 0; i < 50; i++) {
      await sleep(20);
      try {
        return JSON.parse(readFileSync(this.reportPath, 'utf8')) as InPlace;
      } catch {
        // not written yet
      }
    }
    throw new Error('collector wrote no report on SIGUSR2');
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    await exited;
    rmSync(path.dirname(this.spoolDir), { recursive: true, force: true });
  }
}

interface Run {
  way: Way;
  cyclesInWindow: number;
  cpuMsPerCycle: number;
  mainThreadMsPerCycle: number;
  spoolMsPerCycle: number;
  appendsPerCycle: number;
  syncsPerCycle: number;
  samplesPerCycle: number;
}

async function measure(way: Way, db: TestDatabase): Promise<Run> {
  const port = await freePort();
  const collector = new BenchCollector(way, db, port);
  try {
    await collector.running();
    await sleep(WARMUP_S * 1000);
    const cycles0 = await metric(port, 'dockpulse_collector_stats_cycles_total');
    const samples0 = await metric(port, 'dockpulse_collector_stats_samples_total');
    const appends0 = await metric(port, 'dockpulse_collector_spool_appends');
    const syncs0 = await metric(port, 'dockpulse_collector_spool_syncs');
    const inPlace0 = await collector.inPlace();
    const cpu0 = processCpuMs(collector.pid);
    await sleep(WINDOW_S * 1000);
    const cpu1 = processCpuMs(collector.pid);
    const inPlace1 = await collector.inPlace();
    const cycles = (await metric(port, 'dockpulse_collector_stats_cycles_total')) - cycles0;
    const samples = (await metric(port, 'dockpulse_collector_stats_samples_total')) - samples0;
    const appends = (await metric(port, 'dockpulse_collector_spool_appends')) - appends0;
    const syncs = (await metric(port, 'dockpulse_collector_spool_syncs')) - syncs0;
    if (cycles <= 0) throw new Error(`${way}: no stats cycle in a ${WINDOW_S} s window`);
    // commit holds append; release and sync run outside it.
    const spoolMs = inPlace1.commitMs - inPlace0.commitMs + (inPlace1.releaseMs - inPlace0.releaseMs) + (inPlace1.syncMs - inPlace0.syncMs);
    return {
      way,
      cyclesInWindow: cycles,
      cpuMsPerCycle: (cpu1.all - cpu0.all) / cycles,
      mainThreadMsPerCycle: (cpu1.main - cpu0.main) / cycles,
      spoolMsPerCycle: spoolMs / cycles,
      appendsPerCycle: appends / cycles,
      syncsPerCycle: syncs / cycles,
      samplesPerCycle: samples / cycles,
    };
  } finally {
    await collector.stop();
  }
}

async function startContainers(docker: Docker, count: number): Promise<void> {
  const pause = Math.round(1e6 / LOG_LINES_PER_S);
  const line = 'GET /api/v1/items?page=$i 200 12ms upstream=10.0.3.7:8080 request_id=$i-$$ user_agent=curl/8.5';
  const script = `trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo "${line}"; usleep ${pause}; done`;
  const have = (await docker.listContainers({ filters: { label: [`${LABEL}=${LABEL_VALUE}`] } })).length;
  const todo = Array.from({ length: Math.max(0, count - have) }, (_, i) => have + i);
  for (let i = 0; i < todo.length; i += 8) {
    await Promise.all(
      todo.slice(i, i + 8).map(async () => {
        const c = await docker.createContainer({ Image: IMAGE, Cmd: ['sh', '-c', script], Labels: { [LABEL]: LABEL_VALUE } });
        await c.start();
      }),
    );
  }
}

async function removeContainers(docker: Docker): Promise<void> {
  const all = await docker.listContainers({ all: true, filters: { label: [`${LABEL}=${LABEL_VALUE}`] } });
  for (let i = 0; i < all.length; i += 16) {
    await Promise.all(all.slice(i, i + 16).map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  }
}

async function main(): Promise<void> {
  const docker = new Docker();
  const running = (await docker.listContainers()).filter((c) => c.Labels?.[LABEL] !== LABEL_VALUE).length;
  console.log(
    `load average ${load()}; windows of ${WINDOW_S} s after ${WARMUP_S} s warm-up; ${REPEAT} runs per way and size; ` +
      `${LOG_LINES_PER_S} log line/s per container; ${running} other containers running on this engine`,
  );
  const db = await createTestDatabase();
  const summary: string[] = [];
  try {
    for (const size of SIZES) {
      await startContainers(docker, size);
      const runs: Run[] = [];
      for (let r = 0; r < REPEAT; r++) {
        const order = r % 2 === 0 ? WAYS : [...WAYS].reverse();
        for (const way of order) {
          const run = await measure(way, db);
          runs.push(run);
          console.log(
            `${size} containers, run ${r + 1}, ${way}: ${run.cpuMsPerCycle.toFixed(2)} ms CPU per stats cycle, main thread ${run.mainThreadMsPerCycle.toFixed(2)} ` +
              `(${run.cyclesInWindow} cycles, ${run.samplesPerCycle.toFixed(0)} samples each); spool in place ${run.spoolMsPerCycle.toFixed(3)} ms; ` +
              `appends ${run.appendsPerCycle.toFixed(2)}, fdatasyncs ${run.syncsPerCycle.toFixed(2)} per cycle; load ${load()}`,
          );
        }
      }
      const of = (way: Way, pick: (r: Run) => number) => runs.filter((r) => r.way === way).map(pick);
      const ratios = (pick: (r: Run) => number) =>
        Array.from({ length: REPEAT }, (_, r) => {
          const pair = runs.slice(r * 2, r * 2 + 2);
          return pick(pair.find((p) => p.way === 'spool') as Run) / pick(pair.find((p) => p.way === 'memory') as Run);
        });
      const ratio = (pick: (r: Run) => number) => {
        const xs = ratios(pick);
        return `${median(xs).toFixed(3)}x (${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)})`;
      };
      const spoolCpu = median(of('spool', (r) => r.cpuMsPerCycle));
      const memoryCpu = median(of('memory', (r) => r.cpuMsPerCycle));
      const memoryMain = median(of('memory', (r) => r.mainThreadMsPerCycle));
      const inPlace = median(of('spool', (r) => r.spoolMsPerCycle));
      summary.push(
        `| ${size} | ${spoolCpu.toFixed(2)} | ${memoryCpu.toFixed(2)} | ${ratio((r) => r.cpuMsPerCycle)} | ` +
          `${median(of('spool', (r) => r.mainThreadMsPerCycle)).toFixed(2)} | ${memoryMain.toFixed(2)} | ${ratio((r) => r.mainThreadMsPerCycle)} | ` +
          `${inPlace.toFixed(3)} ms (${((100 * inPlace) / memoryCpu).toFixed(1)} %, ${((100 * inPlace) / memoryMain).toFixed(1)} %) | ` +
          `${median(of('spool', (r) => r.appendsPerCycle)).toFixed(2)} | ${median(of('spool', (r) => r.syncsPerCycle)).toFixed(2)} |`,
      );
    }
  } finally {
    await removeContainers(docker);
    await db.drop();
  }
  console.log(`\nmedians per stats cycle (target: spool <= 1.10x memory); load average at the end ${load()}`);
  console.log(
    '| containers | process CPU ms: spool | memory | spool/memory: median (range) | main thread ms: spool | memory | spool/memory | ' +
      "spool in place (share of memory's process, main thread) | appends | fdatasyncs |",
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const row of summary) console.log(row);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

// Stats cycles of the collector over N idle containers, three ways side by side in one run: the
// cgroup sampler (kernel files), the engine path (one-shot stats calls) and `docker stats --no-stream`.
// Run: npx tsc -b && npx tsx bench/collector-cycle.bench.ts [--containers 50,200,500] [--cycles 5]
// Each sampler runs in its own plain-node child process over the compiled collector (collector/dist),
// as the collector runs in production, so its peak RSS is its own (no tsx, no bench code).
// Figures are printed, never asserted; bench/README.md records them with the machine's load.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { flag, sizesFlag } from './flags';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..');
const DIST = path.join(ROOT, 'collector', 'dist');
const IMAGE = 'dockpulse/testbox:latest';

const SIZES = sizesFlag('containers', '50,200').sort((a, b) => a - b);
const CYCLES = Number(flag('cycles', '5'));
// The engine path takes ~1 s per STATS_CONCURRENCY (64) containers; fewer cycles keep big sizes short.
const engineCycles = (n: number) => (n > 200 ? Math.min(CYCLES, 3) : CYCLES);
const TARGETS = { wallMsAt500: 1000, cpuMsAt500: 60, rssMbAt500: 100, speedupAt200: 10 };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const r1 = (x: number) => Number(x.toFixed(1));

/** The child: one sampler, a warm-up cycle, then timed cycles 1 s apart; prints one JSON line. */
const CHILD = String.raw`
const path = require('node:path');
const [dist, root, mode, cycles] = process.argv.slice(1);
const pino = require(path.join(root, 'node_modules', 'pino'));
const { StatsJob } = require(path.join(dist, 'jobs', 'stats-job.js'));
const { CollectorMetrics } = require(path.join(dist, 'metrics.js'));
const { DockerEngine } = require(path.join(dist, 'docker', 'client.js'));
const { chooseSampler } = require(path.join(dist, 'cgroup', 'index.js'));
(async () => {
  const logger = pino({ level: 'silent' });
  const engine = new DockerEngine({ socketPath: '/var/run/docker.sock' }, 30000);
  const info = await engine.info();
  const sampler = mode === 'cgroup'
    ? chooseSampler({ mode: 'cgroup', cgroupRoot: '/sys/fs/cgroup', procRoot: '/proc', engine }, info).sampler
    : undefined;
  let rows = 0;
  const sink = { write() { rows += 1; } };
  const job = new StatsJob({ engine, sink, pool: {}, hostId: 'bench', metrics: new CollectorMetrics(logger), logger }, 64, sampler);
  job.hostMemTotalBytes = info.MemTotal;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await job.run(); // warm-up: connections, JIT; the cgroup sampler inspects each container once
  const warm = { wallMs: performance.now() - t0, cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(c0)) };
  const wallMs = [], cpuMs = [], samples = [], fallbacks = [];
  for (let i = 0; i < Number(cycles); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    const r = await job.run();
    wallMs.push(performance.now() - start);
    const cpu = process.cpuUsage(cpu0);
    cpuMs.push((cpu.user + cpu.system) / 1000);
    samples.push(r.samples);
    fallbacks.push(r.engineFallbacks + r.vanished + r.errors);
  }
  process.stdout.write(JSON.stringify({ warm, wallMs, cpuMs, samples, fallbacks, maxRssKb: process.resourceUsage().maxRSS, rows }) + '\n');
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

interface ChildResult {
  warm: { wallMs: number; cpuMs: number };
  wallMs: number[];
  cpuMs: number[];
  samples: number[];
  fallbacks: number[];
  maxRssKb: number;
}

function runChild(mode: 'cgroup' | 'engine', cycles: number): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, DIST, ROOT, mode, String(cycles)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as ChildResult) : reject(new Error(`${mode} child exited ${code}`))));
  });
}

/** `docker stats --no-stream` as a child process: wall time and the CLI's own CPU and peak RSS. */
async function cliStats(ids: string[]): Promise<{ wallMs: number; cpuMs: number; maxRssKb: number }> {
  const t0 = performance.now();
  const { stderr } = await run('/usr/bin/time', ['-f', '%U %S %M', 'docker', 'stats', '--no-stream', ...ids], { maxBuffer: 64 * 1024 * 1024 });
  const wallMs = performance.now() - t0;
  const [user, sys, rss] = (stderr.trim().split('\n').pop() ?? '0 0 0').split(' ').map(Number) as [number, number, number];
  return { wallMs, cpuMs: (user + sys) * 1000, maxRssKb: rss };
}

interface SamplerFigures {
  wall_ms: number;
  cpu_ms: number;
  peak_rss_mb: number;
}
interface Row {
  containers_ours: number;
  containers_running_on_engine: number;
  load_average_1m: number;
  cgroup: SamplerFigures & { samples: number; not_sampled_from_files: number; first_cycle_wall_ms: number; wall_ms_all: number[] };
  engine: SamplerFigures & { samples: number; wall_ms_all: number[] };
  docker_stats_no_stream: SamplerFigures;
  ratios: { engine_to_cgroup_wall: number; engine_to_cgroup_cpu: number; cli_to_cgroup_wall: number };
}

async function main(): Promise<void> {
  if (!existsSync(path.join(DIST, 'cgroup', 'index.js'))) throw new Error('collector/dist is missing or stale: run `npx tsc -b` first');
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const runId = randomBytes(4).toString('hex');
  const ids: string[] = [];
  const report: Row[] = [];
  console.log(`load average at start: ${loadavg().map((x) => x.toFixed(2)).join(' ')}; sizes ${SIZES.join(', ')}; ${CYCLES} cycles`);
  try {
    for (const size of SIZES) {
      console.log(`starting idle containers of ${IMAGE} up to ${size} ...`);
      while (ids.length < size) {
        const batch = await Promise.all(
          Array.from({ length: Math.min(10, size - ids.length) }, async (_, k) => {
            const c = await docker.createContainer({
              Image: IMAGE,
              name: `dp-bench-${runId}-${ids.length + k}`,
              Cmd: ['sleep', '36000'],
              Labels: { 'dockpulse.test': 'collector', 'dockpulse.bench.run': runId },
            });
            await c.start();
            return c.id;
          }),
        );
        ids.push(...batch);
      }
      const running = (await docker.listContainers()).length;
      const cgroup = await runChild('cgroup', CYCLES);
      const engine = await runChild('engine', engineCycles(size));
      const cli = await cliStats(ids);
      const row: Row = {
        containers_ours: size,
        containers_running_on_engine: running,
        load_average_1m: r1(loadavg()[0] as number),
        cgroup: {
          wall_ms: r1(median(cgroup.wallMs)),
          cpu_ms: r1(median(cgroup.cpuMs)),
          peak_rss_mb: r1(cgroup.maxRssKb / 1024),
          samples: median(cgroup.samples),
          not_sampled_from_files: Math.max(...cgroup.fallbacks),
          first_cycle_wall_ms: r1(cgroup.warm.wallMs),
          wall_ms_all: cgroup.wallMs.map(r1),
        },
        engine: {
          wall_ms: r1(median(engine.wallMs)),
          cpu_ms: r1(median(engine.cpuMs)),
          peak_rss_mb: r1(engine.maxRssKb / 1024),
          samples: median(engine.samples),
          wall_ms_all: engine.wallMs.map(r1),
        },
        docker_stats_no_stream: { wall_ms: r1(cli.wallMs), cpu_ms: r1(cli.cpuMs), peak_rss_mb: r1(cli.maxRssKb / 1024) },
        ratios: {
          engine_to_cgroup_wall: r1(median(engine.wallMs) / median(cgroup.wallMs)),
          engine_to_cgroup_cpu: r1(median(engine.cpuMs) / median(cgroup.cpuMs)),
          cli_to_cgroup_wall: r1(cli.wallMs / median(cgroup.wallMs)),
        },
      };
      report.push(row);
      console.log(JSON.stringify(row, null, 2));
    }
    console.log('\n| containers | sampler | cycle wall ms | CPU ms/cycle | peak RSS MB |');
    console.log('|---:|---|---:|---:|---:|');
    for (const r of report) {
      console.log(`| ${r.containers_ours} | cgroup | ${r.cgroup.wall_ms} | ${r.cgroup.cpu_ms} | ${r.cgroup.peak_rss_mb} |`);
      console.log(`| ${r.containers_ours} | engine | ${r.engine.wall_ms} | ${r.engine.cpu_ms} | ${r.engine.peak_rss_mb} |`);
      console.log(`| ${r.containers_ours} | docker stats --no-stream | ${r.docker_stats_no_stream.wall_ms} | ${r.docker_stats_no_stream.cpu_ms} | ${r.docker_stats_no_stream.peak_rss_mb} |`);
    }
    const at = (n: number) => report.find((r) => r.containers_ours === n);
    const t500 = at(500);
    const t200 = at(200);
    console.log('\ntargets (cgroup sampler; printed, never asserted):');
    console.log(`  500 containers: wall <= ${TARGETS.wallMsAt500} ms: ${t500 ? `${t500.cgroup.wall_ms} ms, ${t500.cgroup.wall_ms <= TARGETS.wallMsAt500 ? 'met' : 'NOT met'}` : 'not run'}`);
    console.log(`  500 containers: CPU <= ${TARGETS.cpuMsAt500} ms/cycle: ${t500 ? `${t500.cgroup.cpu_ms} ms, ${t500.cgroup.cpu_ms <= TARGETS.cpuMsAt500 ? 'met' : 'NOT met'}` : 'not run'}`);
    console.log(`  500 containers: RSS <= ${TARGETS.rssMbAt500} MB: ${t500 ? `${t500.cgroup.peak_rss_mb} MB, ${t500.cgroup.peak_rss_mb <= TARGETS.rssMbAt500 ? 'met' : 'NOT met'}` : 'not run'}`);
    console.log(`  200 containers: >= ${TARGETS.speedupAt200}x faster than the engine path (wall): ${t200 ? `${t200.ratios.engine_to_cgroup_wall}x, ${t200.ratios.engine_to_cgroup_wall >= TARGETS.speedupAt200 ? 'met' : 'NOT met'}` : 'not run'}`);
  } finally {
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(ids.slice(i, i + 25).map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    }
    console.log(`removed ${ids.length} containers; load average at end: ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// One stats cycle of the collector over 50 idle containers, next to `docker stats --no-stream` on
// the same containers. Run: npx tsx bench/collector-cycle.bench.ts [containers] [cycles]
// Prints wall time and process CPU per cycle (median), the collector's peak RSS, and ratios.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import pino from 'pino';
import type { Pool } from 'pg';
import type { RowSink, TableName, TableRows } from '@dockpulse/common';
import { DockerEngine } from '../collector/src/docker/client';
import { StatsJob } from '../collector/src/jobs/stats-job';
import { CollectorMetrics } from '../collector/src/metrics';

const run = promisify(execFile);
const CONTAINERS = Number(process.argv[2] ?? 50);
const CYCLES = Number(process.argv[3] ?? 7);
const IMAGE = 'dockpulse/testbox:latest';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

class CountingSink implements RowSink {
  rows = 0;
  write<T extends TableName>(_table: T, _row: TableRows[T]): void {
    this.rows += 1;
  }
}

async function main(): Promise<void> {
  const docker = new Docker({ socketPath: '/var/run/docker.sock' });
  const runId = randomBytes(4).toString('hex');
  const ids: string[] = [];
  try {
    console.log(`starting ${CONTAINERS} idle containers of ${IMAGE} ...`);
    for (let i = 0; i < CONTAINERS; i += 10) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(10, CONTAINERS - i) }, async (_, k) => {
          const c = await docker.createContainer({
            Image: IMAGE,
            name: `dp-bench-${runId}-${i + k}`,
            Cmd: ['sleep', '3600'],
            Labels: { 'dockpulse.test': 'collector', 'dockpulse.bench.run': runId },
          });
          await c.start();
          return c.id;
        }),
      );
      ids.push(...batch);
    }
    const logger = pino({ level: 'silent' });
    const sink = new CountingSink();
    const job = new StatsJob(
      { engine: new DockerEngine({ socketPath: '/var/run/docker.sock' }, 10_000), sink, pool: {} as Pool, hostId: 'bench', metrics: new CollectorMetrics(logger), logger },
      64, // the collector's default STATS_CONCURRENCY
    );
    await job.run(); // warm-up: connections, JIT, the previous-sample cache
    const wallMs: number[] = [];
    const cpuMs: number[] = [];
    const samples: number[] = [];
    for (let i = 0; i < CYCLES; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const r = await job.run();
      wallMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(cpu0);
      cpuMs.push((cpu.user + cpu.system) / 1000);
      samples.push(r.samples);
      await new Promise((r2) => setTimeout(r2, 500));
    }
    // The kernel's high-water mark: sampling memoryUsage() in a timer would add its own CPU to the cycles.
    const peakRss = process.resourceUsage().maxRSS * 1024;

    const cliMs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      await run('docker', ['stats', '--no-stream', ...ids], { maxBuffer: 16 * 1024 * 1024 });
      cliMs.push(performance.now() - t0);
    }

    const all = await docker.listContainers();
    const result = {
      containers_ours: ids.length,
      containers_running_on_engine: all.length,
      samples_per_cycle: median(samples),
      cycle_wall_ms_median: Number(median(wallMs).toFixed(1)),
      cycle_wall_ms_all: wallMs.map((x) => Number(x.toFixed(1))),
      cycle_cpu_ms_median: Number(median(cpuMs).toFixed(1)),
      peak_rss_mb: Number((peakRss / 1024 / 1024).toFixed(1)),
      docker_stats_no_stream_wall_ms_median: Number(median(cliMs).toFixed(1)),
      ratio_collector_to_docker_stats: Number((median(wallMs) / median(cliMs)).toFixed(3)),
      targets: { cycle_wall_ms: '< 1000', cycle_cpu_ms: '< 50', peak_rss_mb: '< 150' },
      within_targets: median(wallMs) < 1000 && median(cpuMs) < 50 && peakRss < 150 * 1024 * 1024,
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await Promise.all(ids.map((id) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
    console.log(`removed ${ids.length} containers`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// Cached vs uncached throughput and latency of GET /containers and GET /containers/:id/stats/latest.
// Run: npx tsc -b && npx tsx bench/api-load.bench.ts   (needs PostgreSQL and Redis of start-services.sh)
import autocannon from 'autocannon';
import { createPool } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { seedRows, startApiProcess } from './api-common';

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const CONTAINERS = 200;

async function load(url: string, rate?: number): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({ url, connections: 10, duration: DURATION_S, ...(rate ? { overallRate: rate } : {}) });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const pool = createPool({ connectionString: db.url, max: 4 });
  const now = Date.now();
  const id = (i: number) => i.toString(16).padStart(64, '0');
  await seedRows(pool, (write) => {
    write('hosts', { host_id: 'bench', name: 'bench', engine_version: null, api_version: null, os: null, kernel: null, cpus: 2, mem_total_bytes: null, cgroup_version: 2, last_seen: new Date() });
    for (let i = 1; i <= CONTAINERS; i++) {
      write('container_info', {
        host_id: 'bench', container_id: id(i), name: `svc-${i}`, image: 'nginx:1.25', image_id: null, command: null, created_at: null, started_at: null,
        finished_at: null, state: i % 4 ? 'running' : 'exited', status: null, health: null, restart_count: 0, exit_code: null, oom_killed: false,
        labels: { tier: i % 2 ? 'front' : 'back' }, compose_project: 'bench', compose_service: `svc-${i % 10}`, cpu_limit_cores: null, mem_limit_bytes: null,
        last_seen: new Date(), removed_at: null,
      });
      // An hour of 5 s samples each: /stats/latest has real partitions to search.
      for (let k = 0; k < 720; k++) {
        write('container_stats', {
          time: new Date(now - (720 - k) * 5_000), host_id: 'bench', container_id: id(i), cpu_percent: k % 100, mem_used_bytes: 1e8 + k, mem_usage_bytes: 1e8 + k,
          mem_limit_bytes: 2 ** 30, mem_percent: 9.3, net_rx_bytes: k * 1000, net_tx_bytes: k * 500, blk_read_bytes: 0, blk_write_bytes: 0,
          net_rx_delta: 1000, net_tx_delta: 500, blk_read_delta: 0, blk_write_delta: 0, pids: 4,
        });
      }
    }
  });
  await pool.end();

  const routes = { 'GET /containers': '/api/v1/containers?state=running&limit=50', 'GET /containers/:id/stats/latest': `/api/v1/containers/${id(7)}/stats/latest` };
  const rows: string[] = [];
  const figures: Record<string, number> = {};
  let peakRss = 0;
  for (const [mode, env] of [
    ['cached (Redis)', { CACHE_ENABLED: 'true', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', CACHE_KEY_PREFIX: `bench${now}:` }],
    ['uncached', { CACHE_ENABLED: 'false' }],
  ] as const) {
    const api = await startApiProcess({ DATABASE_URL: db.url, ...env });
    try {
      for (const [name, path] of Object.entries(routes)) {
        const url = api.base + path;
        await load(url, 200); // warm-up: JIT, pool connections, cache
        const max = await load(url);
        rows.push(`| ${name} | ${mode} | max | ${max.rps.toFixed(0)} | ${max.p50} | ${max.p99} | ${max.errors} |`);
        figures[`${name}|${mode}`] = max.rps;
        if (mode.startsWith('cached')) {
          const paced = await load(url, 1_000);
          rows.push(`| ${name} | ${mode} | 1,000 req/s | ${paced.rps.toFixed(0)} | ${paced.p50} | ${paced.p99} | ${paced.errors} |`);
        }
      }
      peakRss = Math.max(peakRss, api.peakRssMb());
    } finally {
      await api.stop();
    }
  }
  await db.drop();

  console.log(`\nAPI load, ${DURATION_S} s per run, 10 connections, ${CONTAINERS} containers\n`);
  console.log('| route | cache | load | req/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|---|');
  console.log(rows.join('\n'));
  for (const name of Object.keys(routes)) {
    console.log(`${name}: cached/uncached throughput = ${(figures[`${name}|cached (Redis)`]! / figures[`${name}|uncached`]!).toFixed(1)}x (target >= 5x)`);
  }
  console.log(`API peak RSS: ${peakRss.toFixed(0)} MB (target < 200 MB)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

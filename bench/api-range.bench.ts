// GET /stats over 30 days of one container at 5 s (~520k rows) among 20 other containers:
// resolution=daily vs resolution=raw bucketed to 1 day. Run: npx tsc -b && npx tsx bench/api-range.bench.ts
import { createPool } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { seedRows, startApiProcess } from './api-common';

const DAY_MS = 86_400_000;
const RUNS = 7;

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const pool = createPool({ connectionString: db.url, max: 4 });
  const end = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const start = end - 30 * DAY_MS;
  const id = (i: number) => i.toString(16).padStart(64, '0');
  const sample = (cid: string, t: number, k: number) => ({
    time: new Date(t), host_id: 'bench', container_id: cid, cpu_percent: k % 100, mem_used_bytes: 1e8 + (k % 1000), mem_usage_bytes: 1e8,
    mem_limit_bytes: 2 ** 30, mem_percent: 9.3, net_rx_bytes: k * 1000, net_tx_bytes: k * 500, blk_read_bytes: 0, blk_write_bytes: 0,
    net_rx_delta: 1000, net_tx_delta: 500, blk_read_delta: 0, blk_write_delta: 0, pids: 4,
  });
  const t0 = Date.now();
  let rows = 0;
  await seedRows(pool, (write) => {
    for (let i = 0; i <= 20; i++) {
      // The measured container at 5 s; the 20 others at 5 min (they only need to share the tables).
      const step = i === 0 ? 5_000 : 300_000;
      for (let t = start, k = 0; t < end; t += step, k++) {
        write('container_stats', sample(id(i), t, k));
        rows++;
      }
    }
  });
  const seededS = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  while ((await pool.query<{ n: number }>('SELECT dockpulse_rollup() AS n')).rows[0]!.n > 0);
  const rollupS = (Date.now() - t1) / 1000;
  await pool.query('ANALYZE');
  await pool.end();

  const api = await startApiProcess({ DATABASE_URL: db.url, CACHE_ENABLED: 'false' });
  const time = async (path: string) => {
    const ms: number[] = [];
    let body: { series: { points: [number, number][] }[]; table: string } | undefined;
    for (let r = 0; r < RUNS; r++) {
      const s = process.hrtime.bigint();
      const res = await fetch(api.base + path);
      body = (await res.json()) as typeof body;
      ms.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    ms.sort((a, b) => a - b);
    return { medianMs: ms[Math.floor(ms.length / 2)]!, body: body! };
  };
  const q = `/api/v1/stats?containers=${id(0)}&from=${start}&to=${end}&metrics=cpu_percent,net_rx_bps`;
  try {
    await time(`${q}&resolution=daily`); // warm-up
    const daily = await time(`${q}&resolution=daily`);
    const raw = await time(`${q}&resolution=raw&intervalMs=${DAY_MS}`);
    console.log(`\nAPI range: ${rows} raw rows (seeded in ${seededS.toFixed(1)} s, rollup ${rollupS.toFixed(1)} s), median of ${RUNS}\n`);
    console.log('| query | table | points | median ms |\n|---|---|---|---|');
    console.log(`| 30 d, resolution=daily | ${daily.body.table} | ${daily.body.series[0]?.points.length} | ${daily.medianMs.toFixed(1)} |`);
    console.log(`| 30 d, resolution=raw, intervalMs=1 d | ${raw.body.table} | ${raw.body.series[0]?.points.length} | ${raw.medianMs.toFixed(1)} |`);
    console.log(`raw/daily latency ratio = ${(raw.medianMs / daily.medianMs).toFixed(0)}x (target >= 50x)`);
    console.log(`API peak RSS: ${api.peakRssMb().toFixed(0)} MB`);
  } finally {
    await api.stop();
    await db.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

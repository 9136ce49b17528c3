// StatsStore's two ways of bucketing ranked containers (one index scan per kept container, or one
// pass over the range joined to the kept ones: LATERAL_MAX_SERIES picks) give the same rows.
import type { ContainerInfoRow, ContainerStatsRow } from '@dockpulse/common';
import { StatsStore, type StatsQuery } from '../src/stats/store';
import { startWithDatabase, type Harness } from './helpers/harness';
import { container, host, MEM_LIMIT_BYTES, seed } from './helpers/seed';

const HOUR_MS = 3_600_000;
const BASE_MS = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 2 * HOUR_MS;
const FLEET: ContainerInfoRow[] = Array.from({ length: 8 }, (_, k) => container(k < 4 ? 'h1' : 'h2', `svc-${k}`));

/** 30 samples 2 min apart; container k's CPU level is 3k %, its received bytes grow with (8 - k). */
function rows(k: number): ContainerStatsRow[] {
  const c = FLEET[k]!;
  return Array.from({ length: 30 }, (_, i) => ({
    time: new Date(BASE_MS + i * 120_000 + k * 1000),
    host_id: c.host_id,
    container_id: c.container_id,
    cpu_percent: 3 * k + (i % 3) * 0.5,
    mem_used_bytes: (k + 1) * 1_000_000 + i * 4096,
    mem_usage_bytes: (k + 1) * 1_000_000 + i * 4096,
    mem_limit_bytes: MEM_LIMIT_BYTES,
    mem_percent: (((k + 1) * 1_000_000 + i * 4096) / MEM_LIMIT_BYTES) * 100,
    net_rx_bytes: (8 - k) * 1000 * (i + 1),
    net_tx_bytes: 0,
    blk_read_bytes: 0,
    blk_write_bytes: 0,
    net_rx_delta: (8 - k) * 1000 + (i === 7 && k === 6 ? 500_000 : 0),
    net_tx_delta: 0,
    blk_read_delta: 0,
    blk_write_delta: 0,
    pids: 1 + k,
  }));
}

let h: Harness;
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  await seed(h.writerPool, (write) => {
    write('hosts', host('h1', 'one'));
    write('hosts', host('h2', 'two'));
    for (const c of FLEET) write('container_info', c);
    FLEET.forEach((_, k) => rows(k).forEach((r) => write('container_stats', r)));
  });
});
afterAll(() => h.close());

const base: StatsQuery = {
  resolution: 'raw',
  fromMs: BASE_MS + 600_000,
  toMs: BASE_MS + HOUR_MS,
  intervalMs: 300_000,
  metrics: ['cpu_percent', 'mem_used_bytes', 'net_rx_bps'],
};

describe('StatsStore ranked containers', () => {
  it.each([
    ['top 3 by cpu_percent (avg)', { ...base, rank: { by: 'cpu_percent', agg: 'avg', limit: 3 } }],
    ['top 2 by net_rx_bps (max: a burst ranks svc-6 first)', { ...base, rank: { by: 'net_rx_bps', agg: 'max', limit: 2 } }],
    ['top 5 of one host', { ...base, host: 'h2', rank: { by: 'mem_used_bytes', agg: 'avg', limit: 5 } }],
    ['top 3 of named containers', { ...base, containers: ['svc-1', 'svc-2', FLEET[5]!.container_id], rank: { by: 'cpu_percent', agg: 'avg', limit: 3 } }],
  ] as [string, StatsQuery][])('%s: one pass over the range answers what one index scan per container answers', async (_, query) => {
    const lateral = await new StatsStore(h.pool, Number.MAX_SAFE_INTEGER).buckets(query);
    const scan = await new StatsStore(h.pool, 0).buckets(query);
    expect(lateral.rows.length).toBeGreaterThan(0);
    expect(scan).toEqual(lateral);
  });

  it('the pass keeps the rank order, then time, and says how many containers competed', async () => {
    const scan = await new StatsStore(h.pool, 0).buckets({ ...base, rank: { by: 'net_rx_bps', agg: 'max', limit: 2 } });
    const order = [...new Set(scan.rows.map((r) => r.container_id))];
    expect(order).toEqual([FLEET[6]!.container_id, FLEET[0]!.container_id]);
    expect(scan.candidates).toBe(8);
    const times = scan.rows.filter((r) => r.container_id === FLEET[6]!.container_id).map((r) => Number(r.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times[0]).toBe(BASE_MS + 600_000);
  });
});

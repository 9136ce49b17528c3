import type { ContainerStatsRow } from '@dockpulse/common';
import { FLEET, HOSTS } from './helpers/fleet';
import { startWithDatabase, type Harness } from './helpers/harness';
import { samples, seed } from './helpers/seed';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
// Three hours of 5-second samples, two days ago, for two containers.
const BASE_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS + HOUR_MS;
const END_MS = BASE_MS + 3 * HOUR_MS;
const [a, b] = [FLEET[0]!, FLEET[2]!];
const rowsA = samples(a.host_id, a.container_id, 0, BASE_MS, 3 * 720);
const rowsB = samples(b.host_id, b.container_id, 1, BASE_MS, 3 * 720);

type MetricName = 'cpu_percent' | 'mem_used_bytes' | 'mem_percent' | 'mem_limit_bytes' | 'net_rx_bps' | 'net_tx_bps' | 'blk_read_bps' | 'blk_write_bps' | 'pids';
const METRICS: MetricName[] = ['cpu_percent', 'mem_used_bytes', 'mem_percent', 'mem_limit_bytes', 'net_rx_bps', 'net_tx_bps', 'blk_read_bps', 'blk_write_bps', 'pids'];

/** What /stats must answer, computed here from the seeded rows. */
function expected(rows: ContainerStatsRow[], metric: MetricName, intervalMs: number, fromMs = BASE_MS, toMs = END_MS): [number, number][] {
  const buckets = new Map<number, ContainerStatsRow[]>();
  for (const r of rows) {
    const t = r.time.getTime();
    if (t < fromMs || t >= toMs) continue;
    const key = Math.floor(t / intervalMs) * intervalMs;
    buckets.set(key, [...(buckets.get(key) ?? []), r]);
  }
  const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const seconds = intervalMs / 1000;
  return [...buckets.entries()].sort(([x], [y]) => x - y).map(([t, rs]) => {
    const v: Record<MetricName, number> = {
      cpu_percent: avg(rs.map((r) => r.cpu_percent!)),
      mem_used_bytes: avg(rs.map((r) => r.mem_used_bytes!)),
      mem_percent: avg(rs.map((r) => r.mem_percent!)),
      mem_limit_bytes: Math.max(...rs.map((r) => r.mem_limit_bytes!)),
      net_rx_bps: sum(rs.map((r) => r.net_rx_delta!)) / seconds,
      net_tx_bps: sum(rs.map((r) => r.net_tx_delta!)) / seconds,
      blk_read_bps: sum(rs.map((r) => r.blk_read_delta!)) / seconds,
      blk_write_bps: sum(rs.map((r) => r.blk_write_delta!)) / seconds,
      pids: Math.max(...rs.map((r) => r.pids!)),
    };
    return [t, v[metric]];
  });
}

function expectPoints(actual: [number, number][], wanted: [number, number][]): void {
  expect(actual.map(([t]) => t)).toEqual(wanted.map(([t]) => t));
  actual.forEach(([, v], i) => {
    const w = wanted[i]![1];
    // Sums in float8 and in JS may differ in the last bits, nothing more.
    expect(Math.abs(v - w)).toBeLessThanOrEqual(Math.abs(w) * 1e-12 + 1e-9);
  });
}

let h: Harness;
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const r of [...rowsA, ...rowsB]) write('container_stats', r);
  });
  await h.writerPool.query('SELECT dockpulse_rollup()');
});
afterAll(() => h.close());

const q = (params: Record<string, string | number>) => h.get(`/api/v1/stats?${new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)]))}`);

describe('GET /api/v1/stats', () => {
  it('answers every metric of every container from raw samples, exactly', async () => {
    const res = await q({ containers: `${a.container_id},db`, from: BASE_MS, to: END_MS, metrics: METRICS.join(','), resolution: 'raw', intervalMs: 60_000 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ resolution: 'raw', table: 'container_stats', intervalMs: 60_000 });
    expect(res.body.series).toHaveLength(2 * METRICS.length);
    for (const [container, rows] of [[a, rowsA], [b, rowsB]] as const) {
      for (const metric of METRICS) {
        const series = res.body.series.find((s: { containerId: string; metric: string }) => s.containerId === container.container_id && s.metric === metric);
        expect(series).toMatchObject({ hostId: container.host_id, containerName: container.name });
        expectPoints(series.points, expected(rows, metric, 60_000));
      }
    }
  });

  it.each([
    ['30 minutes', 30 * 60_000, 'raw', 'container_stats'],
    ['6 hours', 6 * HOUR_MS, 'hourly', 'container_stats_hourly'],
    ['7 days', 7 * DAY_MS, 'daily', 'container_stats_daily'],
  ])('reads the table that fits a range of %s', async (_label, rangeMs, resolution, table) => {
    const res = await q({ containers: a.container_id, from: END_MS - (rangeMs as number), to: END_MS });
    expect(res.body).toMatchObject({ resolution, table });
  });

  it.each([
    ['raw', 'container_stats'],
    ['hourly', 'container_stats_hourly'],
    ['daily', 'container_stats_daily'],
  ])('reads %s when asked, whatever the range', async (resolution, table) => {
    const res = await q({ containers: a.container_id, from: END_MS - 30 * 60_000, to: END_MS, resolution });
    expect(res.body).toMatchObject({ resolution, table });
  });

  it('accepts RFC 3339 times as well as epoch milliseconds', async () => {
    const byMs = await q({ containers: a.container_id, from: BASE_MS, to: BASE_MS + 20 * 60_000, resolution: 'raw' });
    const byText = await q({ containers: a.container_id, from: new Date(BASE_MS).toISOString(), to: new Date(BASE_MS + 20 * 60_000).toISOString(), resolution: 'raw' });
    expect(byText.body.series).toEqual(byMs.body.series);
    expect(byMs.body.series[0].points).toHaveLength(240);
  });

  it.each([1, 2, 7, 100, 179])('never answers more than maxDataPoints=%i points, and each is the exact bucket value', async (maxDataPoints) => {
    const res = await q({ containers: a.container_id, from: BASE_MS + 12_345, to: END_MS, metrics: 'cpu_percent,net_rx_bps', resolution: 'raw', maxDataPoints });
    const intervalMs = res.body.intervalMs as number;
    expect(intervalMs % 5_000).toBe(0);
    for (const series of res.body.series) {
      expect(series.points.length).toBeLessThanOrEqual(maxDataPoints);
      expectPoints(series.points, expected(rowsA, series.metric, intervalMs, BASE_MS + 12_345, END_MS));
    }
  });

  it('hourly rollups answer what raw samples give for the same buckets', async () => {
    const hourly = await q({ containers: `${a.container_id},${b.container_id}`, from: BASE_MS, to: END_MS, metrics: METRICS.join(','), resolution: 'hourly' });
    const raw = await q({ containers: `${a.container_id},${b.container_id}`, from: BASE_MS, to: END_MS, metrics: METRICS.join(','), resolution: 'raw', intervalMs: HOUR_MS });
    expect(hourly.body.intervalMs).toBe(HOUR_MS);
    expect(hourly.body.series).toHaveLength(raw.body.series.length);
    hourly.body.series.forEach((s: { points: [number, number][] }, i: number) => {
      expect(s.points).toHaveLength(3);
      expectPoints(s.points, raw.body.series[i].points);
    });
  });

  it('daily rollups answer what raw samples give for the same day', async () => {
    const dayStart = Math.floor(BASE_MS / DAY_MS) * DAY_MS;
    const daily = await q({ containers: a.container_id, from: dayStart, to: dayStart + DAY_MS, metrics: METRICS.join(','), resolution: 'daily' });
    const raw = await q({ containers: a.container_id, from: dayStart, to: dayStart + DAY_MS, metrics: METRICS.join(','), resolution: 'raw', intervalMs: DAY_MS });
    expect(daily.body.intervalMs).toBe(DAY_MS);
    for (const metric of METRICS) {
      const d = daily.body.series.find((s: { metric: string }) => s.metric === metric);
      expectPoints(d.points, expected(rowsA, metric, DAY_MS, dayStart, dayStart + DAY_MS));
      expectPoints(d.points, raw.body.series.find((s: { metric: string }) => s.metric === metric).points);
    }
  });

  it('filters by host and answers no series for a range without data', async () => {
    const host2 = await q({ host: 'h2', from: BASE_MS, to: END_MS, resolution: 'raw' });
    expect(host2.body.series).toEqual([]);
    const host1 = await q({ host: 'h1', from: BASE_MS, to: END_MS, resolution: 'hourly', metrics: 'pids' });
    expect(host1.body.series.map((s: { containerName: string }) => s.containerName).sort()).toEqual(['db', 'web-1']);
    const empty = await q({ containers: a.container_id, from: END_MS + HOUR_MS, to: END_MS + 2 * HOUR_MS });
    expect(empty.body.series).toEqual([]);
  });
});

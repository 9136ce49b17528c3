// /stats for a fleet: top N, per-host and per-project groups, and the STATS_MAX_SERIES bound, all
// against the real database. Twelve containers on three hosts whose levels are easy to rank.
import type { ContainerInfoRow, ContainerStatsRow } from '@dockpulse/common';
import { startWithDatabase, type Harness } from './helpers/harness';
import { container, host, MEM_LIMIT_BYTES, seed } from './helpers/seed';

const HOUR_MS = 3_600_000;
const BUCKET_MS = 300_000;
// One hour of 60 s samples, starting on a whole hour three hours ago.
const BASE_MS = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 3 * HOUR_MS;
const END_MS = BASE_MS + HOUR_MS;
const MAX_SERIES = 4;

const HOSTS = [host('h1', 'alpha'), host('h2', 'beta'), host('h3', 'gamma')];
const hostOf = (k: number) => (k < 5 ? 'h1' : k < 9 ? 'h2' : 'h3');
const projectOf = (k: number) => (['shop', 'blog', null] as const)[k % 3]!;
const FLEET: ContainerInfoRow[] = Array.from({ length: 12 }, (_, k) =>
  container(hostOf(k), `app-${String(k).padStart(2, '0')}`, { compose_project: projectOf(k), compose_service: projectOf(k) ? 'app' : null }),
);

/**
 * Container k: CPU around 10k %, memory around (k+1) x 10 MB, 1000 (k+1) bytes received a sample;
 * app-00 also receives 300 kB once, so its peak bucket is the fleet's highest but its average is not.
 */
function rows(k: number): ContainerStatsRow[] {
  const c = FLEET[k]!;
  return Array.from({ length: 60 }, (_, i) => {
    const used = (k + 1) * 10_000_000 + (i % 5) * 1000;
    const rx = 1000 * (k + 1) + (k === 0 && i === 30 ? 300_000 : 0);
    return {
      time: new Date(BASE_MS + i * 60_000),
      host_id: c.host_id,
      container_id: c.container_id,
      cpu_percent: 10 * k + (i % 4),
      mem_used_bytes: used,
      mem_usage_bytes: used,
      mem_limit_bytes: MEM_LIMIT_BYTES,
      mem_percent: (used / MEM_LIMIT_BYTES) * 100,
      net_rx_bytes: rx * (i + 1),
      net_tx_bytes: 0,
      blk_read_bytes: 0,
      blk_write_bytes: 0,
      net_rx_delta: rx,
      net_tx_delta: 0,
      blk_read_delta: 0,
      blk_write_delta: 0,
      pids: 2 + k,
    };
  });
}
const ROWS = FLEET.map((_, k) => rows(k));

type M = 'cpu_percent' | 'mem_used_bytes' | 'net_rx_bps';
/** Bucket values of container k, computed here from the rows the test wrote. */
function expected(k: number, metric: M): [number, number][] {
  const out: [number, number][] = [];
  for (let t = BASE_MS; t < END_MS; t += BUCKET_MS) {
    const rs = ROWS[k]!.filter((r) => r.time.getTime() >= t && r.time.getTime() < t + BUCKET_MS);
    const sum = (f: (r: ContainerStatsRow) => number) => rs.reduce((s, r) => s + f(r), 0);
    const v = { cpu_percent: sum((r) => r.cpu_percent!) / rs.length, mem_used_bytes: sum((r) => r.mem_used_bytes!) / rs.length, net_rx_bps: sum((r) => r.net_rx_delta!) / (BUCKET_MS / 1000) };
    out.push([t, v[metric]]);
  }
  return out;
}
/** A group's buckets: containers' bucket values summed (bytes, rates) or averaged (percentages). */
function expectedGroup(ks: number[], metric: M): [number, number][] {
  const per = ks.map((k) => expected(k, metric));
  return per[0]!.map(([t], i) => {
    const total = per.reduce((s, p) => s + p[i]![1], 0);
    return [t, metric === 'cpu_percent' ? total / ks.length : total];
  });
}

function expectPoints(actual: [number, number][], wanted: [number, number][]): void {
  expect(actual.map(([t]) => t)).toEqual(wanted.map(([t]) => t));
  actual.forEach(([, v], i) => expect(Math.abs(v - wanted[i]![1])).toBeLessThanOrEqual(Math.abs(wanted[i]![1]) * 1e-12 + 1e-9));
}

interface S { containerId: string | null; containerName: string | null; hostId: string | null; group?: { by: string; key: string | null; name: string | null }; metric: string; points: [number, number][] }

let h: Harness;
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory', config: { statsMaxSeries: MAX_SERIES } });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const rs of ROWS) for (const r of rs) write('container_stats', r);
  });
});
afterAll(() => h.close());

const q = (params: Record<string, string | number>) =>
  h.get(`/api/v1/stats?${new URLSearchParams(Object.entries({ from: BASE_MS, to: END_MS, resolution: 'raw', intervalMs: BUCKET_MS, ...params }).map(([k, v]): [string, string] => [k, String(v)]))}`);
const names = (series: S[], metric: string) => series.filter((s) => s.metric === metric).map((s) => s.containerName);

describe('GET /api/v1/stats for a fleet', () => {
  it('top=3&by=cpu_percent answers the three busiest containers, busiest first, with every asked metric exact', async () => {
    const res = await q({ top: 3, by: 'cpu_percent', metrics: 'cpu_percent,mem_used_bytes,net_rx_bps' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ truncated: false, ranking: { by: 'cpu_percent', agg: 'avg', top: 3, candidates: 12 } });
    expect(names(res.body.series, 'cpu_percent')).toEqual(['app-11', 'app-10', 'app-09']);
    expect(res.body.series).toHaveLength(9);
    for (const s of res.body.series as S[]) {
      const k = Number(s.containerName!.slice(4));
      expect(s).toMatchObject({ containerId: FLEET[k]!.container_id, hostId: FLEET[k]!.host_id });
      expectPoints(s.points, expected(k, s.metric as M));
    }
  });

  it('ranks by another metric than the ones it answers, by the average over the range', async () => {
    const res = await q({ top: 2, by: 'net_rx_bps', metrics: 'mem_used_bytes' });
    expect(names(res.body.series, 'mem_used_bytes')).toEqual(['app-11', 'app-10']);
  });

  it('agg=max ranks by the highest bucket: one burst puts a quiet container first', async () => {
    const avg = await q({ top: 2, by: 'net_rx_bps', agg: 'avg', metrics: 'net_rx_bps' });
    const max = await q({ top: 2, by: 'net_rx_bps', agg: 'max', metrics: 'net_rx_bps' });
    expect(names(avg.body.series, 'net_rx_bps')).toEqual(['app-11', 'app-10']);
    expect(names(max.body.series, 'net_rx_bps')).toEqual(['app-00', 'app-11']);
    expect(max.body.ranking).toEqual({ by: 'net_rx_bps', agg: 'max', top: 2, candidates: 12 });
    expectPoints(max.body.series[0].points, expected(0, 'net_rx_bps'));
  });

  it('without containers and without top answers at most STATS_MAX_SERIES series per metric, the top ones by the first metric, flagged truncated', async () => {
    const res = await q({ metrics: 'mem_used_bytes,cpu_percent' });
    expect(res.body.truncated).toBe(true);
    expect(res.body.ranking).toEqual({ by: 'mem_used_bytes', agg: 'avg', top: MAX_SERIES, candidates: 12 });
    expect(names(res.body.series, 'mem_used_bytes')).toEqual(['app-11', 'app-10', 'app-09', 'app-08']);
    expect(names(res.body.series, 'cpu_percent')).toEqual(['app-11', 'app-10', 'app-09', 'app-08']);
  });

  it('is not truncated when the fleet (here one host) fits the bound', async () => {
    const res = await q({ host: 'h3', metrics: 'cpu_percent' });
    expect(res.body.truncated).toBe(false);
    expect(names(res.body.series, 'cpu_percent')).toEqual(['app-11', 'app-10', 'app-09']);
  });

  it('answers every container it is given by name, unranked and untruncated', async () => {
    const res = await q({ containers: 'app-00,app-01,app-02,app-03,app-04,app-05', metrics: 'cpu_percent' });
    expect(res.body.truncated).toBe(false);
    expect(res.body.ranking).toBeUndefined();
    expect(res.body.series).toHaveLength(6);
  });

  it('groupBy=host answers one series per host: bytes and rates summed, percentages averaged', async () => {
    const res = await q({ groupBy: 'host', metrics: 'cpu_percent,mem_used_bytes,net_rx_bps' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ groupBy: 'host', truncated: false, ranking: { by: 'cpu_percent', candidates: 3 } });
    const members = { h1: [0, 1, 2, 3, 4], h2: [5, 6, 7, 8], h3: [9, 10, 11] };
    // Ranked by the first metric: h3's containers are the busiest.
    expect((res.body.series as S[]).filter((s) => s.metric === 'cpu_percent').map((s) => s.hostId)).toEqual(['h3', 'h2', 'h1']);
    for (const s of res.body.series as S[]) {
      expect(s).toMatchObject({ containerId: null, containerName: null, group: { by: 'host', key: s.hostId, name: HOSTS.find((x) => x.host_id === s.hostId)!.name } });
      expectPoints(s.points, expectedGroup(members[s.hostId as keyof typeof members], s.metric as M));
    }
  });

  it('groupBy=project answers one series per compose project, containers of no project as one more', async () => {
    const res = await q({ groupBy: 'project', metrics: 'mem_used_bytes', top: 3, by: 'mem_used_bytes' });
    const series = res.body.series as S[];
    expect(series.map((s) => s.group?.key)).toEqual([null, 'blog', 'shop']);
    const members = (p: string | null) => FLEET.map((_, k) => k).filter((k) => projectOf(k) === p);
    for (const s of series) {
      expect(s.hostId).toBeNull();
      expectPoints(s.points, expectedGroup(members(s.group!.key), 'mem_used_bytes'));
    }
  });

  it.each(['host', 'project'])('groupBy=%s with rates only (summed straight from the rows) equals the sum of the containers\' rates', async (groupBy) => {
    const res = await q({ groupBy, metrics: 'net_rx_bps' });
    const series = res.body.series as S[];
    expect(series).toHaveLength(3);
    for (const s of series) {
      const ks = FLEET.map((_, k) => k).filter((k) => (groupBy === 'host' ? hostOf(k) === s.group!.key : projectOf(k) === s.group!.key));
      expectPoints(s.points, expectedGroup(ks, 'net_rx_bps'));
    }
    // Ranked by the rate's average: h3 and the project-less containers receive the most.
    expect(series[0]!.group!.key).toBe(groupBy === 'host' ? 'h3' : null);
  });

  it('top applies to groups too', async () => {
    const res = await q({ groupBy: 'host', top: 1, by: 'mem_used_bytes', metrics: 'net_rx_bps' });
    expect((res.body.series as S[]).map((s) => s.hostId)).toEqual(['h3']);
    expect(res.body.ranking).toEqual({ by: 'mem_used_bytes', agg: 'avg', top: 1, candidates: 3 });
  });

  it.each([
    [{ by: 'cpu_percent' }, 'by'],
    [{ agg: 'max' }, 'agg'],
    [{ top: MAX_SERIES + 1 }, 'top'],
    [{ top: 0 }, 'top'],
    [{ top: 3, by: 'cpu' }, 'by'],
    [{ groupBy: 'cluster' }, 'groupBy'],
    [{ groupBy: 'host', metrics: 'cpu_percent,mem_limit_bytes' }, 'groupBy'],
    [{ groupBy: 'host', top: 2, by: 'mem_limit_bytes' }, 'by'],
  ])('%j is a 400 naming %s', async (params, parameter) => {
    const res = await q(params as Record<string, string | number>);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ parameter })]);
    expect(res.body.error.message).toContain(`"${parameter}"`);
  });
});

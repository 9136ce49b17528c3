import { counterDelta, mapStats, PreviousSampleCache, roundCpuPercent } from '@dockpulse/collector/docker/stats';
import { EngineDataError, type EngineStats } from '@dockpulse/collector/docker/engine-types';
import { fixture, fixtureText } from '../fixtures';

const ctx = { hostId: 'h1', containerId: 'c1' };
const MiB = 1024 * 1024;

describe('stats mapping, cgroup v1 (recorded)', () => {
  const first = fixture<EngineStats>('v1-stats-oneshot-burner.json');
  const next = fixture<EngineStats>('v1-stats-oneshot-burner-next.json');
  const info = fixture<{ MemTotal: number }>('v1-info.json');

  it('a one-shot answer has an empty precpu, so the first sample of a container has no CPU figure', () => {
    const { row } = mapStats(first, ctx);
    expect(first.precpu_stats?.system_cpu_usage).toBeUndefined();
    expect(row.cpu_percent).toBeNull();
    expect(row.time.toISOString()).toBe(new Date(Date.parse(first.read as string)).toISOString());
  });

  it('CPU % of the next one-shot comes from the collector\'s own previous sample (CLI formula)', () => {
    const a = mapStats(first, ctx);
    const b = mapStats(next, { ...ctx, previous: a.sample });
    const cpuDelta = (next.cpu_stats?.cpu_usage?.total_usage as number) - (first.cpu_stats?.cpu_usage?.total_usage as number);
    const sysDelta = (next.cpu_stats?.system_cpu_usage as number) - (first.cpu_stats?.system_cpu_usage as number);
    expect(b.row.cpu_percent).toBeCloseTo(roundCpuPercent((cpuDelta / sysDelta) * (next.cpu_stats?.online_cpus as number) * 100), 9);
    // the burner runs under --cpus 0.5: between 25 % and 55 % of one CPU's worth
    expect(b.row.cpu_percent).toBeGreaterThan(25);
    expect(b.row.cpu_percent).toBeLessThan(55);
  });

  it('a streamed answer uses the engine\'s precpu and ignores the cache', () => {
    const s = fixture<EngineStats>('v1-stats-stream-false-burner.json');
    const stale = mapStats(first, ctx).sample;
    const { row } = mapStats(s, { ...ctx, previous: { ...stale, cpuTotalNs: 1, systemCpuNs: 1 } });
    const pre = s.precpu_stats!;
    const expected =
      (((s.cpu_stats!.cpu_usage!.total_usage as number) - (pre.cpu_usage!.total_usage as number)) /
        ((s.cpu_stats!.system_cpu_usage as number) - (pre.system_cpu_usage as number))) *
      (s.cpu_stats!.online_cpus as number) * 100;
    expect(row.cpu_percent).toBeCloseTo(roundCpuPercent(expected), 9);
  });

  it('every line of the recorded stream=true answer maps, with CPU from precpu', () => {
    const lines = fixtureText('v1-stats-stream-burner.ndjson').trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    const rows = lines.map((l) => mapStats(JSON.parse(l) as EngineStats, ctx).row);
    // the first streamed line has no precpu yet; later ones do
    expect(rows.slice(1).every((r) => r.cpu_percent !== null && r.cpu_percent > 10)).toBe(true);
  });

  it('memory used = usage - total_inactive_file; limit and percent from the cgroup limit', () => {
    const { row } = mapStats(first, ctx);
    const m = first.memory_stats!;
    expect(row.mem_usage_bytes).toBe(m.usage);
    expect(row.mem_used_bytes).toBe((m.usage as number) - (m.stats!.total_inactive_file as number));
    expect(row.mem_limit_bytes).toBe(64 * MiB);
    expect(row.mem_percent).toBeCloseTo(((row.mem_used_bytes as number) / (64 * MiB)) * 100, 9);
    expect(row.pids).toBe(1);
  });

  it('no networks key (--network none) gives null network figures, not zero', () => {
    const nonet = fixture<EngineStats>('v1-stats-oneshot-nonet.json');
    expect(nonet.networks).toBeUndefined();
    const { row } = mapStats(nonet, { ...ctx, hostMemTotalBytes: info.MemTotal });
    expect([row.net_rx_bytes, row.net_tx_bytes, row.net_rx_delta, row.net_tx_delta]).toEqual([null, null, null, null]);
    // no memory limit: the engine reports the host's memory, which is the real ceiling
    expect(row.mem_limit_bytes).toBe(info.MemTotal);
  });

  it('block IO on this engine is an empty list: zero bytes, not null', () => {
    const { row } = mapStats(first, ctx);
    expect(first.blkio_stats?.io_service_bytes_recursive).toEqual([]);
    expect([row.blk_read_bytes, row.blk_write_bytes]).toEqual([0, 0]);
  });

  it('a stopped container\'s answer (read = year 1) is refused with a message naming the container', () => {
    const stopped = fixture<EngineStats>('v1-stats-oneshot-stopped.json');
    expect(() => mapStats(stopped, { ...ctx, containerId: 'deadbeef' })).toThrow(EngineDataError);
    expect(() => mapStats(stopped, { ...ctx, containerId: 'deadbeef' })).toThrow(/deadbeef.*read/);
  });
});

describe('stats mapping, cgroup v2 (hand-written from the documented shape)', () => {
  const first = fixture<EngineStats>('v2-stats-oneshot.json');
  const next = fixture<EngineStats>('v2-stats-oneshot-next.json');

  it('memory used = usage - inactive_file (v2 has no total_* keys)', () => {
    const { row } = mapStats(first, ctx);
    expect(first.memory_stats?.stats?.total_inactive_file).toBeUndefined();
    expect(row.mem_used_bytes).toBe(200 * MiB - 40 * MiB);
    expect(row.mem_usage_bytes).toBe(200 * MiB);
    expect(row.mem_limit_bytes).toBe(512 * MiB);
    expect(row.mem_percent).toBeCloseTo(31.25, 9);
  });

  it('block IO sums lowercase read/write ops over devices; network sums interfaces', () => {
    const { row } = mapStats(first, ctx);
    expect(row.blk_read_bytes).toBe(4_096_000 + 4_000);
    expect(row.blk_write_bytes).toBe(1_024_000 + 1_000);
    expect(row.net_rx_bytes).toBe(1000 + 300);
    expect(row.net_tx_bytes).toBe(2000 + 400);
    expect(row.pids).toBe(3);
  });

  it('one-shot pair: 2.5 s of CPU over 20 s of system time on 4 CPUs is 50 %; deltas are the growth', () => {
    const a = mapStats(first, ctx);
    const { row } = mapStats(next, { ...ctx, previous: a.sample });
    expect(row.cpu_percent).toBeCloseTo(50, 9);
    expect(row.net_rx_delta).toBe(6300 - 1300);
    expect(row.net_tx_delta).toBe(2900 - 2400);
    expect(row.blk_read_delta).toBe(100_000);
    expect(row.blk_write_delta).toBe(0);
  });

  it('after a container restart the counters went down: deltas are the new values, CPU is unknown', () => {
    const a = mapStats(first, ctx);
    const b = mapStats(next, { ...ctx, previous: a.sample });
    const { row } = mapStats(fixture<EngineStats>('v2-stats-oneshot-after-restart.json'), { ...ctx, previous: b.sample });
    expect(row.cpu_percent).toBeNull();
    expect(row.net_rx_delta).toBe(50);
    expect(row.net_tx_delta).toBe(60);
    expect(row.blk_read_delta).toBe(10);
    expect(row.blk_write_delta).toBe(20);
  });

  it('a streamed v2 answer: 0.8 s of CPU over 4 s on 4 CPUs is 80 %', () => {
    expect(mapStats(fixture<EngineStats>('v2-stats-stream.json'), ctx).row.cpu_percent).toBeCloseTo(80, 9);
  });

  it('zero limit, no networks and a null blkio list give nulls, not zeros or Infinity', () => {
    const { row } = mapStats(fixture<EngineStats>('v2-stats-zero-limit-no-network.json'), ctx);
    expect(row.mem_limit_bytes).toBeNull();
    expect(row.mem_percent).toBeNull();
    expect(row.mem_used_bytes).toBe(160 * MiB);
    expect([row.net_rx_bytes, row.blk_read_bytes, row.blk_write_bytes]).toEqual([null, null, null]);
  });

  it('an "unlimited" limit is capped to the host memory when known, else null', () => {
    const u = fixture<EngineStats>('v2-stats-unlimited.json');
    expect(mapStats(u, ctx).row.mem_limit_bytes).toBeNull();
    const host = 8 * 1024 * MiB;
    const { row } = mapStats(u, { ...ctx, hostMemTotalBytes: host });
    expect(row.mem_limit_bytes).toBe(host);
    expect(row.mem_percent).toBeCloseTo((160 * MiB * 100) / host, 9);
  });

  it('a previous sample that is not older than this one is ignored (no negative intervals)', () => {
    const a = mapStats(next, ctx);
    expect(mapStats(first, { ...ctx, previous: a.sample }).row.cpu_percent).toBeNull();
  });

  it('malformed answers (missing sections, strings for numbers) map to nulls instead of crashing', () => {
    const bad = { read: first.read, cpu_stats: { cpu_usage: { total_usage: 'x' } }, memory_stats: { usage: 'lots' }, networks: { eth0: {} }, blkio_stats: { io_service_bytes_recursive: [{ op: 'Read', value: 'n' }, null] } } as unknown as EngineStats;
    const { row } = mapStats(bad, ctx);
    expect(row.cpu_percent).toBeNull();
    expect(row.mem_used_bytes).toBeNull();
    expect(row.net_rx_bytes).toBe(0);
    expect(row.blk_read_bytes).toBe(0);
  });
});

describe('counter deltas and the previous-sample cache', () => {
  it('is reset-aware and null without a previous value', () => {
    expect(counterDelta(150, 100)).toBe(50);
    expect(counterDelta(30, 100)).toBe(30);
    expect(counterDelta(30, undefined)).toBeNull();
    expect(counterDelta(null, 5)).toBeNull();
  });

  it('forgets containers that stopped running', () => {
    const cache = new PreviousSampleCache();
    const s = mapStats(fixture<EngineStats>('v2-stats-oneshot.json'), ctx).sample;
    cache.set('a', s);
    cache.set('b', s);
    cache.retainOnly(['b']);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBe(s);
    expect(cache.size).toBe(1);
  });
});

// The cgroup sampler from file trees: cgroup v1 recorded on a real host, cgroup v2 built from the
// kernel's cgroup-v2 documentation (test/fixtures/README.md says how each was made). The trees are
// copied to a temporary directory, so a test can make a file vanish or go bad. No server is touched.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Pool } from 'pg';
import type { ContainerStatsRow, RowSink, TableName, TableRows } from '@dockpulse/common';
import { chooseSampler, type CgroupSampler, type SamplerEngineInfo } from '@dockpulse/collector/cgroup';
import { LIMIT_REREAD_CYCLES } from '@dockpulse/collector/cgroup/sampler';
import { containerCgroupPath, detectLayout, expandSlice } from '@dockpulse/collector/cgroup/layout';
import { CgroupFormatError, parseFlatKeyed, parseNetDev, parseProcStat, parseV1Blkio, parseV2IoStat } from '@dockpulse/collector/cgroup/parse';
import type { Engine } from '@dockpulse/collector/docker/client';
import { EngineHttpError } from '@dockpulse/collector/docker/stats-request';
import { roundCpuPercent } from '@dockpulse/collector/docker/stats';
import type { EngineInspect, EngineStats } from '@dockpulse/collector/docker/engine-types';
import { StatsJob } from '@dockpulse/collector/jobs/stats-job';
import { Collector } from '@dockpulse/collector/collector';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { FIXTURES_DIR, fixture } from '../fixtures';

const V1 = 'cgroup/v1-cgroupfs';
const V1_BURNER = '1f1dd5d9ac592c64c4d4af7ad5a475677b32730424729f9c521b3fb88228bb88';
const V1_NONET = 'ee00d576652f2956ac9f5a36e5a834a1e72470749e6015fcb58353b394e42847';
const V2 = 'cgroup/v2-systemd';
const V2_WEB = `${'2'.repeat(63)}a`;
const V2_FREE = `${'2'.repeat(63)}b`;
const V2_PLAIN = `${'2'.repeat(63)}c`;
const MiB = 1024 * 1024;

class MemorySink implements RowSink {
  rows: ContainerStatsRow[] = [];
  write<T extends TableName>(table: T, row: TableRows[T]): void {
    if (table === 'container_stats') this.rows.push(row as ContainerStatsRow);
  }
  byContainer(id: string): ContainerStatsRow[] {
    return this.rows.filter((r) => r.container_id === id);
  }
}

interface Harness {
  root: string;
  /** Replaces the tree with another snapshot of the same fixture (the next cycle's files). */
  snapshot(name: string): void;
  job: StatsJob;
  sink: MemorySink;
  sampler: CgroupSampler;
  metrics: CollectorMetrics;
  warnings: { containerId?: string; msg: string }[];
  engineStatsCalls: string[];
  advance(ms: number): void;
  startMs: number;
}

function harness(
  tree: string,
  options: {
    running: string[];
    inspect: Record<string, EngineInspect | 'gone' | 'unreachable'>;
    engineStats?: Record<string, EngineStats>;
    info?: SamplerEngineInfo;
    /** Plain files of a removed directory stay readable through open descriptors (kernfs ones do not). */
    fdBudget?: number;
  },
): Harness {
  const root = mkdtempSync(path.join(tmpdir(), 'dp-cgroup-'));
  // File by file, rewriting in place (same inode), as the kernel's files change under open descriptors.
  const snapshot = (name: string) => {
    const from = path.join(FIXTURES_DIR, tree, name);
    for (const entry of readdirSync(from, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const source = path.join(entry.parentPath, entry.name);
      const target = path.join(root, path.relative(from, source));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, readFileSync(source));
    }
  };
  snapshot('t0');
  let nowMs = Date.now();
  const startMs = nowMs;
  const engineStatsCalls: string[] = [];
  const engine: Engine = {
    info: () => Promise.reject(new Error('not used')),
    apiVersion: () => Promise.reject(new Error('not used')),
    listImages: () => Promise.reject(new Error('not used')),
    events: () => Promise.reject(new Error('not used')),
    logs: () => Promise.reject(new Error('not used')),
    listContainers: async () => options.running.map((Id) => ({ Id })),
    inspect: async (id) => {
      const answer = options.inspect[id];
      if (answer === 'unreachable') throw Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });
      if (!answer || answer === 'gone') throw new EngineHttpError(404, `(HTTP code 404) No such container: ${id}`);
      return answer;
    },
    stats: async (id) => {
      engineStatsCalls.push(id);
      const answer = options.engineStats?.[id];
      if (!answer) throw new Error(`engine stats of ${id} not expected`);
      return answer;
    },
  };
  const warnings: Harness['warnings'] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
  const metrics = new CollectorMetrics(logger);
  const info = options.info ?? fixture<SamplerEngineInfo>(`${tree}/info.json`);
  const choice = chooseSampler(
    { mode: 'cgroup', cgroupRoot: path.join(root, 'sys/fs/cgroup'), procRoot: path.join(root, 'proc'), engine, now: () => nowMs, fdBudget: options.fdBudget ?? 0 },
    info,
  );
  const sink = new MemorySink();
  const job = new StatsJob({ engine, sink, pool: {} as Pool, hostId: 'h', metrics, logger }, 8, choice.sampler);
  job.hostMemTotalBytes = info.MemTotal ?? null;
  return { root, snapshot, job, sink, sampler: choice.sampler as CgroupSampler, metrics, warnings, engineStatsCalls, advance: (ms) => (nowMs += ms), startMs };
}

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});
function track(h: Harness): Harness {
  roots.push(h.root);
  return h;
}

const v1Inspect = () => ({
  [V1_BURNER]: fixture<EngineInspect>(`${V1}/inspect-burner.json`),
  [V1_NONET]: fixture<EngineInspect>(`${V1}/inspect-nonet.json`),
});

describe('cgroup v1 (recorded on a Docker 20.10 host, cgroupfs driver)', () => {
  it('gives the docker CLI figures: CPU % from the cpuacct and /proc/stat deltas, used = usage - total_inactive_file, the limit, eth0 without lo', async () => {
    const h = track(harness(V1, { running: [V1_BURNER, V1_NONET], inspect: v1Inspect() }));
    expect(await h.job.run()).toMatchObject({ containers: 2, samples: 2, vanished: 0, engineFallbacks: 0, errors: 0 });
    h.snapshot('t1');
    h.advance(1000);
    expect(await h.job.run()).toMatchObject({ samples: 2, errors: 0 });
    const [, burner] = h.sink.byContainer(V1_BURNER);
    // 701,006,770 ns of CPU over 273 ticks (2.73 s) of host time on 2 CPUs
    expect(burner?.cpu_percent).toBeCloseTo(roundCpuPercent(51.355807326), 9);
    expect(burner).toMatchObject({
      time: new Date(h.startMs + 1000),
      mem_used_bytes: 655360,
      mem_usage_bytes: 655360,
      mem_limit_bytes: 67108864,
      mem_percent: 0.9765625,
      net_rx_bytes: 806,
      net_tx_bytes: 0,
      net_rx_delta: 70,
      net_tx_delta: 0,
      blk_read_bytes: 0,
      blk_write_bytes: 0,
      blk_read_delta: 0,
      pids: 1,
    });
    const [first, nonet] = h.sink.byContainer(V1_NONET);
    expect(first?.cpu_percent).toBeNull();
    expect(nonet).toMatchObject({
      cpu_percent: 0,
      mem_used_bytes: 589824,
      // no limit: 2^63 rounded to a page in the file, the host's memory in the row
      mem_limit_bytes: 25275990016,
      net_rx_bytes: null,
      net_tx_bytes: null,
      net_rx_delta: null,
      pids: 1,
    });
    expect(h.engineStatsCalls).toEqual([]);
  });

  it("an engine that does not answer the inspect (restarting) is this cycle's error, not unusable files: the next cycle reads the files", async () => {
    const inspect: Record<string, EngineInspect | 'gone' | 'unreachable'> = { ...v1Inspect(), [V1_BURNER]: 'unreachable' };
    const h = track(harness(V1, { running: [V1_BURNER, V1_NONET], inspect }));
    expect(await h.job.run()).toMatchObject({ samples: 1, engineFallbacks: 0, errors: 1 });
    inspect[V1_BURNER] = v1Inspect()[V1_BURNER] as EngineInspect;
    h.snapshot('t1');
    h.advance(1000);
    expect(await h.job.run()).toMatchObject({ samples: 2, engineFallbacks: 0, errors: 0 });
    expect(h.engineStatsCalls).toEqual([]);
  });

  it('agrees with the engine answer recorded in the same second for everything but the CPU window', async () => {
    const h = track(harness(V1, { running: [V1_BURNER], inspect: v1Inspect() }));
    h.snapshot('t1');
    await h.job.run();
    const engine = fixture<EngineStats>(`${V1}/engine-stats-burner-t1.json`);
    const row = h.sink.rows[0] as ContainerStatsRow;
    expect(row.mem_limit_bytes).toBe(engine.memory_stats?.limit);
    expect(row.pids).toBe(engine.pids_stats?.current);
    expect(row.net_rx_bytes).toBe(engine.networks?.eth0?.rx_bytes);
  });
});

describe('cgroup v2 (trees built from the kernel cgroup-v2 documentation)', () => {
  const inspect = () => ({
    [V2_WEB]: fixture<EngineInspect>(`${V2}/inspect-web.json`),
    [V2_FREE]: fixture<EngineInspect>(`${V2}/inspect-free.json`),
  });

  it('systemd driver: cpu.stat usage_usec, memory.current - inactive_file, memory.max, io.stat by op over devices, networks summed without lo', async () => {
    const h = track(harness(V2, { running: [V2_WEB, V2_FREE], inspect: inspect() }));
    await h.job.run();
    h.snapshot('t1');
    h.advance(5000);
    expect(await h.job.run()).toMatchObject({ samples: 2, errors: 0, vanished: 0 });
    const [before, web] = h.sink.byContainer(V2_WEB);
    expect(before).toMatchObject({ cpu_percent: null, net_rx_bytes: 1500, net_tx_bytes: 2250, blk_read_bytes: 91889664, blk_write_bytes: 613781504 });
    expect(web).toEqual({
      time: new Date(h.startMs + 5000),
      host_id: 'h',
      container_id: V2_WEB,
      cpu_percent: 50, // 2.5 s of CPU over 20 s of host time on 4 CPUs
      mem_used_bytes: 85 * MiB,
      mem_usage_bytes: 110 * MiB,
      mem_limit_bytes: 512 * MiB,
      mem_percent: 16.6015625,
      net_rx_bytes: 6500,
      net_tx_bytes: 4250,
      net_rx_delta: 5000,
      net_tx_delta: 2000,
      blk_read_bytes: 91893760,
      blk_write_bytes: 614830080,
      blk_read_delta: 4096,
      blk_write_delta: 1048576,
      pids: 9,
    });
    // --cgroup-parent=dockpulse-apps.slice (nested slices), memory.max "max", --network none
    const [, free] = h.sink.byContainer(V2_FREE);
    expect(free).toMatchObject({
      cpu_percent: 0,
      mem_used_bytes: 7 * MiB,
      mem_limit_bytes: 8192 * MiB,
      mem_percent: 0.08544921875,
      net_rx_bytes: null,
      blk_read_bytes: 0,
      blk_write_bytes: 0,
      pids: 1,
    });
  });

  it('cgroupfs driver on v2: /docker/<id>', async () => {
    const h = track(
      harness('cgroup/v2-cgroupfs', { running: [V2_PLAIN], inspect: { [V2_PLAIN]: fixture('cgroup/v2-cgroupfs/inspect-plain.json') } }),
    );
    expect(await h.job.run()).toMatchObject({ samples: 1, errors: 0 });
    expect(h.sink.rows[0]).toMatchObject({
      cpu_percent: null,
      mem_used_bytes: 60 * MiB,
      mem_limit_bytes: 256 * MiB,
      mem_percent: 23.4375,
      net_rx_bytes: 100,
      net_tx_bytes: 200,
      blk_read_bytes: 4096,
      blk_write_bytes: 8192,
      pids: 3,
    });
  });

  it('a cgroup the driver rule does not name (a Podman-like layout) is found through /proc/<pid>/cgroup', async () => {
    const info = { ...fixture<SamplerEngineInfo>('cgroup/v2-cgroupfs/info.json'), CgroupDriver: 'systemd' };
    const h = track(
      harness('cgroup/v2-cgroupfs', { running: [V2_PLAIN], inspect: { [V2_PLAIN]: fixture('cgroup/v2-cgroupfs/inspect-plain.json') }, info }),
    );
    expect(await h.job.run()).toMatchObject({ samples: 1, engineFallbacks: 0 });
    expect(h.sink.rows[0]?.mem_used_bytes).toBe(60 * MiB);
  });
});

describe('open files', () => {
  it('keeps the cgroup files of each container open between cycles within the budget, and closes them when it stops running', async () => {
    const running = [V1_BURNER, V1_NONET];
    const h = track(harness(V1, { running, inspect: v1Inspect(), fdBudget: 8 }));
    await h.job.run();
    // 6 cgroup files per container (net/dev is opened each cycle); the second container gets the 2 left
    expect(h.sampler.openDescriptors).toBe(8);
    h.snapshot('t1');
    h.advance(1000);
    await h.job.run();
    expect(h.sink.byContainer(V1_BURNER)[1]?.net_rx_bytes).toBe(806);
    expect(h.sink.byContainer(V1_BURNER)[1]?.cpu_percent).toBeCloseTo(roundCpuPercent(51.355807326), 9);
    running.splice(0, 2);
    await h.job.run();
    expect(h.sampler.openDescriptors).toBe(0);
  });
});

describe('memory limit', () => {
  it('is read once a minute (every 12 cycles), not every cycle: a docker update shows within a minute', async () => {
    expect(LIMIT_REREAD_CYCLES).toBe(12);
    const h = track(harness(V1, { running: [V1_BURNER], inspect: v1Inspect() }));
    await h.job.run();
    writeFileSync(path.join(h.root, 'sys/fs/cgroup/memory/docker', V1_BURNER, 'memory.limit_in_bytes'), '134217728\n');
    for (let cycle = 1; cycle <= 12; cycle++) {
      h.advance(5000);
      await h.job.run();
    }
    expect(h.sink.rows.map((r) => r.mem_limit_bytes)).toEqual([...Array(12).fill(67108864), 134217728]);
  });
});

describe('containers that vanish, files that go bad', () => {
  it('a container gone between the listing and the read (inspect 404, or its cgroup removed) is skipped and counted, not an error', async () => {
    const inspect: Record<string, EngineInspect | 'gone'> = { ...v1Inspect(), [V1_NONET]: 'gone' };
    const h = track(harness(V1, { running: [V1_BURNER, V1_NONET], inspect }));
    expect(await h.job.run()).toMatchObject({ samples: 1, vanished: 1, errors: 0 });
    inspect[V1_BURNER] = 'gone';
    rmSync(path.join(h.root, 'sys/fs/cgroup/cpuacct/docker', V1_BURNER), { recursive: true });
    expect(await h.job.run()).toMatchObject({ samples: 0, vanished: 2, errors: 0 });
    expect(h.metrics.vanishedContainers).toBe(3);
    expect(h.metrics.errorsTotal).toBe(0);
    expect(await h.metrics.registry.getSingleMetricAsString('dockpulse_collector_stats_vanished_total')).toMatch(/ 3$/m);
    expect(h.engineStatsCalls).toEqual([]);
  });

  it('a malformed file sends that container to the engine, with one warning for it, not one per cycle', async () => {
    const h = track(
      harness(V1, {
        running: [V1_BURNER, V1_NONET],
        inspect: v1Inspect(),
        engineStats: { [V1_NONET]: fixture<EngineStats>('v1-stats-oneshot-nonet.json') },
      }),
    );
    writeFileSync(path.join(h.root, 'sys/fs/cgroup/memory/docker', V1_NONET, 'memory.stat'), 'total_inactive_file lots\n');
    for (let cycle = 0; cycle < 3; cycle++) {
      h.advance(5000);
      expect(await h.job.run()).toMatchObject({ samples: 2, engineFallbacks: 1, errors: 0 });
    }
    expect(h.engineStatsCalls).toEqual([V1_NONET, V1_NONET, V1_NONET]);
    const about = h.warnings.filter((w) => w.containerId === V1_NONET);
    expect(about).toHaveLength(1);
    expect(about[0]?.msg).toMatch(/engine's stats endpoint samples it/);
    expect(h.metrics.cgroupFallbacks).toBe(1);
    expect(await h.metrics.registry.getSingleMetricAsString('dockpulse_collector_stats_cgroup_fallbacks_total')).toMatch(/ 1$/m);
  });

  it('an unreadable file (a directory where a file should be) falls back the same way', async () => {
    const h = track(
      harness(V1, {
        running: [V1_BURNER],
        inspect: v1Inspect(),
        engineStats: { [V1_BURNER]: fixture<EngineStats>(`${V1}/engine-stats-burner-t0.json`) },
      }),
    );
    const file = path.join(h.root, 'sys/fs/cgroup/pids/docker', V1_BURNER, 'pids.current');
    rmSync(file);
    mkdirSync(file);
    expect(await h.job.run()).toMatchObject({ samples: 1, engineFallbacks: 1, errors: 0 });
    expect(h.engineStatsCalls).toEqual([V1_BURNER]);
  });

  it('a known container whose init process is gone (restarted: new pid, same cgroup) is looked up again and sampled', async () => {
    const inspect: Record<string, EngineInspect> = v1Inspect();
    const h = track(harness(V1, { running: [V1_BURNER], inspect }));
    expect(await h.job.run()).toMatchObject({ samples: 1 });
    cpSync(path.join(h.root, 'proc/4528'), path.join(h.root, 'proc/4999'), { recursive: true });
    rmSync(path.join(h.root, 'proc/4528'), { recursive: true });
    inspect[V1_BURNER] = { ...inspect[V1_BURNER], State: { Status: 'running', Running: true, Pid: 4999 } } as EngineInspect;
    h.advance(5000);
    expect(await h.job.run()).toMatchObject({ samples: 1, vanished: 0, engineFallbacks: 0 });
    expect(h.sink.rows[1]?.net_rx_bytes).toBe(736);
  });

  it('a container without a cgroup where its driver and /proc/<pid>/cgroup put it is sampled through the engine', async () => {
    const h = track(
      harness(V1, {
        running: [V1_BURNER, V1_NONET],
        inspect: {
          ...v1Inspect(),
          [V1_BURNER]: { ...fixture<EngineInspect>(`${V1}/inspect-burner.json`), State: { Running: true, Pid: 999999 } } as EngineInspect,
        },
        engineStats: { [V1_BURNER]: fixture<EngineStats>(`${V1}/engine-stats-burner-t0.json`) },
      }),
    );
    rmSync(path.join(h.root, 'sys/fs/cgroup/memory/docker', V1_BURNER), { recursive: true });
    expect(await h.job.run()).toMatchObject({ samples: 2, engineFallbacks: 1 });
    expect(h.warnings.map((w) => w.msg)).toEqual([expect.stringMatching(/cannot be read/)]);
    expect(h.job.samplerKind).toBe('cgroup');
  });

  it('when no container at all has its cgroup there (an engine on another host), the whole job goes to the engine, said once', async () => {
    const h = track(
      harness(V1, {
        running: [V1_BURNER, V1_NONET],
        inspect: v1Inspect(),
        engineStats: {
          [V1_BURNER]: fixture<EngineStats>(`${V1}/engine-stats-burner-t0.json`),
          [V1_NONET]: fixture<EngineStats>('v1-stats-oneshot-nonet.json'),
        },
      }),
    );
    rmSync(path.join(h.root, 'sys/fs/cgroup/memory/docker'), { recursive: true });
    expect(await h.job.run()).toMatchObject({ samples: 2, engineFallbacks: 2 });
    expect(h.job.samplerKind).toBe('engine');
    expect(h.metrics.statsSampler).toBe('engine');
    expect(h.warnings.at(-1)?.msg).toMatch(/none of the 2 running containers has a cgroup under .*stats sampler: engine from now on/);
    const warned = h.warnings.length;
    expect(await h.job.run()).toMatchObject({ samples: 2, engineFallbacks: 0 });
    expect(h.warnings).toHaveLength(warned);
    expect(h.engineStatsCalls).toHaveLength(4);
  });
});

describe('choosing the sampler', () => {
  const v1Info = () => fixture<SamplerEngineInfo>(`${V1}/info.json`);
  const roots0 = (tree: string) => ({
    cgroupRoot: path.join(FIXTURES_DIR, tree, 't0/sys/fs/cgroup'),
    procRoot: path.join(FIXTURES_DIR, tree, 't0/proc'),
  });

  it('sees v1 and v2, and the driver', () => {
    expect(detectLayout(roots0(V1), v1Info())).toMatchObject({ ok: true, layout: { version: 1, driver: 'cgroupfs', v1: { cpuacct: 'cpuacct' } } });
    expect(detectLayout(roots0(V2), fixture(`${V2}/info.json`))).toMatchObject({ ok: true, layout: { version: 2, driver: 'systemd' } });
  });

  it.each([
    ['a rootless engine', { SecurityOptions: ['name=seccomp,profile=default', 'name=rootless'] }, V1, /rootless/],
    ['an unknown cgroup driver', { CgroupDriver: 'none' }, V1, /cgroup driver is "none"/],
    ['files of another cgroup version than the engine reports', { CgroupVersion: '2' }, V1, /not the engine host's cgroup filesystem/],
  ])('falls back to the engine for %s, saying why', (_what, patch, tree, reason) => {
    const engine = { inspect: () => Promise.reject(new Error('not used')) };
    const choice = chooseSampler({ mode: 'auto', ...roots0(tree), engine }, { ...v1Info(), ...patch });
    expect(choice).toMatchObject({ kind: 'engine' });
    expect(choice.reason).toMatch(reason);
  });

  it('without the host cgroup mount or /proc it says which to mount; STATS_SAMPLER=cgroup then refuses to start', () => {
    const engine = { inspect: () => Promise.reject(new Error('not used')) };
    const missing = { cgroupRoot: path.join(FIXTURES_DIR, 'nowhere'), procRoot: path.join(FIXTURES_DIR, V1, 't0/proc') };
    expect(chooseSampler({ mode: 'auto', ...missing, engine }, v1Info()).reason).toMatch(/no cgroup filesystem at .*set CGROUP_ROOT/);
    expect(chooseSampler({ mode: 'auto', ...roots0(V1), procRoot: '/nowhere', engine }, v1Info()).reason).toMatch(/PROC_ROOT/);
    expect(() => chooseSampler({ mode: 'cgroup', ...missing, engine }, v1Info())).toThrow(/STATS_SAMPLER=cgroup, but .*no cgroup filesystem/);
    expect(chooseSampler({ mode: 'engine', ...roots0(V1), engine }, v1Info())).toEqual({ kind: 'engine', reason: 'STATS_SAMPLER=engine' });
  });

  it('shows the choice and the (still zero) skipped stats cycles on /metrics', async () => {
    const metrics = new CollectorMetrics(pino({ level: 'silent' }));
    metrics.statsSamplerChosen('cgroup');
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^dockpulse_collector_stats_sampler\{sampler="cgroup"\} 1$/m);
    expect(text).toMatch(/^dockpulse_collector_stats_sampler\{sampler="engine"\} 0$/m);
    expect(text).toMatch(/^dockpulse_collector_skipped_cycles_total\{job="stats"\} 0$/m);
    metrics.skippedCycle('stats');
    expect(await metrics.registry.metrics()).toMatch(/^dockpulse_collector_skipped_cycles_total\{job="stats"\} 1$/m);
    expect(metrics.skippedStatsCycles).toBe(1);
  });
});

describe('the collector at start', () => {
  async function started(statsSampler: { mode: 'auto' | 'cgroup' | 'engine'; cgroupRoot?: string; procRoot?: string }) {
    const lines: { msg: string; sampler?: string; reason?: string }[] = [];
    const no = () => Promise.reject(new Error('not used'));
    const engine: Engine = {
      apiVersion: no, listContainers: no, inspect: no, stats: no, listImages: no, events: no, logs: no,
      info: async () => fixture(`${V1}/info.json`),
    };
    const collector = new Collector({
      engine, pool: { query: async () => ({ rows: [] }) } as unknown as Pool, sink: { write: () => undefined },
      logger: pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) }),
      schedules: { stats: '* * * * * *', status: '* * * * * *', images: '* * * * * *', maintenance: '* * * * * *' },
      statsConcurrency: 4, collectLogs: false, logRateLimitLinesPerSec: 10, logMaxLineBytes: 100, partitionsAheadDays: 1,
      retentionMs: { raw: 1, hourly: 1, daily: 1, logs: 1, events: 1 }, version: 't', statsSampler,
    });
    await collector.init();
    return { collector, choice: lines.find((l) => l.msg.startsWith('stats sampler:')) };
  }

  it('chooses the cgroup sampler by itself when the host files are there, logs it and shows it', async () => {
    const root = path.join(FIXTURES_DIR, V1, 't0');
    const { collector, choice } = await started({ mode: 'auto', cgroupRoot: path.join(root, 'sys/fs/cgroup'), procRoot: path.join(root, 'proc') });
    expect(collector.stats.samplerKind).toBe('cgroup');
    expect(choice).toMatchObject({ msg: 'stats sampler: cgroup', reason: expect.stringMatching(/^cgroup v1 \(cgroupfs driver\)/) });
    expect(await collector.metrics.registry.getSingleMetricAsString('dockpulse_collector_stats_sampler')).toMatch(/sampler="cgroup"} 1/);
  });

  it('takes the engine path, saying why, when the files are not mounted', async () => {
    const { collector, choice } = await started({ mode: 'auto', cgroupRoot: path.join(FIXTURES_DIR, 'nowhere'), procRoot: path.join(FIXTURES_DIR, 'nowhere') });
    expect(collector.stats.samplerKind).toBe('engine');
    expect(collector.metrics.statsSampler).toBe('engine');
    expect(choice?.reason).toMatch(/PROC_ROOT/);
  });
});

describe('paths and parsers', () => {
  it('names container cgroups as the drivers do', () => {
    expect(containerCgroupPath('cgroupfs', 'abc')).toBe('/docker/abc');
    expect(containerCgroupPath('cgroupfs', 'abc', '/my-parent')).toBe('/my-parent/abc');
    expect(containerCgroupPath('systemd', 'abc')).toBe('/system.slice/docker-abc.scope');
    expect(containerCgroupPath('systemd', 'abc', 'a-b-c.slice')).toBe('/a.slice/a-b.slice/a-b-c.slice/docker-abc.scope');
    expect(expandSlice('system.slice')).toBe('system.slice');
  });

  it('refuses text it does not recognise, naming the file', () => {
    expect(() => parseV1Blkio('8:0 Read many\n', 'blkio.x')).toThrow(CgroupFormatError);
    expect(() => parseV2IoStat('rbytes=1\n', 'io.stat')).toThrow(/io.stat: unexpected line/);
    expect(() => parseNetDev('garbage', 'net/dev')).toThrow(/net\/dev: not a net\/dev table/);
    expect(() => parseProcStat('intr 1 2\n', 'stat')).toThrow(/no "cpu"/);
    expect(parseFlatKeyed('total_inactive_file 7\ninactive_file 3\n', 'memory.stat', ['inactive_file'])).toEqual({ inactive_file: 3 });
    expect(parseFlatKeyed('inactive_file 3\ntotal_inactive_file 7', 'memory.stat', ['total_inactive_file'])).toEqual({ total_inactive_file: 7 });
    expect(parseFlatKeyed('anon 1\n', 'memory.stat', ['inactive_file'])).toEqual({});
    expect(() => parseFlatKeyed('usage_usec -1\n', 'cpu.stat', ['usage_usec'])).toThrow(/cpu.stat: usage_usec is not an unsigned integer/);
    expect(parseV1Blkio('8:0 Read 10\n8:0 Write 20\n8:16 Read 1\n8:16 Total 31\nTotal 31\n', 'f')).toEqual({ read: 11, write: 20 });
  });
});

// The stats job against a fake engine built from recorded answers: one container's failure does not
// fail the cycle, and a cycle due while one runs is skipped and counted.
import pino from 'pino';
import type { Pool } from 'pg';
import type { RowSink, TableName, TableRows } from '@dockpulse/common';
import { nonOverlapping } from '@dockpulse/collector/concurrency';
import type { Engine } from '@dockpulse/collector/docker/client';
import type { EngineStats } from '@dockpulse/collector/docker/engine-types';
import { StatsJob } from '@dockpulse/collector/jobs/stats-job';
import { scheduleIntervalMs } from '@dockpulse/collector/schedule-interval';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { fixture } from '../fixtures';

class MemorySink implements RowSink {
  rows: { table: TableName; row: unknown }[] = [];
  write<T extends TableName>(table: T, row: TableRows[T]): void {
    this.rows.push({ table, row });
  }
}

function fakeEngine(answers: Record<string, () => Promise<EngineStats>>): Engine {
  const no = () => Promise.reject(new Error('not used'));
  return {
    info: no,
    apiVersion: no,
    inspect: no,
    listImages: no,
    events: no,
    logs: no,
    listContainers: async () => Object.keys(answers).map((Id) => ({ Id })),
    stats: (id) => (answers[id] as () => Promise<EngineStats>)(),
  };
}

function setup(answers: Record<string, () => Promise<EngineStats>>) {
  const sink = new MemorySink();
  const logger = pino({ level: 'silent' });
  const metrics = new CollectorMetrics(logger);
  const job = new StatsJob({ engine: fakeEngine(answers), sink, pool: {} as Pool, hostId: 'h', metrics, logger }, 4);
  return { sink, metrics, job };
}

describe('stats job', () => {
  it('one container failing (timeout) or answering garbage is counted; the others are sampled', async () => {
    const good = fixture<EngineStats>('v2-stats-oneshot.json');
    const { sink, metrics, job } = setup({
      a: async () => good,
      b: () => Promise.reject(new Error('stats of container b: the Docker engine did not answer within 10 ms')),
      c: async () => ({ ...good, read: 'yesterday' }),
      d: async () => good,
    });
    const result = await job.run();
    expect(result).toMatchObject({ containers: 4, samples: 2, notRunning: 0, errors: 2 });
    expect(sink.rows.map((r) => (r.row as { container_id: string }).container_id).sort()).toEqual(['a', 'd']);
    expect(metrics.errorsTotal).toBe(2);
    expect(metrics.lastError).toMatch(/stats: .*read/);
  });

  it('a container listed as running whose stats carry the zero read time (restart back-off) is counted, not an error, and logged once at debug', async () => {
    const lines: { level: number; msg: string; containerId?: string }[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const metrics = new CollectorMetrics(logger);
    const sink = new MemorySink();
    let backOff = true;
    const engine = fakeEngine({
      up: async () => fixture<EngineStats>('v2-stats-oneshot.json'),
      restarting: async () =>
        fixture<EngineStats>(backOff ? 'v1-stats-oneshot-stopped.json' : 'v1-stats-oneshot-burner.json'),
    });
    const job = new StatsJob({ engine, sink, pool: {} as Pool, hostId: 'h', metrics, logger }, 4);
    for (let cycle = 0; cycle < 3; cycle++) {
      expect(await job.run()).toMatchObject({ containers: 2, samples: 1, notRunning: 1, errors: 0 });
    }
    expect(metrics.notRunningSamples).toBe(3);
    expect(metrics.errorsTotal).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_stats_not_running_total')).toMatch(/ 3$/m);
    const about = lines.filter((l) => l.containerId === 'restarting');
    expect(about.map((l) => l.level)).toEqual([20]); // pino's debug; nothing at warn (40)
    // running again: sampled; a later back-off is logged again, once
    backOff = false;
    expect(await job.run()).toMatchObject({ samples: 2, notRunning: 0 });
    backOff = true;
    await job.run();
    await job.run();
    expect(lines.filter((l) => l.containerId === 'restarting')).toHaveLength(2);
  });

  it('the second cycle uses the first one\'s samples for CPU %', async () => {
    let answer = fixture<EngineStats>('v2-stats-oneshot.json');
    const { sink, job } = setup({ a: async () => answer });
    await job.run();
    answer = fixture<EngineStats>('v2-stats-oneshot-next.json');
    await job.run();
    const cpu = sink.rows.map((r) => (r.row as { cpu_percent: number | null }).cpu_percent);
    expect(cpu[0]).toBeNull();
    expect(cpu[1]).toBeCloseTo(50, 9);
  });

  it("at most one sample per container per schedule slot: a cycle the engine held up answers late, the next one's read of that slot is not stored", async () => {
    const base = fixture<EngineStats>('v2-stats-oneshot.json');
    const t0 = Date.parse(base.read as string); // a whole 5 s slot
    let readMs = t0;
    const { sink, metrics, job } = setup({ a: async () => ({ ...base, read: new Date(readMs).toISOString() }) });
    job.slotMs = 5_000;
    const reads = [t0, t0 + 5_010, t0 + 5_070, t0 + 10_020];
    const results = [];
    for (const at of reads) {
      readMs = at;
      results.push(await job.run());
    }
    expect(results.map((r) => [r.samples, r.sameSlot])).toEqual([[1, 0], [1, 0], [0, 1], [1, 0]]);
    const stored = sink.rows.map((r) => (r.row as { time: Date }).time.getTime() - t0);
    expect(stored).toEqual([0, 5_010, 10_020]);
    expect(job.previous.get('a')?.readMs).toBe(t0 + 10_020);
    expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_stats_same_slot_total')).toMatch(/ 1$/m);
  });

  it('without a slot length (no schedule known) every read is stored', async () => {
    const base = fixture<EngineStats>('v2-stats-oneshot.json');
    const t0 = Date.parse(base.read as string);
    let readMs = t0;
    const { sink, job } = setup({ a: async () => ({ ...base, read: new Date(readMs).toISOString() }) });
    for (const at of [t0, t0 + 60]) {
      readMs = at;
      await job.run();
    }
    expect(sink.rows).toHaveLength(2);
  });

  it('runs in parallel, bounded: 8 slow containers with concurrency 4 have 4 calls in flight at once, never more', async () => {
    // Counted, not timed: each call stays open until the test has seen how many are open together.
    let inFlight = 0;
    let maxInFlight = 0;
    const waiting: (() => void)[] = [];
    const slow = async () => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((r) => waiting.push(r));
      inFlight -= 1;
      return fixture<EngineStats>('v2-stats-oneshot.json');
    };
    const { job } = setup(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`c${i}`, slow])));
    const running = job.run();
    // Let the calls finish one by one, each only once the others had their chance to start.
    for (let released = 0; released < 8; released++) {
      while (waiting.length === 0) await new Promise((r) => setImmediate(r));
      (waiting.shift() as () => void)();
    }
    const result = await running;
    expect(result.samples).toBe(8);
    expect(maxInFlight).toBe(4);
  });

  it('a run due while the previous one is going is skipped and counted, not stacked', async () => {
    let release: () => void = () => undefined;
    let runs = 0;
    let skipped = 0;
    const tick = nonOverlapping(
      () => {
        runs += 1;
        return new Promise<void>((r) => (release = r));
      },
      () => (skipped += 1),
    );
    const first = tick();
    await tick();
    await tick();
    release();
    await first;
    const second = tick();
    release();
    await second;
    expect(runs).toBe(2);
    expect(skipped).toBe(2);
  });
});

describe('schedule slot length', () => {
  it('is the shortest gap between the next runs of a cron schedule', () => {
    expect(scheduleIntervalMs('*/5 * * * * *')).toBe(5_000);
    expect(scheduleIntervalMs('*/2 * * * * *')).toBe(2_000);
    expect(scheduleIntervalMs('0 */2 * * * *')).toBe(120_000);
    expect(scheduleIntervalMs('0,10,15 * * * * *')).toBe(5_000);
  });
});

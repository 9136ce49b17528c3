// One stats cycle: a sample of every running container, all in parallel (bounded), into the sink.
import { forEachLimited } from '../concurrency';
import { mapStats, PreviousSampleCache } from '../docker/stats';
import type { JobContext } from './context';

export interface StatsCycleResult {
  containers: number;
  samples: number;
  errors: number;
  durationMs: number;
}

export class StatsJob {
  readonly previous = new PreviousSampleCache();
  hostMemTotalBytes: number | null = null;

  constructor(
    private readonly ctx: JobContext,
    private readonly concurrency: number,
  ) {}

  async run(): Promise<StatsCycleResult> {
    const started = performance.now();
    const { engine, sink, metrics, hostId } = this.ctx;
    let running: string[];
    try {
      running = (await engine.listContainers(false)).map((c) => c.Id).filter((id): id is string => typeof id === 'string');
    } catch (error) {
      metrics.error('stats', error, {}, 'stats cycle: listing running containers failed; cycle skipped');
      return { containers: 0, samples: 0, errors: 1, durationMs: performance.now() - started };
    }
    let samples = 0;
    let errors = 0;
    await forEachLimited(running, this.concurrency, async (containerId) => {
      try {
        const raw = await engine.stats(containerId);
        const { row, sample } = mapStats(raw, {
          hostId,
          containerId,
          hostMemTotalBytes: this.hostMemTotalBytes,
          previous: this.previous.get(containerId),
        });
        this.previous.set(containerId, sample);
        sink.write('container_stats', row);
        samples += 1;
      } catch (error) {
        errors += 1;
        metrics.error('stats', error, { containerId }, 'stats of one container failed; the cycle goes on');
      }
    });
    this.previous.retainOnly(running);
    const durationMs = performance.now() - started;
    metrics.statsCycle(durationMs, samples);
    return { containers: running.length, samples, errors, durationMs };
  }
}

// One stats cycle: a sample of every running container, all in parallel (bounded), into the sink.
import { forEachLimited } from '../concurrency';
import { isEngineZeroTime } from '../docker/engine-types';
import { mapStats, PreviousSampleCache } from '../docker/stats';
import type { JobContext } from './context';

export interface StatsCycleResult {
  containers: number;
  samples: number;
  /** Listed as running, but the engine had no sample (zero `read` time): not an error. */
  notRunning: number;
  errors: number;
  durationMs: number;
}

export class StatsJob {
  readonly previous = new PreviousSampleCache();
  hostMemTotalBytes: number | null = null;
  /** Containers whose "not running" answer was logged already: once each, not every cycle. */
  private readonly loggedNotRunning = new Set<string>();

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
      return { containers: 0, samples: 0, notRunning: 0, errors: 1, durationMs: performance.now() - started };
    }
    let samples = 0;
    let notRunning = 0;
    let errors = 0;
    await forEachLimited(running, this.concurrency, async (containerId) => {
      try {
        const raw = await engine.stats(containerId);
        if (isEngineZeroTime(raw.read)) {
          // A container in its restart back-off is listed as running but has no process to sample.
          notRunning += 1;
          metrics.statsNotRunning();
          if (!this.loggedNotRunning.has(containerId)) {
            this.loggedNotRunning.add(containerId);
            this.ctx.logger.debug({ containerId }, 'listed as running but the engine has no stats sample (restart back-off?): skipped while so');
          }
          return;
        }
        this.loggedNotRunning.delete(containerId);
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
    const listed = new Set(running);
    for (const id of this.loggedNotRunning) if (!listed.has(id)) this.loggedNotRunning.delete(id);
    const durationMs = performance.now() - started;
    metrics.statsCycle(durationMs, samples);
    return { containers: running.length, samples, notRunning, errors, durationMs };
  }
}

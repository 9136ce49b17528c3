// One stats cycle: a sample of every running container, all in parallel (bounded), into the sink.
// With a cgroup sampler (src/cgroup/) the figures come from the kernel's files, and the engine's
// stats endpoint serves only the containers whose files could not be read.
import type { CgroupSampler } from '../cgroup';
import { forEachLimited } from '../concurrency';
import { isEngineZeroTime, type EngineStats } from '../docker/engine-types';
import { mapStats, PreviousSampleCache, type SystemCpuBase } from '../docker/stats';
import type { JobContext } from './context';

export interface StatsCycleResult {
  containers: number;
  samples: number;
  /** Listed as running, but the engine had no sample (zero `read` time): not an error. */
  notRunning: number;
  /** Listed as running, gone before its cgroup files were read: skipped, not an error. */
  vanished: number;
  /** Sampled through the engine because their cgroup files were unusable. */
  engineFallbacks: number;
  /**
   * Read in the schedule slot that already holds this container's previous sample, and not stored:
   * a cycle held up by the engine (restarting, not answering) gets its answers late, and the cycle
   * due right after would sample the same slot again.
   */
  sameSlot: number;
  errors: number;
  durationMs: number;
}

export class StatsJob {
  readonly previous = new PreviousSampleCache();
  hostMemTotalBytes: number | null = null;
  /** The stats schedule's interval (ms): at most one sample of a container per slot of this length. */
  slotMs: number | undefined;
  /** What the engine's stats answers count as system CPU time (the cgroup sampler's are /proc/stat's). */
  engineSystemCpu: SystemCpuBase = 'engine';
  /** Containers whose "not running" answer was logged already: once each, not every cycle. */
  private readonly loggedNotRunning = new Set<string>();
  /** Containers whose cgroup files failed once: the engine samples them while they run (warned once). */
  private readonly engineOnly = new Set<string>();

  constructor(
    private readonly ctx: JobContext,
    private readonly concurrency: number,
    private sampler?: CgroupSampler,
  ) {}

  get samplerKind(): 'cgroup' | 'engine' {
    return this.sampler ? 'cgroup' : 'engine';
  }

  /**
   * Not one container's cgroup was found: these files are not the engine's host's (DOCKER_HOST on
   * another machine, a mount of the wrong tree). The engine samples everything from now on.
   */
  private giveUpCgroup(containers: number): void {
    const root = this.sampler?.layout.cgroupRoot;
    this.sampler?.retainOnly([]);
    this.sampler = undefined;
    this.engineOnly.clear();
    this.ctx.metrics.statsSamplerChosen('engine');
    this.ctx.logger.warn(
      { containers, cgroupRoot: root },
      `none of the ${containers} running containers has a cgroup under ${root}: the engine is probably not on this host; stats sampler: engine from now on`,
    );
  }

  async run(): Promise<StatsCycleResult> {
    const started = performance.now();
    const { engine, sink, metrics, hostId } = this.ctx;
    const result = { samples: 0, notRunning: 0, vanished: 0, engineFallbacks: 0, sameSlot: 0, errors: 0 };
    let fromFiles = 0;
    let unusable = 0;
    let running: string[];
    try {
      running = (await engine.listContainers(false)).map((c) => c.Id).filter((id): id is string => typeof id === 'string');
    } catch (error) {
      metrics.error('stats', error, {}, 'stats cycle: listing running containers failed; cycle skipped');
      return { containers: 0, ...result, errors: 1, durationMs: performance.now() - started };
    }
    let sampler = this.sampler;
    if (sampler) {
      try {
        sampler.beginCycle();
      } catch (error) {
        // /proc/stat unreadable this once: the engine samples the whole cycle.
        metrics.error('stats', error, {}, 'reading the host CPU time failed; this cycle goes through the engine');
        sampler = undefined;
      }
    }
    await forEachLimited(running, this.concurrency, async (containerId) => {
      try {
        let raw: EngineStats | undefined;
        let fromEngine = false;
        if (sampler && !this.engineOnly.has(containerId)) {
          const outcome = await sampler.sample(containerId);
          if (outcome.kind === 'vanished') {
            result.vanished += 1;
            metrics.statsVanished();
            this.ctx.logger.debug({ containerId, why: outcome.why }, 'container gone between listing and reading its cgroup: skipped this cycle');
            return;
          }
          if (outcome.kind === 'unusable') {
            unusable += 1;
            this.engineOnly.add(containerId);
            metrics.cgroupFallback();
            this.ctx.logger.warn(
              { containerId, err: outcome.error },
              "this container's cgroup files cannot be read; the engine's stats endpoint samples it from now on",
            );
          } else {
            fromFiles += 1;
            raw = outcome.stats;
          }
        }
        if (!raw) {
          if (sampler) result.engineFallbacks += 1;
          raw = await engine.stats(containerId);
          fromEngine = true;
        }
        if (isEngineZeroTime(raw.read)) {
          // A container in its restart back-off is listed as running but has no process to sample.
          result.notRunning += 1;
          metrics.statsNotRunning();
          if (!this.loggedNotRunning.has(containerId)) {
            this.loggedNotRunning.add(containerId);
            this.ctx.logger.debug({ containerId }, 'listed as running but the engine has no stats sample (restart back-off?): skipped while so');
          }
          return;
        }
        this.loggedNotRunning.delete(containerId);
        const previous = this.previous.get(containerId);
        const { row, sample } = mapStats(raw, {
          hostId,
          containerId,
          hostMemTotalBytes: this.hostMemTotalBytes,
          systemCpu: fromEngine ? this.engineSystemCpu : 'engine',
          previous,
        });
        if (previous && this.slotMs && Math.floor(sample.readMs / this.slotMs) === Math.floor(previous.readMs / this.slotMs)) {
          // the previous sample stays the base, so the next rate spans the whole time since it
          result.sameSlot += 1;
          metrics.statsSameSlot();
          this.ctx.logger.debug({ containerId, previousMs: previous.readMs, readMs: sample.readMs }, 'a second sample in one schedule slot: not stored');
          return;
        }
        this.previous.set(containerId, sample);
        sink.write('container_stats', row);
        result.samples += 1;
      } catch (error) {
        result.errors += 1;
        metrics.error('stats', error, { containerId }, 'stats of one container failed; the cycle goes on');
      }
    });
    if (this.sampler && fromFiles === 0 && unusable >= 2 && unusable === running.length) this.giveUpCgroup(unusable);
    this.previous.retainOnly(running);
    this.sampler?.retainOnly(running);
    const listed = new Set(running);
    for (const id of this.loggedNotRunning) if (!listed.has(id)) this.loggedNotRunning.delete(id);
    for (const id of this.engineOnly) if (!listed.has(id)) this.engineOnly.delete(id);
    const durationMs = performance.now() - started;
    metrics.statsCycle(durationMs, result.samples);
    return { containers: running.length, ...result, durationMs };
  }
}

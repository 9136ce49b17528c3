// The stats sampler the collector uses, chosen once at start: the kernel's cgroup files when this
// process can see the host's (collector/README.md "Stats sampler"), else the engine's stats endpoint.
import { existsSync } from 'node:fs';
import type { Engine } from '../docker/client';
import { detectLayout, type SamplerEngineInfo } from './layout';
import { CgroupSampler } from './sampler';

export { CgroupSampler } from './sampler';
export type { SampleOutcome } from './sampler';
export { detectLayout, type CgroupLayout, type SamplerEngineInfo } from './layout';

export type SamplerMode = 'auto' | 'cgroup' | 'engine';
export type SamplerKind = 'cgroup' | 'engine';

export interface SamplerChoice {
  kind: SamplerKind;
  /** Why this one, in words (logged at start). */
  reason: string;
  sampler?: CgroupSampler;
}

export interface ChooseOptions {
  mode: SamplerMode;
  cgroupRoot: string;
  procRoot: string;
  engine: Pick<Engine, 'inspect'>;
  now?: () => number;
  /** Most cgroup file descriptors kept open (default: half the open-file limit). */
  fdBudget?: number;
}

/** Throws only when STATS_SAMPLER=cgroup asks for what this host cannot give. */
export function chooseSampler(options: ChooseOptions, info: SamplerEngineInfo): SamplerChoice {
  if (options.mode === 'engine') return { kind: 'engine', reason: 'STATS_SAMPLER=engine' };
  const detected = detectLayout({ cgroupRoot: options.cgroupRoot, procRoot: options.procRoot }, info);
  let reason: string;
  if (detected.ok) {
    const sampler = new CgroupSampler({ layout: detected.layout, engine: options.engine, now: options.now, fdBudget: options.fdBudget });
    try {
      sampler.beginCycle();
      const { layout } = detected;
      return {
        kind: 'cgroup',
        reason: `cgroup v${layout.version} (${layout.driver} driver) at ${layout.cgroupRoot}, processes at ${layout.procRoot}`,
        sampler,
      };
    } catch (error) {
      reason = `reading ${options.procRoot}/stat failed: ${(error as Error).message}`;
    }
  } else {
    reason = detected.reason;
  }
  if (options.mode === 'cgroup') throw new Error(`STATS_SAMPLER=cgroup, but the cgroup sampler cannot run here: ${reason}`);
  return { kind: 'engine', reason };
}

/** Where the host's /proc is: PROC_ROOT when set, else /host/proc when mounted there, else /proc. */
export function defaultProcRoot(): string {
  return existsSync('/host/proc/stat') ? '/host/proc' : '/proc';
}

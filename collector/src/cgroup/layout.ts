// Which cgroup hierarchy this host has, where it is mounted, and where a container's cgroup lives
// in it. Decided once at start from the files and the engine's /info; anything unexpected means
// "use the engine's stats endpoint", with the reason in words.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EngineInfo, EngineInspect } from '../docker/engine-types';

/** The /info fields the choice needs, beyond what engine-types.ts models. */
export interface SamplerEngineInfo extends EngineInfo {
  CgroupDriver?: string;
  SecurityOptions?: string[] | null;
}

/** The inspect fields the sampler needs: the init pid, the cgroup parent, the network mode. */
export interface SamplerInspect extends EngineInspect {
  State?: EngineInspect['State'] & { Pid?: number };
  HostConfig?: EngineInspect['HostConfig'] & { CgroupParent?: string; NetworkMode?: string };
}

export type CgroupDriver = 'cgroupfs' | 'systemd';

/** v1 controllers the sampler reads, each its own hierarchy (cpuacct may be cpu,cpuacct). */
export interface V1Dirs {
  cpuacct: string;
  memory: string;
  blkio: string;
  pids: string;
}

export interface CgroupLayout {
  version: 1 | 2;
  driver: CgroupDriver;
  cgroupRoot: string;
  procRoot: string;
  /** v1 only: controller hierarchies under cgroupRoot. */
  v1?: V1Dirs;
  /** v1 only: the blkio file the engine's runc reads on this kernel (BFQ, CFQ, else throttle). */
  v1BlkioFile?: string;
}

export type LayoutChoice = { ok: true; layout: CgroupLayout } | { ok: false; reason: string };

export interface DetectOptions {
  cgroupRoot: string;
  procRoot: string;
}

function readable(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

/** The cgroup layout, or why the sampler cannot be used on this host. */
export function detectLayout(options: DetectOptions, info: SamplerEngineInfo): LayoutChoice {
  const { cgroupRoot, procRoot } = options;
  if ((info.SecurityOptions ?? []).some((o) => o.includes('name=rootless'))) {
    return { ok: false, reason: "the engine runs rootless: its containers' cgroups are under a user's systemd slice the collector does not resolve" };
  }
  const driver = info.CgroupDriver;
  if (driver !== 'cgroupfs' && driver !== 'systemd') {
    return { ok: false, reason: `the engine's cgroup driver is ${JSON.stringify(driver ?? null)}, not cgroupfs or systemd` };
  }
  if (!readable(path.join(procRoot, 'stat'))) {
    return { ok: false, reason: `${path.join(procRoot, 'stat')} is not readable (mount the host's /proc read-only and set PROC_ROOT)` };
  }
  let version: 1 | 2;
  let v1: V1Dirs | undefined;
  let v1BlkioFile: string | undefined;
  if (existsSync(path.join(cgroupRoot, 'cgroup.controllers'))) {
    version = 2;
  } else if (existsSync(path.join(cgroupRoot, 'memory', 'memory.usage_in_bytes'))) {
    version = 1;
    const cpuacct = ['cpuacct', 'cpu,cpuacct', 'cpuacct,cpu'].find((d) => existsSync(path.join(cgroupRoot, d, 'cpuacct.usage')));
    const missing = [cpuacct ? '' : 'cpuacct', ...['blkio', 'pids'].filter((d) => !existsSync(path.join(cgroupRoot, d)))].filter(Boolean);
    if (!cpuacct || missing.length > 0) {
      return { ok: false, reason: `cgroup v1 at ${cgroupRoot} lacks the ${missing.join(', ')} controller(s)` };
    }
    v1 = { cpuacct, memory: 'memory', blkio: 'blkio', pids: 'pids' };
    v1BlkioFile = ['blkio.bfq.io_service_bytes_recursive', 'blkio.io_service_bytes_recursive'].find((f) =>
      existsSync(path.join(cgroupRoot, 'blkio', f)),
    ) ?? 'blkio.throttle.io_service_bytes_recursive';
  } else {
    return { ok: false, reason: `no cgroup filesystem at ${cgroupRoot} (mount the host's /sys/fs/cgroup read-only and set CGROUP_ROOT)` };
  }
  if (info.CgroupVersion && info.CgroupVersion !== String(version)) {
    return {
      ok: false,
      reason: `${cgroupRoot} is cgroup v${version} but the engine reports v${info.CgroupVersion}: not the engine host's cgroup filesystem`,
    };
  }
  return { ok: true, layout: { version, driver, cgroupRoot, procRoot, v1, v1BlkioFile } };
}

/** "a-b-c.slice" -> "a.slice/a-b.slice/a-b-c.slice", as systemd nests slices. */
export function expandSlice(slice: string): string {
  if (!slice.endsWith('.slice') || slice === '-.slice') return slice === '-.slice' ? '' : slice;
  const parts = slice.slice(0, -'.slice'.length).split('-');
  return parts.map((_, i) => `${parts.slice(0, i + 1).join('-')}.slice`).join('/');
}

/**
 * The container's cgroup path relative to a hierarchy's root, as the engine's driver names it:
 * cgroupfs puts it at <parent or /docker>/<id>; systemd at <parent slice, expanded>/docker-<id>.scope.
 */
export function containerCgroupPath(driver: CgroupDriver, containerId: string, cgroupParent?: string): string {
  if (driver === 'systemd') {
    const parent = cgroupParent && cgroupParent !== '' ? cgroupParent : 'system.slice';
    return path.posix.join('/', expandSlice(parent), `docker-${containerId}.scope`);
  }
  const parent = cgroupParent && cgroupParent !== '' ? cgroupParent : '/docker';
  return path.posix.join('/', parent, containerId);
}

/**
 * The cgroup paths of a process from /proc/<pid>/cgroup ("id:controllers:path" per line), for
 * layouts the driver rule does not cover (Podman's libpod-<id>, custom parents). Paths that leave
 * the reader's cgroup namespace ("/..") are useless here and left out.
 */
export function parseProcCgroup(text: string): { unified?: string; byController: Map<string, string> } {
  const byController = new Map<string, string>();
  let unified: string | undefined;
  for (const line of text.split('\n')) {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const controllers = line.slice(first + 1, second);
    const p = line.slice(second + 1);
    if (!p.startsWith('/') || p.includes('/..')) continue;
    if (controllers === '') unified = p;
    else for (const c of controllers.split(',')) byController.set(c, p);
  }
  return { unified, byController };
}

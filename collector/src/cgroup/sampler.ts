// Reads a running container's figures straight from the kernel: its cgroup files and the
// /proc/<pid>/net/dev of its init process. The answer has the engine's stats shape, so the same
// mapper (src/docker/stats.ts, the docker CLI's formulas) turns both into rows.
//
// Reads are synchronous on purpose: each is a few microseconds of kernel work (sysfs and procfs
// files are generated on read), and sending them through libuv's thread pool would cost more CPU
// than the reads themselves. A container's cgroup files stay open between cycles and are read again
// from offset 0 (seq_file regenerates them then): the path walk of open(2) cost more than the read
// (bench/README.md). /proc/<pid>/net/dev is opened each cycle: an open one would keep showing the
// old network namespace after a restart.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { isNotFound, type Engine } from '../docker/client';
import type { EngineStats } from '../docker/engine-types';
import {
  containerCgroupPath,
  parseProcCgroup,
  type CgroupLayout,
  type SamplerInspect,
} from './layout';
import {
  parseFlatKeyed,
  parseMax,
  parseNetDev,
  parseProcStat,
  parseSingle,
  parseV1Blkio,
  parseV2IoStat,
  type SystemCpu,
} from './parse';

/** What one container's sample came to. */
export type SampleOutcome =
  | { kind: 'sample'; stats: EngineStats }
  /** Gone between the listing and the read (stopped, removed): skip it this cycle. */
  | { kind: 'vanished'; why: string }
  /** Its files are missing, unreadable or malformed: use the engine for this container. */
  | { kind: 'unusable'; error: Error };

/** The files of one container, resolved once (from an inspect) and kept while it runs. */
export interface ContainerFiles {
  pid: number;
  cgroupDir: string;
  cpu: string;
  memUsage: string;
  memStat: string;
  memLimit: string;
  blkio: string;
  pids: string;
  /** null: the container has no network namespace of its own (`--network host`). */
  net: string | null;
  /** Open descriptors of the cgroup files, by path (closed when the container is forgotten). */
  fds?: Map<string, number>;
  /** The memory limit as last read, and in which cycle (it is re-read every LIMIT_REREAD_CYCLES). */
  limit?: { bytes: number; cycle: number };
}

// A memory limit changes only by `docker update`; re-reading it every ~minute (at the default 5 s
// schedule) instead of every cycle saves one of the seven file reads per container and cycle.
export const LIMIT_REREAD_CYCLES = 12;

// "Unlimited" for the mapper: above any host's memory, so it becomes the host's memory (v1 writes
// 2^63 rounded down to a page, which the engine passes on; v2 writes "max").
const UNLIMITED_BYTES = 2 ** 63;

const buffer = Buffer.allocUnsafe(64 * 1024);

/** One small kernel file as text: open, read into the shared buffer, close. */
function readSmall(file: string): string {
  const fd = openSync(file, 'r');
  try {
    return readOpen(fd, file);
  } finally {
    closeSync(fd);
  }
}

const PID_GONE = 'its init process is gone';

/** A file already open: read it again from the start. */
function readOpen(fd: number, file: string): string {
  let length = 0;
  for (;;) {
    const n = readSync(fd, buffer, length, buffer.length - length, length);
    if (n === 0) break;
    length += n;
    if (length === buffer.length) throw new Error(`${file}: longer than ${buffer.length} bytes`);
  }
  return buffer.toString('latin1', 0, length);
}

/** The soft RLIMIT_NOFILE from /proc/self/limits; 1024 (the usual default) when it cannot be read. */
function openFileLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'latin1').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (soft === 'unlimited') return 1_048_576;
    return soft && /^\d+$/.test(soft) ? Number(soft) : 1024;
  } catch {
    return 1024;
  }
}

const code = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export interface CgroupSamplerOptions {
  layout: CgroupLayout;
  /** Inspects a container the sampler has not seen yet (its init pid, cgroup parent, network mode). */
  engine: Pick<Engine, 'inspect'>;
  /** Sample time; the engine path uses the engine's `read` instead. */
  now?: () => number;
  /** Most cgroup file descriptors kept open between cycles; default half the open-file limit. */
  fdBudget?: number;
}

export class CgroupSampler {
  readonly layout: CgroupLayout;
  private readonly files = new Map<string, ContainerFiles>();
  private readonly now: () => number;
  private system: SystemCpu | null = null;
  private cycle = 0;
  /** Descriptors kept open at most: half the open-file limit, the rest is the process's. */
  private readonly fdBudget: number;
  private openFds = 0;

  constructor(private readonly options: CgroupSamplerOptions) {
    this.layout = options.layout;
    this.now = options.now ?? Date.now;
    this.fdBudget = options.fdBudget ?? Math.floor(openFileLimit() / 2);
  }

  get openDescriptors(): number {
    return this.openFds;
  }

  /** A cgroup file's text, through a descriptor kept open while the budget allows. */
  private readCgroupFile(f: ContainerFiles, file: string): string {
    let fd = f.fds?.get(file);
    if (fd === undefined && this.openFds < this.fdBudget) {
      fd = openSync(file, 'r');
      (f.fds ??= new Map()).set(file, fd);
      this.openFds += 1;
    }
    return fd === undefined ? readSmall(file) : readOpen(fd, file);
  }

  private closeFiles(f: ContainerFiles | undefined): void {
    if (!f?.fds) return;
    for (const fd of f.fds.values()) {
      try {
        closeSync(fd);
      } catch {
        // already closed: nothing to give back
      }
    }
    this.openFds -= f.fds.size;
    f.fds = undefined;
  }

  private forget(containerId: string): void {
    this.closeFiles(this.files.get(containerId));
    this.files.delete(containerId);
  }

  /** The host's CPU time, read once per cycle: what each container's CPU delta is weighed against. */
  beginCycle(): void {
    const file = path.join(this.layout.procRoot, 'stat');
    this.system = parseProcStat(readFileSync(file, 'latin1'), file);
    this.cycle += 1;
  }

  /** Rejects only when the engine's inspect of a container not yet resolved fails. */
  async sample(containerId: string): Promise<SampleOutcome> {
    let files = this.files.get(containerId);
    let fresh = false;
    if (!files) {
      const resolved = await this.resolve(containerId);
      if (resolved.kind !== 'files') return resolved.outcome;
      files = resolved.files;
      fresh = true;
    }
    let outcome = this.read(containerId, files);
    if (outcome.kind !== 'sample' && files.fds) {
      // Descriptors of a cgroup that was removed (and maybe made again by a restart) read ENODEV:
      // open the files afresh before drawing conclusions.
      this.closeFiles(files);
      outcome = this.read(containerId, files);
    }
    // A known container whose init process is gone was restarted (new pid, same cgroup): look it up again.
    if (outcome.kind === 'vanished' && outcome.why === PID_GONE && !fresh) {
      this.forget(containerId);
      const resolved = await this.resolve(containerId);
      if (resolved.kind !== 'files') return resolved.outcome;
      files = resolved.files;
      outcome = this.read(containerId, files);
    }
    if (outcome.kind !== 'sample') this.forget(containerId);
    return outcome;
  }

  /** Forgets containers that no longer run. */
  retainOnly(running: Iterable<string>): void {
    const keep = new Set(running);
    for (const id of [...this.files.keys()]) if (!keep.has(id)) this.forget(id);
  }

  get knownContainers(): number {
    return this.files.size;
  }

  /** The container's files from its inspect: driver rule first, then its /proc/<pid>/cgroup. */
  private async resolve(
    containerId: string,
  ): Promise<{ kind: 'files'; files: ContainerFiles } | { kind: 'outcome'; outcome: SampleOutcome }> {
    let inspect: SamplerInspect;
    try {
      inspect = (await this.options.engine.inspect(containerId)) as SamplerInspect;
    } catch (error) {
      if (isNotFound(error)) return { kind: 'outcome', outcome: { kind: 'vanished', why: 'no such container' } };
      // The engine did not answer (restarting, timed out): nothing is known about the files, so
      // this is the cycle's error for this container, and the next cycle resolves it again. Taken
      // for unusable files, it sent containers to the engine's stats endpoint for good (seen after
      // a dockerd restart, whose start-up then made the cycle overrun).
      throw error;
    }
    const pid = inspect.State?.Pid;
    if (inspect.State?.Running !== true || typeof pid !== 'number' || pid <= 0) {
      return { kind: 'outcome', outcome: { kind: 'vanished', why: 'not running any more' } };
    }
    const files = this.filesFor(containerId, pid, inspect.HostConfig?.CgroupParent, inspect.HostConfig?.NetworkMode);
    if (!files) {
      return {
        kind: 'outcome',
        outcome: {
          kind: 'unusable',
          error: new Error(
            `no cgroup of container ${containerId.slice(0, 12)} under ${this.layout.cgroupRoot} (driver ${this.layout.driver}, pid ${pid})`,
          ),
        },
      };
    }
    this.files.set(containerId, files);
    return { kind: 'files', files };
  }

  filesFor(containerId: string, pid: number, cgroupParent?: string, networkMode?: string): ContainerFiles | null {
    const { layout } = this;
    const byRule = containerCgroupPath(layout.driver, containerId, cgroupParent);
    const net = networkMode === 'host' ? null : path.join(layout.procRoot, String(pid), 'net', 'dev');
    let fromProc: ReturnType<typeof parseProcCgroup> | undefined;
    const procPaths = () => {
      if (!fromProc) {
        try {
          fromProc = parseProcCgroup(readSmall(path.join(layout.procRoot, String(pid), 'cgroup')));
        } catch {
          fromProc = { byController: new Map() };
        }
      }
      return fromProc;
    };
    if (layout.version === 2) {
      const candidates = [byRule, procPaths().unified].filter((p): p is string => !!p);
      const dir = candidates.map((p) => path.join(layout.cgroupRoot, p)).find((d) => existsSync(path.join(d, 'cpu.stat')));
      if (!dir) return null;
      return {
        pid,
        cgroupDir: dir,
        cpu: path.join(dir, 'cpu.stat'),
        memUsage: path.join(dir, 'memory.current'),
        memStat: path.join(dir, 'memory.stat'),
        memLimit: path.join(dir, 'memory.max'),
        blkio: path.join(dir, 'io.stat'),
        pids: path.join(dir, 'pids.current'),
        net,
      };
    }
    const v1 = layout.v1 as NonNullable<CgroupLayout['v1']>;
    const dirOf = (controllerDir: string, controller: string): string | null => {
      const rule = path.join(layout.cgroupRoot, controllerDir, byRule);
      if (existsSync(rule)) return rule;
      const p = procPaths().byController.get(controller);
      const fromPid = p ? path.join(layout.cgroupRoot, controllerDir, p) : null;
      return fromPid && existsSync(fromPid) ? fromPid : null;
    };
    const cpu = dirOf(v1.cpuacct, 'cpuacct');
    const memory = dirOf(v1.memory, 'memory');
    const blkio = dirOf(v1.blkio, 'blkio');
    const pids = dirOf(v1.pids, 'pids');
    if (!cpu || !memory || !blkio || !pids) return null;
    return {
      pid,
      cgroupDir: cpu,
      cpu: path.join(cpu, 'cpuacct.usage'),
      memUsage: path.join(memory, 'memory.usage_in_bytes'),
      memStat: path.join(memory, 'memory.stat'),
      memLimit: path.join(memory, 'memory.limit_in_bytes'),
      blkio: path.join(blkio, layout.v1BlkioFile ?? 'blkio.throttle.io_service_bytes_recursive'),
      pids: path.join(pids, 'pids.current'),
      net,
    };
  }

  /** One container's files -> the engine's stats shape. */
  read(containerId: string, f: ContainerFiles): SampleOutcome {
    if (!this.system) throw new Error('CgroupSampler.beginCycle() was not called');
    const v2 = this.layout.version === 2;
    let cpuFile: string;
    try {
      cpuFile = this.readCgroupFile(f, f.cpu);
    } catch (error) {
      // The cgroup is removed when the container stops; its directory going is the sign.
      if (code(error) === 'ENOENT' && !existsSync(f.cgroupDir)) return { kind: 'vanished', why: 'its cgroup is gone' };
      return { kind: 'unusable', error: error as Error };
    }
    const readMs = this.now();
    try {
      const cpuTotalNs = v2
        ? (() => {
            const usec = parseFlatKeyed(cpuFile, f.cpu, ['usage_usec'] as const).usage_usec;
            if (usec === undefined) throw new Error(`${f.cpu}: no usage_usec line`);
            return usec * 1000;
          })()
        : parseSingle(cpuFile, f.cpu);
      const usage = parseSingle(this.readCgroupFile(f, f.memUsage), f.memUsage);
      const inactiveKey = v2 ? 'inactive_file' : 'total_inactive_file';
      const memStat = parseFlatKeyed(this.readCgroupFile(f, f.memStat), f.memStat, [inactiveKey] as const);
      if (!f.limit || this.cycle - f.limit.cycle >= LIMIT_REREAD_CYCLES) {
        f.limit = { bytes: parseMax(this.readCgroupFile(f, f.memLimit), f.memLimit), cycle: this.cycle };
      }
      const limit = f.limit.bytes;
      const blkText = this.readCgroupFile(f, f.blkio);
      const blk = v2 ? parseV2IoStat(blkText, f.blkio) : parseV1Blkio(blkText, f.blkio);
      const pids = parseSingle(this.readCgroupFile(f, f.pids), f.pids);
      let networks: EngineStats['networks'];
      if (f.net) {
        let netText: string;
        try {
          netText = readSmall(f.net);
        } catch (error) {
          if (code(error) === 'ENOENT' || code(error) === 'ESRCH') return { kind: 'vanished', why: PID_GONE };
          throw error;
        }
        const net = parseNetDev(netText, f.net);
        // Only lo: `--network none`, where the engine reports no networks at all.
        networks = net.interfaces > 0 ? { all: { rx_bytes: net.rx, tx_bytes: net.tx } } : undefined;
      }
      const stats: EngineStats = {
        read: new Date(readMs).toISOString(),
        id: containerId,
        cpu_stats: {
          cpu_usage: { total_usage: cpuTotalNs },
          system_cpu_usage: this.system.systemNs,
          online_cpus: this.system.onlineCpus,
        },
        precpu_stats: {},
        memory_stats: {
          usage,
          limit: Number.isFinite(limit) ? limit : UNLIMITED_BYTES,
          stats: memStat[inactiveKey] === undefined ? {} : { [inactiveKey]: memStat[inactiveKey] as number },
        },
        blkio_stats: {
          io_service_bytes_recursive: [
            { op: 'read', value: blk.read },
            { op: 'write', value: blk.write },
          ],
        },
        pids_stats: { current: pids },
        ...(networks ? { networks } : {}),
      };
      return { kind: 'sample', stats };
    } catch (error) {
      if (code(error) === 'ENOENT' && !existsSync(f.cgroupDir)) return { kind: 'vanished', why: 'its cgroup is gone' };
      return { kind: 'unusable', error: error as Error };
    }
  }
}

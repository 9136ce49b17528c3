// Engine stats answer -> container_stats row, with the docker CLI's formulas. Pure apart from the
// per-container previous-sample cache, which one-shot answers need for CPU % and deltas.
import type { ContainerStatsRow } from '@dockpulse/common';
import { EngineDataError, engineTime, isNum, type CpuStats, type EngineInfo, type EngineStats } from './engine-types';

/** What the next sample of the same container needs from this one. */
export interface PreviousSample {
  readMs: number;
  cpuTotalNs: number | null;
  systemCpuNs: number | null;
  netRxBytes: number | null;
  netTxBytes: number | null;
  blkReadBytes: number | null;
  blkWriteBytes: number | null;
}

// Past this a memory "limit" is the cgroup's "unlimited" (v1 writes 2^63 rounded to a page).
const UNLIMITED_BYTES = 2 ** 60;

/**
 * What the engine's `system_cpu_usage` counts, the CPU percent's denominator.
 * - `engine`: the host's total CPU time from /proc/stat, busy and idle, across all CPUs (Docker).
 * - `elapsed`: the engine's figure is something else, so the elapsed time between the two samples'
 *   `read` times, times the online CPUs, stands in (which is what /proc/stat's total grows by).
 *   Podman 4.x writes the host cgroup's busy time there (the root cgroup's cpuacct.usage on v1):
 *   the engine's own formula then divides by the host's load and reads 88% for a container held
 *   to half a CPU on an idle two-CPU host (seen with Debian's podman 4.3.1).
 */
export type SystemCpuBase = 'engine' | 'elapsed';

/** Which base an engine's stats answers use, from its /info. */
export function systemCpuBaseOf(info: EngineInfo): SystemCpuBase {
  return typeof info.BuildahVersion === 'string' ? 'elapsed' : 'engine';
}

export interface StatsContext {
  hostId: string;
  containerId: string;
  /** `engine` unless the answer is from an engine whose `system_cpu_usage` is not /proc/stat's total. */
  systemCpu?: SystemCpuBase;
  /** The host's memory; a container limit above it is really the host's memory. */
  hostMemTotalBytes?: number | null;
  previous?: PreviousSample;
}

export interface MappedStats {
  row: ContainerStatsRow;
  sample: PreviousSample;
}

function cpuTimes(cpu: CpuStats | undefined): { total: number | null; system: number | null; cpus: number } {
  const total = cpu?.cpu_usage?.total_usage;
  const system = cpu?.system_cpu_usage;
  const online = cpu?.online_cpus;
  // Old v1 engines leave online_cpus out; the CLI falls back to the per-CPU list.
  const cpus = isNum(online) && online > 0 ? online : (cpu?.cpu_usage?.percpu_usage?.length ?? 0);
  return {
    total: isNum(total) && total > 0 ? total : null,
    system: isNum(system) && system > 0 ? system : null,
    cpus,
  };
}

function cpuPercent(now: { total: number | null; cpus: number }, before: { total: number | null }, systemDelta: number | null): number | null {
  if (now.total === null || before.total === null || systemDelta === null) return null;
  const cpuDelta = now.total - before.total;
  // A counter that went down means the container restarted: no honest figure for this interval.
  if (cpuDelta < 0 || systemDelta <= 0 || now.cpus <= 0) return null;
  return roundCpuPercent((cpuDelta / systemDelta) * now.cpus * 100);
}

/** Steps per percentage point CPU % is kept to: 1/1024 of a point, finer than any panel shows. */
export const CPU_PERCENT_STEPS_PER_POINT = 1024;

/**
 * CPU % rounded to a binary fraction. A quotient of two counters has a full 52-bit mantissa of
 * noise, which TimescaleDB's compression (Gorilla, XOR of neighbours) cannot shrink below ~7 B a
 * sample; a multiple of 1/1024 has at most ~20 significant bits and takes ~2 (bench/README,
 * "Session 8"). The rounding error is below 0.0005 points.
 */
export function roundCpuPercent(percent: number): number {
  return Math.round(percent * CPU_PERCENT_STEPS_PER_POINT) / CPU_PERCENT_STEPS_PER_POINT;
}

/** The denominator's growth between two samples: the engine's counter, or elapsed time x CPUs. */
function systemDelta(base: SystemCpuBase, now: { system: number | null; cpus: number }, nowMs: number, before: { system: number | null }, beforeMs: number | null): number | null {
  if (base === 'elapsed') return beforeMs === null ? null : (nowMs - beforeMs) * 1e6 * now.cpus;
  return now.system === null || before.system === null ? null : now.system - before.system;
}

/** memory used = usage - inactive_file (v2) or usage - total_inactive_file (v1), as the CLI does. */
function memoryUsed(usage: number, stats: Record<string, number> | undefined): number {
  const v1 = stats?.total_inactive_file;
  if (isNum(v1) && v1 < usage) return usage - v1;
  const v2 = stats?.inactive_file;
  if (isNum(v2) && v2 < usage) return usage - v2;
  return usage;
}

function memoryLimit(limit: number | undefined, hostMem: number | null | undefined): number | null {
  if (!isNum(limit) || limit <= 0) return null;
  if (isNum(hostMem) && hostMem > 0 && limit > hostMem) return hostMem;
  if (limit >= UNLIMITED_BYTES) return null;
  return limit;
}

function sumNetworks(networks: EngineStats['networks']): { rx: number | null; tx: number | null } {
  if (!networks || typeof networks !== 'object') return { rx: null, tx: null };
  const list = Object.values(networks);
  if (list.length === 0) return { rx: null, tx: null };
  let rx = 0;
  let tx = 0;
  for (const n of list) {
    rx += isNum(n?.rx_bytes) ? n.rx_bytes : 0;
    tx += isNum(n?.tx_bytes) ? n.tx_bytes : 0;
  }
  return { rx, tx };
}

function sumBlkio(entries: unknown): { read: number | null; write: number | null } {
  if (!Array.isArray(entries)) return { read: null, write: null };
  let read = 0;
  let write = 0;
  for (const e of entries as { op?: unknown; value?: unknown }[]) {
    const op = typeof e?.op === 'string' ? e.op.toLowerCase() : '';
    if (!isNum(e?.value)) continue;
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return { read, write };
}

/** Bytes since the previous sample; a counter that went down was reset, so all of it is new. */
export function counterDelta(now: number | null, before: number | null | undefined): number | null {
  if (now === null || before === null || before === undefined) return null;
  return now >= before ? now - before : now;
}

export function mapStats(stats: EngineStats, ctx: StatsContext): MappedStats {
  const time = engineTime(stats.read);
  if (!time) {
    throw new EngineDataError(
      `stats of container ${ctx.containerId} have no valid "read" time (${JSON.stringify(stats.read)}): the container is probably not running`,
    );
  }
  const now = cpuTimes(stats.cpu_stats);
  const pre = cpuTimes(stats.precpu_stats);
  const prev = ctx.previous && ctx.previous.readMs < time.getTime() ? ctx.previous : undefined;
  const base = ctx.systemCpu ?? 'engine';
  const preread = engineTime(stats.preread)?.getTime() ?? null;
  // A streamed answer carries the engine's own previous sample; one-shot leaves it empty, so the
  // collector's previous sample of the same container stands in.
  const streamed = pre.total !== null && (base === 'elapsed' ? preread !== null : pre.system !== null);
  const cpu = streamed
    ? cpuPercent(now, pre, systemDelta(base, now, time.getTime(), pre, preread))
    : prev
      ? cpuPercent(now, { total: prev.cpuTotalNs }, systemDelta(base, now, time.getTime(), { system: prev.systemCpuNs }, prev.readMs))
      : null;

  const usage = stats.memory_stats?.usage;
  const memUsage = isNum(usage) ? usage : null;
  const memUsed = memUsage === null ? null : memoryUsed(memUsage, stats.memory_stats?.stats);
  const memLimit = memoryLimit(stats.memory_stats?.limit, ctx.hostMemTotalBytes);
  const memPercent = memUsed !== null && memLimit !== null ? (memUsed / memLimit) * 100 : null;

  const net = sumNetworks(stats.networks);
  const blk = sumBlkio(stats.blkio_stats?.io_service_bytes_recursive);
  const pids = stats.pids_stats?.current;

  const row: ContainerStatsRow = {
    time,
    host_id: ctx.hostId,
    container_id: ctx.containerId,
    cpu_percent: cpu,
    mem_used_bytes: memUsed,
    mem_usage_bytes: memUsage,
    mem_limit_bytes: memLimit,
    mem_percent: memPercent,
    net_rx_bytes: net.rx,
    net_tx_bytes: net.tx,
    blk_read_bytes: blk.read,
    blk_write_bytes: blk.write,
    net_rx_delta: counterDelta(net.rx, prev?.netRxBytes),
    net_tx_delta: counterDelta(net.tx, prev?.netTxBytes),
    blk_read_delta: counterDelta(blk.read, prev?.blkReadBytes),
    blk_write_delta: counterDelta(blk.write, prev?.blkWriteBytes),
    pids: isNum(pids) ? pids : null,
  };
  return {
    row,
    sample: {
      readMs: time.getTime(),
      cpuTotalNs: now.total,
      systemCpuNs: now.system,
      netRxBytes: net.rx,
      netTxBytes: net.tx,
      blkReadBytes: blk.read,
      blkWriteBytes: blk.write,
    },
  };
}

/** The previous sample of every container, forgotten when the container stops running. */
export class PreviousSampleCache {
  private readonly samples = new Map<string, PreviousSample>();

  get(containerId: string): PreviousSample | undefined {
    return this.samples.get(containerId);
  }

  set(containerId: string, sample: PreviousSample): void {
    this.samples.set(containerId, sample);
  }

  /** Drops containers that are no longer running, so the cache does not grow with churn. */
  retainOnly(running: Iterable<string>): void {
    const keep = new Set(running);
    for (const id of this.samples.keys()) if (!keep.has(id)) this.samples.delete(id);
  }

  get size(): number {
    return this.samples.size;
  }
}

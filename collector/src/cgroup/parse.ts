// Pure parsers of the kernel files the cgroup sampler reads. Each throws CgroupFormatError on text
// it does not recognise, so the caller can fall back to the engine for that container.
//
// Formats: the kernel's Documentation/admin-guide/cgroup-v2.rst ("Interface Files": flat keyed,
// nested keyed, single value), Documentation/admin-guide/cgroup-v1/blkio-controller.rst, and
// proc(5) for /proc/stat and /proc/<pid>/net/dev.

export class CgroupFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CgroupFormatError';
  }
}

const DIGITS = /^\d+$/;

function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** A single-value file (`cpuacct.usage`, `memory.current`, `pids.current`): one unsigned integer. */
export function parseSingle(text: string, file: string): number {
  const t = text.trim();
  if (!DIGITS.test(t)) throw new CgroupFormatError(`${file}: expected one unsigned integer, got ${show(t)}`);
  return Number(t);
}

/** `memory.max`, `pids.max`: a number or the word "max" (returned as Infinity). */
export function parseMax(text: string, file: string): number {
  const t = text.trim();
  if (t === 'max') return Infinity;
  return parseSingle(t, file);
}

/**
 * A flat keyed file (`memory.stat`, `cpu.stat`): "key value" per line. Only the keys asked for are
 * kept; a wanted key with a non-numeric value is malformed, a missing one is left out.
 */
export function parseFlatKeyed<K extends string>(text: string, file: string, wanted: readonly K[]): Partial<Record<K, number>> {
  const out: Partial<Record<K, number>> = {};
  for (const key of wanted) {
    // memory.stat has ~40-50 lines and is read for every container each cycle: look the key up
    // instead of splitting the whole text.
    let at = text.startsWith(`${key} `) ? 0 : text.indexOf(`\n${key} `);
    if (at < 0) continue;
    if (at > 0) at += 1;
    const start = at + key.length + 1;
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const value = text.slice(start, end).trim();
    if (!DIGITS.test(value)) throw new CgroupFormatError(`${file}: ${key} is not an unsigned integer: ${show(value)}`);
    out[key] = Number(value);
  }
  return out;
}

export interface IoBytes {
  read: number;
  write: number;
}

/**
 * cgroup v1 `blkio.*io_service_bytes_recursive`: "MAJ:MIN Op value" lines (Read, Write, Sync,
 * Async, Discard, Total) and a last "Total value" line. Summed by op over devices, as the engine
 * (and so `docker stats`) does.
 */
export function parseV1Blkio(text: string, file: string): IoBytes {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const parts = line.split(' ');
    if (parts.length === 2 && parts[0] === 'Total') continue;
    if (parts.length !== 3 || !/^\d+:\d+$/.test(parts[0] as string) || !DIGITS.test(parts[2] as string)) {
      throw new CgroupFormatError(`${file}: unexpected line ${show(line)}`);
    }
    if (parts[1] === 'Read') read += Number(parts[2]);
    else if (parts[1] === 'Write') write += Number(parts[2]);
  }
  return { read, write };
}

/** cgroup v2 `io.stat`: nested keyed, "MAJ:MIN rbytes=N wbytes=N rios=N ..." per device. */
export function parseV2IoStat(text: string, file: string): IoBytes {
  let read = 0;
  let write = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [device, ...pairs] = line.trim().split(/\s+/);
    if (!/^\d+:\d+$/.test(device as string)) throw new CgroupFormatError(`${file}: unexpected line ${show(line)}`);
    for (const pair of pairs) {
      const eq = pair.indexOf('=');
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (key !== 'rbytes' && key !== 'wbytes') continue;
      if (!DIGITS.test(value)) throw new CgroupFormatError(`${file}: ${key} is not an unsigned integer in ${show(line)}`);
      if (key === 'rbytes') read += Number(value);
      else write += Number(value);
    }
  }
  return { read, write };
}

export interface NetBytes {
  rx: number;
  tx: number;
  /** Interfaces other than lo. None (`--network none`) means no network figures at all. */
  interfaces: number;
}

/**
 * `/proc/<pid>/net/dev` of the container's init process, i.e. its network namespace: two header
 * lines, then "iface: rx_bytes rx_packets ... (8 receive fields) tx_bytes ...". The loopback is left
 * out: the engine sums the interfaces it attached (eth0, ...), never lo.
 */
export function parseNetDev(text: string, file: string): NetBytes {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('Inter-')) throw new CgroupFormatError(`${file}: not a net/dev table (first line ${show(lines[0] ?? '')})`);
  let rx = 0;
  let tx = 0;
  let interfaces = 0;
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const fields = line.slice(colon + 1).trim().split(/\s+/);
    if (colon <= 0 || fields.length < 16 || !DIGITS.test(fields[0] as string) || !DIGITS.test(fields[8] as string)) {
      throw new CgroupFormatError(`${file}: unexpected line ${show(line)}`);
    }
    if (name === 'lo') continue;
    interfaces += 1;
    rx += Number(fields[0]);
    tx += Number(fields[8]);
  }
  return { rx, tx, interfaces };
}

export interface SystemCpu {
  /** Host CPU time in ns, as the engine computes system_cpu_usage. */
  systemNs: number;
  /** "cpuN" lines: the online CPUs (the engine's online_cpus). */
  onlineCpus: number;
}

/** USER_HZ: the unit of /proc/stat, 100 on every Linux architecture Docker runs on. */
export const CLOCK_TICKS_PER_SECOND = 100;

/**
 * `/proc/stat`: the first "cpu" line's first seven fields (user nice system idle iowait irq
 * softirq) in clock ticks, which is what the engine sums for system_cpu_usage.
 */
export function parseProcStat(text: string, file: string): SystemCpu {
  let systemNs: number | null = null;
  let onlineCpus = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) {
      if (systemNs !== null) break;
      continue;
    }
    if (line.startsWith('cpu ')) {
      const fields = line.slice(4).trim().split(/\s+/);
      if (fields.length < 7 || !fields.slice(0, 7).every((f) => DIGITS.test(f))) {
        throw new CgroupFormatError(`${file}: unexpected cpu line ${show(line)}`);
      }
      let ticks = 0;
      for (let k = 0; k < 7; k++) ticks += Number(fields[k]);
      systemNs = (ticks * 1e9) / CLOCK_TICKS_PER_SECOND;
    } else if (/^cpu\d+ /.test(line)) {
      onlineCpus += 1;
    }
  }
  if (systemNs === null || onlineCpus === 0) throw new CgroupFormatError(`${file}: no "cpu" and "cpuN" lines`);
  return { systemNs, onlineCpus };
}

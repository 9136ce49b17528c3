// What the write-ahead spool costs the collector: CPU (process.cpuUsage) and fsyncs per stats
// cycle at 50 and 200 containers, three ways side by side:
//   ours      the BatchWriter, every row through the write-ahead spool;
//   naive     the writer of before the spool, while the database answers: each row checked
//             (validateRow), buffered, stored by the same BatchStore every flush interval or 1000 rows;
//   reference naive plus the least any write-ahead log pays: one write at each point ours appends
//             (the end of a stats cycle, the start of a flush) of as many bytes as ours wrote for
//             those rows (already encoded), no fsync.
// Each cycle does the collector's own work too: JSON.parse of a recorded engine stats answer and
// mapStats per container, then endOfCycle() as the collector calls it after a stats cycle, plus log
// lines written through the cycle. Target: ours <= 1.10x naive.
// Run: npx tsx bench/spool.bench.ts [--containers 50,200] [--cycles 8] [--cycle-ms 2000] [--log-lines 2]
//        [--repeat 5] [--ways ours,naive,reference] [--alone-rounds 200 (0: not measured)] [--sync-delay-ms 500]
// Each repeat runs every way once, in an order rotated from one repeat to the next (a drift of the
// machine's load hits every way alike); after a warm-up of each. Printed: medians per way, and the
// median and range of ours/naive taken within each repeat, and the least run of each way (load from
// other processes only adds CPU time). Instruction counts (user space only; JIT and GC make them
// vary between windows, see bench/README.md):
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg/cg.%p node --import tsx bench/spool.bench.ts --callgrind /tmp/cg
// First, the spool's own work per cycle measured alone (spoolAlone): tight loops, far less noisy.
// Figures are printed, never asserted; bench/README.md records them with the machine's load.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Pool } from 'pg';
import { createPool, type RowSink, type TableName, type TableRows } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { BatchWriter } from '../collector/src/writer';
import { encodeRecord, Spool } from '../collector/src/writer/spool';
import { BatchStore, type Entry } from '../collector/src/writer/store';
import { validateRow } from '../collector/src/writer/validate';
import { flag, sizesFlag } from './flags';
import { median } from './median';
import { inPlaceNs, timeCalls } from './spool-timing';
import { mapStats, type PreviousSample } from '../collector/src/docker/stats';
import type { EngineStats } from '../collector/src/docker/engine-types';

const WAYS = ['ours', 'naive', 'reference'] as const;
type Way = (typeof WAYS)[number];

const SIZES = sizesFlag('containers', '50,200');
const CYCLES = Number(flag('cycles', '8'));
const REPEAT = Number(flag('repeat', '5'));
const CYCLE_MS = Number(flag('cycle-ms', '2000'));
const LOG_LINES = Number(flag('log-lines', '2'));
/** Cycles per tight loop of the spool's own work measured alone; 0 leaves it out (a profile of the ways only). */
const ALONE_ROUNDS = Number(flag('alone-rounds', '200'));
/**
 * `--windows`: each measured window's bounds on CLOCK_MONOTONIC (process.hrtime), in seconds, so a
 * profile taken with `perf record -k CLOCK_MONOTONIC` can be cut to them (`perf report --time a,b`).
 */
const PRINT_WINDOWS = process.argv.includes('--windows');
const CHOSEN: Way[] = flag('ways', WAYS.join(','))
  .split(',')
  .map((w) => {
    if (!(WAYS as readonly string[]).includes(w)) throw new Error(`--ways: ${w} is not one of ${WAYS.join(', ')}`);
    return w as Way;
  });
/**
 * Under `valgrind --tool=callgrind --callgrind-out-file=<dir>/cg.%p`, `--callgrind <dir>`: each
 * measured window also counts the instructions the process ran (all threads, user space only:
 * the kernel's side of write and fsync is not in them), through callgrind_control (zero, dump).
 */
const CALLGRIND_DIR = flag('callgrind', '');
/** Log lines arrive through the cycle, not in one burst: this many ticks per cycle. */
const LOG_TICKS = 10;
const FLUSH_INTERVAL_MS = 2000; // WRITER_FLUSH_INTERVAL's default
/** SPOOL_SYNC_DELAY (default 500 ms): a stats row reaches the spool at most this long after write() (the cycle's end comes first here). */
const SYNC_DELAY_MS = Number(flag('sync-delay-ms', '500'));
/** Spool bytes per row for the reference when ours did not run: ours' mean at 50 and 200 containers. */
const DEFAULT_ROW_BYTES = 86;
const ANSWER = readFileSync(path.join(__dirname, '..', 'collector', 'test', 'fixtures', 'v1-stats-oneshot-burner.json'), 'utf8');

/**
 * CPU time of the main thread alone, in ms: the first field of its schedstat (nanoseconds on a CPU,
 * exact; the user/system split of getrusage is sampled at the 4 ms scheduler tick on this kernel,
 * CONFIG_TICK_CPU_ACCOUNTING with HZ=250). The rest of the process's CPU is V8's helper threads
 * (garbage collection, JIT compilation) and any worker. NaN where /proc has no schedstat.
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return NaN;
  }
}
/**
 * The spool's work where it runs, in ours' measured windows: wall time (hrtime) inside each
 * Spool.append (encoding, framing, the write), Spool.release (checkpoint, deleted segments) and the
 * writer's group commit around the append (its bookkeeping), summed. Synchronous calls of well under
 * a scheduler slice, so wall time is their CPU time unless the load preempts one.
 */
timeCalls(Spool.prototype, 'append', 'append');
timeCalls(Spool.prototype, 'release', 'release');
timeCalls(BatchWriter.prototype, 'commit', 'commit'); // private: the group commit (takeOpen, append, bookkeeping)
/** Checkpoint rewrites (one pwrite each) of every spool in this process. */
let checkpointWrites = 0;
{
  const target = Spool.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const original = target.writeCheckpoint as (...args: unknown[]) => unknown;
  target.writeCheckpoint = function (this: { checkpointDue: unknown }, ...args: unknown[]) {
    if (this.checkpointDue) checkpointWrites++;
    return original.apply(this, args);
  };
}
const seconds = (ns: bigint) => (Number(ns / 1000n) / 1e6).toFixed(6);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let dumps = 0;
/** Starts callgrind's count afresh (no-op without --callgrind). */
function zeroInstructions(): void {
  if (CALLGRIND_DIR) execFileSync('callgrind_control', ['-z', String(process.pid)], { stdio: 'ignore' });
}
/** Instructions since zeroInstructions(), from the dump callgrind writes (NaN without --callgrind). */
function dumpInstructions(): number {
  if (!CALLGRIND_DIR) return NaN;
  execFileSync('callgrind_control', ['-d', `window-${++dumps}`, String(process.pid)], { stdio: 'ignore' });
  const name = `cg.${process.pid}.${dumps}`;
  if (!readdirSync(CALLGRIND_DIR).includes(name)) throw new Error(`--callgrind: no ${name} in ${CALLGRIND_DIR} (is --callgrind-out-file ${CALLGRIND_DIR}/cg.%p?)`);
  const summary = /^summary: (\d+)/m.exec(readFileSync(path.join(CALLGRIND_DIR, name), 'utf8'));
  if (!summary) throw new Error(`--callgrind: ${name} has no summary line`);
  return Number(summary[1]);
}

/** naive: the writer of before the spool, while the database answers (rows checked, buffered, stored in batches). */
class InMemoryWriter implements RowSink {
  protected buffer: Entry[] = [];
  /** Called before each store begins. */
  protected beforeStore(): void {}
  private timer: NodeJS.Timeout | null = null;
  private storing: Promise<void> = Promise.resolve();
  constructor(private readonly store: BatchStore) {}
  write<T extends TableName>(table: T, row: TableRows[T]): void {
    validateRow(table, row);
    this.buffer.push({ table, row: row as unknown as Record<string, unknown> });
    if (this.buffer.length >= 1000) this.flushSoon(0);
    else this.flushSoon(FLUSH_INTERVAL_MS);
  }
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.storing;
    await this.drain();
  }
  private flushSoon(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.storing = this.storing.then(() => this.drain());
    }, ms);
  }
  private async drain(): Promise<void> {
    while (this.buffer.length) {
      this.beforeStore();
      await this.store.store(this.buffer.splice(0, 1000), new Set());
    }
  }
}

/** reference: naive plus one write of `rowBytes` per row (bytes already encoded) at the end of each cycle and before each store. */
class FloorLogWriter extends InMemoryWriter {
  private windowRows = 0;
  private readonly fd: number;
  private scratch = Buffer.alloc(0);
  appends = 0;
  constructor(store: BatchStore, file: string, private readonly rowBytes: number) {
    super(store);
    this.fd = openSync(file, 'w');
  }
  override write<T extends TableName>(table: T, row: TableRows[T]): void {
    super.write(table, row);
    this.windowRows++;
  }
  endOfCycle(): void {
    this.append();
  }
  protected override beforeStore(): void {
    this.append();
  }
  override async close(): Promise<void> {
    this.append();
    await super.close();
    closeSync(this.fd);
  }
  private append(): void {
    const bytes = Math.round(this.windowRows * this.rowBytes);
    this.windowRows = 0;
    if (bytes === 0) return;
    if (this.scratch.length < bytes) this.scratch = Buffer.alloc(bytes * 2, 0x20);
    writeSync(this.fd, this.scratch, 0, bytes);
    this.appends++;
  }
}

interface Result {
  cpuMsPerCycle: number;
  userMsPerCycle: number;
  systemMsPerCycle: number;
  syncsPerCycle: number;
  appendsPerCycle: number;
  peakSpoolBytes: number;
  spoolBytesPerRow: number;
  rowsPerCycle: number;
  /** Instructions per cycle under callgrind (NaN without). */
  instructionsPerCycle: number;
  minorFaultsPerCycle: number;
  contextSwitchesPerCycle: number;
  /** The main thread's CPU (where the writer and the spool run), exact. */
  mainMsPerCycle: number;
  appendMsPerCycle: number;
  releaseMsPerCycle: number;
  commitMsPerCycle: number;
  checkpointsPerCycle: number;
}

/**
 * 1 + CYCLES cycles of `containers` into `sink`; CPU of the whole process from the end of the
 * first cycle to the last row stored. The first is not counted: it holds what a start costs once
 * (the spool's first segment and its directory fsync, the first statements on a connection), not
 * what every cycle of a running collector costs.
 */
async function runCycles(
  containers: number, sink: RowSink, runName: string, finish: () => Promise<void>, onCycleEnd: () => void = () => undefined,
): Promise<Run> {
  const previous = new Map<string, PreviousSample>();
  // Ids as long as the engine's: 64 hex digits per container; HOST_ID defaults to the engine's ID.
  const containerIds = Array.from({ length: containers }, (_, c) => c.toString(16).padStart(64, 'c'));
  const hostId = `${runName}-${randomUUID()}`;
  const base = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
  let rows = 0;
  let logSeq = 0;
  let start = process.cpuUsage();
  let startUsage = process.resourceUsage();
  let windowStartNs = process.hrtime.bigint();
  let startMainMs = mainThreadCpuMs();
  let startInPlace = { ...inPlaceNs };
  let startCheckpoints = checkpointWrites;
  for (let cycle = 0; cycle <= CYCLES; cycle++) {
    if (cycle === 1) {
      zeroInstructions();
      windowStartNs = process.hrtime.bigint();
      start = process.cpuUsage();
      startMainMs = mainThreadCpuMs();
      startInPlace = { ...inPlaceNs };
      startCheckpoints = checkpointWrites;
      startUsage = process.resourceUsage();
      rows = 0;
    }
    const cycleStartMs = Date.now();
    const read = new Date(base + cycle * 5000);
    for (let c = 0; c < containers; c++) {
      const containerId = containerIds[c] as string;
      const answer = JSON.parse(ANSWER) as EngineStats;
      answer.read = read.toISOString();
      const mapped = mapStats(answer, { hostId, containerId, previous: previous.get(containerId) });
      previous.set(containerId, mapped.sample);
      sink.write('container_stats', mapped.row);
      rows++;
    }
    sink.endOfCycle?.(); // as the collector does after each stats cycle (collector/src/collector.ts)
    for (let tick = 0; tick < LOG_TICKS; tick++) {
      await sleep(CYCLE_MS / LOG_TICKS / 2);
      const lines = Math.round((containers * LOG_LINES) / LOG_TICKS);
      for (let l = 0; l < lines; l++) {
        sink.write('container_logs', {
          time: new Date(read.getTime() + tick * 100), host_id: hostId, container_id: containerIds[l % containers] as string,
          stream: 'stdout', seq: logSeq++, message: `GET /api/v1/items/${logSeq} 200 1.2ms "Mozilla/5.0 (X11; Linux x86_64)"`,
        });
        rows++;
      }
    }
    await sleep(Math.max(0, CYCLE_MS - (Date.now() - cycleStartMs)));
    onCycleEnd();
  }
  await finish();
  const used = process.cpuUsage(start);
  const mainMs = mainThreadCpuMs() - startMainMs;
  const usage = process.resourceUsage();
  if (PRINT_WINDOWS) console.log(`window ${runName} ${seconds(windowStartNs)},${seconds(process.hrtime.bigint())}`);
  const instructions = dumpInstructions();
  return {
    userMs: used.user / 1000, systemMs: used.system / 1000, mainMs, rows, instructions,
    appendMs: Number(inPlaceNs.append - startInPlace.append) / 1e6,
    releaseMs: Number(inPlaceNs.release - startInPlace.release) / 1e6,
    commitMs: Number(inPlaceNs.commit - startInPlace.commit) / 1e6,
    checkpoints: checkpointWrites - startCheckpoints,
    minorFaults: usage.minorPageFault - startUsage.minorPageFault,
    contextSwitches: usage.voluntaryContextSwitches - startUsage.voluntaryContextSwitches + usage.involuntaryContextSwitches - startUsage.involuntaryContextSwitches,
  };
}

interface Run {
  userMs: number;
  systemMs: number;
  /** Of userMs + systemMs, the main thread's (schedstat). */
  mainMs: number;
  /** Inside Spool.append, Spool.release and the writer's group commit (inPlaceNs); 0 for the other ways. */
  appendMs: number;
  releaseMs: number;
  commitMs: number;
  /** Checkpoint rewrites (ours). */
  checkpoints: number;
  rows: number;
  instructions: number;
  /** Page faults served without I/O (the process's memory growing or touched afresh), getrusage. */
  minorFaults: number;
  /** Voluntary and involuntary, getrusage. */
  contextSwitches: number;
}

function perCycle(run: Run, spool: { syncs: number; appends: number; peakBytes: number; bytesPerRow: number }): Result {
  return {
    cpuMsPerCycle: (run.userMs + run.systemMs) / CYCLES, userMsPerCycle: run.userMs / CYCLES, systemMsPerCycle: run.systemMs / CYCLES,
    syncsPerCycle: spool.syncs / CYCLES, appendsPerCycle: spool.appends / CYCLES, peakSpoolBytes: spool.peakBytes,
    spoolBytesPerRow: spool.bytesPerRow, rowsPerCycle: run.rows / CYCLES, instructionsPerCycle: run.instructions / CYCLES,
    minorFaultsPerCycle: run.minorFaults / CYCLES, contextSwitchesPerCycle: run.contextSwitches / CYCLES,
    mainMsPerCycle: run.mainMs / CYCLES,
    appendMsPerCycle: run.appendMs / CYCLES, releaseMsPerCycle: run.releaseMs / CYCLES, commitMsPerCycle: run.commitMs / CYCLES,
    checkpointsPerCycle: run.checkpoints / CYCLES,
  };
}

const NO_SPOOL = { syncs: 0, appends: 0, peakBytes: 0, bytesPerRow: 0 };

async function naive(pool: Pool, containers: number, prefix: string): Promise<Result> {
  const sink = new InMemoryWriter(new BatchStore(pool, 'postgres'));
  return perCycle(await runCycles(containers, sink, `${prefix}naive-${containers}`, () => sink.close()), NO_SPOOL);
}

async function reference(pool: Pool, containers: number, prefix: string, rowBytes: number): Promise<Result> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-floor-'));
  try {
    const sink = new FloorLogWriter(new BatchStore(pool, 'postgres'), path.join(dir, 'log'), rowBytes);
    const run = await runCycles(containers, sink, `${prefix}ref-${containers}`, () => sink.close());
    return perCycle(run, { syncs: 0, appends: sink.appends, peakBytes: 0, bytesPerRow: rowBytes });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ours(pool: Pool, containers: number, prefix: string): Promise<Result> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'dp-bench-wal-'));
  const writer = new BatchWriter({ pool, flavour: 'postgres', spoolDir, flushIntervalMs: FLUSH_INTERVAL_MS, spoolSyncDelayMs: SYNC_DELAY_MS });
  await writer.start();
  try {
    let peakBytes = 0;
    let written = 0;
    let lastBytes = 0;
    const sample = () => {
      const bytes = writer.state().spoolBytes;
      written += Math.max(0, bytes - lastBytes); // released segments shrink it; growth is what was appended
      lastBytes = bytes;
      peakBytes = Math.max(peakBytes, bytes);
    };
    const run = await runCycles(containers, writer, `${prefix}ours-${containers}`, () => writer.flush().then(sample), sample);
    const state = writer.state();
    return perCycle(run, { syncs: state.spoolSyncs, appends: state.spoolAppends, peakBytes, bytesPerRow: written / run.rows });
  } finally {
    await writer.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

/**
 * The spool's own synchronous work for one cycle's rows, alone (no database, no timers, no
 * sleeping): Spool.append of the cycle's rows in 3 group commits (encoding, framing, crc32, the
 * write), with a release every 20 cycles, against the part of naive's write() it adds to (the
 * per-row check and the push). Tight loops of `rounds` cycles, interleaved, `repeat` times.
 */
/** One cycle's rows (a stats row per container, LOG_LINES log lines each) in 3 group commits. */
function cycleGroups(containers: number): { entries: Entry[]; groups: Entry[][] } {
  const hostId = randomUUID();
  const entries: Entry[] = [];
  for (let c = 0; c < containers; c++) {
    const answer = JSON.parse(ANSWER) as EngineStats;
    entries.push({ table: 'container_stats', row: mapStats(answer, { hostId, containerId: c.toString(16).padStart(64, 'c'), previous: undefined }).row as unknown as Record<string, unknown> });
  }
  for (let l = 0; l < containers * LOG_LINES; l++) {
    entries.push({ table: 'container_logs', row: { time: new Date(), host_id: hostId, container_id: (l % containers).toString(16).padStart(64, 'c'), stream: 'stdout', seq: l, message: `GET /api/v1/items/${l} 200 1.2ms "Mozilla/5.0 (X11; Linux x86_64)"` } });
  }
  const third = Math.ceil(entries.length / 3);
  return { entries, groups: [entries.slice(0, third), entries.slice(third, 2 * third), entries.slice(2 * third)] };
}

/**
 * The same work done rarely and done at once: one group commit's append (a third of a cycle's
 * rows) first after `idleMs` asleep, as the writer makes it (a few times a second), then again at
 * once; and the same for its parts alone: the write system call of as many bytes, and their crc32.
 * Medians of `times` tries, µs of wall time.
 */
async function coldAndWarm(containers: number, idleMs: number, times: number): Promise<Record<string, { cold: number; warm: number }>> {
  const [group] = cycleGroups(containers).groups as [Entry[]];
  const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-cold-'));
  const spool = new Spool({ dir });
  spool.open();
  const record = encodeRecord(group);
  const fd = openSync(path.join(dir, 'plain'), 'w');
  let at = 0;
  const parts: Record<string, () => void> = {
    'Spool.append': () => void spool.append([group]),
    write: () => {
      writeSync(fd, record, 0, record.length, at);
      at += record.length;
    },
    crc32: () => void crc32(record),
  };
  const us = (fn: () => void) => {
    const start = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  const got = new Map(Object.keys(parts).map((k) => [k, { cold: [] as number[], warm: [] as number[] }]));
  try {
    for (let i = 0; i < times + 3; i++) {
      for (const [name, fn] of Object.entries(parts)) {
        await sleep(idleMs);
        const cold = us(fn);
        const warm = us(fn);
        if (i < 3) continue; // JIT warm-up
        got.get(name)?.cold.push(cold);
        got.get(name)?.warm.push(warm);
      }
      if (i % 10 === 9) spool.release(null);
    }
  } finally {
    closeSync(fd);
    spool.close(true);
    rmSync(dir, { recursive: true, force: true });
  }
  return Object.fromEntries([...got].map(([name, v]) => [name, { cold: median(v.cold), warm: median(v.warm) }]));
}

function spoolAlone(containers: number, rounds: number, repeat: number): { appendMs: number[]; checkMs: number[] } {
  const { entries, groups } = cycleGroups(containers);
  const appendRounds = (n: number) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-bench-alone-'));
    const spool = new Spool({ dir });
    spool.open();
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      for (const group of groups) spool.append([group]);
      if (i % 20 === 19) spool.release(null);
    }
    const used = process.cpuUsage(start);
    spool.close(true);
    rmSync(dir, { recursive: true, force: true });
    return (used.user + used.system) / 1000 / n;
  };
  const checkRounds = (n: number) => {
    const start = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const buffer: Entry[] = [];
      for (const e of entries) {
        validateRow(e.table, e.row);
        buffer.push(e);
      }
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000 / n;
  };
  appendRounds(rounds);
  checkRounds(rounds);
  const appendMs: number[] = [];
  const checkMs: number[] = [];
  for (let r = 0; r < repeat; r++) {
    appendMs.push(appendRounds(rounds));
    checkMs.push(checkRounds(rounds));
  }
  return { appendMs, checkMs };
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const pool = createPool({ connectionString: db.url, max: 4 });
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${CYCLES} cycles of ${CYCLE_MS} ms, ${LOG_LINES} log lines per container per cycle; SPOOL_SYNC_DELAY ${SYNC_DELAY_MS} ms; ways ${CHOSEN.join(', ')}`);
  const cpu = (r: Result) =>
    `${r.cpuMsPerCycle.toFixed(2)} (${r.userMsPerCycle.toFixed(2)}+${r.systemMsPerCycle.toFixed(2)}; main thread ${r.mainMsPerCycle.toFixed(2)}; ` +
    `${Math.round(r.minorFaultsPerCycle)} faults, ${Math.round(r.contextSwitchesPerCycle)} cs)`;
  const table: string[] = [
    '| containers | rows/cycle | ours CPU ms/cycle: median (user+sys), least | naive | reference | ours / naive: median of repeats (range); of the least | reference / naive | ours appends/cycle | ours fsyncs/cycle | ours spool bytes/row |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  // The main thread's CPU, exact (schedstat): the writer, the spool and the cycle's own work, without
  // the helper threads whose garbage collection and compilation vary most from run to run.
  const mainTable: string[] = [
    '| containers | ours main-thread CPU ms/cycle: median, least | naive | reference | ours / naive: median of repeats (range); of the least | reference / naive | minor faults/cycle: ours, naive | context switches/cycle: ours, naive |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const inPlaceTable: string[] = [
    '| containers | group commit, ms/cycle: median, least | of it Spool.append | Spool.release | commit + release, share of naive\'s main thread (medians) | checkpoint rewrites/cycle |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  const instructionTable: string[] = [
    '| containers | ours Minstr/cycle | naive | reference | ours / naive (median, range of repeats) | reference / naive |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  let rowBytes = DEFAULT_ROW_BYTES;
  const runWay = (way: Way, n: number, prefix: string) =>
    way === 'ours' ? ours(pool, n, prefix) : way === 'naive' ? naive(pool, n, prefix) : reference(pool, n, prefix, rowBytes);
  const alone: string[] = [
    '| containers | rows/cycle | Spool.append of a cycle, ms: median, least (range) | naive\'s check + push, ms: median, least |',
    '|---:|---:|---:|---:|',
  ];
  for (const n of ALONE_ROUNDS > 0 ? SIZES : []) {
    const { appendMs, checkMs } = spoolAlone(n, ALONE_ROUNDS, REPEAT + 2);
    alone.push(`| ${n} | ${n * (1 + LOG_LINES)} | ${median(appendMs).toFixed(3)}, ${Math.min(...appendMs).toFixed(3)} (${Math.min(...appendMs).toFixed(3)}-${Math.max(...appendMs).toFixed(3)}) | ${median(checkMs).toFixed(3)}, ${Math.min(...checkMs).toFixed(3)} |`);
  }
  console.log(`the spool's own work per cycle, alone:\n${alone.join('\n')}`);
  const wake: string[] = [
    `| containers | rows, bytes of the append | Spool.append, µs: first after ${SYNC_DELAY_MS} ms asleep, again at once | of it: the write system call alone | crc32 alone |`,
    '|---:|---:|---:|---:|---:|',
  ];
  for (const n of ALONE_ROUNDS > 0 ? SIZES : []) {
    const w = await coldAndWarm(n, SYNC_DELAY_MS, 16);
    const both = (name: string) => `${(w[name]?.cold ?? NaN).toFixed(0)}, ${(w[name]?.warm ?? NaN).toFixed(0)}`;
    const bytes = encodeRecord((cycleGroups(n).groups[0] as Entry[])).length;
    wake.push(`| ${n} | ${Math.ceil((n * (1 + LOG_LINES)) / 3)}, ${bytes} | ${both('Spool.append')} | ${both('write')} | ${both('crc32')} |`);
  }
  if (ALONE_ROUNDS > 0) console.log(`the same work done rarely and at once:\n${wake.join('\n')}`);
  try {
    for (const n of SIZES) {
      const results = new Map<Way, Result[]>(CHOSEN.map((w) => [w, []]));
      for (const way of CHOSEN) {
        const warm = await runWay(way, n, 'warm-'); // JIT, pool connections; not counted
        if (way === 'ours' && warm.spoolBytesPerRow > 0) rowBytes = warm.spoolBytesPerRow;
      }
      for (let r = 0; r < REPEAT; r++) {
        const order = CHOSEN.map((_, i) => CHOSEN[(i + r) % CHOSEN.length] as Way);
        const line: string[] = [];
        for (const way of order) {
          const result = await runWay(way, n, `r${r}-`);
          (results.get(way) as Result[]).push(result);
          line.push(`${way} ${cpu(result)}${CALLGRIND_DIR ? ` ${(result.instructionsPerCycle / 1e6).toFixed(2)} Minstr` : ''}`);
        }
        console.log(`  ${n} containers, repeat ${r + 1}: ${line.join(', ')} ms/cycle`);
      }
      const med = (way: Way, pick: (r: Result) => number) => {
        const list = results.get(way);
        return list && list.length ? median(list.map(pick)) : NaN;
      };
      const ratios = (way: Way, pick: (r: Result) => number) => {
        const top = results.get(way);
        const bottom = results.get('naive');
        if (!top || !bottom) return [];
        return top.map((r, i) => pick(r) / pick(bottom[i] as Result));
      };
      const instr = (r: Result) => r.instructionsPerCycle;
      // Another process's load only ever adds CPU time to a run (caches, a shared core), so the
      // least of the repeats is the estimate least disturbed by it; the median is printed beside it.
      const least = (way: Way, pick: (r: Result) => number = (r) => r.cpuMsPerCycle) => Math.min(...(results.get(way) ?? []).map(pick));
      const show = (way: Way) =>
        results.has(way)
          ? `${med(way, (r) => r.cpuMsPerCycle).toFixed(2)} (${med(way, (r) => r.userMsPerCycle).toFixed(2)}+${med(way, (r) => r.systemMsPerCycle).toFixed(2)}), ${least(way).toFixed(2)}`
          : '-';
      const ratioText = (way: Way, pick: (r: Result) => number = (r) => r.cpuMsPerCycle) => {
        const list = ratios(way, pick);
        if (!list.length) return '-';
        const ofLeast = pick === instr ? '' : `; ${(least(way, pick) / least('naive', pick)).toFixed(2)}x`;
        return `${median(list).toFixed(2)}x (${Math.min(...list).toFixed(2)}-${Math.max(...list).toFixed(2)})${ofLeast}`;
      };
      const showInstr = (way: Way) => (results.has(way) ? (med(way, instr) / 1e6).toFixed(2) : '-');
      const anyWay = CHOSEN[0] as Way;
      table.push(
        `| ${n} | ${Math.round(med(anyWay, (r) => r.rowsPerCycle))} | ${show('ours')} | ${show('naive')} | ${show('reference')} | ${ratioText('ours')} | ${ratioText('reference')} | ` +
          `${med('ours', (r) => r.appendsPerCycle).toFixed(1)} | ${med('ours', (r) => r.syncsPerCycle).toFixed(2)} | ${Math.round(med('ours', (r) => r.spoolBytesPerRow))} |`,
      );
      console.log(table.at(-1));
      const main = (r: Result) => r.mainMsPerCycle;
      const showMain = (way: Way) => (results.has(way) ? `${med(way, main).toFixed(2)}, ${least(way, main).toFixed(2)}` : '-');
      const pair = (pick: (r: Result) => number) => `${Math.round(med('ours', pick))}, ${Math.round(med('naive', pick))}`;
      mainTable.push(
        `| ${n} | ${showMain('ours')} | ${showMain('naive')} | ${showMain('reference')} | ${ratioText('ours', main)} | ${ratioText('reference', main)} | ` +
          `${pair((r) => r.minorFaultsPerCycle)} | ${pair((r) => r.contextSwitchesPerCycle)} |`,
      );
      console.log(mainTable.at(-1));
      if (results.has('ours')) {
        const showIn = (pick: (r: Result) => number) => `${med('ours', pick).toFixed(3)}, ${least('ours', pick).toFixed(3)}`;
        const share = (med('ours', (r) => r.commitMsPerCycle) + med('ours', (r) => r.releaseMsPerCycle)) / med('naive', main);
        inPlaceTable.push(
          `| ${n} | ${showIn((r) => r.commitMsPerCycle)} | ${showIn((r) => r.appendMsPerCycle)} | ${showIn((r) => r.releaseMsPerCycle)} | ${Number.isFinite(share) ? `${(100 * share).toFixed(1)} %` : '-'} | ${med('ours', (r) => r.checkpointsPerCycle).toFixed(2)} |`,
        );
        console.log(inPlaceTable.at(-1));
      }
      if (CALLGRIND_DIR) {
        instructionTable.push(`| ${n} | ${showInstr('ours')} | ${showInstr('naive')} | ${showInstr('reference')} | ${ratioText('ours', instr)} | ${ratioText('reference', instr)} |`);
        console.log(instructionTable.at(-1));
      }
    }
    console.log(`\n${table.join('\n')}`);
    console.log(`\nthe main thread alone:\n${mainTable.join('\n')}`);
    console.log(`\nthe spool's work in place (ours' windows, wall time inside the calls):\n${inPlaceTable.join('\n')}`);
    console.log(`\nthe spool's own work per cycle, alone:\n${alone.join('\n')}`);
    if (ALONE_ROUNDS > 0) console.log(`\nthe same work done rarely and at once:\n${wake.join('\n')}`);
    if (CALLGRIND_DIR) console.log(`\ninstructions (callgrind, user space):\n${instructionTable.join('\n')}`);
    console.log(`load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

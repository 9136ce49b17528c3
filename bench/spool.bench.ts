// What the write-ahead spool costs the collector: CPU (process.cpuUsage) and fsyncs per stats
// cycle at 50 and 200 containers, the BatchWriter (every row through the spool) beside the plain
// in-memory path it replaced (a buffer flushed by the same BatchStore on the same interval: the
// writer of before, while the database answers). Each cycle does the collector's own work too:
// JSON.parse of a recorded engine stats answer and mapStats per container, plus log lines written
// through the cycle. Target: the spool costs <= 10 % more collector CPU.
// Run: npx tsx bench/spool.bench.ts [--containers 50,200] [--cycles 8] [--cycle-ms 2000] [--log-lines 2] [--repeat 3]
// The two ways alternate --repeat times per size after a warm-up of each; the medians are printed.
// Figures are printed, never asserted; bench/README.md records them with the machine's load.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createPool, type RowSink, type TableName, type TableRows } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { BatchWriter } from '../collector/src/writer';
import { BatchStore, type Entry } from '../collector/src/writer/store';
import { mapStats, type PreviousSample } from '../collector/src/docker/stats';
import type { EngineStats } from '../collector/src/docker/engine-types';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && process.argv[i + 1]) return process.argv[i + 1] as string;
  const eq = process.argv.find((a) => a.startsWith(`--${name}=`));
  return eq ? eq.slice(name.length + 3) : fallback;
}

const SIZES = flag('containers', '50,200').split(',').map(Number).filter((n) => n > 0);
const CYCLES = Number(flag('cycles', '8'));
const REPEAT = Number(flag('repeat', '3'));
const CYCLE_MS = Number(flag('cycle-ms', '2000'));
const LOG_LINES = Number(flag('log-lines', '2'));
/** Log lines arrive through the cycle, not in one burst: this many ticks per cycle. */
const LOG_TICKS = 10;
const FLUSH_INTERVAL_MS = 2000; // WRITER_FLUSH_INTERVAL's default
const ANSWER = readFileSync(path.join(__dirname, '..', 'collector', 'test', 'fixtures', 'v1-stats-oneshot-burner.json'), 'utf8');

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The plain in-memory path: rows buffered and stored by the BatchStore at the flush interval or a full batch. */
class InMemorySink implements RowSink {
  private buffer: Entry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private storing: Promise<void> = Promise.resolve();
  constructor(private readonly store: BatchStore) {}
  write<T extends TableName>(table: T, row: TableRows[T]): void {
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
    while (this.buffer.length) await this.store.store(this.buffer.splice(0, 1000), new Set());
  }
}

interface Result {
  cpuMsPerCycle: number;
  userMsPerCycle: number;
  systemMsPerCycle: number;
  syncsPerCycle: number;
  appendsPerCycle: number;
  spoolBytesWritten: number;
  rowsPerCycle: number;
}

/** CYCLES cycles of `containers` into `sink`; CPU of the whole process from the first cycle to the last row stored. */
async function runCycles(
  containers: number, sink: RowSink, hostId: string, finish: () => Promise<void>, onCycleEnd: () => void = () => undefined,
): Promise<{ userMs: number; systemMs: number; rows: number }> {
  const previous = new Map<string, PreviousSample>();
  const base = Math.floor((Date.now() - 2 * 3_600_000) / 1000) * 1000;
  let rows = 0;
  let logSeq = 0;
  const start = process.cpuUsage();
  for (let cycle = 0; cycle < CYCLES; cycle++) {
    const cycleStartMs = Date.now();
    const read = new Date(base + cycle * 5000);
    for (let c = 0; c < containers; c++) {
      const containerId = `bench-${String(c).padStart(4, '0')}`;
      const answer = JSON.parse(ANSWER) as EngineStats;
      answer.read = read.toISOString();
      const mapped = mapStats(answer, { hostId, containerId, previous: previous.get(containerId) });
      previous.set(containerId, mapped.sample);
      sink.write('container_stats', mapped.row);
      rows++;
    }
    for (let tick = 0; tick < LOG_TICKS; tick++) {
      await sleep(CYCLE_MS / LOG_TICKS / 2);
      const lines = Math.round((containers * LOG_LINES) / LOG_TICKS);
      for (let l = 0; l < lines; l++) {
        sink.write('container_logs', {
          time: new Date(read.getTime() + tick * 100), host_id: hostId, container_id: `bench-${String(l % containers).padStart(4, '0')}`,
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
  return { userMs: used.user / 1000, systemMs: used.system / 1000, rows };
}

function perCycle(userMs: number, systemMs: number, rows: number, syncs: number, peakBytes: number, appends = 0): Result {
  return {
    appendsPerCycle: appends / CYCLES,
    cpuMsPerCycle: (userMs + systemMs) / CYCLES, userMsPerCycle: userMs / CYCLES, systemMsPerCycle: systemMs / CYCLES,
    syncsPerCycle: syncs / CYCLES, spoolBytesWritten: peakBytes, rowsPerCycle: rows / CYCLES,
  };
}

function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a.cpuMsPerCycle - b.cpuMsPerCycle);
  return sorted[Math.floor(sorted.length / 2)] as Result;
}

async function inMemory(pool: Pool, containers: number, prefix = ''): Promise<Result> {
  const sink = new InMemorySink(new BatchStore(pool, 'postgres'));
  const { userMs, systemMs, rows } = await runCycles(containers, sink, `${prefix}mem-${containers}`, () => sink.close());
  return perCycle(userMs, systemMs, rows, 0, 0);
}

async function spooled(pool: Pool, containers: number, prefix = ''): Promise<Result> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'dp-bench-wal-'));
  const writer = new BatchWriter({ pool, flavour: 'postgres', spoolDir, flushIntervalMs: FLUSH_INTERVAL_MS });
  await writer.start();
  try {
    let peakBytes = 0;
    const { userMs, systemMs, rows } = await runCycles(containers, writer, `${prefix}wal-${containers}`, () => writer.flush(), () => {
      peakBytes = Math.max(peakBytes, writer.state().spoolBytes);
    });
    return perCycle(userMs, systemMs, rows, writer.state().spoolSyncs, peakBytes, writer.state().spoolAppends);
  } finally {
    await writer.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const pool = createPool({ connectionString: db.url, max: 4 });
  console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${CYCLES} cycles of ${CYCLE_MS} ms, ${LOG_LINES} log lines per container per cycle`);
  const table: string[] = [
    '| containers | rows/cycle | in-memory CPU ms/cycle (user+sys) | spool CPU ms/cycle (user+sys) | spool / in-memory | appends/cycle | fsyncs/cycle | peak spool bytes |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const cpu = (r: Result) => `${r.cpuMsPerCycle.toFixed(1)} (${r.userMsPerCycle.toFixed(1)}+${r.systemMsPerCycle.toFixed(1)})`;
  try {
    for (const n of SIZES) {
      // Warm-up of both paths (JIT, pool connections), not counted.
      await inMemory(pool, n, 'warm-');
      await spooled(pool, n, 'warm-');
      const mems: Result[] = [];
      const wals: Result[] = [];
      for (let r = 0; r < REPEAT; r++) {
        mems.push(await inMemory(pool, n, `r${r}-`));
        wals.push(await spooled(pool, n, `r${r}-`));
        console.log(`  ${n} containers, run ${r + 1}: in-memory ${cpu(mems.at(-1) as Result)}, spool ${cpu(wals.at(-1) as Result)} ms/cycle`);
      }
      const mem = median(mems);
      const wal = median(wals);
      const ratio = wal.cpuMsPerCycle / mem.cpuMsPerCycle;
      table.push(
        `| ${n} | ${Math.round(mem.rowsPerCycle)} | ${cpu(mem)} | ${cpu(wal)} | ${ratio.toFixed(2)}x | ${wal.appendsPerCycle.toFixed(1)} | ${wal.syncsPerCycle.toFixed(1)} | ${wal.spoolBytesWritten} |`,
      );
      console.log(table.at(-1));
    }
    console.log(`\n${table.join('\n')}`);
  } finally {
    await pool.end();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

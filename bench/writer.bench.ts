// Rows/s of container_stats samples: one INSERT per row, the BatchWriter, and raw COPY, with the
// same generated rows on the same server. The naive and the reference ways write what the writer
// stores, where it stores it: the history's columns (collector/src/writer/tables.ts, storedSpec) into
// container_samples under the containers' integer keys (plain, sql/0009) or into the hypertable
// (TimescaleDB). The writer also keeps each container's newest row in container_stats_latest
// (sql/0010); they do not. Run: npx tsx bench/writer.bench.ts (BENCH_ROWS=200000 by
// default, the per-row method on the first BENCH_PER_ROW_ROWS=10000; TIMESCALEDB_TEST_URL adds
// the TimescaleDB flavour). Figures go to bench/README.md.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { createPool, type ContainerStatsRow, type StorageFlavour } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { BatchWriter } from '../collector/src/writer';
import { storedSpec, type StoredSpec } from '../collector/src/writer/tables';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
// One commit per row is slow enough that a sample gives its rate; the rate is what is compared.
const PER_ROW_ROWS = Math.min(ROWS, Number(process.env.BENCH_PER_ROW_ROWS ?? 10_000));
const CONTAINERS = 100;

function generateRows(count: number): ContainerStatsRow[] {
  // Recent samples (today's partitions exist), 1 s apart per container, like the stats job makes.
  const start = Math.floor((Date.now() - 3 * 3_600_000) / 1000) * 1000;
  return Array.from({ length: count }, (_, i) => ({
    time: new Date(start + Math.floor(i / CONTAINERS) * 1000),
    host_id: 'bench-host',
    container_id: `container-${String(i % CONTAINERS).padStart(3, '0')}`,
    cpu_percent: (i % 1000) / 10,
    mem_used_bytes: 100_000_000 + i,
    mem_usage_bytes: 120_000_000 + i,
    mem_limit_bytes: 2_147_483_648,
    mem_percent: 4.66,
    net_rx_bytes: i * 1500,
    net_tx_bytes: i * 700,
    blk_read_bytes: 0,
    blk_write_bytes: 0,
    net_rx_delta: 1500,
    net_tx_delta: 700,
    blk_read_delta: 0,
    blk_write_delta: 0,
    pids: 7,
  }));
}

/** A row as stored: the stored relation's columns, ckey (plain flavour) from `keys`. */
type StoredRow = Record<string, unknown>;

async function storedRows(pool: Pool, spec: StoredSpec, rows: ContainerStatsRow[]): Promise<StoredRow[]> {
  const keys = new Map<string, number>();
  if (spec.columns.some((c) => c.name === 'ckey')) {
    const ids = [...new Set(rows.map((r) => r.container_id))];
    const r = await pool.query<{ container_id: string; ckey: number }>(
      'SELECT container_id, ckey FROM dockpulse_container_keys($1::text[], $2::text[])',
      [ids.map(() => 'bench-host'), ids],
    );
    for (const k of r.rows) keys.set(k.container_id, k.ckey);
  }
  return rows.map((row) => ({ ...row, ckey: keys.get(row.container_id) }));
}

async function perRow(pool: Pool, spec: StoredSpec, rows: StoredRow[]): Promise<void> {
  const columns = spec.columns.map((c) => c.name);
  const sql = `INSERT INTO ${spec.relation} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
               ON CONFLICT DO NOTHING`;
  const client = await pool.connect();
  try {
    for (const row of rows) await client.query({ name: 'bench_per_row', text: sql, values: columns.map((c) => row[c]) });
  } finally {
    client.release();
  }
}

async function viaWriter(pool: Pool, rows: ContainerStatsRow[], flavour: StorageFlavour): Promise<void> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'dp-bench-spool-'));
  const writer = new BatchWriter({ pool, flavour, spoolDir, batchSize: 1000, flushIntervalMs: 1000, maxBufferedRows: rows.length + 1000 });
  await writer.start();
  try {
    // Producers hand rows over a batch at a time and let the event loop run, as the jobs do.
    for (let i = 0; i < rows.length; i += 1000) {
      for (const row of rows.slice(i, i + 1000)) writer.write('container_stats', row);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await writer.flush();
    const state = writer.state();
    if (state.droppedRows || state.spooledRows) throw new Error(`writer dropped or spooled rows: ${JSON.stringify(state)}`);
  } finally {
    await writer.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

const copyText = (value: unknown): string => (value == null ? '\\N' : value instanceof Date ? value.toISOString() : String(value));

/** COPY of `rows` in statements of `rowsPerCopy` rows (all in one statement by default). */
async function viaCopy(pool: Pool, spec: StoredSpec, rows: StoredRow[], rowsPerCopy = rows.length): Promise<void> {
  const columns = spec.columns.map((c) => c.name);
  const client = await pool.connect();
  try {
    for (let start = 0; start < rows.length; start += rowsPerCopy) {
      const part = rows.slice(start, start + rowsPerCopy);
      const stream = client.query(copyFrom(`COPY ${spec.relation} (${columns.join(', ')}) FROM STDIN`));
      async function* lines() {
        for (let i = 0; i < part.length; i += 1000) {
          yield part.slice(i, i + 1000).map((row) => `${columns.map((c) => copyText(row[c])).join('\t')}\n`).join('');
        }
      }
      await pipeline(Readable.from(lines()), stream);
    }
  } finally {
    client.release();
  }
}

interface Result {
  flavour: string;
  method: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
}

async function measure(pool: Pool, flavour: StorageFlavour, method: string, rows: readonly unknown[], run: () => Promise<void>): Promise<Result> {
  await pool.query(`TRUNCATE ${storedSpec('container_stats', flavour).relation}, container_stats_latest`);
  const started = process.hrtime.bigint();
  await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM container_stats')).rows[0]?.n;
  if (stored !== rows.length) throw new Error(`${method}: ${stored} rows stored, ${rows.length} expected`);
  return { flavour, method, rows: rows.length, seconds, rowsPerSecond: rows.length / seconds };
}

async function benchFlavour(flavour: StorageFlavour, serverUrl: string | undefined, rows: ContainerStatsRow[]): Promise<Result[]> {
  const db = await createTestDatabase({ flavour, serverUrl });
  const pool = createPool({ connectionString: db.url, max: 2 });
  try {
    const spec = storedSpec('container_stats', flavour);
    const stored = await storedRows(pool, spec, rows);
    return [
      await measure(pool, flavour, 'one INSERT per row', rows.slice(0, PER_ROW_ROWS), () => perRow(pool, spec, stored.slice(0, PER_ROW_ROWS))),
      await measure(pool, flavour, 'BatchWriter (COPY, 1000/batch, and the newest rows upserted)', rows, () => viaWriter(pool, rows, flavour)),
      await measure(pool, flavour, 'COPY (pg-copy-streams)', rows, () => viaCopy(pool, spec, stored)),
      // For reference: COPY cut into the writer's batch size, one commit each.
      await measure(pool, flavour, 'COPY, 1000 rows per statement', rows, () => viaCopy(pool, spec, stored, 1000)),
    ];
  } finally {
    await pool.end();
    await db.drop();
  }
}

function print(results: Result[]): void {
  const rowsOf = (flavour: string, prefix: string) => results.find((r) => r.flavour === flavour && r.method.startsWith(prefix));
  console.log('\n| flavour | method | rows | seconds | rows/s |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of results) {
    console.log(`| ${r.flavour} | ${r.method} | ${r.rows} | ${r.seconds.toFixed(2)} | ${Math.round(r.rowsPerSecond).toLocaleString('en-US')} |`);
  }
  console.log('\n| flavour | writer / per-row (target >= 10x) | writer / COPY (target >= 0.7x) |');
  console.log('|---|---:|---:|');
  for (const flavour of [...new Set(results.map((r) => r.flavour))]) {
    const [one, writer, copy] = [rowsOf(flavour, 'one'), rowsOf(flavour, 'BatchWriter'), rowsOf(flavour, 'COPY (')];
    if (!one || !writer || !copy) continue;
    console.log(`| ${flavour} | ${(writer.rowsPerSecond / one.rowsPerSecond).toFixed(1)}x | ${(writer.rowsPerSecond / copy.rowsPerSecond).toFixed(2)}x |`);
  }
}

async function main(): Promise<void> {
  const rows = generateRows(ROWS);
  console.log(`${ROWS} container_stats rows, ${CONTAINERS} containers; Node ${process.version}`);
  const results = await benchFlavour('postgres', undefined, rows);
  const timescaleUrl = process.env.TIMESCALEDB_TEST_URL;
  if (timescaleUrl) results.push(...(await benchFlavour('timescaledb', timescaleUrl, rows)));
  else console.log('timescaledb: skipped: TIMESCALEDB_TEST_URL is not set');
  print(results);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

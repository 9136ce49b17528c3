// Shared by the API benchmarks: a test database seeded through the collector's BatchWriter, and
// the API started as a child process (so its RSS is its own).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { TableName, TableRows } from '@dockpulse/common';
import { freePort } from '../common/src/testing-postgres';
import { BatchWriter } from '../collector/src/writer';

export async function seedRows(pool: Pool, fill: (write: <T extends TableName>(table: T, row: TableRows[T]) => void) => void): Promise<void> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'api-bench-'));
  const writer = new BatchWriter({ pool, flavour: 'postgres', batchSize: 1000, flushIntervalMs: 500, maxBufferedRows: 2_000_000, spoolDir });
  await writer.start();
  try {
    fill((table, row) => writer.write(table, row));
    await writer.flush();
  } finally {
    await writer.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

export interface ApiProcess {
  base: string;
  child: ChildProcess;
  /** Peak resident set size so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

export async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const port = await freePort();
  const main = path.resolve(__dirname, '..', 'api', 'dist', 'main.js');
  // BENCH_API_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the API under load.
  const nodeArgs = (process.env.BENCH_API_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/health`).then((r) => r.ok, () => false)) break;
    if (i > 100) throw new Error('the API did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    base,
    child,
    peakRssMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    },
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

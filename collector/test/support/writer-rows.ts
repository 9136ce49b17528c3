// Rows for the writer's tests: deterministic, one per index, so a test can say exactly which
// rows must be in the database and in what order.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ContainerStatsRow, Logger } from '@dockpulse/common';

/** Sample times one second apart from a fixed recent minute (today's partition exists). */
export function statsRow(index: number, base = Date.now() - 3_600_000, containerId = 'c-test'): ContainerStatsRow {
  return {
    time: new Date(Math.floor(base / 60_000) * 60_000 + index * 1000),
    host_id: 'host-test',
    container_id: containerId,
    cpu_percent: index / 10,
    mem_used_bytes: 1_000_000 + index,
    mem_usage_bytes: 2_000_000 + index,
    mem_limit_bytes: 8_000_000_000,
    mem_percent: 12.5,
    net_rx_bytes: 10 * index,
    net_tx_bytes: 20 * index,
    blk_read_bytes: 0,
    blk_write_bytes: 0,
    net_rx_delta: 10,
    net_tx_delta: 20,
    blk_read_delta: 0,
    blk_write_delta: 0,
    pids: 3,
  };
}

export function tempSpoolDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'dp-spool-'));
}

/** A pino logger whose records the test can read. */
export function memoryLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) if (line) records.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return { logger: pino({ level: 'info' }, sink), records };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns true or `timeoutMs` passes (then fails naming `what`). */
export async function waitFor(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

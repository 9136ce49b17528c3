// Test data goes in through the collector's BatchWriter, as real data does. The generators are
// pure functions of an index, so tests compute the exact expected answers from them.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import { createLogger } from '@dockpulse/common';
import type { ContainerInfoRow, ContainerStatsRow, HostRow, TableName, TableRows } from '@dockpulse/common';
import { BatchWriter } from '@dockpulse/collector/writer';

export async function seed(pool: Pool, fill: (write: <T extends TableName>(table: T, row: TableRows[T]) => void) => void): Promise<void> {
  const spoolDir = mkdtempSync(path.join(tmpdir(), 'api-seed-'));
  const writer = new BatchWriter({ pool, flavour: 'postgres', batchSize: 1000, flushIntervalMs: 200, maxBufferedRows: 1_000_000, spoolDir, logger: process.env.SEED_DEBUG ? createLogger('seed', 'debug') : undefined });
  await writer.start();
  try {
    fill((table, row) => writer.write(table, row));
    await writer.flush();
  } finally {
    await writer.close();
    rmSync(spoolDir, { recursive: true, force: true });
  }
}

export const containerId = (name: string): string => createHash('sha256').update(name).digest('hex');
export const imageId = (name: string): string => `sha256:${createHash('sha256').update(`image:${name}`).digest('hex')}`;

export function host(hostId: string, name: string): HostRow {
  return { host_id: hostId, name, engine_version: '20.10.24', api_version: '1.41', os: 'Debian', kernel: '6.1', cpus: 2, mem_total_bytes: 8 * 2 ** 30, cgroup_version: 1, last_seen: new Date() };
}

export function container(hostId: string, name: string, extra: Partial<ContainerInfoRow> = {}): ContainerInfoRow {
  return {
    host_id: hostId,
    container_id: containerId(`${hostId}/${name}`),
    name,
    image: 'nginx:1.25',
    image_id: imageId('nginx:1.25'),
    command: 'nginx -g daemon off;',
    created_at: new Date('2024-01-01T00:00:00Z'),
    started_at: new Date('2024-01-01T00:00:01Z'),
    finished_at: null,
    state: 'running',
    status: 'Up',
    health: null,
    restart_count: 0,
    exit_code: null,
    oom_killed: false,
    labels: {},
    compose_project: null,
    compose_service: null,
    cpu_limit_cores: null,
    mem_limit_bytes: null,
    last_seen: new Date(),
    removed_at: null,
    ...extra,
  };
}

export const MEM_LIMIT_BYTES = 1_073_741_824;

/** Sample i of a container (k tells containers apart): deterministic, varied, with deltas. */
export function sample(hostId: string, cid: string, k: number, timeMs: number, i: number, cumulative: { rx: number; tx: number; rd: number; wr: number }): ContainerStatsRow {
  const rxDelta = 1000 + (i % 11) * 100 + k;
  const txDelta = 500 + (i % 5) * 10;
  const rdDelta = (i % 3) * 4096;
  const wrDelta = (i % 4) * 8192 + k * 512;
  cumulative.rx += rxDelta;
  cumulative.tx += txDelta;
  cumulative.rd += rdDelta;
  cumulative.wr += wrDelta;
  const used = 100_000_000 + ((i * 31) % 1000) * 1000 + k * 5_000_000;
  return {
    time: new Date(timeMs),
    host_id: hostId,
    container_id: cid,
    cpu_percent: ((i * 7 + k * 13) % 100) + 0.25,
    mem_used_bytes: used,
    mem_usage_bytes: used + 4096,
    mem_limit_bytes: MEM_LIMIT_BYTES,
    mem_percent: (used / MEM_LIMIT_BYTES) * 100,
    net_rx_bytes: cumulative.rx,
    net_tx_bytes: cumulative.tx,
    blk_read_bytes: cumulative.rd,
    blk_write_bytes: cumulative.wr,
    net_rx_delta: rxDelta,
    net_tx_delta: txDelta,
    blk_read_delta: rdDelta,
    blk_write_delta: wrDelta,
    pids: 5 + (i % 6) + k,
  };
}

/** count samples every stepMs from startMs. */
export function samples(hostId: string, cid: string, k: number, startMs: number, count: number, stepMs = 5_000): ContainerStatsRow[] {
  const cumulative = { rx: 0, tx: 0, rd: 0, wr: 0 };
  return Array.from({ length: count }, (_, i) => sample(hostId, cid, k, startMs + i * stepMs, i, cumulative));
}

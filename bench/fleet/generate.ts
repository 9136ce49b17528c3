// Realistic fleet history for bench/fleet.bench.ts: N hosts x M containers of 5 s stats with noisy
// CPU and memory, monotonic counters that reset on a restart, the restart's events, and log lines
// (api/test/helpers/log-corpus.ts). Stats and events go through the collector's BatchWriter, one
// writer per simulated host, concurrently, as a fleet of collectors writes.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { ContainerEventRow, ContainerInfoRow, ContainerStatsRow, HostRow, StorageFlavour } from '@dockpulse/common';
import { roundCpuPercent } from '../../collector/src/docker/stats';
import { BatchWriter } from '../../collector/src/writer';

export const SAMPLE_MS = 5_000;

/** Deterministic PRNG (mulberry32): the same flags give the same fleet. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Fleet {
  hosts: HostRow[];
  containers: ContainerInfoRow[];
}

const hexId = (text: string) => createHash('sha256').update(text).digest('hex');

function host(hostId: string, name: string): HostRow {
  return { host_id: hostId, name, engine_version: '24.0.7', api_version: '1.43', os: 'Debian', kernel: '6.1', cpus: 8, mem_total_bytes: 32 * 2 ** 30, cgroup_version: 2, last_seen: new Date() };
}

function container(hostId: string, name: string, extra: Partial<ContainerInfoRow>): ContainerInfoRow {
  const image = `registry.local/${name.split('-')[0]}:1.${name.length % 9}`;
  return {
    host_id: hostId, container_id: hexId(`${hostId}/${name}`), name, image, image_id: `sha256:${hexId(image)}`, command: '/entrypoint.sh',
    created_at: new Date(Date.now() - 30 * 86_400_000), started_at: new Date(Date.now() - 7 * 86_400_000), finished_at: null,
    state: 'running', status: 'Up 7 days', health: 'healthy', restart_count: 0, exit_code: null, oom_killed: false, labels: {},
    compose_project: null, compose_service: null, cpu_limit_cores: null, mem_limit_bytes: null, last_seen: new Date(), removed_at: null,
    ...extra,
  };
}

const PROJECTS = ['shop', 'blog', 'billing', 'search', 'auth', 'media', 'ops', null, null] as const;

export function makeFleet(hostCount: number, perHost: number): Fleet {
  const hosts = Array.from({ length: hostCount }, (_, i) => host(`host-${String(i).padStart(3, '0')}`, `node-${i}`));
  const containers = hosts.flatMap((h, hi) =>
    Array.from({ length: perHost }, (_, ci) => {
      const project = PROJECTS[(hi * 7 + ci) % PROJECTS.length]!;
      return container(h.host_id, `${project ?? 'solo'}-${ci}`, { compose_project: project, compose_service: project ? `svc-${ci % 5}` : null, mem_limit_bytes: 2 ** 30 });
    }),
  );
  return { hosts, containers };
}

export interface IngestResult {
  statsRows: number;
  eventRows: number;
  seconds: number;
}

/** [fromMs, toMs) of 5 s samples for every container, one BatchWriter per host, all at once. */
export async function ingestStats(pool: Pool, flavour: StorageFlavour, fleet: Fleet, fromMs: number, toMs: number): Promise<IngestResult> {
  const spool = mkdtempSync(path.join(tmpdir(), 'fleet-bench-'));
  const started = Date.now();
  let statsRows = 0;
  let eventRows = 0;
  try {
    // Metadata first, through one writer.
    await withWriter(pool, flavour, path.join(spool, 'meta'), async (w) => {
      for (const h of fleet.hosts) w.write('hosts', h);
      for (const c of fleet.containers) w.write('container_info', c);
    });
    const t0 = Date.now();
    await Promise.all(
      fleet.hosts.map((h, hi) =>
        withWriter(pool, flavour, path.join(spool, h.host_id), async (w) => {
          const mine = fleet.containers.filter((c) => c.host_id === h.host_id);
          const states = mine.map((c, k) => containerModel(c, hi * 1000 + k, fromMs, toMs));
          for (let t = fromMs; t < toMs; t += SAMPLE_MS) {
            for (const s of states) {
              const { row, events } = s.next(t);
              w.write('container_stats', row);
              statsRows++;
              for (const e of events) {
                w.write('container_events', e);
                eventRows++;
              }
            }
            // Let the writer flush between ticks, as a collector does between cycles.
            if ((t / SAMPLE_MS) % 20 === 0) await new Promise((r) => setImmediate(r));
          }
        }),
      ),
    );
    return { statsRows, eventRows, seconds: (Date.now() - t0) / 1000 };
  } finally {
    rmSync(spool, { recursive: true, force: true });
    void started;
  }
}

async function withWriter(pool: Pool, flavour: StorageFlavour, spoolDir: string, fill: (w: BatchWriter) => Promise<void>): Promise<void> {
  const writer = new BatchWriter({ pool, flavour, batchSize: 1000, flushIntervalMs: 1000, maxBufferedRows: 2_000_000, spoolDir });
  await writer.start();
  try {
    await fill(writer);
    await writer.flush();
  } finally {
    await writer.close();
  }
}

// The engine's memory figures are whole pages: cgroup v2 charges memory.current and counts
// memory.stat's inactive_file in pages (the testbox containers here: usage 1,060,864 / 1,429,504 /
// 1,261,568 B, inactive_file 409,600 B, all multiples of 4,096). Block I/O moves whole sectors.
const PAGE_BYTES = 4096;
const SECTOR_BYTES = 512;
const pages = (bytes: number) => Math.floor(bytes / PAGE_BYTES) * PAGE_BYTES;
const sectors = (bytes: number) => Math.floor(bytes / SECTOR_BYTES) * SECTOR_BYTES;

/**
 * One container's behaviour: a CPU level drawn so most containers idle and a few are busy, noise
 * around it; memory that creeps and drops back on a restart, in pages, with a page cache that
 * stays put for most samples (the engine's usage minus used is inactive_file); network counters
 * that only grow, except across a restart (2 % of containers restart once in the range), and block
 * counters that grow by whole sectors.
 */
function containerModel(c: ContainerInfoRow, seed: number, fromMs: number, toMs: number) {
  const r = rng(seed + 1);
  const cpuLevel = r() < 0.1 ? 40 + r() * 150 : r() * 8;
  const memBase = 30e6 + r() * 600e6;
  const rxRate = r() < 0.2 ? 50_000 + r() * 2e6 : r() * 20_000;
  const txRate = rxRate * (0.2 + r() * 0.6);
  const restartAt = r() < 0.02 ? fromMs + Math.floor((r() * (toMs - fromMs)) / SAMPLE_MS) * SAMPLE_MS : -1;
  let mem = memBase;
  let cache = pages(r() * 50e6);
  const total = { rx: Math.floor(r() * 1e9), tx: Math.floor(r() * 1e8), rd: Math.floor(r() * 1e8), wr: Math.floor(r() * 1e8) };
  return {
    next(t: number): { row: ContainerStatsRow; events: ContainerEventRow[] } {
      const events: ContainerEventRow[] = [];
      if (t === restartAt) {
        for (const [i, action] of (['die', 'start', 'restart'] as const).entries()) {
          events.push({
            time: new Date(t + i), time_nano: `${BigInt(t + i) * 1_000_000n}`, host_id: c.host_id, container_id: c.container_id, container_name: c.name,
            image: c.image, action, exit_code: action === 'die' ? 137 : null, attributes: { name: c.name, image: c.image ?? '' },
          });
        }
        total.rx = total.tx = total.rd = total.wr = 0;
        mem = memBase * 0.6;
        cache = 0;
      }
      const burst = r() < 0.01 ? 4 : 1;
      const d = {
        rx: Math.floor(rxRate * 5 * burst * (0.5 + r())),
        tx: Math.floor(txRate * 5 * (0.5 + r())),
        rd: r() < 0.1 ? sectors(r() * 4e6) : 0,
        wr: r() < 0.3 ? sectors(r() * 2e6) : 0,
      };
      total.rx += d.rx; total.tx += d.tx; total.rd += d.rd; total.wr += d.wr;
      mem = Math.min(2 ** 30 * 0.95, Math.max(memBase * 0.5, mem + (r() - 0.45) * 2e6));
      if (r() < 0.1) cache = Math.max(0, cache + pages((r() - 0.5) * 2e6));
      const used = pages(mem);
      return {
        events,
        row: {
          time: new Date(t), host_id: c.host_id, container_id: c.container_id,
          // Rounded as the collector's stats mapping rounds it (collector/src/docker/stats.ts).
          cpu_percent: roundCpuPercent(Math.max(0, cpuLevel * burst * (0.7 + r() * 0.6))),
          mem_used_bytes: used, mem_usage_bytes: used + cache, mem_limit_bytes: 2 ** 30, mem_percent: (used / 2 ** 30) * 100,
          net_rx_bytes: total.rx, net_tx_bytes: total.tx, blk_read_bytes: total.rd, blk_write_bytes: total.wr,
          net_rx_delta: d.rx, net_tx_delta: d.tx, blk_read_delta: d.rd, blk_write_delta: d.wr,
          pids: 1 + Math.floor(r() * 3) + (cpuLevel > 40 ? 20 : 2),
        },
      };
    },
  };
}

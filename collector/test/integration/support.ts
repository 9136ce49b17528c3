// Integration test support: the real engine and database, a real BatchWriter, and the collector
// in-process with short schedules. Containers carry dockpulse.test=collector and are removed here.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import pino from 'pino';
import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { Collector, type CollectorOptions } from '@dockpulse/collector/collector';
import { DockerEngine, type Engine } from '@dockpulse/collector/docker/client';
import { BatchWriter } from '@dockpulse/collector/writer';

const run = promisify(execFile);
export const TEST_IMAGE = 'dockpulse/testbox:latest';
export const TEST_LABEL = 'dockpulse.test';
export const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Why the suite cannot run here, or undefined when the engine and the test image are there. */
export async function engineMissing(): Promise<string | undefined> {
  try {
    await docker.ping();
  } catch (error) {
    return `Docker engine not reachable at /var/run/docker.sock (${(error as Error).message}); run scripts/start-services.sh`;
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return `test image ${TEST_IMAGE} missing; run scripts/build-test-image.sh`;
  }
  return undefined;
}

export interface StartOptions {
  name: string;
  cmd: string[];
  runId: string;
  tty?: boolean;
  memoryBytes?: number;
  restart?: 'on-failure' | 'always';
  healthcheck?: string[];
}

export async function startContainer(o: StartOptions): Promise<Docker.Container> {
  const container = await docker.createContainer({
    Image: TEST_IMAGE,
    name: `${o.name}-${o.runId}`,
    Cmd: o.cmd,
    Tty: o.tty ?? false,
    Labels: { [TEST_LABEL]: 'collector', 'dockpulse.test.run': o.runId },
    Healthcheck: o.healthcheck
      ? { Test: ['CMD', ...o.healthcheck], Interval: 1_000_000_000, Retries: 1, Timeout: 1_000_000_000 }
      : undefined,
    HostConfig: {
      Memory: o.memoryBytes,
      MemorySwap: o.memoryBytes,
      RestartPolicy: o.restart ? { Name: o.restart } : undefined,
    },
  });
  await container.start();
  return container;
}

/** Removes the containers of this run only (never anyone else's). */
export async function removeRunContainers(runId: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`dockpulse.test.run=${runId}`] } }).catch(() => []);
  await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
}

export interface RunningCollector {
  collector: Collector;
  writer: BatchWriter;
  stop(): Promise<void>;
}

export const quietLogger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface Schedules {
  stats: string;
  status: string;
  images: string;
  maintenance: string;
}

export interface CollectorChoices {
  /** Default: the shared engine at /var/run/docker.sock. */
  engine?: Engine;
  /** Default: 'itest-host'. */
  hostId?: string;
  statsSampler?: CollectorOptions['statsSampler'];
}

export async function startCollector(pool: Pool, spoolDir: string, schedules: Schedules, choices: CollectorChoices = {}): Promise<RunningCollector> {
  const writer = new BatchWriter({ pool, flavour: 'postgres', batchSize: 500, flushIntervalMs: 1000, maxBufferedRows: 50_000, spoolDir, logger: quietLogger });
  await writer.start();
  const collector = new Collector({
    engine: choices.engine ?? new DockerEngine({ socketPath: '/var/run/docker.sock' }, 10_000),
    sink: writer,
    pool,
    logger: quietLogger,
    hostId: choices.hostId ?? 'itest-host',
    schedules,
    statsSampler: choices.statsSampler,
    statsConcurrency: 16,
    collectLogs: true,
    logRateLimitLinesPerSec: 200,
    logMaxLineBytes: 4096,
    partitionsAheadDays: 2,
    retentionMs: { raw: 7 * 86_400_000, hourly: 90 * 86_400_000, daily: 3 * 365 * 86_400_000, logs: 7 * 86_400_000, events: 90 * 86_400_000 },
    version: 'test',
    writerState: () => writer.state(),
    reconnectInitialMs: 200,
  });
  await collector.start();
  return {
    collector,
    writer,
    stop: async () => {
      await collector.stop();
      await writer.close();
    },
  };
}

export function testPool(url: string): Pool {
  return createPool({ connectionString: url, max: 4 });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(250);
  }
}

export async function dockerCli(...args: string[]): Promise<string> {
  return (await run('docker', args)).stdout.trim();
}


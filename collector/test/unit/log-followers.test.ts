// A log follower against a fake engine: a stream cut from outside (the socket proxy's idle
// timeout) is followed again from where it stopped, counted as an ended stream, not an error.
import { PassThrough } from 'node:stream';
import pino from 'pino';
import type { Pool } from 'pg';
import type { RowSink, TableName, TableRows } from '@dockpulse/common';
import type { Engine, LogsOptions } from '@dockpulse/collector/docker/client';
import type { EngineInspect } from '@dockpulse/collector/docker/engine-types';
import { LogFollowers } from '@dockpulse/collector/jobs/log-followers';
import { CollectorMetrics } from '@dockpulse/collector/metrics';

class MemorySink implements RowSink {
  messages: string[] = [];
  write<T extends TableName>(_table: T, row: TableRows[T]): void {
    this.messages.push((row as TableRows['container_logs']).message);
  }
}

const waitUntil = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 500; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

it('a log stream cut while open is followed again from its last line, and counted as ended, not as an error', async () => {
  const streams: PassThrough[] = [];
  const asked: LogsOptions[] = [];
  const no = () => Promise.reject(new Error('not used'));
  const engine: Engine = {
    info: no, apiVersion: no, listContainers: no, stats: no, listImages: no, events: no,
    // a TTY container: one raw stream of timestamped lines
    inspect: async () => ({ State: { Status: 'running' }, Config: { Tty: true } }) as EngineInspect,
    logs: async (_id, options) => {
      asked.push(options);
      const s = new PassThrough();
      streams.push(s);
      return s;
    },
  };
  const pool = { query: async () => ({ rows: [] }) } as unknown as Pool; // nothing stored yet
  const sink = new MemorySink();
  const logger = pino({ level: 'silent' });
  const metrics = new CollectorMetrics(logger);
  const followers = new LogFollowers({ engine, sink, pool, hostId: 'h', metrics, logger }, { rateLimitLinesPerSec: 100, maxLineBytes: 1000 });
  try {
    followers.ensure('c1');
    await waitUntil('the first stream', () => streams.length === 1);
    streams[0]?.write('2026-11-29T10:00:01.000000000Z before the cut\n');
    await waitUntil('the first line', () => sink.messages.length === 1);
    streams[0]?.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await waitUntil('the follower to open the stream again', () => streams.length === 2);
    streams[1]?.write('2026-11-29T10:00:01.000000000Z before the cut\n2026-11-29T10:00:02.000000000Z after the cut\n');
    await waitUntil('the new line', () => sink.messages.length === 2);
    expect(sink.messages).toEqual(['before the cut', 'after the cut']);
    expect(asked.map((o) => o.since)).toEqual([undefined, '1795946401.000000000']);
    expect(metrics.errorsTotal).toBe(0);
    expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_streams_ended_total')).toMatch(/stream="logs"} 1$/m);
  } finally {
    followers.stopAll();
  }
});

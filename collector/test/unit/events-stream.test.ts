// The events stream against a fake engine: malformed lines are counted and skipped, good ones
// become rows and refreshes, and a stream the engine closes is reconnected and followed by a
// status pass.
import { PassThrough } from 'node:stream';
import pino from 'pino';
import type { Pool } from 'pg';
import type { RowSink, TableName, TableRows } from '@dockpulse/common';
import type { Engine } from '@dockpulse/collector/docker/client';
import { EventsStream } from '@dockpulse/collector/jobs/events-stream';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { fixtureText } from '../fixtures';

class MemorySink implements RowSink {
  rows: { table: TableName; row: Record<string, unknown> }[] = [];
  write<T extends TableName>(table: T, row: TableRows[T]): void {
    this.rows.push({ table, row: row as unknown as Record<string, unknown> });
  }
}

const waitUntil = async (what: string, fn: () => boolean) => {
  for (let i = 0; i < 200; i++) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
};

function setup() {
  const streams: PassThrough[] = [];
  const sinceAsked: (string | undefined)[] = [];
  let failNext = 0;
  const no = () => Promise.reject(new Error('not used'));
  const engine: Engine = {
    info: no, apiVersion: no, listContainers: no, inspect: no, stats: no, listImages: no, logs: no,
    events: async (since) => {
      sinceAsked.push(since);
      if (failNext > 0) {
        failNext -= 1;
        throw Object.assign(new Error('connect ECONNREFUSED /var/run/docker.sock'), { code: 'ECONNREFUSED' });
      }
      const s = new PassThrough();
      streams.push(s);
      return s;
    },
  };
  const sink = new MemorySink();
  const logger = pino({ level: 'silent' });
  const metrics = new CollectorMetrics(logger);
  const refreshed: string[] = [];
  let reconnects = 0;
  const stream = new EventsStream(
    { engine, sink, pool: {} as Pool, hostId: 'h', metrics, logger },
    { refresh: async (id) => refreshed.push(id), afterReconnect: async () => (reconnects += 1) },
    { initialMs: 5, maxMs: 20 },
  );
  return { stream, streams, sink, metrics, refreshed, sinceAsked, reconnects: () => reconnects, failConnects: (n: number) => (failNext = n) };
}

describe('events stream', () => {
  it('records recorded events, skips exec_* and malformed lines (counted), and refreshes the container', async () => {
    const t = setup();
    t.stream.start();
    await waitUntil('connect', () => t.streams.length === 1);
    const lines = fixtureText('v1-events.ndjson').trim().split('\n');
    const s = t.streams[0] as PassThrough;
    s.write('{"not json\n');
    // one recorded line split over two chunks
    const line = lines[0] as string;
    s.write(line.slice(0, 40));
    s.write(`${line.slice(40)}\n`);
    s.write(lines.filter((l) => l.includes('exec_')).slice(0, 3).join('\n') + '\n');
    await waitUntil('the good line', () => t.sink.rows.length === 1);
    expect(t.sink.rows[0]?.table).toBe('container_events');
    expect(t.sink.rows[0]?.row.time_nano).toBe(/"timeNano":(\d+)/.exec(line)?.[1]);
    expect(t.refreshed).toEqual([t.sink.rows[0]?.row.container_id]);
    expect(t.metrics.errorsTotal).toBe(1);
    expect(t.metrics.lastError).toMatch(/not JSON/);
    t.stream.stop();
  });

  it('reconnects after the engine closes the stream (and after refused connects), asks for events since the last one, then runs a status pass', async () => {
    const t = setup();
    t.stream.start();
    await waitUntil('connect', () => t.streams.length === 1);
    const line = fixtureText('v1-events.ndjson').trim().split('\n')[0] as string;
    (t.streams[0] as PassThrough).write(`${line}\n`);
    await waitUntil('the event', () => t.sink.rows.length === 1);
    t.failConnects(2);
    (t.streams[0] as PassThrough).end();
    await waitUntil('reconnect', () => t.streams.length === 2 && t.reconnects() === 1);
    const seconds = (BigInt(/"timeNano":(\d+)/.exec(line)?.[1] as string) / 1_000_000_000n).toString();
    expect(t.sinceAsked).toEqual([undefined, seconds, seconds, seconds]);
    expect(t.stream.connected).toBe(true);
    // the two refused connects; the stream's end itself is no error
    expect(t.metrics.errorsTotal).toBe(2);
    t.stream.stop();
    expect(t.stream.connected).toBe(false);
  });

  it('a quiet stream cut from outside (a proxy\'s idle timeout) is reopened and counted as an ended stream, not as an error', async () => {
    const t = setup();
    t.stream.start();
    await waitUntil('connect', () => t.streams.length === 1);
    // a clean close, then the way node reports a connection reset under a chunked answer
    (t.streams[0] as PassThrough).end();
    await waitUntil('second connect', () => t.streams.length === 2 && t.stream.connected);
    (t.streams[1] as PassThrough).destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
    await waitUntil('third connect', () => t.streams.length === 3 && t.stream.connected);
    expect(t.metrics.errorsTotal).toBe(0);
    expect(t.reconnects()).toBe(2);
    expect(await t.metrics.registry.getSingleMetricAsString('dockpulse_collector_streams_ended_total')).toMatch(/stream="events"} 2$/m);
    t.stream.stop();
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ContainerStatsRow } from '@dockpulse/common';
import { FLEET, HOSTS } from './helpers/fleet';
import { startWithDatabase, type Harness } from './helpers/harness';
import { samples, seed } from './helpers/seed';

const run = promisify(execFile);
const [web, db, worker] = [FLEET[0]!, FLEET[2]!, FLEET[3]!];

let h: Harness;
/** db's samples as written: /metrics must give the newest one's figures. */
let dbSamples: ContainerStatsRow[] = [];
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory', config: { sse: { maxStreams: 2, pollIntervalMs: 200, heartbeatIntervalMs: 1_000 } } });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const s of samples(web.host_id, web.container_id, 0, Date.now() - 20_000, 3)) write('container_stats', s);
    dbSamples = samples(db.host_id, db.container_id, 1, Date.now() - 20_000, 2);
    for (const s of dbSamples) write('container_stats', s);
    // Not running: must not appear in /metrics.
    for (const s of samples(worker.host_id, worker.container_id, 2, Date.now() - 20_000, 2)) write('container_stats', s);
    write('container_logs', { time: new Date(Date.now() - 5_000), host_id: web.host_id, container_id: web.container_id, stream: 'stdout', seq: 0, message: 'old line' });
  });
});
afterAll(() => h.close());

type SseEvent = { event: string; data: unknown };

/** An SSE response read incrementally: `until` reads until the predicate holds over all events so far. */
function sse(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const state = { raw: '', events: [] as SseEvent[] };
  return {
    state,
    async until(done: (events: SseEvent[], raw: string) => boolean, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(state.events, state.raw)) {
        if (Date.now() > deadline) throw new Error(`no matching event within ${timeoutMs} ms; got: ${state.raw}`);
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`stream ended; got: ${state.raw}`);
        state.raw += decoder.decode(value, { stream: true });
        state.events = state.raw.split('\n\n').slice(0, -1).flatMap((block) => {
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          return event && data ? [{ event, data: JSON.parse(data) as unknown }] : [];
        });
      }
      return state.events;
    },
  };
}

/** Waits until the server says this many streams are open (a closed client is noticed asynchronously). */
async function openStreams(n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (((await h.get('/metrics')).body as string).includes(`dockpulse_api_sse_streams_open ${n}\n`)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`open streams never became ${n}`);
}

describe('Server-Sent Events', () => {
  it('delivers a log line written after the client connected, and only that one', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/v1/stream/logs?containers=web-1`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = sse(res);
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    await seed(h.writerPool, (write) => {
      write('container_logs', { time: new Date(), host_id: db.host_id, container_id: db.container_id, stream: 'stdout', seq: 0, message: 'other container' });
      write('container_logs', { time: new Date(), host_id: web.host_id, container_id: web.container_id, stream: 'stderr', seq: 0, message: 'fresh line' });
    });
    const events = await stream.until((events) => events.some((e) => e.event === 'log'));
    // One more poll round: nothing else (not the old line, not the other container) may follow.
    await new Promise((r) => setTimeout(r, 500));
    const logs = stream.state.events.filter((e) => e.event === 'log').map((e) => e.data as { message: string; stream: string; containerName: string });
    expect(events.length).toBeGreaterThan(0);
    expect(logs.map((l) => [l.message, l.stream, l.containerName])).toEqual([['fresh line', 'stderr', 'web-1']]);
    controller.abort();
    await openStreams(0);
  });

  it('streams stats rows, sends heartbeats, and frees the slot when the client leaves', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/v1/stream/stats?containers=${web.container_id}`, { signal: controller.signal });
    const stream = sse(res);
    await stream.until((events) => events.some((e) => e.event === 'ready'));
    await openStreams(1);
    const newest = samples(web.host_id, web.container_id, 0, Date.now(), 1)[0]!;
    await seed(h.writerPool, (write) => write('container_stats', newest));
    const events = await stream.until((events, raw) => events.some((e) => (e.data as { time?: string }).time === newest.time.toISOString()) && raw.includes(': heartbeat'));
    const stats = events.filter((e) => e.event === 'stats').map((e) => e.data as { containerId: string; netRxBytes: number });
    expect(stats.every((s) => s.containerId === web.container_id)).toBe(true);
    expect(stats.at(-1)!.netRxBytes).toBe(newest.net_rx_bytes);
    controller.abort();
    await openStreams(0);
  });

  it('refuses a stream past SSE_MAX_STREAMS with 503', async () => {
    const controllers = [new AbortController(), new AbortController()];
    const open = await Promise.all(controllers.map((c) => fetch(`${h.base}/api/v1/stream/logs`, { signal: c.signal })));
    expect(open.map((r) => r.status)).toEqual([200, 200]);
    const third = await h.get('/api/v1/stream/logs');
    expect(third.status).toBe(503);
    expect(third.body.error.code).toBe('too_many_streams');
    for (const c of controllers) c.abort();
  });
});

describe('GET /metrics', () => {
  it('exports the latest sample of every running container with its labels', async () => {
    const res = await h.get('/metrics');
    expect(res.status).toBe(200);
    const text = res.body as string;
    const last = dbSamples.reduce((a, b) => (b.time.getTime() > a.time.getTime() ? b : a));
    expect(last.net_rx_bytes).not.toBeNull();
    const labels = `host="alpha",host_id="h1",container="db",container_id="${db.container_id}",image="postgres:15",compose_project="shop",compose_service="db"`;
    expect(text).toContain(`dockpulse_container_network_receive_bytes_total{${labels}} ${last.net_rx_bytes}\n`);
    expect(text).toContain(`dockpulse_container_memory_used_bytes{${labels}} ${last.mem_used_bytes}\n`);
    expect(text).toContain('# TYPE dockpulse_container_network_receive_bytes_total counter');
    expect(text).not.toContain(worker.container_id);
    await h.get('/api/v1/hosts');
    expect((await h.get('/metrics')).body).toMatch(/dockpulse_api_http_requests_total\{method="GET",route="\/api\/v1\/hosts",status="200"\} 1\n/);
  });

  it('passes promtool check metrics', async () => {
    const promtool = await run('promtool', ['--version']).then(() => true, () => false);
    if (!promtool) {
      console.warn('skipped: promtool not installed');
      return;
    }
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'metrics-')), 'metrics.txt');
    writeFileSync(file, (await h.get('/metrics')).body);
    const result = await run('sh', ['-c', `promtool check metrics < ${file}`]).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(result).toEqual({ code: 0, out: '' });
  });
});

// Contract test: every route of the real API (in-process, real PostgreSQL, rows written through the
// collector's batch writer) answers what the OpenAPI document says, for its answers and its error
// answers. Each body is validated against the document's response schema for its path and status
// with ajv (JSON Schema 2020-12, OpenAPI 3.1's dialect); answer objects are strict, so a field the
// API sends but the document lacks fails here as well as a missing or mistyped one.
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { EVENT_ACTIONS, type ContainerEventRow, type DockerImageRow, type ImageVersionRow } from '@dockpulse/common';
import { EVENT_FILTER_ACTIONS, mapEvent } from '@dockpulse/collector/docker/events';
import { apiDocument, ROUTE_DOCS } from '@dockpulse/api/openapi/routes';
import { FLEET, HOSTS } from './helpers/fleet';
import { startHarness, startWithDatabase, type Harness } from './helpers/harness';
import { imageId, samples, seed } from './helpers/seed';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const NOW = Date.now();
const T0 = Math.floor((NOW - 30 * 60_000) / 1000) * 1000;
const [web, db, worker] = [FLEET[0]!, FLEET[2]!, FLEET[3]!];
const twin = FLEET.find((c) => c.name === 'twin-a')!;
const NGINX = imageId('nginx:1.25');
// Two image ids that share a prefix: GET /images/{prefix} is ambiguous (409).
const LOOKALIKES = ['sha256:abcd1' + '1'.repeat(59), 'sha256:abcd2' + '2'.repeat(59)];

const image = (hostId: string, id: string, tags: string[]): DockerImageRow => ({
  host_id: hostId,
  image_id: id,
  repo_tags: tags,
  repo_digests: [],
  size_bytes: 187_000_000,
  created_at: new Date('2024-02-01T00:00:00Z'),
  labels: { maintainer: 'x' },
  last_seen: new Date(NOW),
  removed_at: null,
});

// One event per action the collector records, made by its own mapper from the engine's words.
const EVENTS: ContainerEventRow[] = EVENT_FILTER_ACTIONS.flatMap((action, i) => {
  const row = mapEvent(
    {
      timeNano: `${BigInt(T0 + i * 10_000) * 1_000_000n + 7n}`,
      type: 'container',
      action,
      detail: null,
      containerId: web.container_id,
      attributes: { name: web.name, image: 'nginx:1.25', ...(action === 'die' ? { exitCode: '137' } : {}) },
    },
    web.host_id,
  );
  return row ? [row] : [];
});

const VERSIONS: ImageVersionRow[] = [
  { time: new Date(T0), host_id: 'h1', repository: 'nginx', tag: 'latest', image_id: NGINX, digest: 'sha256:' + 'd'.repeat(64), previous_image_id: null },
  { time: new Date(T0 + 60_000), host_id: 'h1', repository: 'nginx', tag: '1.25', image_id: NGINX, digest: null, previous_image_id: LOOKALIKES[0]! },
];

let h: Harness;
let spec: Json;
const ajv = new Ajv2020({ strict: false, allErrors: true });
const validators = new Map<string, ValidateFunction>();
/** `<path> <status>` of every answer checked, to prove at the end that each route was. */
const checked = new Set<string>();

beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const s of samples(web.host_id, web.container_id, 0, T0, 200)) write('container_stats', s);
    for (const s of samples(db.host_id, db.container_id, 1, T0, 200)) write('container_stats', s);
    for (let i = 0; i < 12; i++) {
      write('container_logs', { time: new Date(T0 + i * 1000), host_id: web.host_id, container_id: web.container_id, stream: i % 3 ? 'stdout' : 'stderr', seq: 0, message: `line ${i}` });
    }
    for (const e of EVENTS) write('container_events', e);
    write('docker_images', image('h1', NGINX, ['nginx:1.25', 'nginx:latest']));
    write('docker_images', image('h2', NGINX, ['nginx:1.25']));
    for (const id of LOOKALIKES) write('docker_images', image('h1', id, []));
    for (const v of VERSIONS) write('image_versions', v);
    write('collector_status', {
      host_id: 'h1',
      version: '0.1.0',
      started_at: new Date(T0),
      last_beat: new Date(NOW),
      last_stats_cycle_ms: 120,
      stats_sampler: 'cgroup',
      skipped_cycles: 0,
      containers_seen: 7,
      buffered_rows: 0,
      spooled_rows: 0,
      dropped_rows: 0,
      spool_state: 'writing',
      spool_bytes: 0,
      dropped_log_lines: 0,
      errors_total: 0,
      last_error: null,
      last_error_at: null,
    });
  });
  spec = (await SwaggerParser.dereference(structuredClone(apiDocument()) as never)) as Json;
});

afterAll(async () => {
  await h?.close();
});

/** The document's schema of an answer: a route's JSON body, or one event's data on a stream. */
function validator(path: string, status: number, event?: string): ValidateFunction {
  const key = `${path} ${status} ${event ?? ''}`;
  let v = validators.get(key);
  if (!v) {
    const response = spec.paths[path]?.get?.responses?.[String(status)];
    if (!response) throw new Error(`the document has no ${status} answer for GET ${path}`);
    const schema = event ? spec.components.schemas[eventComponent(path, event)] : response.content['application/json'].schema;
    v = ajv.compile(schema);
    validators.set(key, v);
  }
  return v;
}

function eventComponent(path: string, event: string): string {
  const route = ROUTE_DOCS.find((r) => r.path === path)!;
  if (!('events' in route.answer)) throw new Error(`${path} is no event stream`);
  const data = route.answer.events[event];
  if (!data) throw new Error(`${path} documents no "${event}" event`);
  return data.component;
}

function expectValid(v: ValidateFunction, body: unknown, what: string): void {
  const ok = v(body);
  expect({ what, errors: ok ? null : v.errors }).toEqual({ what, errors: null });
}

/** GETs `url` (under /api/v1) from `harness`, expects `status`, and checks the body against the document's answer for `path`. */
async function check(path: string, url: string, status: number, harness: Harness = h, headers: Record<string, string> = {}): Promise<Json> {
  const res = await harness.get(`/api/v1${url}`, headers);
  expect({ url, status: res.status }).toEqual({ url, status });
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expectValid(validator(path, status), res.body, `GET ${url} -> ${status}`);
  checked.add(`${path} ${status}`);
  return res.body as Json;
}

describe('the real answers of every route match the OpenAPI document', () => {
  it('GET /health and /openapi.json', async () => {
    expect((await check('/health', '/health', 200)).status).toBe('ok');
    expect((await check('/openapi.json', '/openapi.json', 200)).openapi).toBe('3.1.0');
  });

  it('GET /hosts, with and without a collector heartbeat', async () => {
    const body = await check('/hosts', '/hosts', 200);
    expect(body.items.map((x: Json) => x.collector === null)).toEqual([false, true]);
  });

  it('GET /containers, one container, its latest sample', async () => {
    expect((await check('/containers', '/containers?limit=5', 200)).items).toHaveLength(5);
    expect((await check('/containers', '/containers?state=exited&host=h1', 200)).items[0].exitCode).toBe(1);
    expect((await check('/containers/{id}', `/containers/${web.container_id}`, 200)).latest).not.toBeNull();
    expect((await check('/containers/{id}', `/containers/${worker.container_id}`, 200)).latest).toBeNull();
    expect((await check('/containers/{id}/stats/latest', `/containers/${db.name}/stats/latest?host=h1`, 200)).sample.pids).toEqual(expect.any(Number));
    expect((await check('/containers/{id}/stats/latest', `/containers/${worker.container_id}/stats/latest`, 200)).sample).toBeNull();
  });

  it('GET /stats: per container, ranked, grouped, from a rollup', async () => {
    const range = `from=${T0}&to=${T0 + 20 * 60_000}`;
    expect((await check('/stats', `/stats?containers=${web.name}&${range}`, 200)).series.length).toBeGreaterThan(0);
    expect((await check('/stats', `/stats?top=1&by=mem_used_bytes&agg=max&metrics=cpu_percent,pids&${range}`, 200)).ranking).toMatchObject({ top: 1 });
    expect((await check('/stats', `/stats?groupBy=project&metrics=cpu_percent,net_rx_bps&${range}`, 200)).series[0].group).toMatchObject({ by: 'project' });
    expect((await check('/stats', `/stats?groupBy=host&${range}`, 200)).groupBy).toBe('host');
    expect((await check('/stats', `/stats?resolution=hourly&${range}`, 200)).table).toBe('container_stats_hourly');
  });

  it('GET /images, one image, its versions, /image-versions', async () => {
    expect((await check('/images', '/images', 200)).total).toBe(2 + LOOKALIKES.length);
    expect((await check('/images/{id}', `/images/${NGINX}`, 200)).hosts).toHaveLength(2);
    expect((await check('/images/{id}/versions', `/images/${NGINX.slice(7, 19)}/versions`, 200)).items).toHaveLength(2);
    expect((await check('/image-versions', `/image-versions?repository=nginx&from=${T0 - 1000}&to=${NOW + 1000}`, 200)).items).toHaveLength(2);
  });

  it('GET /logs, a page and the next one', async () => {
    const first = await check('/logs', `/logs?containers=${web.container_id}&limit=5&from=${T0 - 1000}`, 200);
    expect(first.nextCursor).toEqual(expect.any(String));
    const last = await check('/logs', `/logs?containers=${web.container_id}&limit=50&from=${T0 - 1000}&cursor=${first.nextCursor}`, 200);
    expect(last).toMatchObject({ nextCursor: null });
  });

  it('GET /events, and filtered by every action the collector records', async () => {
    const range = `from=${T0 - 1000}&to=${T0 + 10 * 60_000}`;
    expect((await check('/events', `/events?${range}`, 200)).items.length).toBe(EVENTS.length);
    const recorded = [...new Set(EVENTS.map((e) => e.action))];
    expect(recorded).toEqual(expect.arrayContaining(['rename', 'update']));
    const filtered = await check('/events', `/events?actions=${recorded.join(',')}&${range}`, 200);
    expect(new Set(filtered.items.map((e: Json) => e.action))).toEqual(new Set(recorded));
    expect(recorded.every((a) => (EVENT_ACTIONS as readonly string[]).includes(a))).toBe(true);
  });

  it('GET /stream/logs and /stream/stats: every event is what the document names', async () => {
    for (const [path, kind] of [
      ['/stream/logs', 'log'],
      ['/stream/stats', 'stats'],
    ] as const) {
      const controller = new AbortController();
      const res = await fetch(`${h.base}/api/v1${path}?containers=${web.container_id}`, { signal: controller.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const events = readEvents(res);
      await events.until((all) => all.some((e) => e.event === 'ready'));
      const time = new Date();
      await seed(h.writerPool, (write) =>
        kind === 'log'
          ? write('container_logs', { time, host_id: web.host_id, container_id: web.container_id, stream: 'stdout', seq: 0, message: 'streamed' })
          : write('container_stats', samples(web.host_id, web.container_id, 0, time.getTime(), 1)[0]!),
      );
      const all = await events.until((got) => got.some((e) => e.event === kind));
      controller.abort();
      for (const e of all) expectValid(validator(path, 200, e.event), e.data, `${path} event ${e.event}`);
      checked.add(`${path} 200`);
    }
  });

  it('answers 400 with the error shape on every route, naming the parameter', async () => {
    for (const route of ROUTE_DOCS) {
      const url = route.path.replace('/containers/{id}', `/containers/${web.container_id}`).replace('/images/{id}', `/images/${NGINX}`);
      const body = await check(route.path, `${url}?bogus=1`, 400);
      expect(body.error).toMatchObject({ code: 'invalid_parameter', details: [{ parameter: 'bogus', message: expect.any(String) }] });
    }
    await check('/containers/{id}', '/containers/-bad-', 400);
    await check('/stats', '/stats?metrics=cpu_percent,disk_magic', 400);
    await check('/events', '/events?actions=explode', 400);
    await check('/logs', '/logs?cursor=not-a-cursor!', 400);
  });

  it('answers 404 and 409 with the error shape where a reference finds nothing or too much', async () => {
    expect((await check('/containers/{id}', '/containers/nosuch', 404)).error.code).toBe('not_found');
    expect((await check('/containers/{id}', `/containers/${web.name}`, 409)).error.code).toBe('ambiguous_container');
    expect((await check('/containers/{id}/stats/latest', '/containers/nosuch/stats/latest', 404)).error.code).toBe('not_found');
    expect((await check('/containers/{id}/stats/latest', `/containers/${twin.container_id.slice(0, 4)}/stats/latest`, 409)).error.code).toBe('ambiguous_container');
    expect((await check('/images/{id}', '/images/ffff0000', 404)).error.code).toBe('not_found');
    expect((await check('/images/{id}', '/images/abcd', 409)).error.code).toBe('ambiguous_image');
    expect((await check('/images/{id}/versions', '/images/ffff0000/versions', 404)).error.code).toBe('not_found');
    expect((await check('/images/{id}/versions', '/images/abcd/versions', 409)).error.code).toBe('ambiguous_image');
  });

  it('answers 401 and 403 with the error shape behind API_TOKENS, and /health with its replica part', async () => {
    const guarded = await startHarness({
      databaseUrl: h.config.databaseUrl,
      cache: 'off',
      // The replica is the same server: it answers, but is no standby (degraded, still 200).
      config: { auth: { tokens: ['contract-token'], health: false, metrics: false }, databaseReadUrl: h.config.databaseUrl },
    });
    try {
      expect((await check('/hosts', '/hosts', 401, guarded)).error.code).toBe('unauthorized');
      expect((await check('/hosts', '/hosts', 403, guarded, { authorization: 'Bearer wrong' })).error.code).toBe('forbidden');
      await check('/hosts', '/hosts', 200, guarded, { authorization: 'Bearer contract-token' });
      const health = await check('/health', '/health', 200, guarded);
      expect(health).toMatchObject({ status: 'degraded', replica: { ok: true, inRecovery: false }, cache: { enabled: false } });
      await check('/openapi.json', '/openapi.json', 200, guarded);
    } finally {
      await guarded.close();
    }
  });

  it('answers 429 with the error shape past RATE_LIMIT_PER_MINUTE', async () => {
    const limited = await startHarness({ databaseUrl: h.config.databaseUrl, cache: 'memory', config: { rateLimitPerMinute: 1 } });
    try {
      await check('/hosts', '/hosts', 200, limited);
      expect((await check('/hosts', '/hosts', 429, limited)).error.code).toBe('rate_limited');
    } finally {
      await limited.close();
    }
  });

  it('answers 503 without a database: /health with its own body, other routes with the error shape', async () => {
    // Port 1 on this machine: nothing listens, the connection is refused at once.
    const orphan = await startHarness({ databaseUrl: 'postgres://dockpulse:dockpulse@127.0.0.1:1/dockpulse', cache: 'memory' });
    try {
      expect((await check('/health', '/health', 503, orphan)).status).toBe('unavailable');
      expect((await check('/hosts', '/hosts', 503, orphan)).error.code).toBe('database_unavailable');
      expect((await check('/containers', '/containers', 503, orphan)).error.code).toBe('database_unavailable');
    } finally {
      await orphan.close();
    }
  });

  it('checked a real 200 and a 400 of every documented route', () => {
    const missing = ROUTE_DOCS.flatMap((r) => [200, 400].filter((s) => !checked.has(`${r.path} ${s}`)).map((s) => `${r.path} ${s}`));
    expect(missing).toEqual([]);
  });
});

interface SseEvent {
  event: string;
  data: unknown;
}

/** An SSE response read incrementally; `until` reads until the predicate holds over the events so far. */
function readEvents(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let raw = '';
  let events: SseEvent[] = [];
  return {
    async until(done: (events: SseEvent[]) => boolean): Promise<SseEvent[]> {
      while (!done(events)) {
        const { value, done: ended } = await reader.read();
        if (ended) throw new Error(`stream ended; got: ${raw}`);
        raw += decoder.decode(value, { stream: true });
        events = raw
          .split('\n\n')
          .slice(0, -1)
          .flatMap((block) => {
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            return event && data ? [{ event, data: JSON.parse(data) as unknown }] : [];
          });
      }
      return events;
    },
  };
}

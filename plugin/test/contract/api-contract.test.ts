// Contract test: the datasource against the real API, in-process (api/src on 127.0.0.1 port 0,
// a migrated throwaway PostgreSQL database seeded through the collector's batch writer, as the
// API's own tests do). Every query type goes through DataSource.query exactly as in Grafana, with
// getBackendSrv().fetch replaced by a real HTTP call to where Grafana's data proxy would forward it.
// It also checks that the fixtures the unit tests use have the fields the real API sends.
// Needs DATABASE_URL (scripts/start-services.sh), like the API's tests.
import { dateTime, type DataFrame, type DataQueryRequest } from '@grafana/data';
import type { ContainerEventRow, ContainerLogRow, DockerImageRow, ImageVersionRow } from '@dockpulse/common';
import { startWithDatabase, type Harness } from '../../../api/test/helpers/harness';
import { container, host, imageId, samples, seed } from '../../../api/test/helpers/seed';
import { DataSource } from '../../src/datasource/datasource';
import * as fixtures from '../../src/datasource/__fixtures__/answers';
import type { DockpulseQuery, DockpulseVariableQuery } from '../../src/datasource/types';
import { PROXY_URL } from '../../src/datasource/testing';

/** What Grafana's data proxy does for the `dockpulse` route: forward to the API URL. */
const proxy = { base: '' };

/** A plain GET with node's http (jsdom, which the datasource module needs to load, has no fetch). */
function httpGet(url: string): Promise<{ status: number; body: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}
jest.mock('@grafana/runtime', () => {
  const { from } = jest.requireActual('rxjs');
  return {
    isFetchError: (e: unknown) => typeof e === 'object' && e !== null && 'status' in e && 'data' in e,
    getTemplateSrv: () => ({ getVariables: () => [], replace: (s?: string) => s ?? '' }),
    getBackendSrv: () => ({
      fetch: (options: { url: string }) =>
        from(
          (async () => {
            const url = options.url.replace(`${PROXY_URL}/dockpulse`, proxy.base);
            const res = await httpGet(url);
            const data = JSON.parse(res.body);
            if (res.status >= 400) {
              throw { status: res.status, statusText: String(res.status), data };
            }
            return { data, status: res.status, ok: true };
          })()
        ),
    }),
  };
});

const NOW = Date.now();
const T0 = Math.floor((NOW - 30 * 60_000) / 1000) * 1000;
const web = container('h1', 'web', { health: 'healthy', restart_count: 2, mem_limit_bytes: 512 * 2 ** 20 });
const db = container('h1', 'db', { image: 'postgres:15', image_id: imageId('postgres:15') });
const old = container('h2', 'job', {
  image: 'busybox:latest',
  image_id: imageId('busybox:latest'),
  state: 'exited',
  exit_code: 1,
});
const NGINX = imageId('nginx:1.25');
const NGINX_OLD = imageId('nginx:1.24');

const LOGS: ContainerLogRow[] = Array.from({ length: 30 }, (_, i) => ({
  time: new Date(T0 + i * 1000),
  host_id: 'h1',
  container_id: (i % 2 ? db : web).container_id,
  stream: i % 3 === 0 ? 'stderr' : 'stdout',
  seq: 0,
  message: i % 5 === 0 ? `ERROR request ${i} failed` : `GET /item/${i} 200`,
}));
const EVENTS: ContainerEventRow[] = (['start', 'oom', 'die', 'restart', 'health_status'] as const).map((action, i) => ({
  time: new Date(T0 + i * 60_000),
  time_nano: `${BigInt(T0 + i * 60_000) * 1_000_000n + 7n}`,
  host_id: 'h1',
  container_id: web.container_id,
  container_name: 'web',
  image: 'nginx:1.25',
  action,
  exit_code: action === 'die' ? 137 : null,
  attributes: action === 'health_status' ? { health_status: 'unhealthy', name: 'web' } : { name: 'web' },
}));
const IMAGES: DockerImageRow[] = [
  {
    host_id: 'h1',
    image_id: NGINX,
    repo_tags: ['nginx:1.25', 'nginx:latest'],
    repo_digests: [],
    size_bytes: 187_000_000,
    created_at: new Date('2024-02-01T00:00:00Z'),
    labels: {},
    last_seen: new Date(),
    removed_at: null,
  },
  {
    host_id: 'h1',
    image_id: NGINX_OLD,
    repo_tags: [],
    repo_digests: [],
    size_bytes: 180_000_000,
    created_at: new Date('2023-11-01T00:00:00Z'),
    labels: {},
    last_seen: new Date(),
    removed_at: null,
  },
];
const VERSIONS: ImageVersionRow[] = [
  {
    time: new Date(T0),
    host_id: 'h1',
    repository: 'nginx',
    tag: 'latest',
    image_id: NGINX_OLD,
    digest: null,
    previous_image_id: null,
  },
  {
    time: new Date(T0 + 120_000),
    host_id: 'h1',
    repository: 'nginx',
    tag: 'latest',
    image_id: NGINX,
    digest: null,
    previous_image_id: NGINX_OLD,
  },
];

let h: Harness;
let ds: DataSource;

beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  proxy.base = h.base;
  await seed(h.writerPool, (write) => {
    write('hosts', host('h1', 'alpha'));
    write('hosts', host('h2', 'beta'));
    for (const c of [web, db, old]) write('container_info', c);
    for (const s of samples('h1', web.container_id, 0, T0, 300)) write('container_stats', s);
    for (const s of samples('h1', db.container_id, 1, T0, 300)) write('container_stats', s);
    for (const l of LOGS) write('container_logs', l);
    for (const e of EVENTS) write('container_events', e);
    for (const i of IMAGES) write('docker_images', i);
    for (const v of VERSIONS) write('image_versions', v);
  });
  // The plain PostgreSQL flavour keeps the hourly and daily tables by this job (the collector runs it).
  await h.writerPool.query('SELECT dockpulse_rollup()');
  ds = new DataSource({
    uid: 'dockpulse-api',
    type: 'dockpulse-containers-datasource',
    name: 'Dockpulse',
    url: PROXY_URL,
    jsonData: { apiUrl: 'http://api:8080' },
    access: 'proxy',
    readOnly: false,
    meta: {},
  } as never);
}, 120_000);
afterAll(() => h?.close());

/** 45 minutes by default: under the API's one-hour threshold, so auto reads raw samples. */
function request(targets: DockpulseQuery[], rangeMs = 45 * 60_000): DataQueryRequest<DockpulseQuery> {
  const to = dateTime(NOW);
  const from = dateTime(NOW - rangeMs);
  return {
    requestId: 'c',
    interval: '30s',
    intervalMs: 30_000,
    maxDataPoints: 300,
    range: { from, to, raw: { from, to } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: NOW,
  } as DataQueryRequest<DockpulseQuery>;
}

const run = async (target: Omit<DockpulseQuery, 'refId'>, rangeMs?: number) =>
  (await ds.query(request([{ refId: 'A', ...target }], rangeMs))).data as DataFrame[];
const values = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)!.values;

/** The fields a fixture item has must all be in the real item (the real one may have more). */
function expectFixtureShape(fixture: object, real: object | undefined) {
  expect(real).toBeDefined();
  const missing = Object.keys(fixture).filter((k) => !(k in (real as object)));
  expect(missing).toEqual([]);
}

describe('datasource against the real API', () => {
  it('testDatasource reads /health', async () => {
    const result = await ds.testDatasource();
    expect(result.status).toBe('success');
    expect(result.message).toMatch(/database ok, storage postgres, cache memory/);
  });

  it('stats: the API accepts every parameter the datasource sends and the frames carry its answer', async () => {
    const frames = await run({
      queryType: 'stats',
      metrics: ['cpu_percent', 'mem_used_bytes', 'net_rx_bps'],
      host: 'h1',
      containers: ['web', 'db'],
    });
    expect(frames.map((f) => f.name).sort()).toEqual([
      'db CPU',
      'db Memory used',
      'db Net RX',
      'web CPU',
      'web Memory used',
      'web Net RX',
    ]);
    const cpu = frames.find((f) => f.name === 'web CPU')!;
    expect(cpu.meta?.notices?.[0].text).toMatch(/^Served from table container_stats \(raw, \d+s buckets\)$/);
    expect(values(cpu, 'Time').length).toBeGreaterThan(10);
    expect(values(cpu, 'cpu_percent').some((v) => typeof v === 'number')).toBe(true);
  });

  it('stats: with auto, a three-day range is served by the daily rollup, named in the notice', async () => {
    const frames = await run({ queryType: 'stats', metrics: ['cpu_percent'], containers: ['web'] }, 3 * 86_400_000);
    expect(frames.map((f) => f.name)).toEqual(['web']);
    for (const frame of frames) {
      expect(frame.meta?.notices?.[0].text).toMatch(/container_stats_daily/);
    }
  });

  it('stats: top 1 by memory answers the container with the most memory; per host, one series named by the host', async () => {
    const top = await run({ queryType: 'stats', metrics: ['cpu_percent'], top: 1, by: 'mem_used_bytes' });
    expect(top.map((f) => f.name)).toEqual(['db']);
    expect(top[0].meta?.custom?.ranking).toEqual({ by: 'mem_used_bytes', agg: 'avg', top: 1, candidates: 2 });
    const byHost = await run({ queryType: 'stats', metrics: ['mem_used_bytes', 'net_rx_bps'], groupBy: 'host' });
    expect(byHost.map((f) => f.name)).toEqual(['alpha Memory used', 'alpha Net RX']);
    expect(byHost[0].meta?.notices).toHaveLength(1);
  });

  it('stats: every stats query of the bundled fleet overview is accepted and bounded', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const dashboard = require('../../src/dashboards/fleet-overview.json');
    const targets = dashboard.panels
      .flatMap((p: { targets?: DockpulseQuery[] }) => p.targets ?? [])
      .filter((t: DockpulseQuery) => t.queryType === 'stats');
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets as DockpulseQuery[]) {
      // $host and $container at All: no filter.
      const frames = await run({ ...t, host: undefined, containers: undefined, resolution: 'auto' });
      expect(frames.length).toBeGreaterThan(0);
      expect(frames.length).toBeLessThanOrEqual(10);
    }
  });

  it('containers, images, image versions: tables from the real answers', async () => {
    const [containers] = await run({ queryType: 'containers', host: 'h1', state: 'running' });
    expect(values(containers, 'Name')).toEqual(['db', 'web']);
    expect(values(containers, 'Restarts')).toEqual([0, 2]);
    const [images] = await run({ queryType: 'images' });
    expect(values(images, 'Tags')).toContain('nginx:1.25, nginx:latest');
    const [versions] = await run({ queryType: 'imageVersions', repository: 'nginx', tag: 'latest' });
    expect(values(versions, 'Image')).toEqual(['nginx:latest', 'nginx:latest']);
  });

  it('logs: search, stream, containers and limit', async () => {
    const [frame] = await run({
      queryType: 'logs',
      search: 'ERROR',
      stream: 'stderr',
      containers: ['web'],
      limit: 100,
    });
    const lines = values(frame, 'body');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => String(l).startsWith('ERROR'))).toBe(true);
    expect(values(frame, 'labels').every((l) => (l as { stream: string }).stream === 'stderr')).toBe(true);
  });

  it('events and deploys for annotations', async () => {
    const [frame] = await run({
      queryType: 'events',
      containers: ['web'],
      actions: ['oom', 'die', 'health_status'],
      includeDeploys: true,
    });
    expect(values(frame, 'title')).toEqual([
      'web health: unhealthy',
      'web exited with code 137',
      'Deploy: nginx:latest is now ' + NGINX.slice(7, 19),
      'web killed: out of memory',
      'Deploy: nginx:latest is now ' + NGINX_OLD.slice(7, 19),
    ]);
  });

  it('template variables: hosts, containers of a host, image repositories', async () => {
    const find = (q: Omit<DockpulseVariableQuery, 'refId'>) => ds.findVariableValues({ refId: 'v', ...q });
    expect(await find({ type: 'hosts' })).toEqual([
      { text: 'alpha', value: 'h1' },
      { text: 'beta', value: 'h2' },
    ]);
    expect((await find({ type: 'containers', host: 'h1' })).map((v) => v.value)).toEqual(['db', 'web']);
    expect((await find({ type: 'containers', includeStopped: true })).map((v) => v.value)).toEqual([
      'db',
      'job',
      'web',
    ]);
    expect((await find({ type: 'images' })).map((v) => v.value)).toEqual(['nginx']);
  });

  it("the unit tests' fixtures have the fields the real API sends", async () => {
    const api = ds.api;
    expectFixtureShape(fixtures.HEALTH_OK, await api.health());
    expectFixtureShape(fixtures.HOSTS.items[0], (await api.hosts())[0]);
    const containers = await api.containers({ host: 'h1' });
    expectFixtureShape({ ...fixtures.CONTAINERS, items: undefined }, containers);
    expectFixtureShape(fixtures.CONTAINERS.items[0], containers.items[0]);
    const stats = await api.stats({ fromMs: NOW - 3_600_000, toMs: NOW, metrics: ['cpu_percent'], resolution: 'auto' });
    expectFixtureShape({ ...fixtures.STATS, series: undefined }, stats);
    expectFixtureShape(fixtures.STATS.series[0], stats.series[0]);
    const byHost = await api.stats({
      fromMs: NOW - 3_600_000,
      toMs: NOW,
      metrics: ['mem_used_bytes'],
      resolution: 'raw',
      groupBy: 'host',
    });
    expectFixtureShape({ ...fixtures.STATS_BY_HOST, series: undefined }, byHost);
    expectFixtureShape(fixtures.STATS_BY_HOST.series[0], byHost.series[0]);
    const truncated = await api.stats({
      fromMs: NOW - 3_600_000,
      toMs: NOW,
      metrics: ['cpu_percent'],
      resolution: 'raw',
    });
    expectFixtureShape({ ...fixtures.STATS_TRUNCATED, series: undefined }, truncated);
    expectFixtureShape(fixtures.IMAGES.items[0], (await api.images()).items[0]);
    expectFixtureShape(fixtures.IMAGE_VERSIONS.items[0], (await api.imageVersions({ repository: 'nginx' }))[0]);
    expectFixtureShape(fixtures.IMAGE_VERSIONS.items[0], (await api.versionsOfImage(NGINX))[0]);
    const logs = await api.logs({ fromMs: NOW - 3_600_000, toMs: NOW, limit: 5 });
    expectFixtureShape(fixtures.LOGS, logs);
    expectFixtureShape(fixtures.LOGS.items[0], logs.items[0]);
    expectFixtureShape(fixtures.EVENTS.items[0], (await api.events({ fromMs: NOW - 3_600_000, toMs: NOW }))[0]);
  });

  it("an API error reaches the panel with the API's message", async () => {
    await expect(run({ queryType: 'containers', state: 'sleeping' })).rejects.toThrow(/Dockpulse API 400: .*state/);
  });
});

import type { ContainerInfoRow } from '@dockpulse/common';
import { byApiOrder, FLEET, HOSTS } from './helpers/fleet';
import { startWithDatabase, type Harness } from './helpers/harness';
import { samples, seed } from './helpers/seed';

let h: Harness;
const web1 = FLEET[0] as ContainerInfoRow;
const web1Samples = samples('h1', web1.container_id, 0, Date.now() - 60_000, 6);

beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const s of web1Samples) write('container_stats', s);
  });
});
afterAll(() => h.close());

const ids = (items: { hostId: string; containerId: string }[]) => items.map((i) => `${i.hostId}/${i.containerId}`);
const expectIds = (rows: ContainerInfoRow[]) => [...rows].sort(byApiOrder).map((c) => `${c.host_id}/${c.container_id}`);

describe('GET /api/v1/containers', () => {
  it.each<[string, string, (c: ContainerInfoRow) => boolean]>([
    ['every container', '', () => true],
    ['one host', 'host=h1', (c) => c.host_id === 'h1'],
    ['one state', 'state=exited', (c) => c.state === 'exited'],
    ['a name substring, case-insensitive', 'name=WEB', (c) => c.name.includes('web')],
    ['an image reference', 'image=busybox:latest', (c) => c.image === 'busybox:latest'],
    ['an image repository', 'image=nginx', (c) => (c.image ?? '').startsWith('nginx:')],
    ['a label key=value', 'label=tier%3Dback', (c) => c.labels.tier === 'back'],
    ['a label key', 'label=team', (c) => 'team' in c.labels],
    ['a compose project', 'composeProject=shop', (c) => c.compose_project === 'shop'],
    ['a compose project and service', 'composeProject=shop&composeService=web', (c) => c.compose_project === 'shop' && c.compose_service === 'web'],
    ['several filters at once', 'host=h2&state=exited&image=busybox', (c) => c.host_id === 'h2' && c.state === 'exited' && c.image === 'busybox:latest'],
    ['a name that matches nothing', 'name=nothing-like-this', () => false],
    ['a LIKE wildcard taken literally', 'name=%25', () => false],
  ])('filters by %s', async (_label, query, keep) => {
    const res = await h.get(`/api/v1/containers?limit=1000&${query}`);
    expect(res.status).toBe(200);
    const expected = expectIds(FLEET.filter(keep));
    expect(ids(res.body.items)).toEqual(expected);
    expect(res.body.total).toBe(expected.length);
  });

  it('pages with limit and offset: pages join up to the whole list, and total stays the same', async () => {
    const all = expectIds(FLEET);
    const seen: string[] = [];
    for (let offset = 0; offset < all.length + 7; offset += 7) {
      const res = await h.get(`/api/v1/containers?limit=7&offset=${offset}`);
      expect(res.body).toMatchObject({ total: all.length, limit: 7, offset });
      expect(res.body.items.length).toBe(Math.max(0, Math.min(7, all.length - offset)));
      seen.push(...ids(res.body.items));
    }
    expect(seen).toEqual(all);
  });

  it('defaults to 50 items per page', async () => {
    const res = await h.get('/api/v1/containers');
    expect(res.body.limit).toBe(50);
    expect(res.body.items).toHaveLength(Math.min(50, FLEET.length));
  });

  it('answers every field of a container', async () => {
    const res = await h.get('/api/v1/containers?host=h1&name=web-1');
    expect(res.body.items).toEqual([
      expect.objectContaining({
        hostId: 'h1', containerId: web1.container_id, name: 'web-1', image: 'nginx:1.25', imageId: web1.image_id, state: 'running',
        labels: { tier: 'front', team: 'shop' }, composeProject: 'shop', composeService: 'web', restartCount: 0, oomKilled: false,
        createdAt: '2024-01-01T00:00:00.000Z',
      }),
    ]);
  });
});

describe('GET /api/v1/containers/:id', () => {
  it('finds a container by full id, with its latest sample', async () => {
    const res = await h.get(`/api/v1/containers/${web1.container_id}`);
    expect(res.status).toBe(200);
    const last = web1Samples.at(-1)!;
    expect(res.body).toMatchObject({ hostId: 'h1', containerId: web1.container_id, name: 'web-1' });
    expect(res.body.latest).toEqual({
      time: last.time.toISOString(), cpuPercent: last.cpu_percent, memUsedBytes: last.mem_used_bytes, memUsageBytes: last.mem_usage_bytes,
      memLimitBytes: last.mem_limit_bytes, memPercent: last.mem_percent, netRxBytes: last.net_rx_bytes, netTxBytes: last.net_tx_bytes,
      blkReadBytes: last.blk_read_bytes, blkWriteBytes: last.blk_write_bytes, pids: last.pids,
    });
  });

  it('finds a container by an unambiguous short id', async () => {
    const res = await h.get(`/api/v1/containers/${web1.container_id.slice(0, 12)}`);
    expect(res.body.containerId).toBe(web1.container_id);
    expect((await h.get('/api/v1/containers/abcd1')).body.name).toBe('twin-a');
  });

  it('finds a container by a unique name, and a name used on two hosts with host=', async () => {
    expect((await h.get('/api/v1/containers/db')).body.containerId).toBe((FLEET[2] as ContainerInfoRow).container_id);
    const res = await h.get('/api/v1/containers/web-1?host=h2');
    expect(res.body).toMatchObject({ hostId: 'h2', name: 'web-1', latest: null });
  });

  it('answers 409 naming the candidates when a prefix or a name is ambiguous', async () => {
    const prefix = await h.get('/api/v1/containers/abcd');
    expect(prefix.status).toBe(409);
    expect(prefix.body.error.code).toBe('ambiguous_container');
    expect(prefix.body.error.message).toContain('"abcd" matches 2 containers');
    expect(prefix.body.error.details.map((d: { name: string }) => d.name).sort()).toEqual(['twin-a', 'twin-b']);
    const name = await h.get('/api/v1/containers/web-1');
    expect(name.status).toBe(409);
    expect(name.body.error.details.map((d: { hostId: string }) => d.hostId)).toEqual(['h1', 'h2']);
  });

  it('answers 404 for an unknown reference', async () => {
    const res = await h.get('/api/v1/containers/ffffffffffff');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'no container with id, id prefix or name "ffffffffffff"' });
  });
});

describe('GET /api/v1/containers/:id/stats/latest', () => {
  it('answers the newest sample of the container', async () => {
    const res = await h.get(`/api/v1/containers/web-1/stats/latest?host=h1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hostId: 'h1', containerId: web1.container_id, name: 'web-1' });
    expect(res.body.sample.time).toBe(web1Samples.at(-1)!.time.toISOString());
    expect(res.body.sample.netRxBytes).toBe(web1Samples.at(-1)!.net_rx_bytes);
  });
});

describe('GET /api/v1/hosts and /health', () => {
  it('lists hosts with their running containers', async () => {
    const res = await h.get('/api/v1/hosts');
    expect(res.body.items.map((x: { hostId: string; name: string; containersRunning: number }) => [x.hostId, x.name, x.containersRunning])).toEqual(
      HOSTS.map((x) => [x.host_id, x.name, FLEET.filter((c) => c.host_id === x.host_id && c.state === 'running').length]),
    );
  });

  it('reports database, storage flavour, cache and version', async () => {
    for (const path of ['/api/v1/health', '/health']) {
      const res = await h.get(path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        version: '0.1.0',
        database: { ok: true, flavour: 'postgres', schemaVersion: expect.any(Number) },
        cache: { backend: 'memory', enabled: true, ok: true },
      });
    }
  });

  it('answers unknown routes with a 404 in the error format', async () => {
    const res = await h.get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: 'no route GET /api/v1/nope' } });
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a caller-supplied request id', async () => {
    const res = await h.get('/api/v1/hosts', { 'X-Request-Id': 'trace-123' });
    expect(res.headers.get('x-request-id')).toBe('trace-123');
  });
});

import { EVENT_ACTIONS, type ContainerEventRow, type ContainerLogRow, type DockerImageRow, type ImageVersionRow } from '@dockpulse/common';
import { FLEET, HOSTS } from './helpers/fleet';
import { startWithDatabase, type Harness } from './helpers/harness';
import { imageId, seed } from './helpers/seed';

const [web, db] = [FLEET[0]!, FLEET[2]!];
const T0 = Math.floor((Date.now() - 3_600_000) / 1000) * 1000; // whole seconds: micro lines end in .000xxx
// 730 lines: more than one page at every limit the tests use. Several share one millisecond.
const LOGS: ContainerLogRow[] = Array.from({ length: 730 }, (_, i) => ({
  time: new Date(T0 + Math.floor(i / 3) * 1_000),
  host_id: (i % 2 ? db : web).host_id,
  container_id: (i % 2 ? db : web).container_id,
  stream: i % 5 === 0 ? 'stderr' : 'stdout',
  seq: i % 3,
  message: i % 7 === 0 ? `ERROR request ${i} failed` : `GET /item/${i} 200`,
}));

const EVENTS: ContainerEventRow[] = (['create', 'start', 'die', 'start', 'oom', 'kill', 'die', 'restart', 'rename', 'update'] as const).map((action, i) => ({
  time: new Date(T0 + i * 60_000),
  time_nano: `${BigInt(T0 + i * 60_000) * 1_000_000n + 123n}`,
  host_id: (i % 2 ? db : web).host_id,
  container_id: (i % 2 ? db : web).container_id,
  container_name: (i % 2 ? db : web).name,
  image: 'nginx:1.25',
  action,
  exit_code: action === 'die' ? 137 : null,
  attributes: { i: String(i) },
}));

const NGINX = imageId('nginx:1.25');
const NGINX_OLD = imageId('nginx:1.24');
const IMAGES: DockerImageRow[] = [
  { host_id: 'h1', image_id: NGINX, repo_tags: ['nginx:1.25', 'nginx:latest'], repo_digests: [], size_bytes: 187_000_000, created_at: new Date('2024-02-01T00:00:00Z'), labels: {}, last_seen: new Date(), removed_at: null },
  { host_id: 'h2', image_id: NGINX, repo_tags: ['nginx:1.25'], repo_digests: [], size_bytes: 187_000_000, created_at: new Date('2024-02-01T00:00:00Z'), labels: {}, last_seen: new Date(), removed_at: null },
  { host_id: 'h1', image_id: NGINX_OLD, repo_tags: [], repo_digests: [], size_bytes: 180_000_000, created_at: new Date('2023-11-01T00:00:00Z'), labels: {}, last_seen: new Date(Date.now() - 1000), removed_at: null },
];
const VERSIONS: ImageVersionRow[] = [
  { time: new Date(T0), host_id: 'h1', repository: 'nginx', tag: 'latest', image_id: NGINX_OLD, digest: null, previous_image_id: null },
  { time: new Date(T0 + 60_000), host_id: 'h1', repository: 'nginx', tag: 'latest', image_id: NGINX, digest: null, previous_image_id: NGINX_OLD },
  { time: new Date(T0 + 120_000), host_id: 'h2', repository: 'nginx', tag: '1.25', image_id: NGINX, digest: null, previous_image_id: null },
];

let h: Harness;
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory' });
  await seed(h.writerPool, (write) => {
    for (const x of HOSTS) write('hosts', x);
    for (const c of FLEET) write('container_info', c);
    for (const l of LOGS) write('container_logs', l);
    for (const e of EVENTS) write('container_events', e);
    for (const i of IMAGES) write('docker_images', i);
    for (const v of VERSIONS) write('image_versions', v);
  });
  // Lines a JS Date cannot tell apart (same millisecond, different microseconds). The writer takes
  // Dates, so these go in by SQL; paging one line at a time through them proves the cursor exact.
  for (const [seq, us] of ['100', '200', '300'].entries()) {
    await h.writerPool.query(
      `INSERT INTO container_logs (time, host_id, container_id, stream, seq, message) VALUES (to_timestamp($1::float8 / 1000) + $2::int * interval '1 microsecond', $3, $4, 'stdout', 0, $5)`,
      [T0 + 500_000, Number(us), web.host_id, web.container_id, `micro ${seq}`],
    );
  }
});
afterAll(() => h.close());

type Line = { time: string; hostId: string; containerId: string; stream: string; seq: number; message: string };
const key = (l: Line) => `${l.time}|${l.hostId}|${l.containerId}|${l.stream}|${l.seq}`;

async function pageThrough(query: string, limit: number): Promise<{ lines: Line[]; pages: number }> {
  const lines: Line[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await h.get(`/api/v1/logs?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status).toBe(200);
    lines.push(...res.body.items);
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor);
  return { lines, pages };
}

describe('GET /api/v1/logs', () => {
  const total = LOGS.length + 3;

  it.each([7, 100, 500])('pages newest first with limit=%i: no line missing or repeated', async (limit) => {
    const { lines, pages } = await pageThrough(`from=${T0 - 1}`, limit);
    expect(lines).toHaveLength(total);
    expect(new Set(lines.map(key)).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / limit) + (total % limit === 0 ? 1 : 0));
    // Newest first: times never increase.
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.time <= lines[i - 1]!.time).toBe(true);
  });

  it('keeps microseconds exact: lines one microsecond apart page correctly and keep their times', async () => {
    const micro = (await pageThrough(`q=micro&from=${T0 - 1}`, 1)).lines;
    expect(micro.map((l) => l.message)).toEqual(['micro 2', 'micro 1', 'micro 0']);
    expect(micro.map((l) => l.time.slice(-8))).toEqual(['.000300Z', '.000200Z', '.000100Z']);
  });

  it('searches messages case-insensitively, with stream and container filters', async () => {
    const { lines } = await pageThrough(`q=error&stream=stderr&containers=${db.container_id}&from=${T0 - 1}`, 50);
    const wanted = LOGS.filter((l) => l.message.startsWith('ERROR') && l.stream === 'stderr' && l.container_id === db.container_id);
    expect(wanted.length).toBeGreaterThan(0);
    expect(lines.map((l) => l.message).sort()).toEqual(wanted.map((l) => l.message).sort());
  });

  it('treats % and _ in a search as plain characters', async () => {
    const res = await h.get(`/api/v1/logs?q=${encodeURIComponent('%')}&from=${T0 - 1}`);
    expect(res.body.items).toEqual([]);
  });

  it('limits to the time range', async () => {
    const from = T0 + 100_000;
    const to = T0 + 110_000;
    const { lines } = await pageThrough(`from=${from}&to=${to}`, 1000);
    expect(lines).toHaveLength(LOGS.filter((l) => l.time.getTime() >= from && l.time.getTime() < to).length);
  });
});

describe('GET /api/v1/events', () => {
  it('filters by container and action, newest first, with the exact timeNano', async () => {
    const res = await h.get(`/api/v1/events?containers=web-1&actions=die,start&from=${T0 - 1}`);
    const wanted = EVENTS.filter((e) => e.container_id === web.container_id && (e.action === 'die' || e.action === 'start')).reverse();
    expect(res.body.items.map((e: { action: string; timeNano: string; exitCode: number | null }) => [e.action, e.timeNano, e.exitCode])).toEqual(
      wanted.map((e) => [e.action, e.time_nano, e.exit_code]),
    );
  });

  it('filters on every action the collector records, rename and update included', async () => {
    const res = await h.get(`/api/v1/events?actions=rename,update&from=${T0 - 1}`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['update', 'rename']);
    for (const action of EVENT_ACTIONS) expect([action, (await h.get(`/api/v1/events?actions=${action}`)).status]).toEqual([action, 200]);
    expect((await h.get('/api/v1/events?actions=exec_start')).status).toBe(400);
  });

  it('answers every event of the range without filters', async () => {
    const res = await h.get(`/api/v1/events?from=${T0 - 1}&to=${T0 + 3 * 60_000}`);
    expect(res.body.items.map((e: { action: string }) => e.action)).toEqual(['die', 'start', 'create']);
  });
});

describe('images', () => {
  it('lists images, newest seen first', async () => {
    const res = await h.get('/api/v1/images?host=h1');
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((i: { imageId: string }) => i.imageId)).toEqual([NGINX, NGINX_OLD]);
  });

  it('finds an image by id and by short id, with every host that has it', async () => {
    const full = await h.get(`/api/v1/images/${NGINX}`);
    expect(full.body.imageId).toBe(NGINX);
    expect(full.body.hosts.map((x: { hostId: string; containers: number }) => [x.hostId, x.containers])).toEqual([
      ['h1', FLEET.filter((c) => c.host_id === 'h1' && c.image_id === NGINX && c.state !== 'removed').length],
      ['h2', FLEET.filter((c) => c.host_id === 'h2' && c.image_id === NGINX && c.state !== 'removed').length],
    ]);
    const short = await h.get(`/api/v1/images/${NGINX.slice(7, 19)}`);
    expect(short.body.imageId).toBe(NGINX);
    expect((await h.get('/api/v1/images/0000000000')).status).toBe(404);
  });

  it('answers the tag history of an image and of a repository:tag', async () => {
    const versions = await h.get(`/api/v1/images/${NGINX}/versions`);
    expect(versions.body.items.map((v: { tag: string; previousImageId: string | null }) => [v.tag, v.previousImageId])).toEqual([
      ['1.25', null],
      ['latest', NGINX_OLD],
    ]);
    const latest = await h.get('/api/v1/image-versions?repository=nginx&tag=latest');
    expect(latest.body.items.map((v: { imageId: string }) => v.imageId)).toEqual([NGINX, NGINX_OLD]);
  });
});

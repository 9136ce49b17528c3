import { loadConfig } from '@dockpulse/api/config';
import { encodeCursor } from '@dockpulse/api/logs/cursor';
import { startWithDatabase, type Harness } from './helpers/harness';

const TOKEN = 'a-very-long-test-token-1234';
let h: Harness;
beforeAll(async () => {
  h = await startWithDatabase({ cache: 'memory', config: { auth: { tokens: [TOKEN, 'another-token-of-16+chars'], health: false, metrics: true } } });
});
afterAll(() => h.close());
const auth = { Authorization: `Bearer ${TOKEN}` };

describe('auth', () => {
  it('answers 401 without a token, 403 with a wrong one, 200 with a right one', async () => {
    expect((await h.get('/api/v1/containers')).status).toBe(401);
    expect((await h.get('/api/v1/containers', { Authorization: 'Basic abc' })).status).toBe(401);
    const wrong = await h.get('/api/v1/containers', { Authorization: 'Bearer a-very-long-test-token-1235' });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('forbidden');
    expect((await h.get('/api/v1/containers', auth)).status).toBe(200);
    expect((await h.get('/api/v1/containers', { Authorization: 'Bearer another-token-of-16+chars' })).status).toBe(200);
  });

  it('leaves /health open and guards /metrics as configured', async () => {
    expect((await h.get('/api/v1/health')).status).toBe(200);
    expect((await h.get('/metrics')).status).toBe(401);
    expect((await h.get('/metrics', auth)).status).toBe(200);
  });
});

describe('validation: a bad parameter is a 400 that names it', () => {
  const now = Date.now();
  it.each([
    ['/api/v1/containers?limit=1001', 'limit', 'must be at most 1000'],
    ['/api/v1/containers?limit=0', 'limit', 'must be at least 1'],
    ['/api/v1/containers?limit=ten', 'limit', 'whole number'],
    ['/api/v1/containers?offset=-1', 'offset', 'whole number'],
    ['/api/v1/containers?state=sleeping', 'state', 'must be one of'],
    ['/api/v1/containers?host=h1%27%3B%20DROP%20TABLE%20hosts%3B--', 'host', 'must be a host id'],
    ['/api/v1/containers?label=%3Dx', 'label', 'key or key=value'],
    ['/api/v1/containers?bogus=1', 'bogus', 'unknown parameter'],
    ['/api/v1/containers?state=running&state=exited', 'state', 'given once'],
    ['/api/v1/containers/x%27%20OR%201%3D1', 'id', 'must be a container id'],
    ['/api/v1/stats?metrics=cpu_percent,disk_magic', 'metrics', '"disk_magic": must be one of'],
    ['/api/v1/stats?resolution=minutely', 'resolution', 'auto, raw, hourly or daily'],
    [`/api/v1/stats?from=${now}&to=${now - 1000}`, 'from', 'earlier than "to"'],
    ['/api/v1/stats?from=yesterday', 'from', 'epoch milliseconds or an RFC 3339'],
    ['/api/v1/stats?to=2024-13-45T99:00:00Z', 'to', 'between 2000-01-01 and 2100-01-01'],
    ['/api/v1/stats?from=946684800000&to=4102444800000', 'from', 'at most 10 years'],
    ['/api/v1/stats?maxDataPoints=10001', 'maxDataPoints', 'at most 10000'],
    ['/api/v1/stats?intervalMs=10', 'intervalMs', 'at least 1000'],
    [`/api/v1/stats?containers=${Array.from({ length: 201 }, (_, i) => `c${i}`).join(',')}`, 'containers', 'at most 200'],
    ['/api/v1/logs?cursor=not*base64', 'cursor', 'malformed cursor'],
    [`/api/v1/logs?cursor=${Buffer.from('{"t":"1"}').toString('base64url')}`, 'cursor', 'malformed cursor'],
    [`/api/v1/logs?cursor=${Buffer.from('not json').toString('base64url')}`, 'cursor', 'malformed cursor'],
    ['/api/v1/logs?stream=both', 'stream', 'stdout or stderr'],
    ['/api/v1/logs?limit=5001', 'limit', 'at most 5000'],
    [`/api/v1/logs?q=${'x'.repeat(257)}`, 'q', 'at most 256'],
    ['/api/v1/events?actions=start,explode', 'actions', 'must be one of'],
    ['/api/v1/images/latest', 'id', 'image id'],
    ['/api/v1/image-versions?repository=NGINX', 'repository', 'repository name'],
    ['/api/v1/stream/logs?stream=x', 'stream', 'stdout or stderr'],
  ])('%s -> 400 naming %s', async (path, parameter, fragment) => {
    const res = await h.get(path, auth);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_parameter');
    expect(res.body.error.message).toContain(`invalid parameter "${parameter}"`);
    expect(res.body.error.message).toContain(fragment);
    expect(res.body.error.details).toEqual([{ parameter, message: expect.stringContaining(fragment) }]);
  });

  it('accepts a cursor it made itself', async () => {
    const cursor = encodeCursor({ timeUs: '1714564800123457', hostId: 'h1', containerId: 'c', stream: 'stdout', seq: 0 });
    const res = await h.get(`/api/v1/logs?cursor=${cursor}&from=${Date.now() - 86_400_000}`, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  });
});

describe('settings', () => {
  const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1/db' };
  it('applies the documented defaults', () => {
    const c = loadConfig(base);
    expect(c).toMatchObject({
      port: 8080, queryTimeoutMs: 10_000, rateLimitPerMinute: 1_200, corsOrigins: undefined, redisUrl: undefined,
      auth: { tokens: [], health: false, metrics: false }, sse: { maxStreams: 100 },
      resolution: { rawMaxRangeMs: 3_600_000, hourlyMaxRangeMs: 86_400_000, retentionMs: { raw: 7 * 86_400_000, hourly: 90 * 86_400_000, daily: 3 * 365 * 86_400_000 } },
    });
  });
  it.each([
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['REDIS_URL', 'http://x'],
    ['API_TOKENS', 'short'],
    ['QUERY_TIMEOUT', '10 parsecs'],
    ['CORS_ORIGINS', 'not an origin'],
    ['RESOLUTION_RAW_MAX_RANGE', 'soon'],
    ['SSE_MAX_STREAMS', '0'],
    ['AUTH_HEALTH', 'maybe'],
  ])('stops on a bad %s with a message naming it', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(`${name}: `));
  });
  it('refuses an hourly threshold not above the raw one', () => {
    expect(() => loadConfig({ ...base, RESOLUTION_RAW_MAX_RANGE: '2h', RESOLUTION_HOURLY_MAX_RANGE: '1h' })).toThrow(/RESOLUTION_HOURLY_MAX_RANGE/);
  });
});

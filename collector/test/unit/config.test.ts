import { ConfigError } from '@dockpulse/common';
import { loadConfig } from '@dockpulse/collector/config';

const base = { DATABASE_URL: 'postgres://u:p@db:5432/dockpulse' };

describe('collector settings', () => {
  it('defaults follow the design: 5 s stats, 30 s status, 60 s images, 1 min maintenance, 7d/90d/3y retention', () => {
    const c = loadConfig(base);
    expect(c.schedules).toEqual({ stats: '*/5 * * * * *', status: '*/30 * * * * *', images: '0 * * * * *', maintenance: '30 * * * * *' });
    const day = 86_400_000;
    expect(c.retentionMs).toEqual({ raw: 7 * day, hourly: 90 * day, daily: 3 * 365 * day, logs: 7 * day, events: 90 * day });
    expect(c.docker).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(c.hostId).toBeUndefined();
    expect(c.metricsPort).toBe(0);
  });

  it('DOCKER_HOST wins over DOCKER_SOCKET and understands unix:// and tcp://', () => {
    expect(loadConfig({ ...base, DOCKER_HOST: 'unix:///run/d.sock', DOCKER_SOCKET: '/x' }).docker).toEqual({ socketPath: '/run/d.sock' });
    expect(loadConfig({ ...base, DOCKER_HOST: 'tcp://10.0.0.2:2375' }).docker).toEqual({ host: '10.0.0.2', port: 2375, protocol: 'http' });
  });

  it.each([
    ['STATS_SCHEDULE', 'every 5 seconds'],
    ['STATS_CONCURRENCY', '0'],
    ['DOCKER_TIMEOUT', 'soon'],
    ['RETENTION_RAW', '7 days'],
    ['LOG_RATE_LIMIT', '-1'],
    ['METRICS_PORT', '70000'],
    ['DOCKPULSE_STORAGE', 'mysql'],
    ['WRITER_BATCH_SIZE', '5'],
  ])('a bad %s stops with a message naming it', (name, value) => {
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, [name]: value })).toThrow(new RegExp(name));
  });

  it('DATABASE_URL is required', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL/);
  });
});

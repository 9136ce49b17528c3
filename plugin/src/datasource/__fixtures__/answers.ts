// API answers for the tests, written by hand in the contract's types (common/src/contract/answers.ts:
// every field the API sends, checked by the compiler), not recorded from a running API.
import type {
  ContainerItem,
  EventItem,
  HealthAnswer,
  HostItem,
  ImageItem,
  ImageVersionItem,
  LogsAnswer,
  Paged,
  StatsAnswer,
} from '../api';

/**
 * The moment these answers were written for: their log lines, events and heartbeats lie in the
 * 6 hours before it (Grafana's default range). A test that compares answer times with "now" or a
 * default range sets its clock here (`useAnswersClock` in src/pages/testing.tsx), so it holds on
 * any date.
 */
export const ANSWERS_NOW_MS = Date.parse('2026-11-29T12:00:00.000Z');

export const HEALTH_OK: HealthAnswer = {
  status: 'ok',
  version: '0.1.0',
  database: { ok: true, flavour: 'postgres', schemaVersion: 4, latencyMs: 3 },
  cache: { backend: 'redis', enabled: true, ok: true },
};

export const HEALTH_DB_DOWN: HealthAnswer = {
  status: 'unavailable',
  version: '0.1.0',
  database: { ok: false, error: 'database not reachable' },
  cache: { backend: 'memory', enabled: true, ok: true },
};

const HOST_FACTS = {
  engineVersion: '20.10.24',
  apiVersion: '1.41',
  os: 'Debian GNU/Linux 12 (bookworm)',
  kernel: '6.1.0-27-amd64',
  cpus: 4,
  memTotalBytes: 8_321_499_136,
  cgroupVersion: 1,
  firstSeen: '2026-11-01T00:00:00.000Z',
};

export const HOSTS: { items: HostItem[] } = {
  items: [
    {
      hostId: 'h1',
      name: 'docker-01',
      ...HOST_FACTS,
      containersRunning: 2,
      lastSeen: '2026-11-29T10:00:00.000Z',
      collector: {
        version: '0.1.0',
        lastBeat: '2026-11-29T10:00:00.000Z',
        containersSeen: 3,
        bufferedRows: 0,
        spooledRows: 0,
        lastError: null,
      },
    },
    {
      hostId: 'h2',
      name: 'docker-02',
      ...HOST_FACTS,
      containersRunning: 0,
      lastSeen: '2026-11-29T09:00:00.000Z',
      collector: null,
    },
  ],
};

const container = (c: Partial<ContainerItem> & Pick<ContainerItem, 'containerId' | 'name'>): ContainerItem => ({
  hostId: 'h1',
  image: 'nginx:1.25',
  imageId: 'sha256:' + 'a'.repeat(64),
  command: 'nginx -g daemon off;',
  state: 'running',
  status: 'Up 2 hours',
  health: null,
  restartCount: 0,
  exitCode: null,
  oomKilled: false,
  startedAt: '2026-11-29T08:00:00.000Z',
  createdAt: '2026-11-29T07:59:58.000Z',
  finishedAt: null,
  memLimitBytes: null,
  cpuLimitCores: null,
  composeProject: null,
  composeService: null,
  labels: {},
  firstSeen: '2026-11-29T07:59:58.000Z',
  lastSeen: '2026-11-29T10:00:00.000Z',
  removedAt: null,
  ...c,
});

export const CONTAINERS: Paged<ContainerItem> = {
  items: [
    container({
      containerId: 'c1'.padEnd(64, '1'),
      name: 'web',
      health: 'healthy',
      restartCount: 2,
      memLimitBytes: 536870912,
    }),
    container({ containerId: 'c2'.padEnd(64, '2'), name: 'db', image: 'postgres:15', health: 'unhealthy' }),
    container({
      containerId: 'c3'.padEnd(64, '3'),
      name: 'job',
      image: 'busybox',
      state: 'exited',
      status: 'Exited (1) 5 minutes ago',
      exitCode: 1,
      startedAt: null,
    }),
  ],
  total: 3,
  limit: 50,
  offset: 0,
};

const t0 = Date.UTC(2026, 10, 29, 10, 0, 0);

export const STATS: StatsAnswer = {
  resolution: 'raw',
  table: 'container_stats',
  intervalMs: 15000,
  fromMs: t0,
  toMs: t0 + 45000,
  truncated: false,
  series: [
    {
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      hostId: 'h1',
      metric: 'cpu_percent',
      points: [
        [t0, 1.5],
        [t0 + 15000, null],
        [t0 + 30000, 2.25],
      ],
    },
    {
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      hostId: 'h1',
      metric: 'mem_used_bytes',
      points: [
        [t0, 1048576],
        [t0 + 15000, 2097152],
        [t0 + 30000, 3145728],
      ],
    },
    {
      containerId: CONTAINERS.items[1].containerId,
      containerName: 'db',
      hostId: 'h1',
      metric: 'cpu_percent',
      points: [
        [t0, 10],
        [t0 + 15000, 12],
        [t0 + 30000, 11],
      ],
    },
    {
      containerId: CONTAINERS.items[1].containerId,
      containerName: null,
      hostId: 'h1',
      metric: 'mem_used_bytes',
      points: [[t0, 4096]],
    },
  ],
};

/** A fleet query without containers or top, cut by the API at its series bound (STATS_MAX_SERIES). */
export const STATS_TRUNCATED: StatsAnswer = {
  ...STATS,
  ranking: { by: 'cpu_percent', agg: 'avg', top: 200, candidates: 2000 },
  truncated: true,
  series: STATS.series.slice(0, 1),
};

/** groupBy=host: one series per host, named by the host. */
export const STATS_BY_HOST: StatsAnswer = {
  resolution: 'raw',
  table: 'container_stats',
  intervalMs: 15000,
  fromMs: t0,
  toMs: t0 + 45000,
  groupBy: 'host',
  ranking: { by: 'mem_used_bytes', agg: 'avg', top: 200, candidates: 2 },
  truncated: false,
  series: [
    {
      containerId: null,
      containerName: null,
      hostId: 'h1',
      group: { by: 'host', key: 'h1', name: 'alpha' },
      metric: 'mem_used_bytes',
      points: [[t0, 5242880]],
    },
    {
      containerId: null,
      containerName: null,
      hostId: 'h2',
      group: { by: 'host', key: 'h2', name: null },
      metric: 'mem_used_bytes',
      points: [[t0, 1048576]],
    },
  ],
};

/** groupBy=project: containers of no compose project form one more group. */
export const STATS_BY_PROJECT: StatsAnswer = {
  ...STATS_BY_HOST,
  groupBy: 'project',
  series: [
    { ...STATS_BY_HOST.series[0], hostId: null, group: { by: 'project', key: 'shop', name: 'shop' } },
    { ...STATS_BY_HOST.series[1], hostId: null, group: { by: 'project', key: null, name: null } },
  ],
};

export const IMAGES: Paged<ImageItem> = {
  items: [
    {
      hostId: 'h1',
      imageId: 'sha256:' + 'a'.repeat(64),
      repoTags: ['nginx:1.25', 'nginx:latest'],
      repoDigests: ['nginx@sha256:' + 'd'.repeat(64)],
      sizeBytes: 187654321,
      createdAt: '2026-11-01T00:00:00.000Z',
      labels: { maintainer: 'NGINX Docker Maintainers' },
      firstSeen: '2026-11-20T00:00:00.000Z',
      lastSeen: '2026-11-29T10:00:00.000Z',
      removedAt: null,
      containers: 1,
    },
    {
      hostId: 'h1',
      imageId: 'sha256:' + 'b'.repeat(64),
      repoTags: [],
      repoDigests: [],
      sizeBytes: 1234,
      createdAt: null,
      labels: {},
      firstSeen: '2026-11-20T00:00:00.000Z',
      lastSeen: '2026-11-29T10:00:00.000Z',
      removedAt: null,
      containers: 0,
    },
  ],
  total: 2,
  limit: 100,
  offset: 0,
};

export const IMAGE_VERSIONS: { items: ImageVersionItem[] } = {
  items: [
    {
      time: '2026-11-28T12:00:00.000Z',
      hostId: 'h1',
      repository: 'nginx',
      tag: 'latest',
      imageId: 'sha256:' + 'a'.repeat(64),
      digest: 'nginx@sha256:' + 'd'.repeat(64),
      previousImageId: 'sha256:' + 'c'.repeat(64),
    },
    {
      time: '2026-11-20T00:00:00.000Z',
      hostId: 'h1',
      repository: 'nginx',
      tag: '1.25',
      imageId: 'sha256:' + 'a'.repeat(64),
      digest: null,
      previousImageId: null,
    },
  ],
};

export const VERSIONS_OF_IMAGE = { imageId: 'sha256:' + 'a'.repeat(64), items: IMAGE_VERSIONS.items };

export const LOGS: LogsAnswer = {
  items: [
    {
      time: '2026-11-29T10:00:02.000123Z',
      timeUs: '1795946402000123',
      hostId: 'h1',
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      stream: 'stderr',
      seq: 0,
      message: 'GET /missing 404',
    },
    {
      time: '2026-11-29T10:00:01.000000Z',
      timeUs: '1795946401000000',
      hostId: 'h1',
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      stream: 'stdout',
      seq: 0,
      message: 'GET / 200',
    },
  ],
  nextCursor: 'eyJ0IjoiMTc5NTk0NjQwMTAwMDAwMCJ9',
};

export const EVENTS: { items: EventItem[] } = {
  items: [
    {
      time: '2026-11-29T09:30:00.000Z',
      timeNano: '1795944600000000123',
      hostId: 'h1',
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      image: 'nginx:1.25',
      action: 'oom',
      exitCode: null,
      attributes: { image: 'nginx:1.25', name: 'web' },
    },
    {
      time: '2026-11-29T09:30:01.000Z',
      timeNano: '1795944601000000123',
      hostId: 'h1',
      containerId: CONTAINERS.items[0].containerId,
      containerName: 'web',
      image: 'nginx:1.25',
      action: 'die',
      exitCode: 137,
      attributes: { exitCode: '137', name: 'web' },
    },
    {
      time: '2026-11-29T09:31:00.000Z',
      timeNano: '1795944660000000123',
      hostId: 'h1',
      containerId: CONTAINERS.items[1].containerId,
      containerName: null,
      image: 'postgres:15',
      action: 'health_status',
      exitCode: null,
      attributes: { health_status: 'unhealthy' },
    },
  ],
};

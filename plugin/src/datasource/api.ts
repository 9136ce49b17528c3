// The Dockpulse API as the browser reaches it: through Grafana's data proxy, which adds the token.
// Answer types follow api/src (camelCase JSON under /api/v1).
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import type { EventAction, GroupBy, Metric, RankAgg, Resolution } from './types';

/** Path of the data-proxy route declared in datasource/plugin.json. */
export const ROUTE_PATH = 'dockpulse';

/** GET /health as api/src/health/routes.ts sends it (the storage flavour is database.flavour). */
export interface HealthAnswer {
  status: string;
  version?: string;
  database?: {
    ok: boolean;
    flavour?: string | null;
    schemaVersion?: number | null;
    latencyMs?: number;
    error?: string;
  };
  /** Only when the API reads from a replica (DATABASE_READ_URL); down or not a standby degrades status. */
  replica?: {
    ok: boolean;
    inRecovery?: boolean;
    replayLagSeconds?: number | null;
    replayedAllReceived?: boolean;
    latencyMs?: number;
    error?: string;
  };
  cache?: { backend?: string; enabled?: boolean; ok?: boolean };
}

export interface HostItem {
  hostId: string;
  name: string;
  engineVersion?: string | null;
  containersRunning?: number;
  lastSeen?: string;
  collector?: { version: string; lastBeat: string; lastError: string | null } | null;
}

export interface ContainerItem {
  hostId: string;
  containerId: string;
  name: string;
  image: string | null;
  imageId?: string | null;
  state: string;
  status?: string | null;
  health: string | null;
  restartCount?: number;
  exitCode?: number | null;
  oomKilled?: boolean;
  startedAt?: string | null;
  createdAt?: string | null;
  memLimitBytes?: number | null;
  cpuLimitCores?: number | null;
  composeProject?: string | null;
  composeService?: string | null;
  labels?: Record<string, string>;
}

export interface Paged<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export interface LatestSample {
  time: string;
  cpuPercent: number | null;
  memUsedBytes: number | null;
  memLimitBytes: number | null;
  memPercent: number | null;
}

export interface StatsSeries {
  /** null for a group's series (groupBy). */
  containerId: string | null;
  containerName: string | null;
  /** The container's host, or the host of a host group; null for a project group. */
  hostId: string | null;
  /** Grouped answers: which host or compose project (key null: containers of no project). */
  group?: { by: GroupBy; key: string | null; name: string | null };
  metric: Metric;
  points: Array<[number, number | null]>;
}

export interface StatsAnswer {
  resolution: string;
  table: string;
  intervalMs: number;
  groupBy?: GroupBy;
  /** How the series were chosen when ranked; candidates: how many had data in the range. */
  ranking?: { by: Metric; agg: RankAgg; top: number; candidates: number };
  /** True when a query without containers and without top met more series than the API's bound. */
  truncated?: boolean;
  series: StatsSeries[];
}

export interface ImageItem {
  hostId: string;
  imageId: string;
  repoTags: string[];
  repoDigests?: string[];
  sizeBytes: number | null;
  createdAt: string | null;
  firstSeen?: string;
  lastSeen?: string;
  removedAt?: string | null;
  containers?: number;
}

export interface ImageVersionItem {
  time: string;
  hostId: string;
  repository: string;
  tag: string;
  imageId: string;
  digest: string | null;
  previousImageId: string | null;
}

export interface LogItem {
  time: string;
  timeUs?: string;
  hostId: string;
  containerId: string;
  containerName: string | null;
  stream: 'stdout' | 'stderr';
  seq?: number;
  message: string;
}

export interface LogsAnswer {
  items: LogItem[];
  nextCursor: string | null;
}

export interface EventItem {
  time: string;
  hostId?: string;
  containerId: string;
  containerName: string | null;
  image?: string | null;
  action: string;
  exitCode: number | null;
  attributes: Record<string, string>;
}

export interface ContainerFilter {
  host?: string;
  state?: string;
  name?: string;
  image?: string;
  label?: string;
  limit?: number;
  offset?: number;
}

export interface StatsRequest {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  metrics: Metric[];
  resolution: Resolution;
  intervalMs?: number;
  maxDataPoints?: number;
  top?: number;
  by?: Metric;
  agg?: RankAgg;
  groupBy?: GroupBy;
}

export interface LogsRequest {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  q?: string;
  stream?: 'stdout' | 'stderr';
  limit?: number;
  cursor?: string;
}

export interface EventsRequest {
  containers?: string[];
  host?: string;
  fromMs: number;
  toMs: number;
  actions?: EventAction[];
  limit?: number;
}

export interface ImageVersionsRequest {
  repository?: string;
  tag?: string;
  host?: string;
  fromMs?: number;
  toMs?: number;
}

type ParamValue = string | number | boolean | string[] | undefined | null;

/**
 * The query string of a request. The API answers 400 to empty or unknown parameters, so empty
 * values are left out rather than sent blank; lists are comma-separated.
 */
export function queryString(params: Record<string, ParamValue>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') {
      continue;
    }
    if (Array.isArray(value)) {
      const items = value.filter((v) => v !== '');
      if (items.length > 0) {
        parts.push(`${encodeURIComponent(key)}=${items.map(encodeURIComponent).join(',')}`);
      }
      continue;
    }
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** An API failure with the message the API gave (its `{ error: { code, message } }` body) when there is one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    /** The answer's body, when there was one (a 503 from /health still describes the API's state). */
    readonly data?: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (isFetchError(err)) {
    const body = err.data as { error?: { code?: string; message?: string }; message?: string } | undefined;
    const detail = body?.error?.message ?? body?.message ?? err.statusText ?? 'request failed';
    return new ApiError(`Dockpulse API ${err.status}: ${detail}`, err.status, body?.error?.code, err.data);
  }
  return new ApiError(err instanceof Error ? err.message : String(err));
}

export class DockpulseApi {
  /** @param proxyUrl the datasource's data-proxy URL (instanceSettings.url, e.g. /api/datasources/proxy/uid/abc) */
  constructor(private readonly proxyUrl: string) {}

  get baseUrl(): string {
    return `${this.proxyUrl}/${ROUTE_PATH}/api/v1`;
  }

  async get<T>(path: string, params: Record<string, ParamValue> = {}): Promise<T> {
    try {
      const response = await lastValueFrom(
        getBackendSrv().fetch<T>({
          url: `${this.baseUrl}${path}${queryString(params)}`,
          method: 'GET',
          // Errors are shown where they happen (panel, page, config test), not as global toasts.
          showErrorAlert: false,
        })
      );
      return response.data;
    } catch (err) {
      throw toApiError(err);
    }
  }

  health(): Promise<HealthAnswer> {
    return this.get('/health');
  }

  async hosts(): Promise<HostItem[]> {
    return (await this.get<{ items: HostItem[] }>('/hosts')).items;
  }

  containers(filter: ContainerFilter = {}): Promise<Paged<ContainerItem>> {
    return this.get('/containers', { ...filter });
  }

  latest(containerId: string, host?: string): Promise<LatestSample> {
    return this.get(`/containers/${encodeURIComponent(containerId)}/stats/latest`, { host });
  }

  stats(req: StatsRequest): Promise<StatsAnswer> {
    return this.get('/stats', {
      containers: req.containers,
      host: req.host,
      from: req.fromMs,
      to: req.toMs,
      metrics: req.metrics,
      resolution: req.resolution,
      intervalMs: req.intervalMs,
      maxDataPoints: req.maxDataPoints,
      top: req.top,
      by: req.by,
      agg: req.agg,
      groupBy: req.groupBy,
    });
  }

  images(
    filter: { host?: string; repository?: string; limit?: number; offset?: number } = {}
  ): Promise<Paged<ImageItem>> {
    return this.get('/images', { ...filter });
  }

  async versionsOfImage(imageId: string): Promise<ImageVersionItem[]> {
    const answer = await this.get<ImageVersionItem[] | { items: ImageVersionItem[] }>(
      `/images/${encodeURIComponent(imageId)}/versions`
    );
    return Array.isArray(answer) ? answer : answer.items;
  }

  async imageVersions(req: ImageVersionsRequest): Promise<ImageVersionItem[]> {
    const answer = await this.get<{ items: ImageVersionItem[] }>('/image-versions', {
      repository: req.repository,
      tag: req.tag,
      host: req.host,
      from: req.fromMs,
      to: req.toMs,
    });
    return answer.items;
  }

  logs(req: LogsRequest): Promise<LogsAnswer> {
    return this.get('/logs', {
      containers: req.containers,
      host: req.host,
      from: req.fromMs,
      to: req.toMs,
      q: req.q,
      stream: req.stream,
      limit: req.limit,
      cursor: req.cursor,
    });
  }

  async events(req: EventsRequest): Promise<EventItem[]> {
    const answer = await this.get<{ items: EventItem[] }>('/events', {
      containers: req.containers,
      host: req.host,
      from: req.fromMs,
      to: req.toMs,
      actions: req.actions,
      limit: req.limit,
    });
    return answer.items;
  }
}

// The Dockpulse API as the browser reaches it: through Grafana's data proxy, which adds the token.
// The answers are the contract's types (common/src/contract/answers.ts), the ones the API's answer
// schemas and its OpenAPI document are checked against; the request types here are the client's.
import { lastValueFrom } from 'rxjs';
import { getBackendSrv, isFetchError } from '@grafana/runtime';
import type {
  ContainerItem,
  ContainerLatestAnswer,
  ContainersAnswer,
  EventItem,
  EventsAnswer,
  HealthAnswer,
  HostItem,
  HostsAnswer,
  ImageItem,
  ImagesAnswer,
  ImageVersionItem,
  ImageVersionsAnswer,
  ImageVersionsOfImageAnswer,
  LogsAnswer,
  Paged,
  StatsAnswer,
} from '../../../common/src/contract';
import type { EventAction, GroupBy, LogStream, Metric, RankAgg, Resolution } from './types';

export type {
  ContainerItem,
  ContainerLatestAnswer,
  EventItem,
  HealthAnswer,
  HostItem,
  ImageItem,
  ImageVersionItem,
  LogsAnswer,
  Paged,
  StatsAnswer,
};
export type { LatestSample, LogItem, StatsSeries } from '../../../common/src/contract';

/** Path of the data-proxy route declared in datasource/plugin.json. */
export const ROUTE_PATH = 'dockpulse';

export interface ContainerFilter {
  host?: string;
  /** One of CONTAINER_STATES; a string, as a query or a template variable holds it (the API checks it). */
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
  stream?: Exclude<LogStream, 'all'>;
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
    return (await this.get<HostsAnswer>('/hosts')).items;
  }

  containers(filter: ContainerFilter = {}): Promise<ContainersAnswer> {
    return this.get('/containers', { ...filter });
  }

  latest(containerId: string, host?: string): Promise<ContainerLatestAnswer> {
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
  ): Promise<ImagesAnswer> {
    return this.get('/images', { ...filter });
  }

  async versionsOfImage(imageId: string): Promise<ImageVersionItem[]> {
    return (await this.get<ImageVersionsOfImageAnswer>(`/images/${encodeURIComponent(imageId)}/versions`)).items;
  }

  async imageVersions(req: ImageVersionsRequest): Promise<ImageVersionItem[]> {
    const answer = await this.get<ImageVersionsAnswer>('/image-versions', {
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
    const answer = await this.get<EventsAnswer>('/events', {
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

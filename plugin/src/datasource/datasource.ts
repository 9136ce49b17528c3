import {
  DataSourceApi,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceInstanceSettings,
  type MetricFindValue,
  type ScopedVars,
  type TestDataSourceResponse,
} from '@grafana/data';
import { getTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { ApiError, DockpulseApi, type HealthAnswer } from './api';
import { containersFrame, eventsFrame, imagesFrame, imageVersionsFrame, logsFrame, statsFrames } from './frames';
import {
  DEFAULT_LOG_LIMIT,
  DEFAULT_QUERY,
  LOG_STREAM_CHOICES,
  type DockpulseOptions,
  type DockpulseQuery,
  type DockpulseVariableQuery,
  RESOLUTIONS,
  type Resolution,
  type VariableDataSource,
} from './types';
import { DockpulseVariableSupport } from './variables';

/** The API's bounds for intervalMs and maxDataPoints (api/src/stats/routes.ts). */
const MIN_INTERVAL_MS = 1000;
const MAX_DATA_POINTS = 10_000;
const MAX_LOG_LIMIT = 5000;
/** Values a variable's "All" may stand for; any of them means "no filter". */
const ALL_VALUES = new Set(['*', '.*', '$__all', 'All']);

/** The events shown as annotations by default: restarts, OOM kills, exits, health changes, deploys. */
export const DEFAULT_ANNOTATION_QUERY: Partial<DockpulseQuery> = {
  queryType: 'events',
  actions: ['restart', 'oom', 'die', 'health_status'],
  includeDeploys: true,
};

/** A variable may hold anything: only known values pass, anything else falls back. */
function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

export class DataSource extends DataSourceApi<DockpulseQuery, DockpulseOptions> implements VariableDataSource {
  readonly api: DockpulseApi;
  private readonly settings: DockpulseOptions;

  constructor(
    instanceSettings: DataSourceInstanceSettings<DockpulseOptions>,
    private readonly templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.api = new DockpulseApi(instanceSettings.url ?? '');
    this.settings = instanceSettings.jsonData ?? {};
    this.variables = new DockpulseVariableSupport(this);
    this.annotations = { getDefaultQuery: () => DEFAULT_ANNOTATION_QUERY };
  }

  getDefaultQuery(): Partial<DockpulseQuery> {
    return DEFAULT_QUERY;
  }

  filterQuery(query: DockpulseQuery): boolean {
    return !query.hide;
  }

  async query(request: DataQueryRequest<DockpulseQuery>): Promise<DataQueryResponse> {
    const data = await Promise.all(
      request.targets.filter((t) => !t.hide).map((target) => this.runQuery(target, request))
    );
    return { data: data.flat() };
  }

  private async runQuery(target: DockpulseQuery, request: DataQueryRequest<DockpulseQuery>) {
    const q = this.interpolate(target, request.scopedVars);
    const fromMs = request.range.from.valueOf();
    const toMs = request.range.to.valueOf();
    switch (q.queryType ?? 'stats') {
      case 'stats': {
        const answer = await this.api.stats({
          containers: q.containers,
          host: q.host,
          fromMs,
          toMs,
          metrics: q.metrics?.length ? q.metrics : DEFAULT_QUERY.metrics!,
          resolution: this.resolutionFor(q.resolution ?? 'auto', toMs - fromMs),
          intervalMs: request.intervalMs ? Math.max(MIN_INTERVAL_MS, Math.round(request.intervalMs)) : undefined,
          maxDataPoints: request.maxDataPoints ? Math.min(MAX_DATA_POINTS, request.maxDataPoints) : undefined,
          top: q.top && q.top > 0 ? Math.round(q.top) : undefined,
          // by and agg only mean something with top: the API refuses them alone.
          by: q.top ? q.by : undefined,
          agg: q.top ? q.agg : undefined,
          groupBy: q.groupBy,
        });
        return statsFrames(answer, q.refId);
      }
      case 'containers':
        return [
          containersFrame(
            await this.api.containers({
              host: q.host,
              state: q.state,
              name: q.name,
              image: q.image,
              label: q.label,
              limit: q.limit,
            }),
            q.refId
          ),
        ];
      case 'images':
        return [
          imagesFrame(await this.api.images({ host: q.host, repository: q.repository, limit: q.limit }), q.refId),
        ];
      case 'imageVersions':
        return [
          imageVersionsFrame(
            await this.api.imageVersions({ repository: q.repository, tag: q.tag, host: q.host, fromMs, toMs }),
            q.refId
          ),
        ];
      case 'logs': {
        const answer = await this.api.logs({
          containers: q.containers,
          host: q.host,
          fromMs,
          toMs,
          q: q.search,
          stream: q.stream === 'stdout' || q.stream === 'stderr' ? q.stream : undefined,
          limit: Math.min(MAX_LOG_LIMIT, q.limit ?? DEFAULT_LOG_LIMIT),
        });
        return [logsFrame(answer.items, q.refId, answer.nextCursor)];
      }
      case 'events': {
        const [events, deploys] = await Promise.all([
          this.api.events({
            containers: q.containers,
            host: q.host,
            fromMs,
            toMs,
            actions: q.actions?.length ? q.actions : undefined,
          }),
          q.includeDeploys
            ? this.api.imageVersions({ repository: q.repository, tag: q.tag, host: q.host, fromMs, toMs })
            : Promise.resolve([]),
        ]);
        return [eventsFrame(events, q.refId, deploys)];
      }
      default:
        throw new ApiError(`Unknown query type "${String(q.queryType)}"`);
    }
  }

  /**
   * "auto" stays auto (the API applies its policy) unless this datasource sets its own thresholds,
   * in which case the choice is made here and sent explicitly.
   */
  resolutionFor(requested: Resolution, rangeMs: number): Resolution {
    const { rawMaxRangeHours, hourlyMaxRangeHours } = this.settings;
    if (requested !== 'auto' || (!rawMaxRangeHours && !hourlyMaxRangeHours)) {
      return requested;
    }
    const hours = rangeMs / 3_600_000;
    if (rawMaxRangeHours && hours <= rawMaxRangeHours) {
      return 'raw';
    }
    if (hourlyMaxRangeHours && hours <= hourlyMaxRangeHours) {
      return 'hourly';
    }
    return hourlyMaxRangeHours ? 'daily' : 'auto';
  }

  /** Replaces $variables in every text field; container lists expand multi-value and All. */
  interpolate(query: DockpulseQuery, scopedVars: ScopedVars = {}): DockpulseQuery {
    const one = (value?: string): string | undefined => {
      if (!value) {
        return undefined;
      }
      const replaced = this.templateSrv.replace(value, scopedVars).trim();
      return replaced === '' || ALL_VALUES.has(replaced) ? undefined : replaced;
    };
    return {
      ...query,
      host: one(query.host),
      name: one(query.name),
      image: one(query.image),
      label: one(query.label),
      state: one(query.state),
      repository: one(query.repository),
      tag: one(query.tag),
      search: one(query.search),
      stream: oneOf(one(query.stream), LOG_STREAM_CHOICES, 'all'),
      resolution: oneOf(one(query.resolution), RESOLUTIONS, 'auto'),
      containers: this.interpolateList(query.containers, scopedVars),
    };
  }

  /** A list of names, each possibly a multi-value variable; undefined means "all containers". */
  interpolateList(values: string[] | undefined, scopedVars: ScopedVars = {}): string[] | undefined {
    if (!values?.length) {
      return undefined;
    }
    const out = new Set<string>();
    for (const value of values) {
      const replaced = this.templateSrv.replace(value, scopedVars, 'csv');
      for (const part of replaced.split(',')) {
        const item = part.trim();
        if (ALL_VALUES.has(item)) {
          return undefined;
        }
        if (item) {
          out.add(item);
        }
      }
    }
    return out.size ? [...out] : undefined;
  }

  /** The dashboard's variables as `$name`, offered next to real values in pickers. */
  getVariableNames(): string[] {
    return this.templateSrv.getVariables().map((v) => `$${v.name}`);
  }

  /** Values of a template variable: hosts, containers (optionally of one host) or images. */
  async findVariableValues(query: DockpulseVariableQuery, scopedVars: ScopedVars = {}): Promise<MetricFindValue[]> {
    switch (query.type) {
      case 'hosts':
        return (await this.api.hosts()).map((h) => ({ text: h.name || h.hostId, value: h.hostId }));
      case 'containers': {
        const host = query.host ? this.templateSrv.replace(query.host, scopedVars).trim() : undefined;
        const page = await this.api.containers({
          host: host && !ALL_VALUES.has(host) ? host : undefined,
          state: query.includeStopped ? undefined : 'running',
          limit: 1000,
        });
        const names = [...new Set(page.items.map((c) => c.name))].sort();
        return names.map((name) => ({ text: name, value: name }));
      }
      case 'images': {
        const page = await this.api.images({ limit: 1000 });
        const repos = new Set<string>();
        for (const image of page.items) {
          for (const tag of image.repoTags) {
            repos.add(tag.slice(0, tag.lastIndexOf(':') > tag.lastIndexOf('/') ? tag.lastIndexOf(':') : tag.length));
          }
        }
        return [...repos].sort().map((r) => ({ text: r, value: r }));
      }
      default:
        return [];
    }
  }

  /** Legacy variable editor support: "hosts", "containers", "containers of <host>", "images". */
  async metricFindQuery(
    query: string | DockpulseVariableQuery,
    options?: { scopedVars?: ScopedVars }
  ): Promise<MetricFindValue[]> {
    if (typeof query !== 'string') {
      return this.findVariableValues(query, options?.scopedVars);
    }
    const text = query.trim();
    const of = /^containers\s+of\s+(\S+)$/i.exec(text);
    if (of) {
      return this.findVariableValues({ refId: 'var', type: 'containers', host: of[1] }, options?.scopedVars);
    }
    const type = text.toLowerCase();
    if (type === 'hosts' || type === 'containers' || type === 'images') {
      return this.findVariableValues({ refId: 'var', type }, options?.scopedVars);
    }
    return [];
  }

  async testDatasource(): Promise<TestDataSourceResponse> {
    if (!this.settings.apiUrl) {
      return { status: 'error', message: 'Set the API URL (for example http://api:8080) and save.' };
    }
    let health: HealthAnswer;
    try {
      health = await this.api.health();
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 401 || e.status === 403) {
        return { status: 'error', message: `The API refused the token (${e.status}): check the API token.` };
      }
      const body = e.data as HealthAnswer | undefined;
      if (e.status === 503 && body?.status) {
        return describeHealth(body);
      }
      return { status: 'error', message: `Could not reach the Dockpulse API at ${this.settings.apiUrl}: ${e.message}` };
    }
    return describeHealth(health);
  }
}

/** A one-line summary of /health for the config page: database, storage flavour, replica and cache. */
export function describeHealth(health: HealthAnswer): TestDataSourceResponse {
  const storage = health.database?.flavour ?? 'unknown';
  const database = health.database?.ok === false ? 'database down' : 'database ok';
  const replica = health.replica ? `, ${replicaText(health.replica)}` : '';
  const cache = health.cache
    ? `cache ${health.cache.backend ?? ''}${health.cache.enabled === false ? ' (disabled)' : health.cache.ok === false ? ' (failing)' : ' ok'}`
    : 'cache unknown';
  const message =
    `Dockpulse API ${health.version ?? ''}: ${database}, storage ${storage}${replica}, ${cache.replace(/\s+/g, ' ')}`.replace(
      /\s+:/,
      ':'
    );
  if (health.status === 'ok') {
    return { status: 'success', message };
  }
  return {
    status: health.status === 'degraded' ? 'warning' : 'error',
    message: `${message} (status ${health.status})`,
  };
}

function replicaText(replica: NonNullable<HealthAnswer['replica']>): string {
  if (!replica.ok) {
    return 'replica down';
  }
  return replica.inRecovery === false ? 'replica not a standby' : 'replica ok';
}

// Test helpers: a fake getBackendSrv().fetch that answers by path, and a template service with
// the dashboard variables the tests use.
import { of, throwError } from 'rxjs';
import { dateTime, type DataQueryRequest, type DataSourceInstanceSettings, type ScopedVars } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';
import type { DockpulseOptions, DockpulseQuery } from './types';

export const PROXY_URL = '/api/datasources/proxy/uid/dockpulse-api';
export const API_BASE = `${PROXY_URL}/dockpulse/api/v1`;

export type Answer = { status?: number; data: unknown };

/**
 * A fetch that answers by path (the part after /api/v1, without the query string) and records
 * every URL asked for. An answer with a status >= 400 becomes a FetchError-like rejection.
 */
export function fakeFetch(answers: Record<string, Answer | ((url: URL) => Answer)>) {
  const urls: string[] = [];
  const fetch = jest.fn((options: { url: string }) => {
    urls.push(options.url);
    const url = new URL(options.url, 'http://grafana');
    const path = url.pathname.replace(/^.*\/api\/v1/, '');
    const entry = answers[path];
    if (!entry) {
      return throwError(() => ({
        status: 404,
        statusText: 'Not Found',
        data: { error: { code: 'not_found', message: `no fake for ${path}` } },
      }));
    }
    const answer = typeof entry === 'function' ? entry(url) : entry;
    if ((answer.status ?? 200) >= 400) {
      return throwError(() => ({ status: answer.status, statusText: 'Error', data: answer.data }));
    }
    return of({ data: answer.data, status: answer.status ?? 200, ok: true });
  });
  return { fetch, urls };
}

/** The query string of a recorded URL as a plain object. */
export function paramsOf(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url, 'http://grafana').searchParams.entries());
}

export function instanceSettings(
  jsonData: Partial<DockpulseOptions> = {}
): DataSourceInstanceSettings<DockpulseOptions> {
  return {
    uid: 'dockpulse-api',
    type: 'dockpulse-containers-datasource',
    name: 'Dockpulse',
    url: PROXY_URL,
    jsonData: { apiUrl: 'http://api:8080', ...jsonData },
    access: 'proxy',
    readOnly: false,
    meta: {} as DataSourceInstanceSettings['meta'],
  } as DataSourceInstanceSettings<DockpulseOptions>;
}

/**
 * Just enough of Grafana's template service: $name and ${name} from a map; an array value is a
 * multi-value variable ("csv" joins with commas, other formats with the {a,b} glob syntax Grafana uses).
 */
export function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name })),
    replace: (target?: string, _scoped?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => {
        const value = variables[a ?? b];
        if (value === undefined) {
          return whole;
        }
        if (Array.isArray(value)) {
          return format === 'csv' ? value.join(',') : `{${value.join(',')}}`;
        }
        return value;
      }),
    containsTemplate: () => false,
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}

export const FROM_MS = Date.UTC(2026, 10, 29, 9, 0, 0);
export const TO_MS = Date.UTC(2026, 10, 29, 10, 0, 0);

export function queryRequest(targets: DockpulseQuery[], extra: Partial<DataQueryRequest<DockpulseQuery>> = {}) {
  const from = dateTime(FROM_MS);
  const to = dateTime(TO_MS);
  return {
    requestId: 'r1',
    interval: '15s',
    intervalMs: 15000,
    maxDataPoints: 500,
    range: { from, to, raw: { from, to } },
    scopedVars: {},
    targets,
    timezone: 'utc',
    app: 'dashboard',
    startTime: 0,
    ...extra,
  } as DataQueryRequest<DockpulseQuery>;
}

// A page for the browser test: the app's pages, rendered by the real @grafana/ui in a real browser,
// with an API client that answers from the unit tests' fixtures (recorded in the API's shapes), or
// with `?api=real` the datasource's own client (DockpulseApi) talking to the real API through the
// test server's /proxy route, as Grafana's data proxy would forward it.
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter } from 'react-router-dom';
import { ThemeContext } from '@grafana/data';
import { createTheme } from '@grafana/data';
import { ApiProvider, type PagesApi } from '../../src/api/ApiContext';
import { ContainersOverview } from '../../src/pages/ContainersPage';
import { ImageBrowser } from '../../src/pages/ImagesPage';
import { LogViewer } from '../../src/pages/LogsPage';
import * as answers from '../../src/datasource/__fixtures__/answers';
import { setBackendSrv, type BackendSrv } from '@grafana/runtime';
import { from } from 'rxjs';
import { DockpulseApi } from '../../src/datasource/api';
import { DataSource } from '../../src/datasource/datasource';
import { QueryEditor } from '../../src/datasource/components/QueryEditor';
import { DEFAULT_QUERY, type DockpulseQuery } from '../../src/datasource/types';
import type { DataSourceInstanceSettings, TypedVariableModel } from '@grafana/data';
import type { TemplateSrv } from '@grafana/runtime';

const calls: Array<{ method: string; args: unknown }> = [];
(window as unknown as { apiCalls: typeof calls }).apiCalls = calls;
const record =
  <T,>(method: string, answer: T) =>
  async (args?: unknown) => {
    calls.push({ method, args });
    return answer;
  };

const fixtureApi = {
  hosts: record('hosts', answers.HOSTS.items),
  containers: record('containers', answers.CONTAINERS),
  stats: record('stats', answers.STATS),
  images: record('images', answers.IMAGES),
  versionsOfImage: record('versionsOfImage', answers.VERSIONS_OF_IMAGE.items),
  logs: record('logs', answers.LOGS),
} as unknown as PagesApi;

const params = new URLSearchParams(window.location.search);

/** getBackendSrv().fetch as Grafana has it, reduced to what DockpulseApi uses: GET, JSON, errors with status. */
function realBackendSrv(): BackendSrv {
  const fetch = (options: { url: string }) =>
    from(
      window.fetch(options.url).then(async (response) => {
        calls.push({ method: 'fetch', args: options.url });
        const data = await response.json();
        if (!response.ok) {
          throw { status: response.status, statusText: response.statusText, data };
        }
        return { data, status: response.status, statusText: response.statusText, ok: true, headers: response.headers, redirected: false, type: response.type, url: response.url, config: options };
      })
    );
  return { fetch } as unknown as BackendSrv;
}

let api: PagesApi = fixtureApi;
if (params.get('api') === 'real') {
  setBackendSrv(realBackendSrv());
  api = new DockpulseApi('/proxy');
}

/** The datasource's query editor, its pickers filled by the datasource's own client. */
function QueryEditorPage() {
  const [datasource] = useState(() => {
    const settings = {
      id: 1, uid: 'dockpulse-api', name: 'Dockpulse', type: 'dockpulse-containers-datasource', url: '/proxy',
      access: 'proxy', readOnly: true, jsonData: {}, meta: { id: 'dockpulse-containers-datasource', info: {} },
    } as unknown as DataSourceInstanceSettings<never>;
    const templateSrv = {
      getVariables: () => [] as TypedVariableModel[], replace: (text?: string) => text ?? '',
      containsTemplate: () => false, updateTimeRange: () => undefined,
    } as unknown as TemplateSrv;
    return new DataSource(settings, templateSrv);
  });
  const [query, setQuery] = useState<DockpulseQuery>({ refId: 'A', ...DEFAULT_QUERY } as DockpulseQuery);
  (window as unknown as { lastQuery: DockpulseQuery }).lastQuery = query;
  return <QueryEditor query={query} onChange={setQuery} onRunQuery={() => undefined} datasource={datasource} />;
}

const page = params.get('page') ?? 'containers';
const Page =
  page === 'images' ? ImageBrowser : page === 'logs' ? LogViewer : page === 'query-editor' ? QueryEditorPage : ContainersOverview;

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={createTheme({ colors: { mode: 'dark' } })}>
    <MemoryRouter>
      <ApiProvider value={api}>
        <Page />
      </ApiProvider>
    </MemoryRouter>
  </ThemeContext.Provider>
);

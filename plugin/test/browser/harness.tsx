// A page for the browser test: the app's pages, rendered by the real @grafana/ui in a real browser,
// with an API client that answers from the unit tests' fixtures (recorded in the API's shapes).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { MemoryRouter } from 'react-router-dom';
import { ThemeContext } from '@grafana/data';
import { createTheme } from '@grafana/data';
import { ApiProvider, type PagesApi } from '../../src/api/ApiContext';
import { ContainersOverview } from '../../src/pages/ContainersPage';
import { ImageBrowser } from '../../src/pages/ImagesPage';
import { LogViewer } from '../../src/pages/LogsPage';
import * as answers from '../../src/datasource/__fixtures__/answers';

const calls: Array<{ method: string; args: unknown }> = [];
(window as unknown as { apiCalls: typeof calls }).apiCalls = calls;
const record =
  <T,>(method: string, answer: T) =>
  async (args?: unknown) => {
    calls.push({ method, args });
    return answer;
  };

const api = {
  hosts: record('hosts', answers.HOSTS.items),
  containers: record('containers', answers.CONTAINERS),
  stats: record('stats', answers.STATS),
  images: record('images', answers.IMAGES),
  versionsOfImage: record('versionsOfImage', answers.VERSIONS_OF_IMAGE.items),
  logs: record('logs', answers.LOGS),
} as unknown as PagesApi;

const page = new URLSearchParams(window.location.search).get('page') ?? 'containers';
const Page = page === 'images' ? ImageBrowser : page === 'logs' ? LogViewer : ContainersOverview;

createRoot(document.getElementById('root')!).render(
  <ThemeContext.Provider value={createTheme({ colors: { mode: 'dark' } })}>
    <MemoryRouter>
      <ApiProvider value={api}>
        <Page />
      </ApiProvider>
    </MemoryRouter>
  </ThemeContext.Provider>
);

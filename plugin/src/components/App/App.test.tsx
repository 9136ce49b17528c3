import React from 'react';
import { MemoryRouter } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import { render, screen } from '@testing-library/react';
import { getDataSourceSrv } from '@grafana/runtime';
import App from './App';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  // Outside Grafana, PluginPage has no page chrome to render into; the tests only need its children.
  PluginPage: ({ children }: { children: React.ReactNode }) => <>{children}</>,
  getDataSourceSrv: jest.fn(),
}));

const fakeApi = {
  hosts: jest.fn().mockResolvedValue([]),
  containers: jest.fn().mockResolvedValue({ items: [], total: 0, limit: 200, offset: 0 }),
  stats: jest.fn(),
  images: jest.fn().mockResolvedValue({ items: [], total: 0, limit: 500, offset: 0 }),
  versionsOfImage: jest.fn(),
  logs: jest.fn().mockResolvedValue({ items: [], nextCursor: null }),
};

function renderAt(path: string, jsonData: Record<string, string> = {}) {
  return render(
    <MemoryRouter initialEntries={[path]}>
      <App {...({ meta: { jsonData } } as unknown as AppRootProps)} />
    </MemoryRouter>
  );
}

describe('App', () => {
  const srv = { getList: jest.fn(), get: jest.fn() };
  beforeEach(() => {
    jest.mocked(getDataSourceSrv).mockReturnValue(srv as unknown as ReturnType<typeof getDataSourceSrv>);
    srv.getList.mockReturnValue([{ uid: 'other' }, { uid: 'dockpulse-api' }]);
    srv.get.mockResolvedValue({ api: fakeApi });
  });

  it('opens the containers overview by default, through the provisioned datasource', async () => {
    renderAt('/');
    expect(await screen.findByText('No containers match these filters')).toBeInTheDocument();
    expect(srv.getList).toHaveBeenCalledWith({ type: 'dockpulse-containers-datasource' });
    expect(srv.get).toHaveBeenCalledWith('dockpulse-api');
  });

  it('routes to the image browser', async () => {
    renderAt('/images');
    expect(await screen.findByText('No images found')).toBeInTheDocument();
  });

  it('routes to the log viewer', async () => {
    renderAt('/logs');
    expect(await screen.findByText('No log lines match')).toBeInTheDocument();
  });

  it('uses the datasource the app settings name', async () => {
    srv.getList.mockReturnValue([{ uid: 'dockpulse-api' }, { uid: 'staging' }]);
    renderAt('/', { datasourceUid: 'staging' });
    expect(await screen.findByText('No containers match these filters')).toBeInTheDocument();
    expect(srv.get).toHaveBeenCalledWith('staging');
  });

  it('explains what to do when no Dockpulse datasource exists', async () => {
    srv.getList.mockReturnValue([]);
    renderAt('/');
    expect(await screen.findByText(/No Dockpulse datasource is configured/)).toBeInTheDocument();
  });
});

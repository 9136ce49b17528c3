import React from 'react';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ContainersOverview } from './ContainersPage';
import { fakeApi, renderWithApi } from './testing';
import * as answers from '../datasource/__fixtures__/answers';

const user = userEvent.setup({ delay: null });

function rowOf(name: string) {
  return screen.getByRole('link', { name }).closest('tr')!;
}

describe('containers overview', () => {
  it('lists containers with host, state, health, latest CPU, memory vs limit, restarts and image', async () => {
    const api = fakeApi();
    renderWithApi(<ContainersOverview />, api);
    expect(await screen.findByRole('link', { name: 'web' })).toHaveAttribute(
      'href',
      '/d/dockpulse-container/dockpulse-container-detail?var-host=h1&var-container=web'
    );
    const web = within(rowOf('web'));
    expect(web.getByText('h1')).toBeInTheDocument();
    expect(web.getByText('running')).toBeInTheDocument();
    expect(web.getByText('healthy')).toBeInTheDocument();
    expect(web.getByText('2.3%')).toBeInTheDocument(); // the last non-null CPU sample, 2.25
    expect(web.getByText('3 MiB / 512 MiB (0.6%)')).toBeInTheDocument();
    expect(web.getByText('2')).toBeInTheDocument();
    expect(web.getByText('nginx:1.25')).toBeInTheDocument();
    expect(within(rowOf('db')).getByText('4 KiB (no limit)')).toBeInTheDocument();
    expect(within(rowOf('job')).getByText('exited')).toBeInTheDocument();
    // Latest numbers come from one raw /stats call for the running containers only.
    expect(api.stats).toHaveBeenCalledTimes(1);
    expect(api.stats.mock.calls[0][0]).toMatchObject({
      containers: [answers.CONTAINERS.items[0].containerId, answers.CONTAINERS.items[1].containerId],
      metrics: ['cpu_percent', 'mem_used_bytes', 'mem_limit_bytes'],
      resolution: 'raw',
    });
  });

  it('filters by host, state and name', async () => {
    const api = fakeApi();
    renderWithApi(<ContainersOverview />, api);
    await screen.findByRole('link', { name: 'web' });

    await user.click(screen.getByRole('combobox', { name: 'State' }));
    await user.click(await screen.findByRole('option', { name: 'exited' }));
    await waitFor(() => expect(api.containers).toHaveBeenLastCalledWith({ state: 'exited', limit: 200 }));

    await user.click(screen.getByRole('combobox', { name: 'Host' }));
    await user.click(await screen.findByRole('option', { name: 'docker-02' }));
    await waitFor(() => expect(api.containers).toHaveBeenLastCalledWith({ state: 'exited', host: 'h2', limit: 200 }));

    await user.type(screen.getByLabelText('Name'), 'we');
    await waitFor(() =>
      expect(api.containers).toHaveBeenLastCalledWith({ state: 'exited', host: 'h2', name: 'we', limit: 200 })
    );
  });

  it('says so when no container matches', async () => {
    renderWithApi(
      <ContainersOverview />,
      fakeApi({ containers: jest.fn().mockResolvedValue({ items: [], total: 0, limit: 200, offset: 0 }) })
    );
    expect(await screen.findByText('No containers match these filters')).toBeInTheDocument();
  });

  it('shows the API error', async () => {
    renderWithApi(
      <ContainersOverview />,
      fakeApi({ containers: jest.fn().mockRejectedValue(new Error('Dockpulse API 503: database not reachable')) })
    );
    expect(await screen.findByText('Could not load containers')).toBeInTheDocument();
    expect(screen.getByText('Dockpulse API 503: database not reachable')).toBeInTheDocument();
  });

  it('still lists containers when the latest stats cannot be read', async () => {
    renderWithApi(<ContainersOverview />, fakeApi({ stats: jest.fn().mockRejectedValue(new Error('timeout')) }));
    expect(await screen.findByRole('link', { name: 'web' })).toBeInTheDocument();
    expect(within(rowOf('web')).getAllByText('-').length).toBeGreaterThan(0);
  });

  it('says when only part of the list is shown', async () => {
    renderWithApi(
      <ContainersOverview />,
      fakeApi({ containers: jest.fn().mockResolvedValue({ ...answers.CONTAINERS, total: 900 }) })
    );
    expect(await screen.findByText(/Showing 3 of 900 containers/)).toBeInTheDocument();
  });
});

import React from 'react';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { getBackendSrv } from '@grafana/runtime';
import { DataSource } from '../datasource';
import * as answers from '../__fixtures__/answers';
import { fakeFetch, fakeTemplateSrv, instanceSettings } from '../testing';
import type { DockpulseQuery } from '../types';
import { QueryEditor } from './QueryEditor';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: jest.fn(),
}));

/** Renders the editor and keeps the query it was last given, as the panel editor would. */
function setup(initial: Partial<DockpulseQuery>) {
  const { fetch, urls } = fakeFetch({ '/hosts': { data: answers.HOSTS }, '/containers': { data: answers.CONTAINERS } });
  jest.mocked(getBackendSrv).mockReturnValue({ fetch } as unknown as ReturnType<typeof getBackendSrv>);
  const datasource = new DataSource(instanceSettings(), fakeTemplateSrv({ host: 'h1', container: ['web'] }));
  let query: DockpulseQuery = { refId: 'A', ...initial };
  const onChange = jest.fn((q: DockpulseQuery) => {
    query = q;
    view.rerender(<QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
  });
  const onRunQuery = jest.fn();
  const view = render(
    <QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} />
  );
  return { onChange, onRunQuery, urls, last: () => query };
}

const user = userEvent.setup({ delay: null });

/** Opens the picker labelled `label` and clicks the option whose text starts with `option`. */
async function pick(label: string, option: string) {
  // A multi-value picker stays open after a pick, and clicking it again would close it.
  if (screen.queryByRole('listbox')) {
    await user.keyboard('{Escape}');
  }
  await user.click(screen.getByRole('combobox', { name: label }));
  await user.click(await screen.findByRole('option', { name: new RegExp(`^${option.replace('$', '\\$')}`) }));
}

describe('QueryEditor', () => {
  it("switching the query type shows that type's fields and runs the query", async () => {
    const { last, onRunQuery } = setup({ queryType: 'stats' });
    expect(screen.getByLabelText('Metrics')).toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Logs' }));
    expect(last().queryType).toBe('logs');
    expect(onRunQuery).toHaveBeenCalled();
    expect(screen.getByLabelText('Search')).toBeInTheDocument();
    expect(screen.queryByLabelText('Metrics')).not.toBeInTheDocument();
  });

  it('stats: metrics, host, containers (from the API and variables) and resolution', async () => {
    const { last, urls } = setup({ queryType: 'stats', metrics: ['cpu_percent'] });
    await pick('Metrics', 'Memory used');
    expect(last().metrics).toEqual(['cpu_percent', 'mem_used_bytes']);

    await waitFor(() => expect(urls.some((u) => u.includes('/hosts'))).toBe(true));
    await pick('Host', 'h2');
    expect(last().host).toBe('h2');

    await pick('Containers', 'web');
    await pick('Containers', '$container');
    expect(last().containers).toEqual(['web', '$container']);
    // The picker lists the containers of the chosen host.
    await waitFor(() => expect(urls.some((u) => u.includes('/containers?host=h2'))).toBe(true));

    await user.click(screen.getByRole('radio', { name: 'hourly' }));
    expect(last().resolution).toBe('hourly');
  });

  it('stats: top N ranked by a metric and its peak, and series per host', async () => {
    const { last, onRunQuery } = setup({ queryType: 'stats', metrics: ['cpu_percent'] });
    // Rank fields appear only once there is a top.
    expect(screen.queryByRole('combobox', { name: 'Rank by' })).not.toBeInTheDocument();
    await user.type(screen.getByLabelText('Top'), '10');
    expect(last().top).toBe(10);
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
    await pick('Rank by', 'Memory used');
    expect(last().by).toBe('mem_used_bytes');
    await user.click(screen.getByRole('radio', { name: 'max' }));
    expect(last().agg).toBe('max');
    await user.click(screen.getByRole('radio', { name: 'host' }));
    expect(last().groupBy).toBe('host');
    await user.click(screen.getByRole('radio', { name: 'container' }));
    expect(last().groupBy).toBeUndefined();
    await user.clear(screen.getByLabelText('Top'));
    expect(last().top).toBeUndefined();
  });

  it('stats: per host, metrics that cannot be combined are not offered to rank by', async () => {
    setup({ queryType: 'stats', metrics: ['cpu_percent'], top: 5, groupBy: 'host' });
    await user.click(screen.getByRole('combobox', { name: 'Rank by' }));
    expect(await screen.findByRole('option', { name: /^Memory used/ })).toBeInTheDocument();
    expect(screen.queryByRole('option', { name: /^Memory limit/ })).not.toBeInTheDocument();
  });

  it('containers: host, state, name, image, label and limit', async () => {
    const { last, onRunQuery } = setup({ queryType: 'containers' });
    await pick('State', 'exited');
    expect(last().state).toBe('exited');
    await user.type(screen.getByLabelText('Name'), 'web');
    expect(last().name).toBe('web');
    await user.type(screen.getByLabelText('Image'), 'nginx');
    expect(last().image).toBe('nginx');
    await user.type(screen.getByLabelText('Label'), 'app=web');
    expect(last().label).toBe('app=web');
    await user.type(screen.getByLabelText('Limit'), '20');
    expect(last().limit).toBe(20);
    onRunQuery.mockClear();
    await user.tab();
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('images and image versions: repository and tag', async () => {
    const { last } = setup({ queryType: 'imageVersions' });
    await user.type(screen.getByLabelText('Repository'), 'nginx');
    await user.type(screen.getByLabelText('Tag'), 'latest');
    expect(last()).toMatchObject({ repository: 'nginx', tag: 'latest' });
  });

  it('logs: search text, stream, containers and limit', async () => {
    const { last } = setup({ queryType: 'logs' });
    await user.type(screen.getByLabelText('Search'), 'timeout');
    expect(last().search).toBe('timeout');
    await user.click(screen.getByRole('radio', { name: 'stderr' }));
    expect(last().stream).toBe('stderr');
    await pick('Containers', 'db');
    expect(last().containers).toEqual(['db']);
    await user.clear(screen.getByLabelText('Limit'));
    await user.type(screen.getByLabelText('Limit'), '250');
    expect(last().limit).toBe(250);
  });

  it('events: actions and deploys', async () => {
    const { last } = setup({ queryType: 'events' });
    await pick('Actions', 'oom');
    expect(last().actions).toEqual(['oom']);
    await user.click(screen.getByLabelText('Deploys'));
    expect(last().includeDeploys).toBe(true);
    await user.type(screen.getByLabelText('Repository'), 'nginx');
    expect(last().repository).toBe('nginx');
  });
});

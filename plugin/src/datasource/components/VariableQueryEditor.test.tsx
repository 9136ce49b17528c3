import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSource } from '../datasource';
import type { DockpulseVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

function setup(initial: Partial<DockpulseVariableQuery>) {
  let query = { refId: 'var', ...initial } as DockpulseVariableQuery;
  const onChange = jest.fn((q: DockpulseVariableQuery) => {
    query = q;
    view.rerender(
      <VariableQueryEditor datasource={{} as DataSource} query={query} onChange={onChange} onRunQuery={jest.fn()} />
    );
  });
  const view = render(
    <VariableQueryEditor datasource={{} as DataSource} query={query} onChange={onChange} onRunQuery={jest.fn()} />
  );
  return { last: () => query };
}

const user = userEvent.setup({ delay: null });

describe('VariableQueryEditor', () => {
  it('chooses hosts, containers or images', async () => {
    const { last } = setup({ type: 'containers' });
    await user.click(screen.getByRole('radio', { name: 'Hosts' }));
    expect(last().type).toBe('hosts');
    expect(screen.queryByLabelText('Host')).not.toBeInTheDocument();
    await user.click(screen.getByRole('radio', { name: 'Images' }));
    expect(last().type).toBe('images');
  });

  it('containers can be limited to a host (a variable works) and include stopped ones', async () => {
    const { last } = setup({ type: 'containers' });
    await user.type(screen.getByLabelText('Host'), '$host');
    expect(last().host).toBe('$host');
    await user.click(screen.getByLabelText('Include stopped'));
    expect(last()).toEqual({ refId: 'var', type: 'containers', host: '$host', includeStopped: true });
  });
});

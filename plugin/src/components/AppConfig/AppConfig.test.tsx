import React from 'react';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { PluginType } from '@grafana/data';
import AppConfig, { type AppConfigProps } from './AppConfig';

const props = (enabled: boolean) =>
  ({
    plugin: {
      meta: { id: 'dockpulse-containers-app', name: 'Dockpulse', type: PluginType.app, enabled, jsonData: {} },
    },
    query: {},
  }) as unknown as AppConfigProps;

describe('AppConfig', () => {
  it('points to the datasource, where the API URL and token are set', () => {
    render(<AppConfig {...props(true)} />, { wrapper: MemoryRouter });
    expect(screen.getByText(/Set the API URL and\s+token there/)).toBeInTheDocument();
    expect(screen.getByText('dockpulse-api')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Add a Dockpulse datasource' })).toHaveAttribute(
      'href',
      '/connections/datasources/new'
    );
    expect(screen.queryByText('The app is disabled')).not.toBeInTheDocument();
  });

  it('says so when the app is disabled', () => {
    render(<AppConfig {...props(false)} />, { wrapper: MemoryRouter });
    expect(screen.getByText('The app is disabled')).toBeInTheDocument();
  });
});

import React from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { DataSourceSettings } from '@grafana/data';
import type { DockpulseOptions, DockpulseSecureOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<DockpulseOptions, DockpulseSecureOptions>;

function setup(jsonData: DockpulseOptions = {}, secureJsonFields: Record<string, boolean> = {}) {
  let options = { jsonData, secureJsonFields, secureJsonData: {} } as unknown as Settings;
  const onOptionsChange = jest.fn((next: Settings) => {
    options = next;
    view.rerender(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  });
  const view = render(<ConfigEditor options={options} onOptionsChange={onOptionsChange} />);
  return { last: () => options };
}

const user = userEvent.setup({ delay: null });

describe('ConfigEditor', () => {
  it('the API URL goes to jsonData', async () => {
    const { last } = setup();
    await user.type(screen.getByLabelText('API URL'), 'http://api:8080');
    expect(last().jsonData.apiUrl).toBe('http://api:8080');
  });

  it('the API token goes to secureJsonData only', async () => {
    const { last } = setup({ apiUrl: 'http://api:8080' });
    await user.type(screen.getByLabelText('API token'), 's3cret');
    expect(last().secureJsonData).toEqual({ apiToken: 's3cret' });
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');
  });

  it('a configured token shows as configured and can be reset', async () => {
    const { last } = setup({ apiUrl: 'http://api:8080' }, { apiToken: true });
    expect(screen.queryByDisplayValue('s3cret')).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.apiToken).toBe(false);
    expect(last().secureJsonData).toEqual({ apiToken: '' });
  });

  it('resolution thresholds are hours; blank clears them', async () => {
    const { last } = setup({ apiUrl: 'http://api:8080' });
    await user.type(screen.getByLabelText('Raw samples up to (hours)'), '2');
    await user.type(screen.getByLabelText('Hourly rollups up to (hours)'), '48');
    expect(last().jsonData).toMatchObject({ rawMaxRangeHours: 2, hourlyMaxRangeHours: 48 });
    await user.clear(screen.getByLabelText('Raw samples up to (hours)'));
    expect(last().jsonData.rawMaxRangeHours).toBeUndefined();
  });
});

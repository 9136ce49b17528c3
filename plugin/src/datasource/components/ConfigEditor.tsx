import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { FieldSet, InlineField, Input, SecretInput } from '@grafana/ui';
import type { DockpulseOptions, DockpulseSecureOptions } from '../types';

type Props = DataSourcePluginOptionsEditorProps<DockpulseOptions, DockpulseSecureOptions>;

const LABEL_WIDTH = 28;

/** Hours as typed; blank clears the setting (the API's own policy then applies). */
function hours(text: string): number | undefined {
  const value = Number(text);
  return text.trim() === '' || !Number.isFinite(value) || value <= 0 ? undefined : value;
}

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData, secureJsonFields } = options;
  const secureJsonData = options.secureJsonData ?? {};

  const setJson = (patch: Partial<DockpulseOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...patch } });

  const onApiUrlChange = (event: ChangeEvent<HTMLInputElement>) => setJson({ apiUrl: event.target.value.trim() });

  // The token goes to secureJsonData: Grafana stores it encrypted and only the data proxy reads it.
  const onApiTokenChange = (event: ChangeEvent<HTMLInputElement>) =>
    onOptionsChange({ ...options, secureJsonData: { apiToken: event.target.value } });

  const onResetApiToken = () =>
    onOptionsChange({
      ...options,
      secureJsonFields: { ...secureJsonFields, apiToken: false },
      secureJsonData: { ...secureJsonData, apiToken: '' },
    });

  return (
    <>
      <FieldSet label="Dockpulse API">
        <InlineField
          label="API URL"
          labelWidth={LABEL_WIDTH}
          interactive
          tooltip="Base URL of the Dockpulse API as Grafana's server reaches it, without /api/v1"
        >
          <Input
            id="config-api-url"
            aria-label="API URL"
            value={jsonData.apiUrl ?? ''}
            placeholder="http://api:8080"
            width={50}
            onChange={onApiUrlChange}
          />
        </InlineField>
        <InlineField
          label="API token"
          labelWidth={LABEL_WIDTH}
          interactive
          tooltip="Sent as Authorization: Bearer <token> by Grafana's data proxy; never sent to the browser. Leave empty when the API has no API_TOKENS."
        >
          <SecretInput
            id="config-api-token"
            aria-label="API token"
            isConfigured={Boolean(secureJsonFields?.apiToken)}
            value={secureJsonData.apiToken ?? ''}
            placeholder="token from the API's API_TOKENS"
            width={50}
            onReset={onResetApiToken}
            onChange={onApiTokenChange}
          />
        </InlineField>
      </FieldSet>
      <FieldSet label="Automatic resolution">
        <InlineField
          label="Raw samples up to (hours)"
          labelWidth={LABEL_WIDTH}
          tooltip="With resolution auto, ranges up to this many hours read raw 5 s samples. Blank: the API decides (1 h)."
        >
          <Input
            id="config-raw-max"
            aria-label="Raw samples up to (hours)"
            type="number"
            min={0}
            width={12}
            value={jsonData.rawMaxRangeHours ?? ''}
            placeholder="1"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setJson({ rawMaxRangeHours: hours(e.target.value) })}
          />
        </InlineField>
        <InlineField
          label="Hourly rollups up to (hours)"
          labelWidth={LABEL_WIDTH}
          tooltip="With resolution auto, longer ranges up to this many hours read the hourly table; longer still, the daily one. Blank: the API decides (24 h)."
        >
          <Input
            id="config-hourly-max"
            aria-label="Hourly rollups up to (hours)"
            type="number"
            min={0}
            width={12}
            value={jsonData.hourlyMaxRangeHours ?? ''}
            placeholder="24"
            onChange={(e: ChangeEvent<HTMLInputElement>) => setJson({ hourlyMaxRangeHours: hours(e.target.value) })}
          />
        </InlineField>
      </FieldSet>
    </>
  );
}

import React, { useEffect, useMemo, useState } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import {
  Combobox,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  Stack,
  type ComboboxOption,
} from '@grafana/ui';
import type { DataSource } from '../datasource';
import { METRIC_INFO } from '../frames';
import { FleetFields } from './FleetFields';
import {
  CONTAINER_STATES,
  DEFAULT_LOG_LIMIT,
  EVENT_ACTIONS,
  METRICS,
  QUERY_TYPES,
  RESOLUTIONS,
  type DockpulseOptions,
  type DockpulseQuery,
  type EventAction,
  type LogStream,
  type Metric,
  type QueryType,
  type Resolution,
} from '../types';

type Props = QueryEditorProps<DataSource, DockpulseQuery, DockpulseOptions>;

const LABEL_WIDTH = 14;
const metricOptions: Array<ComboboxOption<Metric>> = METRICS.map((m) => ({
  value: m,
  label: METRIC_INFO[m].label,
  description: m,
}));
const resolutionOptions = RESOLUTIONS.map((r) => ({ value: r, label: r }));
const streamOptions: Array<SelectableValue<LogStream>> = [
  { value: 'all', label: 'all' },
  { value: 'stdout', label: 'stdout' },
  { value: 'stderr', label: 'stderr' },
];
const actionOptions: Array<ComboboxOption<EventAction>> = EVENT_ACTIONS.map((a) => ({ value: a, label: a }));
const stateOptions: Array<ComboboxOption<string>> = CONTAINER_STATES.map((s) => ({ value: s, label: s }));

/** Options from the API plus the dashboard's variables; a failed load leaves just the variables. */
function useOptions(
  load: () => Promise<string[]>,
  variables: string[],
  deps: unknown[]
): Array<ComboboxOption<string>> {
  const [values, setValues] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    load()
      .then((v) => live && setValues(v))
      .catch(() => live && setValues([]));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return useMemo(
    () => [...variables.map((v) => ({ value: v, label: v })), ...values.map((v) => ({ value: v, label: v }))],
    [values, variables]
  );
}

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: QueryType = query.queryType ?? 'stats';
  const variables = useMemo(() => datasource.getVariableNames(), [datasource]);

  const hostOptions = useOptions(async () => (await datasource.api.hosts()).map((h) => h.hostId), variables, [
    datasource,
  ]);
  const containerOptions = useOptions(
    async () => {
      const host = datasource.interpolate({ refId: 'picker', host: query.host }).host;
      const page = await datasource.api.containers({ host, limit: 1000 });
      return [...new Set(page.items.map((c) => c.name))].sort();
    },
    variables,
    [datasource, query.host]
  );

  /** Every field change goes through here: immutable update, then run. */
  const update = (patch: Partial<DockpulseQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  const text = (key: keyof DockpulseQuery) => ({
    value: (query[key] as string | undefined) ?? '',
    onChange: (e: React.FormEvent<HTMLInputElement>) => update({ [key]: e.currentTarget.value || undefined }, false),
    onBlur: () => onRunQuery(),
  });

  const hostField = (
    <InlineField
      label="Host"
      labelWidth={LABEL_WIDTH}
      htmlFor={`dockpulse-host-${query.refId}`}
      tooltip="Only this host; empty means every host"
    >
      <Combobox<string>
        id={`dockpulse-host-${query.refId}`}
        width={30}
        isClearable
        createCustomValue
        placeholder="all hosts"
        options={hostOptions}
        value={query.host ?? null}
        onChange={(v) => update({ host: v?.value || undefined })}
      />
    </InlineField>
  );
  const containersField = (
    <InlineField
      label="Containers"
      labelWidth={LABEL_WIDTH}
      htmlFor={`dockpulse-containers-${query.refId}`}
      tooltip="Names or ids; variables such as $container expand to every selected value"
    >
      <MultiCombobox<string>
        id={`dockpulse-containers-${query.refId}`}
        width={50}
        isClearable
        createCustomValue
        placeholder="all containers"
        options={containerOptions}
        value={query.containers ?? []}
        onChange={(v) => update({ containers: v.map((o) => o.value).filter(Boolean) })}
      />
    </InlineField>
  );
  const limitField = (
    <InlineField label="Limit" labelWidth={LABEL_WIDTH}>
      <Input
        aria-label="Limit"
        type="number"
        width={12}
        min={1}
        value={query.limit ?? ''}
        placeholder={queryType === 'logs' ? String(DEFAULT_LOG_LIMIT) : '50'}
        onChange={(e) => {
          const n = parseInt(e.currentTarget.value, 10);
          update({ limit: Number.isFinite(n) && n > 0 ? n : undefined }, false);
        }}
        onBlur={() => onRunQuery()}
      />
    </InlineField>
  );

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<QueryType>
            options={QUERY_TYPES.map((t) => ({ value: t.value, label: t.label, description: t.description }))}
            value={queryType}
            onChange={(v) => update({ queryType: v })}
          />
        </InlineField>
      </InlineFieldRow>

      {queryType === 'stats' && (
        <>
          <InlineFieldRow>
            <InlineField label="Metrics" labelWidth={LABEL_WIDTH} htmlFor={`dockpulse-metrics-${query.refId}`}>
              <MultiCombobox<Metric>
                id={`dockpulse-metrics-${query.refId}`}
                width={60}
                options={metricOptions}
                value={query.metrics ?? []}
                onChange={(v) => update({ metrics: v.map((o) => o.value) })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            {hostField}
            {containersField}
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField
              label="Resolution"
              labelWidth={LABEL_WIDTH}
              tooltip="auto: raw samples for short ranges, hourly or daily rollups for longer ones"
            >
              <RadioButtonGroup<Resolution>
                options={resolutionOptions}
                value={query.resolution ?? 'auto'}
                onChange={(v) => update({ resolution: v })}
              />
            </InlineField>
          </InlineFieldRow>
          <FleetFields query={query} labelWidth={LABEL_WIDTH} update={update} onRunQuery={onRunQuery} />
        </>
      )}

      {queryType === 'containers' && (
        <>
          <InlineFieldRow>
            {hostField}
            <InlineField label="State" labelWidth={LABEL_WIDTH} htmlFor={`dockpulse-state-${query.refId}`}>
              <Combobox<string>
                id={`dockpulse-state-${query.refId}`}
                width={20}
                isClearable
                placeholder="any"
                options={stateOptions}
                value={query.state ?? null}
                onChange={(v) => update({ state: v?.value || undefined })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <InlineField label="Name" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Name" width={24} placeholder="contains" {...text('name')} />
            </InlineField>
            <InlineField label="Image" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Image" width={24} placeholder="nginx or nginx:1.25" {...text('image')} />
            </InlineField>
            <InlineField label="Label" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Label" width={24} placeholder="key or key=value" {...text('label')} />
            </InlineField>
            {limitField}
          </InlineFieldRow>
        </>
      )}

      {(queryType === 'images' || queryType === 'imageVersions') && (
        <InlineFieldRow>
          {hostField}
          <InlineField label="Repository" labelWidth={LABEL_WIDTH}>
            <Input aria-label="Repository" width={30} placeholder="nginx" {...text('repository')} />
          </InlineField>
          {queryType === 'imageVersions' && (
            <InlineField label="Tag" labelWidth={LABEL_WIDTH}>
              <Input aria-label="Tag" width={16} placeholder="latest" {...text('tag')} />
            </InlineField>
          )}
          {queryType === 'images' && limitField}
        </InlineFieldRow>
      )}

      {queryType === 'logs' && (
        <>
          <InlineFieldRow>
            <InlineField label="Search" labelWidth={LABEL_WIDTH} grow>
              <Input aria-label="Search" placeholder="text the line contains" {...text('search')} />
            </InlineField>
            <InlineField label="Stream" labelWidth={LABEL_WIDTH}>
              <RadioButtonGroup<LogStream>
                options={streamOptions}
                value={query.stream ?? 'all'}
                onChange={(v) => update({ stream: v })}
              />
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            {hostField}
            {containersField}
            {limitField}
          </InlineFieldRow>
        </>
      )}

      {queryType === 'events' && (
        <>
          <InlineFieldRow>
            <InlineField label="Actions" labelWidth={LABEL_WIDTH} htmlFor={`dockpulse-actions-${query.refId}`}>
              <MultiCombobox<EventAction>
                id={`dockpulse-actions-${query.refId}`}
                width={50}
                placeholder="all actions"
                options={actionOptions}
                value={query.actions ?? []}
                onChange={(v) => update({ actions: v.map((o) => o.value) })}
              />
            </InlineField>
            <InlineField
              label="Deploys"
              labelWidth={LABEL_WIDTH}
              tooltip="Also mark when a tag starts pointing at a new image"
            >
              <InlineSwitch
                aria-label="Deploys"
                value={Boolean(query.includeDeploys)}
                onChange={(e) => update({ includeDeploys: e.currentTarget.checked })}
              />
            </InlineField>
            {query.includeDeploys && (
              <InlineField label="Repository" labelWidth={LABEL_WIDTH} tooltip="Only deploys of this image repository">
                <Input aria-label="Repository" width={24} placeholder="all repositories" {...text('repository')} />
              </InlineField>
            )}
          </InlineFieldRow>
          <InlineFieldRow>
            {hostField}
            {containersField}
          </InlineFieldRow>
        </>
      )}
    </Stack>
  );
}

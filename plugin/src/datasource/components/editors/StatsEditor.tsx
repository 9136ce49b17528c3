import React from 'react';
import { InlineField, InlineFieldRow, MultiCombobox, RadioButtonGroup, type ComboboxOption } from '@grafana/ui';
import { METRIC_INFO } from '../../frames';
import { METRICS, RESOLUTIONS, type Metric, type Resolution } from '../../types';
import { FleetFields } from '../FleetFields';
import { ContainersField, HostField, LABEL_WIDTH, type TypeEditorProps } from './fields';

const metricOptions: Array<ComboboxOption<Metric>> = METRICS.map((m) => ({
  value: m,
  label: METRIC_INFO[m].label,
  description: m,
}));
const resolutionOptions = RESOLUTIONS.map((r) => ({ value: r, label: r }));

/** Stats: metrics, which containers, the resolution, and the fleet fields (top N, series per). */
export function StatsEditor(props: TypeEditorProps) {
  const { query, update, onRunQuery } = props;
  return (
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
        <HostField {...props} />
        <ContainersField {...props} />
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
  );
}

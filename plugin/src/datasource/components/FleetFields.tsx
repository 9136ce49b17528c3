import React from 'react';
import { Combobox, InlineField, InlineFieldRow, Input, RadioButtonGroup, type ComboboxOption } from '@grafana/ui';
import { METRIC_INFO } from '../frames';
import { GROUPABLE_METRICS, METRICS, type DockpulseQuery, type GroupBy, type Metric, type RankAgg } from '../types';

interface Props {
  query: DockpulseQuery;
  labelWidth: number;
  /** Immutable update of the query; run = whether to run it at once. */
  update: (patch: Partial<DockpulseQuery>, run?: boolean) => void;
  onRunQuery: () => void;
}

const groupOptions: Array<{ value: GroupBy | 'none'; label: string; description: string }> = [
  { value: 'none', label: 'container', description: 'One series per container' },
  { value: 'host', label: 'host', description: 'One series per host: bytes and rates summed, percentages averaged' },
  { value: 'project', label: 'project', description: 'One series per compose project' },
];
const aggOptions: Array<{ value: RankAgg; label: string; description: string }> = [
  { value: 'avg', label: 'avg', description: 'Rank by the average over the time range' },
  { value: 'max', label: 'max', description: 'Rank by the highest point in the time range' },
];

/** Stats queries over a fleet: how many series (top N, ranked by a metric) and how they group. */
export function FleetFields({ query, labelWidth, update, onRunQuery }: Props) {
  const grouped = query.groupBy !== undefined;
  const rankable = grouped ? GROUPABLE_METRICS : METRICS;
  const byOptions: Array<ComboboxOption<Metric>> = rankable.map((m) => ({
    value: m,
    label: METRIC_INFO[m].label,
    description: m,
  }));
  const firstMetric = query.metrics?.[0];
  return (
    <InlineFieldRow>
      <InlineField
        label="Top"
        labelWidth={labelWidth}
        tooltip="Only the N highest series over the time range; empty: every selected container (at most the API's STATS_MAX_SERIES when none is selected)"
      >
        <Input
          aria-label="Top"
          type="number"
          width={10}
          min={1}
          placeholder="all"
          value={query.top ?? ''}
          onChange={(e) => {
            const n = parseInt(e.currentTarget.value, 10);
            update({ top: Number.isFinite(n) && n > 0 ? n : undefined }, false);
          }}
          onBlur={() => onRunQuery()}
        />
      </InlineField>
      {query.top !== undefined && (
        <>
          <InlineField label="Rank by" labelWidth={labelWidth} htmlFor={`dockpulse-by-${query.refId}`}>
            <Combobox<Metric>
              id={`dockpulse-by-${query.refId}`}
              width={24}
              isClearable
              placeholder={firstMetric ? METRIC_INFO[firstMetric].label : 'first metric'}
              options={byOptions}
              value={query.by ?? null}
              onChange={(v) => update({ by: v?.value || undefined })}
            />
          </InlineField>
          <InlineField label="Rank on" labelWidth={10}>
            <RadioButtonGroup<RankAgg>
              options={aggOptions}
              value={query.agg ?? 'avg'}
              onChange={(v) => update({ agg: v })}
            />
          </InlineField>
        </>
      )}
      <InlineField label="Series per" labelWidth={labelWidth}>
        <RadioButtonGroup<GroupBy | 'none'>
          options={groupOptions}
          value={query.groupBy ?? 'none'}
          onChange={(v) => update({ groupBy: v === 'none' ? undefined : v })}
        />
      </InlineField>
    </InlineFieldRow>
  );
}

import React from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineSwitch, Input, RadioButtonGroup, Stack } from '@grafana/ui';
import type {
  DockpulseOptions,
  DockpulseQuery,
  DockpulseVariableQuery,
  VariableDataSource,
  VariableQueryType,
} from '../types';

type Props = QueryEditorProps<VariableDataSource, DockpulseQuery, DockpulseOptions, DockpulseVariableQuery>;

const TYPES: Array<{ value: VariableQueryType; label: string }> = [
  { value: 'hosts', label: 'Hosts' },
  { value: 'containers', label: 'Containers' },
  { value: 'images', label: 'Images' },
];

export function VariableQueryEditor({ query, onChange }: Props) {
  const current: DockpulseVariableQuery = { ...query, refId: query.refId ?? 'var', type: query.type ?? 'containers' };
  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Values" labelWidth={16}>
        <RadioButtonGroup<VariableQueryType>
          options={TYPES}
          value={current.type}
          onChange={(type) => onChange({ ...current, type })}
        />
      </InlineField>
      {current.type === 'containers' && (
        <>
          <InlineField
            label="Host"
            labelWidth={16}
            tooltip="Only containers of this host; a variable such as $host works"
          >
            <Input
              aria-label="Host"
              width={30}
              value={current.host ?? ''}
              placeholder="all hosts"
              onChange={(e) => onChange({ ...current, host: e.currentTarget.value || undefined })}
            />
          </InlineField>
          <InlineField label="Include stopped" labelWidth={16}>
            <InlineSwitch
              aria-label="Include stopped"
              value={Boolean(current.includeStopped)}
              onChange={(e) => onChange({ ...current, includeStopped: e.currentTarget.checked })}
            />
          </InlineField>
        </>
      )}
    </Stack>
  );
}

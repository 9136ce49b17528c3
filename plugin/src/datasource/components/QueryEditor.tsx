import React, { type ComponentType } from 'react';
import type { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, Stack } from '@grafana/ui';
import type { DataSource } from '../datasource';
import { QUERY_TYPES, type DockpulseOptions, type DockpulseQuery, type QueryType } from '../types';
import { ContainersEditor } from './editors/ContainersEditor';
import { EventsEditor } from './editors/EventsEditor';
import { LABEL_WIDTH, type TypeEditorProps } from './editors/fields';
import { ImagesEditor, ImageVersionsEditor } from './editors/ImagesEditor';
import { LogsEditor } from './editors/LogsEditor';
import { StatsEditor } from './editors/StatsEditor';

type Props = QueryEditorProps<DataSource, DockpulseQuery, DockpulseOptions>;

/** The fields of each query type; a new type adds its editor here. */
const EDITORS: Record<QueryType, ComponentType<TypeEditorProps>> = {
  stats: StatsEditor,
  containers: ContainersEditor,
  images: ImagesEditor,
  imageVersions: ImageVersionsEditor,
  logs: LogsEditor,
  events: EventsEditor,
};

const typeOptions = QUERY_TYPES.map((t) => ({ value: t.value, label: t.label, description: t.description }));

/** The query type, then the editor of that type. */
export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const queryType: QueryType = query.queryType ?? 'stats';
  // A type this version does not know (a query saved by another) shows no fields, only the choice.
  const Editor: ComponentType<TypeEditorProps> | undefined = EDITORS[queryType];
  const update = (patch: Partial<DockpulseQuery>, run = true) => {
    onChange({ ...query, ...patch });
    if (run) {
      onRunQuery();
    }
  };
  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH}>
          <RadioButtonGroup<QueryType>
            options={typeOptions}
            value={queryType}
            onChange={(v) => update({ queryType: v })}
          />
        </InlineField>
      </InlineFieldRow>
      {Editor && <Editor query={query} datasource={datasource} update={update} onRunQuery={onRunQuery} />}
    </Stack>
  );
}

import React from 'react';
import type { SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, RadioButtonGroup } from '@grafana/ui';
import { DEFAULT_LOG_LIMIT, LOG_STREAM_CHOICES, type LogStream } from '../../types';
import { ContainersField, HostField, LABEL_WIDTH, LimitField, textProps, type TypeEditorProps } from './fields';

const streamOptions: Array<SelectableValue<LogStream>> = LOG_STREAM_CHOICES.map((s) => ({ value: s, label: s }));

/** Logs: text the line contains, stream, which containers and how many lines. */
export function LogsEditor(props: TypeEditorProps) {
  const { query, update } = props;
  return (
    <>
      <InlineFieldRow>
        <InlineField label="Search" labelWidth={LABEL_WIDTH} grow>
          <Input aria-label="Search" placeholder="text the line contains" {...textProps(props, 'search')} />
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
        <HostField {...props} />
        <ContainersField {...props} />
        <LimitField {...props} placeholder={String(DEFAULT_LOG_LIMIT)} />
      </InlineFieldRow>
    </>
  );
}

import React from 'react';
import { Combobox, InlineField, InlineFieldRow, Input, type ComboboxOption } from '@grafana/ui';
import { CONTAINER_STATES } from '../../types';
import { HostField, LABEL_WIDTH, LimitField, textProps, type TypeEditorProps } from './fields';

const stateOptions: Array<ComboboxOption<string>> = CONTAINER_STATES.map((s) => ({ value: s, label: s }));

/** Containers table: host, state, name, image, label and how many rows. */
export function ContainersEditor(props: TypeEditorProps) {
  const { query, update } = props;
  return (
    <>
      <InlineFieldRow>
        <HostField {...props} />
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
          <Input aria-label="Name" width={24} placeholder="contains" {...textProps(props, 'name')} />
        </InlineField>
        <InlineField label="Image" labelWidth={LABEL_WIDTH}>
          <Input aria-label="Image" width={24} placeholder="nginx or nginx:1.25" {...textProps(props, 'image')} />
        </InlineField>
        <InlineField label="Label" labelWidth={LABEL_WIDTH}>
          <Input aria-label="Label" width={24} placeholder="key or key=value" {...textProps(props, 'label')} />
        </InlineField>
        <LimitField {...props} placeholder="50" />
      </InlineFieldRow>
    </>
  );
}

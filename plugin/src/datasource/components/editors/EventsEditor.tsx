import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, Input, MultiCombobox, type ComboboxOption } from '@grafana/ui';
import { EVENT_ACTIONS, type EventAction } from '../../types';
import { ContainersField, HostField, LABEL_WIDTH, textProps, type TypeEditorProps } from './fields';

const actionOptions: Array<ComboboxOption<EventAction>> = EVENT_ACTIONS.map((a) => ({ value: a, label: a }));

/** Events: which actions, whether deploys (and of which repository) too, and which containers. */
export function EventsEditor(props: TypeEditorProps) {
  const { query, update } = props;
  return (
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
            <Input
              aria-label="Repository"
              width={24}
              placeholder="all repositories"
              {...textProps(props, 'repository')}
            />
          </InlineField>
        )}
      </InlineFieldRow>
      <InlineFieldRow>
        <HostField {...props} />
        <ContainersField {...props} />
      </InlineFieldRow>
    </>
  );
}

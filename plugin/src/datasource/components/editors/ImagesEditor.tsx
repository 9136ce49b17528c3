import React from 'react';
import { InlineField, InlineFieldRow, Input } from '@grafana/ui';
import { HostField, LABEL_WIDTH, LimitField, textProps, type TypeEditorProps } from './fields';

function RepositoryField(props: TypeEditorProps) {
  return (
    <InlineField label="Repository" labelWidth={LABEL_WIDTH}>
      <Input aria-label="Repository" width={30} placeholder="nginx" {...textProps(props, 'repository')} />
    </InlineField>
  );
}

/** Images table: host, repository and how many rows. */
export function ImagesEditor(props: TypeEditorProps) {
  return (
    <InlineFieldRow>
      <HostField {...props} />
      <RepositoryField {...props} />
      <LimitField {...props} placeholder="50" />
    </InlineFieldRow>
  );
}

/** Image versions: host, repository and tag. */
export function ImageVersionsEditor(props: TypeEditorProps) {
  return (
    <InlineFieldRow>
      <HostField {...props} />
      <RepositoryField {...props} />
      <InlineField label="Tag" labelWidth={LABEL_WIDTH}>
        <Input aria-label="Tag" width={16} placeholder="latest" {...textProps(props, 'tag')} />
      </InlineField>
    </InlineFieldRow>
  );
}

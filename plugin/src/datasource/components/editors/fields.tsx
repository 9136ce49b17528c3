// What the per-type query editors share: their props, the label width, and the fields several of
// them show (host, containers, limit, free text).
import React, { useEffect, useMemo, useState } from 'react';
import { Combobox, InlineField, Input, MultiCombobox, type ComboboxOption } from '@grafana/ui';
import type { DataSource } from '../../datasource';
import type { DockpulseQuery } from '../../types';

export const LABEL_WIDTH = 14;

/** What QueryEditor hands the editor of the chosen query type. */
export interface TypeEditorProps {
  query: DockpulseQuery;
  datasource: DataSource;
  /** Every field change goes through here: immutable update, then run unless run is false. */
  update: (patch: Partial<DockpulseQuery>, run?: boolean) => void;
  onRunQuery: () => void;
}

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

function useVariables(datasource: DataSource): string[] {
  return useMemo(() => datasource.getVariableNames(), [datasource]);
}

/** A text field of the query: updates as one types, runs the query when the field is left. */
export function textProps(
  { query, update, onRunQuery }: TypeEditorProps,
  key: 'name' | 'image' | 'label' | 'repository' | 'tag' | 'search'
) {
  return {
    value: query[key] ?? '',
    onChange: (e: React.FormEvent<HTMLInputElement>) => update({ [key]: e.currentTarget.value || undefined }, false),
    onBlur: () => onRunQuery(),
  };
}

export function HostField({ query, datasource, update }: TypeEditorProps) {
  const variables = useVariables(datasource);
  const options = useOptions(async () => (await datasource.api.hosts()).map((h) => h.hostId), variables, [datasource]);
  return (
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
        options={options}
        value={query.host ?? null}
        onChange={(v) => update({ host: v?.value || undefined })}
      />
    </InlineField>
  );
}

/** Container names of the chosen host (all hosts when none), plus the dashboard's variables. */
export function ContainersField({ query, datasource, update }: TypeEditorProps) {
  const variables = useVariables(datasource);
  const options = useOptions(
    async () => {
      const host = datasource.interpolate({ refId: 'picker', host: query.host }).host;
      const page = await datasource.api.containers({ host, limit: 1000 });
      return [...new Set(page.items.map((c) => c.name))].sort();
    },
    variables,
    [datasource, query.host]
  );
  return (
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
        options={options}
        value={query.containers ?? []}
        onChange={(v) => update({ containers: v.map((o) => o.value).filter(Boolean) })}
      />
    </InlineField>
  );
}

/** How many rows or lines; placeholder is the default the API or the datasource applies. */
export function LimitField({ query, update, onRunQuery, placeholder }: TypeEditorProps & { placeholder: string }) {
  return (
    <InlineField label="Limit" labelWidth={LABEL_WIDTH}>
      <Input
        aria-label="Limit"
        type="number"
        width={12}
        min={1}
        value={query.limit ?? ''}
        placeholder={placeholder}
        onChange={(e) => {
          const n = parseInt(e.currentTarget.value, 10);
          update({ limit: Number.isFinite(n) && n > 0 ? n : undefined }, false);
        }}
        onBlur={() => onRunQuery()}
      />
    </InlineField>
  );
}

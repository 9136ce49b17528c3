import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Badge,
  Combobox,
  InlineField,
  InlineFieldRow,
  Input,
  InteractiveTable,
  TextLink,
  useStyles2,
  type BadgeColor,
  type Column,
} from '@grafana/ui';
import { LoadState } from '../components/LoadState';
import { containerDashboardLink } from '../constants';
import type { ContainerItem } from '../datasource/api';
import { CONTAINER_STATES } from '../datasource/types';
import { formatBytes, formatPercent } from './format';
import { useContainerRows, useHostOptions, type ContainerFilters, type ContainerRow } from './useContainerRows';

const STATE_COLORS: Record<string, BadgeColor> = {
  running: 'green',
  restarting: 'orange',
  paused: 'blue',
  exited: 'red',
  dead: 'red',
};
const HEALTH_COLORS: Record<string, BadgeColor> = { healthy: 'green', unhealthy: 'red', starting: 'orange' };

export function containerDashboardUrl(c: Pick<ContainerItem, 'name' | 'hostId'>): string {
  return containerDashboardLink(encodeURIComponent(c.hostId), encodeURIComponent(c.name));
}

function memoryText(row: ContainerRow): string {
  if (row.memUsedBytes === null) {
    return '-';
  }
  const limit = row.memLimit ?? row.memLimitBytes ?? null;
  if (!limit) {
    return `${formatBytes(row.memUsedBytes)} (no limit)`;
  }
  return `${formatBytes(row.memUsedBytes)} / ${formatBytes(limit)} (${formatPercent((row.memUsedBytes / limit) * 100)})`;
}

const columns: Array<Column<ContainerRow>> = [
  {
    id: 'name',
    header: 'Name',
    cell: ({ row }) => (
      <TextLink href={containerDashboardUrl(row.original)} inline={false}>
        {row.original.name}
      </TextLink>
    ),
  },
  { id: 'hostId', header: 'Host' },
  {
    id: 'state',
    header: 'State',
    cell: ({ row }) => <Badge text={row.original.state} color={STATE_COLORS[row.original.state] ?? 'purple'} />,
  },
  {
    id: 'health',
    header: 'Health',
    cell: ({ row }) =>
      row.original.health ? (
        <Badge text={row.original.health} color={HEALTH_COLORS[row.original.health] ?? 'blue'} />
      ) : (
        '-'
      ),
  },
  { id: 'cpuPercent', header: 'CPU', cell: ({ row }) => formatPercent(row.original.cpuPercent) },
  { id: 'memUsedBytes', header: 'Memory / limit', cell: ({ row }) => memoryText(row.original) },
  { id: 'restartCount', header: 'Restarts', cell: ({ row }) => String(row.original.restartCount ?? 0) },
  { id: 'image', header: 'Image', cell: ({ row }) => row.original.image ?? '-' },
];

export function ContainersOverview() {
  const styles = useStyles2(getStyles);
  const [filters, setFilters] = useState<ContainerFilters>({});
  const [nameText, setNameText] = useState('');
  const hosts = useHostOptions();
  const result = useContainerRows(filters);

  // Typing in the name filter waits for a pause before asking the API.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => ({ ...f, name: nameText.trim() || undefined })), 250);
    return () => clearTimeout(timer);
  }, [nameText]);

  return (
    <div className={styles.page}>
      <InlineFieldRow>
        <InlineField label="Host" htmlFor="containers-host">
          <Combobox<string>
            id="containers-host"
            width={30}
            isClearable
            placeholder="all hosts"
            options={hosts}
            value={filters.host ?? null}
            onChange={(o) => setFilters((f) => ({ ...f, host: o?.value || undefined }))}
          />
        </InlineField>
        <InlineField label="State" htmlFor="containers-state">
          <Combobox<string>
            id="containers-state"
            width={20}
            isClearable
            placeholder="any state"
            options={CONTAINER_STATES.map((s) => ({ value: s, label: s }))}
            value={filters.state ?? null}
            onChange={(o) => setFilters((f) => ({ ...f, state: o?.value || undefined }))}
          />
        </InlineField>
        <InlineField label="Name">
          <Input
            aria-label="Name"
            width={30}
            placeholder="contains"
            value={nameText}
            onChange={(e) => setNameText(e.currentTarget.value)}
          />
        </InlineField>
      </InlineFieldRow>
      <LoadState what="containers" error={result.error} items={result.rows} emptyMessage="No containers match these filters">
        {(rows) => (
          <>
            <InteractiveTable<ContainerRow>
              columns={columns}
              data={rows}
              getRowId={(r) => `${r.hostId}/${r.containerId}`}
              pageSize={50}
            />
            {result.total !== undefined && result.total > rows.length && (
              <div className={styles.note}>
                Showing {rows.length} of {result.total} containers: narrow the filters to see the rest.
              </div>
            )}
          </>
        )}
      </LoadState>
    </div>
  );
}

export default function ContainersPage() {
  return (
    <PluginPage>
      <ContainersOverview />
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  note: css({ color: theme.colors.text.secondary }),
});

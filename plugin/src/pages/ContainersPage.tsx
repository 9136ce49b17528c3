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
  type ComboboxOption,
} from '@grafana/ui';
import { useApi } from '../api/ApiContext';
import { LoadState } from '../components/LoadState';
import { containerDashboardLink } from '../constants';
import type { ContainerItem } from '../datasource/api';
import { CONTAINER_STATES } from '../datasource/types';
import { formatBytes, formatPercent, lastValue } from './format';

/** One row of the overview: the container and its latest CPU and memory sample. */
export interface ContainerRow extends ContainerItem {
  cpuPercent: number | null;
  memUsedBytes: number | null;
  memLimit: number | null;
}

const PAGE_LIMIT = 200;
/** The latest sample is read from the last few minutes of raw stats (collector samples every 5 s). */
const LATEST_WINDOW_MS = 3 * 60_000;

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

export interface ContainerFilters {
  host?: string;
  state?: string;
  name?: string;
}

export function ContainersOverview() {
  const api = useApi();
  const styles = useStyles2(getStyles);
  const [filters, setFilters] = useState<ContainerFilters>({});
  const [nameText, setNameText] = useState('');
  const [hosts, setHosts] = useState<Array<ComboboxOption<string>>>([]);
  const [result, setResult] = useState<{ rows?: ContainerRow[]; total?: number; error?: string }>({});

  useEffect(() => {
    api
      .hosts()
      .then((list) => setHosts(list.map((h) => ({ value: h.hostId, label: h.name || h.hostId }))))
      .catch(() => setHosts([]));
  }, [api]);

  // Typing in the name filter waits for a pause before asking the API.
  useEffect(() => {
    const timer = setTimeout(() => setFilters((f) => ({ ...f, name: nameText.trim() || undefined })), 250);
    return () => clearTimeout(timer);
  }, [nameText]);

  useEffect(() => {
    let live = true;
    (async () => {
      const page = await api.containers({ ...filters, limit: PAGE_LIMIT });
      const rows: ContainerRow[] = page.items.map((c) => ({
        ...c,
        cpuPercent: null,
        memUsedBytes: null,
        memLimit: null,
      }));
      const running = rows.filter((r) => r.state === 'running');
      if (running.length) {
        const now = Date.now();
        const stats = await api
          .stats({
            containers: [...new Set(running.map((r) => r.containerId))],
            host: filters.host,
            fromMs: now - LATEST_WINDOW_MS,
            toMs: now,
            metrics: ['cpu_percent', 'mem_used_bytes', 'mem_limit_bytes'],
            resolution: 'raw',
          })
          .catch(() => null); // the list is still worth showing without the latest numbers
        for (const s of stats?.series ?? []) {
          const row = rows.find((r) => r.containerId === s.containerId && r.hostId === s.hostId);
          if (!row) {
            continue;
          }
          const value = lastValue(s.points);
          if (s.metric === 'cpu_percent') {
            row.cpuPercent = value;
          } else if (s.metric === 'mem_used_bytes') {
            row.memUsedBytes = value;
          } else if (s.metric === 'mem_limit_bytes') {
            row.memLimit = value;
          }
        }
      }
      return { rows, total: page.total };
    })()
      .then((r) => live && setResult(r))
      .catch((e: Error) => live && setResult({ error: e.message }));
    return () => {
      live = false;
    };
  }, [api, filters]);

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

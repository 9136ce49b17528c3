// The containers page's data: the host picker's options, and the containers matching the filters
// with each running one's latest CPU and memory sample.
import { useEffect, useState } from 'react';
import type { ComboboxOption } from '@grafana/ui';
import { useApi, type PagesApi } from '../api/ApiContext';
import type { ContainerItem } from '../datasource/api';
import { lastValue } from './format';

/** One row of the overview: the container and its latest CPU and memory sample. */
export interface ContainerRow extends ContainerItem {
  cpuPercent: number | null;
  memUsedBytes: number | null;
  memLimit: number | null;
}

export interface ContainerFilters {
  host?: string;
  state?: string;
  name?: string;
}

/** What LoadState shows: rows (undefined while loading) or the error; total is the API's count. */
export interface ContainerRows {
  rows?: ContainerRow[];
  total?: number;
  error?: string;
}

const PAGE_LIMIT = 200;
/** The latest sample is read from the last few minutes of raw stats (collector samples every 5 s). */
const LATEST_WINDOW_MS = 3 * 60_000;

/** The hosts as picker options (name shown, id as the value); none when they cannot be loaded. */
export function useHostOptions(): Array<ComboboxOption<string>> {
  const api = useApi();
  const [hosts, setHosts] = useState<Array<ComboboxOption<string>>>([]);
  useEffect(() => {
    api
      .hosts()
      .then((list) => setHosts(list.map((h) => ({ value: h.hostId, label: h.name || h.hostId }))))
      .catch(() => setHosts([]));
  }, [api]);
  return hosts;
}

/** The containers matching the filters, loaded again whenever the filters change. */
export function useContainerRows(filters: ContainerFilters): ContainerRows {
  const api = useApi();
  const [result, setResult] = useState<ContainerRows>({});
  useEffect(() => {
    let live = true;
    loadRows(api, filters)
      .then((r) => live && setResult(r))
      .catch((e: Error) => live && setResult({ error: e.message }));
    return () => {
      live = false;
    };
  }, [api, filters]);
  return result;
}

async function loadRows(api: PagesApi, filters: ContainerFilters): Promise<ContainerRows> {
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
}

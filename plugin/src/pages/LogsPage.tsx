import React, { useCallback, useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { getDefaultTimeRange, rangeUtil, type GrafanaTheme2, type TimeRange } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  EmptyState,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  LoadingPlaceholder,
  MultiCombobox,
  RadioButtonGroup,
  TimeRangeInput,
  useStyles2,
  type ComboboxOption,
} from '@grafana/ui';
import { useApi } from '../api/ApiContext';
import type { LogItem, LogsRequest } from '../datasource/api';
import { logId } from '../datasource/frames';
import type { LogStream } from '../datasource/types';
import { shortId } from './format';

const PAGE_SIZE = 200;
/** How many lines the viewer keeps while tailing; older ones fall off the bottom. */
const MAX_LINES = 2000;

export interface LogSearch {
  q?: string;
  containers: string[];
  stream: LogStream;
  range: TimeRange;
}

/** Absolute milliseconds of a (possibly relative, e.g. now-1h) range, evaluated now. */
function rangeMs(range: TimeRange): { fromMs: number; toMs: number } {
  const abs = rangeUtil.convertRawToRange(range.raw);
  return { fromMs: abs.from.valueOf(), toMs: abs.to.valueOf() };
}

function request(search: LogSearch, extra: Partial<LogsRequest>): LogsRequest {
  return {
    ...rangeMs(search.range),
    q: search.q || undefined,
    containers: search.containers.length ? search.containers : undefined,
    stream: search.stream === 'all' ? undefined : search.stream,
    limit: PAGE_SIZE,
    ...extra,
  };
}

/** New lines first, each line once (the tail's window overlaps what is already shown). */
export function mergeLines(newer: LogItem[], shown: LogItem[]): LogItem[] {
  const seen = new Set(shown.map(logId));
  const fresh = newer.filter((l) => !seen.has(logId(l)));
  return [...fresh, ...shown].slice(0, MAX_LINES);
}

export function LogViewer({ tailIntervalMs = 2000 }: { tailIntervalMs?: number }) {
  const api = useApi();
  const styles = useStyles2(getStyles);
  const [searchText, setSearchText] = useState('');
  const [search, setSearch] = useState<LogSearch>({ containers: [], stream: 'all', range: getDefaultTimeRange() });
  const [containerOptions, setContainerOptions] = useState<Array<ComboboxOption<string>>>([]);
  const [lines, setLines] = useState<LogItem[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const [tail, setTail] = useState(false);
  const linesRef = useRef<LogItem[]>([]);
  useEffect(() => {
    linesRef.current = lines ?? [];
  }, [lines]);

  /** Every change of what to search for starts over from the newest matching lines. */
  const updateSearch = useCallback((patch: Partial<LogSearch>) => {
    setLines(undefined);
    setError(undefined);
    setSearch((s) => ({ ...s, ...patch }));
  }, []);

  useEffect(() => {
    api
      .containers({ limit: 1000 })
      .then((page) =>
        setContainerOptions([...new Set(page.items.map((c) => c.name))].sort().map((n) => ({ value: n, label: n })))
      )
      .catch(() => setContainerOptions([]));
  }, [api]);

  useEffect(() => {
    const q = searchText.trim() || undefined;
    const timer = setTimeout(() => {
      if (q !== search.q) {
        updateSearch({ q });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [searchText, search.q, updateSearch]);

  // A new search starts from the newest matching lines.
  useEffect(() => {
    let live = true;
    api
      .logs(request(search, {}))
      .then((answer) => {
        if (live) {
          setLines(answer.items);
          setCursor(answer.nextCursor);
        }
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
    };
  }, [api, search]);

  // Live tail: poll for lines since the newest one shown, up to now.
  useEffect(() => {
    if (!tail) {
      return;
    }
    let busy = false;
    const timer = setInterval(async () => {
      if (busy) {
        return;
      }
      busy = true;
      try {
        const newest = linesRef.current[0];
        const { fromMs } = rangeMs(search.range);
        const since = newest ? Math.max(fromMs, Date.parse(newest.time)) : fromMs;
        const answer = await api.logs(request(search, { fromMs: since, toMs: Date.now() + 1000, limit: 1000 }));
        setLines((shown) => mergeLines(answer.items, shown ?? []));
        setError(undefined);
      } catch (e) {
        setError((e as Error).message);
      } finally {
        busy = false;
      }
    }, tailIntervalMs);
    return () => clearInterval(timer);
  }, [api, search, tail, tailIntervalMs]);

  const loadOlder = useCallback(async () => {
    if (!cursor) {
      return;
    }
    try {
      const answer = await api.logs(request(search, { cursor }));
      setLines((shown) => [...(shown ?? []), ...answer.items]);
      setCursor(answer.nextCursor);
    } catch (e) {
      setError((e as Error).message);
    }
  }, [api, cursor, search]);

  return (
    <div className={styles.page}>
      <InlineFieldRow>
        <InlineField label="Search" grow>
          <Input
            aria-label="Search"
            placeholder="text the line contains"
            value={searchText}
            onChange={(e) => setSearchText(e.currentTarget.value)}
          />
        </InlineField>
        <InlineField label="Time range">
          <TimeRangeInput value={search.range} onChange={(range) => updateSearch({ range })} hideTimeZone />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Containers" htmlFor="logs-containers">
          <MultiCombobox<string>
            id="logs-containers"
            width={50}
            isClearable
            placeholder="all containers"
            options={containerOptions}
            value={search.containers}
            onChange={(items) => updateSearch({ containers: items.map((i) => i.value) })}
          />
        </InlineField>
        <InlineField label="Stream">
          <RadioButtonGroup<LogStream>
            options={[
              { value: 'all', label: 'all' },
              { value: 'stdout', label: 'stdout' },
              { value: 'stderr', label: 'stderr' },
            ]}
            value={search.stream}
            onChange={(stream) => updateSearch({ stream })}
          />
        </InlineField>
        <InlineField label="Live tail" htmlFor="logs-tail">
          <InlineSwitch
            id="logs-tail"
            aria-label="Live tail"
            value={tail}
            onChange={(e) => setTail(e.currentTarget.checked)}
          />
        </InlineField>
      </InlineFieldRow>
      {error && (
        <Alert severity="error" title="Could not load logs">
          {error}
        </Alert>
      )}
      {!lines && !error ? (
        <LoadingPlaceholder text="Loading logs..." />
      ) : lines && lines.length === 0 ? (
        <EmptyState variant="not-found" message="No log lines match" />
      ) : (
        lines && (
          <div className={styles.lines} role="log" aria-label="Log lines">
            {lines.map((l) => (
              <div key={logId(l)} className={l.stream === 'stderr' ? styles.stderr : undefined}>
                <span className={styles.meta}>{l.time.replace('T', ' ').slice(0, 23)}</span>{' '}
                <span className={styles.meta}>{l.containerName ?? shortId(l.containerId)}</span>{' '}
                <span className={styles.meta}>{l.stream}</span> <span>{l.message}</span>
              </div>
            ))}
            {cursor && (
              <Button variant="secondary" size="sm" onClick={loadOlder}>
                Load older lines
              </Button>
            )}
          </div>
        )
      )}
    </div>
  );
}

export default function LogsPage() {
  return (
    <PluginPage>
      <LogViewer />
    </PluginPage>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  page: css({ display: 'flex', flexDirection: 'column', gap: theme.spacing(2) }),
  lines: css({
    fontFamily: theme.typography.fontFamilyMonospace,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'pre-wrap',
  }),
  meta: css({ color: theme.colors.text.secondary }),
  stderr: css({ color: theme.colors.error.text }),
});

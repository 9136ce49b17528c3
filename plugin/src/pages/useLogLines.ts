// The log viewer's data: the lines of the current search (newest first, older ones on request),
// the live tail that adds new lines, and the container picker's options.
import { useCallback, useEffect, useRef, useState } from 'react';
import { getDefaultTimeRange, rangeUtil, type TimeRange } from '@grafana/data';
import type { ComboboxOption } from '@grafana/ui';
import { useApi } from '../api/ApiContext';
import type { LogItem, LogsRequest } from '../datasource/api';
import { logId } from '../datasource/frames';
import type { LogStream } from '../datasource/types';

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

export interface LogLines {
  search: LogSearch;
  /** Every change of what to search for starts over from the newest matching lines. */
  updateSearch: (patch: Partial<LogSearch>) => void;
  /** undefined while the search loads. */
  lines?: LogItem[];
  /** Where older lines continue; null when there are none. */
  cursor: string | null;
  error?: string;
  loadOlder: () => Promise<void>;
}

/** The lines of a search over Grafana's default range; with tail, polled every tailIntervalMs. */
export function useLogLines({ tail, tailIntervalMs }: { tail: boolean; tailIntervalMs: number }): LogLines {
  const api = useApi();
  const [search, setSearch] = useState<LogSearch>({ containers: [], stream: 'all', range: getDefaultTimeRange() });
  const [lines, setLines] = useState<LogItem[] | undefined>();
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | undefined>();
  const linesRef = useRef<LogItem[]>([]);
  useEffect(() => {
    linesRef.current = lines ?? [];
  }, [lines]);

  const updateSearch = useCallback((patch: Partial<LogSearch>) => {
    setLines(undefined);
    setError(undefined);
    setSearch((s) => ({ ...s, ...patch }));
  }, []);

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

  return { search, updateSearch, lines, cursor, error, loadOlder };
}

/** Every container name (of any host) as picker options; none when they cannot be loaded. */
export function useContainerNameOptions(): Array<ComboboxOption<string>> {
  const api = useApi();
  const [options, setOptions] = useState<Array<ComboboxOption<string>>>([]);
  useEffect(() => {
    api
      .containers({ limit: 1000 })
      .then((page) =>
        setOptions([...new Set(page.items.map((c) => c.name))].sort().map((n) => ({ value: n, label: n })))
      )
      .catch(() => setOptions([]));
  }, [api]);
  return options;
}

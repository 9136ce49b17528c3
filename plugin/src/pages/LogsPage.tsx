import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import type { GrafanaTheme2 } from '@grafana/data';
import { PluginPage } from '@grafana/runtime';
import {
  Alert,
  Button,
  InlineField,
  InlineFieldRow,
  InlineSwitch,
  Input,
  MultiCombobox,
  RadioButtonGroup,
  TimeRangeInput,
  useStyles2,
} from '@grafana/ui';
import { LoadState } from '../components/LoadState';
import { logId } from '../datasource/frames';
import { LOG_STREAM_CHOICES, type LogStream } from '../datasource/types';
import { shortId } from './format';
import { useContainerNameOptions, useLogLines } from './useLogLines';

export function LogViewer({ tailIntervalMs = 2000 }: { tailIntervalMs?: number }) {
  const styles = useStyles2(getStyles);
  const [searchText, setSearchText] = useState('');
  const [tail, setTail] = useState(false);
  const { search, updateSearch, lines, cursor, error, loadOlder } = useLogLines({ tail, tailIntervalMs });
  const containerOptions = useContainerNameOptions();

  // Typing in the search waits for a pause before asking the API.
  useEffect(() => {
    const q = searchText.trim() || undefined;
    const timer = setTimeout(() => {
      if (q !== search.q) {
        updateSearch({ q });
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [searchText, search.q, updateSearch]);

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
            options={LOG_STREAM_CHOICES.map((s) => ({ value: s, label: s }))}
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
      {/* An error once lines are shown (the tail, older lines) goes above them; before, LoadState shows it. */}
      {error && lines && (
        <Alert severity="error" title="Could not load logs">
          {error}
        </Alert>
      )}
      <LoadState what="logs" error={lines ? undefined : error} items={lines} emptyMessage="No log lines match">
        {(shown) => (
          <div className={styles.lines} role="log" aria-label="Log lines">
            {shown.map((l) => (
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
        )}
      </LoadState>
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

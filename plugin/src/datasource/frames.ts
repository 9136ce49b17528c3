// The one place where API answers become data frames. If the API's field names change, this
// file (and the answer types in api.ts) are what to adjust.
import {
  createDataFrame,
  DataFrameType,
  FieldType,
  type DataFrame,
  type DataLink,
  type FieldConfig,
  type QueryResultMetaNotice,
} from '@grafana/data';
import type {
  ContainerItem,
  EventItem,
  ImageItem,
  ImageVersionItem,
  LogItem,
  Paged,
  StatsAnswer,
  StatsSeries,
} from './api';
import { containerDashboardLink } from '../constants';
import type { Metric } from './types';

/** Unit (Grafana unit id) and a readable name for each metric the API serves. */
export const METRIC_INFO: Record<Metric, { unit: string; label: string }> = {
  cpu_percent: { unit: 'percent', label: 'CPU' },
  mem_used_bytes: { unit: 'bytes', label: 'Memory used' },
  mem_percent: { unit: 'percent', label: 'Memory %' },
  mem_limit_bytes: { unit: 'bytes', label: 'Memory limit' },
  net_rx_bps: { unit: 'Bps', label: 'Net RX' },
  net_tx_bps: { unit: 'Bps', label: 'Net TX' },
  blk_read_bps: { unit: 'Bps', label: 'Block read' },
  blk_write_bps: { unit: 'Bps', label: 'Block write' },
  pids: { unit: 'none', label: 'PIDs' },
};

/**
 * Link from a container's name to the container detail dashboard (uid dockpulse-container), with the
 * row's host as the containers page's link has it: two hosts may run containers of the same name.
 */
export const CONTAINER_DASHBOARD_LINK: DataLink = {
  title: 'Container detail',
  // The host comes from the same row's Host field (containersFrame).
  url: `${containerDashboardLink('${__data.fields.Host}', '${__value.raw}')}&\${__url_time_range}`,
};

export function tableNotice(table: string, resolution?: string, intervalMs?: number): QueryResultMetaNotice {
  const extra = resolution ? ` (${resolution}${intervalMs ? `, ${formatInterval(intervalMs)} buckets` : ''})` : '';
  return { severity: 'info', text: `Served from table ${table}${extra}` };
}

function formatInterval(ms: number): string {
  if (ms % 86_400_000 === 0) {
    return `${ms / 86_400_000}d`;
  }
  if (ms % 3_600_000 === 0) {
    return `${ms / 3_600_000}h`;
  }
  if (ms % 60_000 === 0) {
    return `${ms / 60_000}m`;
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
const containerLabel = (s: { containerName: string | null; containerId: string | null }) =>
  s.containerName ?? (s.containerId ? shortId(s.containerId) : '');

/** A series' legend name: the container, or for a group the host's name or the compose project. */
function seriesLabel(s: StatsSeries): string {
  if (!s.group) {
    return containerLabel(s);
  }
  if (s.group.by === 'project') {
    return s.group.key ?? '(no compose project)';
  }
  return s.group.name || s.group.key || '(unknown host)';
}

/** Says when the API cut the answer to its series bound, so a panel never silently hides containers. */
export function truncationNotice(answer: StatsAnswer): QueryResultMetaNotice[] {
  if (!answer.truncated || !answer.ranking) {
    return [];
  }
  const { top, candidates, by, agg } = answer.ranking;
  const what = answer.groupBy ? (answer.groupBy === 'host' ? 'hosts' : 'compose projects') : 'containers';
  const label = METRIC_INFO[by]?.label ?? by;
  return [
    {
      severity: 'warning',
      text: `Showing the top ${top} of ${candidates} ${what} by ${label} (${agg === 'max' ? 'peak' : 'average'}): pick containers, set Top or group by host to see the rest`,
    },
  ];
}
const timeOf = (iso: string | null | undefined) => (iso ? Date.parse(iso) : null);

/**
 * One time series frame per container and metric. The display name is the container's name; when
 * one query asks for several metrics it also names the metric, so legends stay unambiguous.
 */
export function statsFrames(answer: StatsAnswer, refId: string): DataFrame[] {
  const metricCount = new Set(answer.series.map((s) => s.metric)).size;
  const notices = [tableNotice(answer.table, answer.resolution, answer.intervalMs), ...truncationNotice(answer)];
  return answer.series.map((series: StatsSeries) => {
    const info = METRIC_INFO[series.metric] ?? { unit: 'none', label: series.metric };
    const name = seriesLabel(series);
    const displayName = metricCount > 1 ? `${name} ${info.label}` : name;
    const valueConfig: FieldConfig = { unit: info.unit, displayNameFromDS: displayName };
    if (series.metric === 'cpu_percent' || series.metric === 'mem_percent') {
      valueConfig.min = 0;
    }
    return createDataFrame({
      refId,
      name: displayName,
      meta: {
        type: DataFrameType.TimeSeriesMulti,
        notices,
        custom: {
          table: answer.table,
          resolution: answer.resolution,
          intervalMs: answer.intervalMs,
          truncated: answer.truncated ?? false,
          ranking: answer.ranking,
        },
      },
      fields: [
        {
          name: 'Time',
          type: FieldType.time,
          values: series.points.map((p) => p[0]),
          config: { interval: answer.intervalMs },
        },
        {
          name: series.metric,
          type: FieldType.number,
          values: series.points.map((p) => p[1]),
          labels: series.group
            ? { [series.group.by]: name, metric: series.metric }
            : { container: name, host: series.hostId ?? '', metric: series.metric },
          config: valueConfig,
        },
      ],
    });
  });
}

export function containersFrame(answer: Paged<ContainerItem>, refId: string): DataFrame {
  const items = answer.items;
  return createDataFrame({
    refId,
    name: 'containers',
    meta: { notices: [tableNotice('container_info'), ...pageNotice(answer)] },
    fields: [
      {
        name: 'Name',
        type: FieldType.string,
        values: items.map((c) => c.name),
        config: { links: [CONTAINER_DASHBOARD_LINK] },
      },
      { name: 'Host', type: FieldType.string, values: items.map((c) => c.hostId) },
      { name: 'State', type: FieldType.string, values: items.map((c) => c.state) },
      { name: 'Health', type: FieldType.string, values: items.map((c) => c.health ?? '') },
      { name: 'Image', type: FieldType.string, values: items.map((c) => c.image ?? '') },
      { name: 'Status', type: FieldType.string, values: items.map((c) => c.status ?? '') },
      { name: 'Restarts', type: FieldType.number, values: items.map((c) => c.restartCount ?? null) },
      { name: 'Exit code', type: FieldType.number, values: items.map((c) => c.exitCode ?? null) },
      {
        name: 'Memory limit',
        type: FieldType.number,
        values: items.map((c) => c.memLimitBytes ?? null),
        config: { unit: 'bytes' },
      },
      { name: 'Started', type: FieldType.time, values: items.map((c) => timeOf(c.startedAt)) },
      { name: 'Container ID', type: FieldType.string, values: items.map((c) => shortId(c.containerId)) },
    ],
  });
}

function pageNotice(answer: Paged<unknown>): QueryResultMetaNotice[] {
  return answer.total > answer.items.length
    ? [{ severity: 'warning', text: `Showing ${answer.items.length} of ${answer.total} rows` }]
    : [];
}

export function imagesFrame(answer: Paged<ImageItem>, refId: string): DataFrame {
  const items = answer.items;
  return createDataFrame({
    refId,
    name: 'images',
    meta: { notices: [tableNotice('docker_images'), ...pageNotice(answer)] },
    fields: [
      {
        name: 'Tags',
        type: FieldType.string,
        values: items.map((i) => (i.repoTags.length ? i.repoTags.join(', ') : '<none>')),
      },
      { name: 'Host', type: FieldType.string, values: items.map((i) => i.hostId) },
      { name: 'Size', type: FieldType.number, values: items.map((i) => i.sizeBytes), config: { unit: 'bytes' } },
      { name: 'Created', type: FieldType.time, values: items.map((i) => timeOf(i.createdAt)) },
      { name: 'Containers', type: FieldType.number, values: items.map((i) => i.containers ?? null) },
      { name: 'Image ID', type: FieldType.string, values: items.map((i) => shortId(i.imageId)) },
    ],
  });
}

export function imageVersionsFrame(items: ImageVersionItem[], refId: string): DataFrame {
  return createDataFrame({
    refId,
    name: 'image versions',
    meta: { notices: [tableNotice('image_versions')] },
    fields: [
      { name: 'Time', type: FieldType.time, values: items.map((v) => Date.parse(v.time)) },
      { name: 'Image', type: FieldType.string, values: items.map((v) => `${v.repository}:${v.tag}`) },
      { name: 'Host', type: FieldType.string, values: items.map((v) => v.hostId) },
      { name: 'Image ID', type: FieldType.string, values: items.map((v) => shortId(v.imageId)) },
      {
        name: 'Previous image ID',
        type: FieldType.string,
        values: items.map((v) => (v.previousImageId ? shortId(v.previousImageId) : '')),
      },
      { name: 'Digest', type: FieldType.string, values: items.map((v) => v.digest ?? '') },
    ],
  });
}

/** A frame in Grafana's logs data frame format (timestamp, body, labels, id) for the Logs panel. */
export function logsFrame(items: LogItem[], refId: string, nextCursor: string | null = null): DataFrame {
  return createDataFrame({
    refId,
    name: 'logs',
    meta: {
      type: DataFrameType.LogLines,
      preferredVisualisationType: 'logs',
      notices: [
        tableNotice('container_logs'),
        ...(nextCursor
          ? [{ severity: 'info' as const, text: 'More lines match: raise the limit or narrow the range' }]
          : []),
      ],
      custom: { nextCursor },
    },
    fields: [
      { name: 'timestamp', type: FieldType.time, values: items.map((l) => Date.parse(l.time)) },
      { name: 'body', type: FieldType.string, values: items.map((l) => l.message) },
      {
        name: 'labels',
        type: FieldType.other,
        values: items.map((l) => ({ container: containerLabel(l), host: l.hostId, stream: l.stream })),
      },
      { name: 'id', type: FieldType.string, values: items.map((l) => logId(l)) },
    ],
  });
}

export function logId(l: LogItem): string {
  return `${l.timeUs ?? l.time}_${l.hostId}_${l.containerId}_${l.stream}_${l.seq ?? 0}`;
}

/** What an event means to a person reading a graph. */
export function describeEvent(e: EventItem): { title: string; tags: string[] } {
  const name = containerLabel(e);
  switch (e.action) {
    case 'oom':
      return { title: `${name} killed: out of memory`, tags: ['oom'] };
    case 'die':
      return { title: `${name} exited${e.exitCode !== null ? ` with code ${e.exitCode}` : ''}`, tags: ['die'] };
    case 'restart':
      return { title: `${name} restarted`, tags: ['restart'] };
    case 'health_status': {
      const status = e.attributes?.health_status ?? e.attributes?.status ?? 'changed';
      return { title: `${name} health: ${status}`, tags: ['health', status] };
    }
    default:
      return { title: `${name}: ${e.action}`, tags: [e.action] };
  }
}

/**
 * Events as a table whose time/title/text/tags fields Grafana's annotation support reads directly.
 * Deploys (a tag that started pointing at a new image) are merged in when given.
 */
export function eventsFrame(events: EventItem[], refId: string, deploys: ImageVersionItem[] = []): DataFrame {
  const rows = [
    ...events.map((e) => {
      const { title, tags } = describeEvent(e);
      const attrs = Object.entries(e.attributes ?? {})
        .filter(([k]) => k !== 'name' && k !== 'image')
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      return {
        time: Date.parse(e.time),
        container: containerLabel(e),
        host: e.hostId ?? '',
        action: e.action,
        exitCode: e.exitCode,
        title,
        text: attrs ? `${title} (${attrs})` : title,
        tags: [...tags, containerLabel(e)],
      };
    }),
    ...deploys.map((v) => {
      const image = `${v.repository}:${v.tag}`;
      const title = `Deploy: ${image} is now ${shortId(v.imageId)}`;
      return {
        time: Date.parse(v.time),
        container: '',
        host: v.hostId,
        action: 'deploy',
        exitCode: null,
        title,
        text: v.previousImageId ? `${title} (was ${shortId(v.previousImageId)})` : `${title} (first seen)`,
        tags: ['deploy', image],
      };
    }),
  ].sort((a, b) => b.time - a.time);
  return createDataFrame({
    refId,
    name: 'events',
    meta: { notices: [tableNotice(deploys.length ? 'container_events, image_versions' : 'container_events')] },
    fields: [
      { name: 'time', type: FieldType.time, values: rows.map((r) => r.time) },
      { name: 'container', type: FieldType.string, values: rows.map((r) => r.container) },
      { name: 'host', type: FieldType.string, values: rows.map((r) => r.host) },
      { name: 'action', type: FieldType.string, values: rows.map((r) => r.action) },
      { name: 'exitCode', type: FieldType.number, values: rows.map((r) => r.exitCode) },
      { name: 'title', type: FieldType.string, values: rows.map((r) => r.title) },
      { name: 'text', type: FieldType.string, values: rows.map((r) => r.text) },
      { name: 'tags', type: FieldType.other, values: rows.map((r) => r.tags) },
    ],
  });
}

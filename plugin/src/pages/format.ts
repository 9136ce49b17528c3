import { formattedValueToString, getValueFormat } from '@grafana/data';

export function formatBytes(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : formattedValueToString(getValueFormat('bytes')(value));
}

export function formatPercent(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)}%`;
}

export function formatTime(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '-';
}

export const shortId = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

/** Last non-null value of a series' points. */
export function lastValue(points: Array<[number, number | null]>): number | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const v = points[i][1];
    if (v !== null && v !== undefined) {
      return v;
    }
  }
  return null;
}

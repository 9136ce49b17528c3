// The fleet overview's /stats queries through StatsStore two ways on the same rows, calls
// alternating: from the minute tier where it serves (api/src/stats/tiers.ts: what the API does) and from raw rows only (StatsStore({ tiers: false }): the path before issue 14's
// third pass). Timed in the bench process around the store call (no HTTP, no JSON), as the
// read-only role; the answers' row counts must agree, or the bench says so.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { Metric } from '@dockpulse/common';
import { StatsStore, type StatsQuery } from '../../api/src/stats/store';

export interface TierTiming {
  query: string;
  tiersMs: number;
  rawMs: number;
  rows: number;
  /** Empty when both ways returned the same number of rows. */
  mismatch: string;
}

/**
 * The fleet overview's panels over [fromMs, toMs): top 10 at 5 s buckets, per host (top 40) at the
 * panels' 1 min; the 200 bound and per project for comparison.
 */
export function panelQueries(fromMs: number, toMs: number): { name: string; q: StatsQuery }[] {
  const at = (intervalMs: number) => ({ resolution: 'raw' as const, fromMs, toMs, intervalMs });
  const out: { name: string; q: StatsQuery }[] = [];
  for (const m of ['cpu_percent', 'mem_used_bytes', 'net_rx_bps', 'net_tx_bps'] as Metric[]) {
    out.push({ name: `${m}: top=10, 5 s`, q: { ...at(5_000), metrics: [m], rank: { by: m, agg: 'avg', limit: 10 } } });
    out.push({ name: `${m}: groupBy=host top=40, 1 min`, q: { ...at(60_000), metrics: [m], groupBy: 'host', rank: { by: m, agg: 'avg', limit: 40 } } });
  }
  out.push({ name: 'cpu_percent: bounded at 200, 5 s', q: { ...at(5_000), metrics: ['cpu_percent'], rank: { by: 'cpu_percent', agg: 'avg', limit: 200 } } });
  out.push({ name: 'mem_used_bytes: groupBy=project, 1 min', q: { ...at(60_000), metrics: ['mem_used_bytes'], groupBy: 'project', rank: { by: 'mem_used_bytes', agg: 'avg', limit: 200 } } });
  return out;
}

export async function tiersBeforeAfter(reader: Pool, fromMs: number, toMs: number, runs: number): Promise<TierTiming[]> {
  const tiered = new StatsStore(reader);
  const raw = new StatsStore(reader, { tiers: false });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const out: TierTiming[] = [];
  for (const { name, q } of panelQueries(fromMs, toMs)) {
    const times = { tiers: [] as number[], raw: [] as number[] };
    const rows = { tiers: 0, raw: 0 };
    for (let i = 0; i < runs; i++) {
      for (const [way, store] of [['tiers', tiered], ['raw', raw]] as const) {
        const t = performance.now();
        const r = await store.buckets(q);
        times[way].push(performance.now() - t);
        rows[way] = r.rows.length;
      }
    }
    out.push({
      query: name,
      tiersMs: median(times.tiers),
      rawMs: median(times.raw),
      rows: rows.tiers,
      mismatch: rows.tiers === rows.raw ? '' : `rows: tiers ${rows.tiers}, raw ${rows.raw}`,
    });
  }
  return out;
}

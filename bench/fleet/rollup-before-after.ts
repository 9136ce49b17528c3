// The plain flavour's rollup of the fleet's range, the function as migration 0002 defined it
// ("before": one statement over all dirty hours, hourly rows only) against the one in the schema now
// (0008: the minute tier and host slots from raw rows, hourly from minutes), on the same rows:
// every hour of the range is marked dirty again before each call, calls alternate.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { DEFAULT_SQL_DIR } from '@dockpulse/common';

/** dockpulse_rollup() from sql/0002_timeseries.postgres.sql, created as dockpulse_rollup_0002(). */
function rollup0002(): string {
  const sql = readFileSync(path.join(DEFAULT_SQL_DIR, '0002_timeseries.postgres.sql'), 'utf8');
  const match = /CREATE OR REPLACE FUNCTION dockpulse_rollup\([\s\S]*?END \$\$;/.exec(sql);
  if (!match) throw new Error('dockpulse_rollup() not found in 0002_timeseries.postgres.sql');
  return match[0].replace('FUNCTION dockpulse_rollup(', 'FUNCTION dockpulse_rollup_0002(');
}

export async function rollupBeforeAfter(admin: Pool, runs: number): Promise<{ beforeMs: number; afterMs: number }> {
  await admin.query(rollup0002());
  const timed = async (fn: string) => {
    // 0002's function reads dirty hours, the schema's (0008) dirty minutes: both marked every time.
    await admin.query('CREATE TABLE IF NOT EXISTS container_stats_dirty_hours (bucket timestamptz PRIMARY KEY)');
    await admin.query(
      "INSERT INTO container_stats_dirty_hours SELECT DISTINCT date_trunc('hour', time, 'UTC') FROM container_stats ON CONFLICT DO NOTHING",
    );
    await admin.query(
      "INSERT INTO container_stats_dirty_minutes SELECT DISTINCT date_trunc('minute', time) FROM container_stats ON CONFLICT DO NOTHING",
    );
    const t = performance.now();
    await admin.query(`SELECT ${fn}()`);
    return performance.now() - t;
  };
  const before: number[] = [];
  const after: number[] = [];
  for (let i = 0; i < runs; i++) {
    before.push(await timed('dockpulse_rollup_0002'));
    after.push(await timed('dockpulse_rollup'));
  }
  await admin.query('DROP FUNCTION dockpulse_rollup_0002(integer)');
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { beforeMs: median(before), afterMs: median(after) };
}

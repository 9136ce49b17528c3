// The fleet benchmark: N hosts x M containers of realistic history into a fresh database of each
// flavour, then what the bundled fleet overview asks, through the API (in-process, cache off, the
// read-only role). Figures are printed, never asserted. Run:
//   npx tsc -b && npx tsx bench/fleet.bench.ts [--containers=50,500,2000] [--per-host=50] [--minutes=60]
//     [--log-lines-per-container=100] [--runs=3] [--flavours=postgres,timescaledb]
//     [--stats-keys=true] (plain flavour, largest size: storage before and after 0009, bench/fleet/stats-keys-before-after.ts)
//     [--layouts=true] (TimescaleDB, largest size: compressed bytes of smaller layouts, bench/fleet/timescaledb-layouts.ts)
//     [--tiers=true] (the panels' store queries from the tiers and from raw rows, bench/fleet/tiers-before-after.ts)
//     [--logs-explain=true] (print the plans of the log searches; --minutes=0 --stats-keys=false measures logs only)
// TIMESCALEDB_TEST_URL names the TimescaleDB server; without it that flavour is skipped.
import { performance } from 'node:perf_hooks';
import { createPool, type StorageFlavour } from '@dockpulse/common';
import { createTestDatabase, TIMESCALEDB_TEST_URL } from '../common/src/testing';
import { withJobSessionSettings } from '../collector/src/jobs/timescaledb-jobs';
import { ingestStats, makeFleet } from './fleet/generate';
import { startApi, timedRuns, type Api } from './fleet/api';
import { logSearches, referenceRows, writeIndexedCorpus } from './fleet/logs';
import { measureStatsKeys } from './fleet/stats-keys-before-after';
import { rollupBeforeAfter } from './fleet/rollup-before-after';
import { tiersBeforeAfter } from './fleet/tiers-before-after';
import { measureTimescaleLayouts } from './fleet/timescaledb-layouts';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const SIZES = (flags.containers ?? '50,500,2000').split(',').map(Number);
const PER_HOST = Number(flags['per-host'] ?? 50);
const MINUTES = Number(flags.minutes ?? 60);
const LOGS_PER_CONTAINER = Number(flags['log-lines-per-container'] ?? 100);
const RUNS = Number(flags.runs ?? 3);
const FLAVOURS = (flags.flavours ?? 'postgres,timescaledb').split(',') as StorageFlavour[];

interface Row { [k: string]: string | number }

const results: Row[] = [];
const storage: Row[] = [];
const statsKeys: Row[] = [];
const tiers: Row[] = [];
const layouts: Row[] = [];

const timed = (h: Api, path: string) => timedRuns(h, path, RUNS);

async function runSize(flavour: StorageFlavour, serverUrl: string | undefined, containers: number): Promise<void> {
  const hosts = Math.max(1, Math.round(containers / PER_HOST));
  const fleet = makeFleet(hosts, Math.round(containers / hosts));
  const db = await createTestDatabase(serverUrl ? { serverUrl, flavour } : {});
  // 40 writers share 20 connections: on a loaded machine one waits for a connection longer than the
  // pool's default 5 s, which is not what is measured.
  const writer = createPool({ connectionString: db.url, max: Math.min(hosts + 1, 20), connectionTimeoutMillis: 300_000 });
  const label = `${flavour} ${fleet.containers.length} (${hosts}x${Math.round(containers / hosts)})`;
  try {
    // TimescaleDB's scheduler would refresh the aggregates (the minute one every minute) while the
    // fleet is written, and the refreshes timed below would find their work done: its jobs are off.
    if (flavour === 'timescaledb') await writer.query('SELECT j.job_id, a.* FROM timescaledb_information.jobs j CROSS JOIN LATERAL alter_job(j.job_id, scheduled => false) a WHERE j.job_id >= 1000');
    const toMs = Math.floor(Date.now() / 5000) * 5000;
    const fromMs = toMs - MINUTES * 60_000;
    const ingest = await ingestStats(writer, flavour, fleet, fromMs, toMs);
    const logLines = LOGS_PER_CONTAINER * fleet.containers.length;
    const corpus = await writeIndexedCorpus(writer, { lines: logLines, fromMs: toMs - 24 * 3_600_000, toMs, containers: fleet.containers.map((c) => ({ hostId: c.host_id, containerId: c.container_id })) });
    const logSeconds = corpus.writeS;
    let rollupS: number;
    let minuteRefreshS: number | undefined;
    let defaultsRefreshS: { rollup: number; minute: number } | undefined;
    if (flavour === 'postgres') {
      const t = performance.now();
      while ((await writer.query<{ n: number }>('SELECT dockpulse_rollup() AS n')).rows[0]!.n > 0);
      rollupS = (performance.now() - t) / 1000;
    } else {
      // As the collector runs the policies (withJobSessionSettings), then again over the same range
      // with the server's default planner settings (force: the buckets are materialized already).
      const c = await writer.connect();
      try {
        const refresh = async (force: boolean) => {
          const f = force ? ', force => true' : '';
          const t = performance.now();
          await c.query(`CALL refresh_continuous_aggregate('container_stats_hourly', NULL, NULL${f})`);
          await c.query(`CALL refresh_continuous_aggregate('container_stats_daily', NULL, NULL${f})`);
          const m = performance.now();
          await c.query(`CALL refresh_continuous_aggregate('container_stats_minute', NULL, NULL${f})`);
          return { rollup: (m - t) / 1000, minute: (performance.now() - m) / 1000 };
        };
        const ours = await withJobSessionSettings(c, () => refresh(false));
        defaultsRefreshS = await refresh(true);
        rollupS = ours.rollup;
        minuteRefreshS = ours.minute;
      } finally {
        c.release();
      }
    }
    await writer.query('ANALYZE');
    console.log(`${label}: ${ingest.statsRows} stats rows + ${ingest.eventRows} events in ${ingest.seconds.toFixed(1)} s (${Math.round(ingest.statsRows / ingest.seconds)} rows/s, ${hosts} writers); ${logLines} log lines in ${logSeconds.toFixed(1)} s, trigram index over them ${corpus.indexS.toFixed(1)} s; rollup ${rollupS.toFixed(2)} s`);
    results.push({ flavour, containers: fleet.containers.length, query: 'ingest (rows/s, one writer per host)', ms: '', bytes: '', note: `${Math.round(ingest.statsRows / ingest.seconds)} rows/s` });
    results.push({ flavour, containers: fleet.containers.length, query: 'rollup of the range', ms: Math.round(rollupS * 1000), bytes: '', note: flavour === 'postgres' ? 'minute tier, hourly, daily' : 'refresh: hourly, daily, under the collector\'s job settings' });
    if (minuteRefreshS !== undefined) {
      results.push({ flavour, containers: fleet.containers.length, query: 'refresh of the minute tier over the range', ms: Math.round(minuteRefreshS * 1000), bytes: '', note: '' });
    }
    if (defaultsRefreshS) {
      results.push({ flavour, containers: fleet.containers.length, query: 'the same refreshes with default planner settings (before): hourly and daily / minute', ms: `${Math.round(defaultsRefreshS.rollup * 1000)} / ${Math.round(defaultsRefreshS.minute * 1000)}`, bytes: '', note: 'force => true, right after' });
    }
    const largest = containers === Math.max(...SIZES);
    if (flavour === 'postgres') {
      const admin = createPool({ connectionString: db.adminUrl, max: 1 });
      try {
        const r = await rollupBeforeAfter(admin, RUNS);
        results.push({ flavour, containers: fleet.containers.length, query: 'rollup of the range, again: 0002 function (before) / now', ms: `${Math.round(r.beforeMs)} / ${Math.round(r.afterMs)}`, bytes: '', note: `median of ${RUNS}, alternating` });
        if (largest && flags['stats-keys'] !== 'false') {
          const k = await measureStatsKeys(admin, toMs - 3_600_000, toMs, RUNS);
          statsKeys.push({ containers: fleet.containers.length, 'integer keys B/sample (now)': k.integerKeysBytesPerSample,
            'heap / indexes (now)': `${k.integerHeapBytesPerSample} / ${k.integerIndexBytesPerSample}`,
            'text keys B/sample (before 0009)': k.textKeysBytesPerSample, 'heap / indexes (before)': `${k.textHeapBytesPerSample} / ${k.textIndexBytesPerSample}`,
            'ranking pass ms: view / integer key / text keys': `${Math.round(k.rankViewMs)} / ${Math.round(k.rankIntegerMs)} / ${Math.round(k.rankTextKeysMs)}` });
        }
      } finally {
        await admin.end();
      }
    }

    if (flags.tiers !== 'false') {
      const reader = createPool({ connectionString: db.readerUrl, max: 2 });
      try {
        for (const r of await tiersBeforeAfter(reader, toMs - 3_600_000, toMs, RUNS)) {
          tiers.push({ flavour, containers: fleet.containers.length, query: r.query, 'tiers ms': Math.round(r.tiersMs * 10) / 10, 'raw ms': Math.round(r.rawMs * 10) / 10, rows: r.rows, note: r.mismatch });
        }
      } finally {
        await reader.end();
      }
    }

    // "before": the unbounded answer of a request without containers (STATS_MAX_SERIES above the fleet).
    const before = await startApi(db.readerUrl, { statsMaxSeries: 10_000 });
    const after = await startApi(db.readerUrl);
    const reader = createPool({ connectionString: db.readerUrl, max: 1 });
    try {
      // One hour raw, as a panel 1,000 points wide asks for it (resolution=raw: a range of exactly 1 h
      // is the hourly table's under the default policy).
      const range = `from=${toMs - 3_600_000}&to=${toMs}&resolution=raw&intervalMs=5000&maxDataPoints=1000`;
      // The per-host panels' interval is 1 min (plugin/src/dashboards/fleet-overview.json).
      const perHostRange = `from=${toMs - 3_600_000}&to=${toMs}&resolution=raw&intervalMs=60000&maxDataPoints=1000`;
      const sixHours = `from=${toMs - 6 * 3_600_000}&to=${toMs}&intervalMs=20000&maxDataPoints=1000`;
      const q: Array<[string, Api, string]> = [['Containers table', after, '/api/v1/containers?limit=500']];
      for (const m of ['cpu_percent', 'mem_used_bytes', 'net_rx_bps', 'net_tx_bps']) {
        q.push([`${m}: every container (before)`, before, `/api/v1/stats?${range}&metrics=${m}`]);
        q.push([`${m}: no containers, bounded (STATS_MAX_SERIES=200)`, after, `/api/v1/stats?${range}&metrics=${m}`]);
        q.push([`${m}: top=10 (panel)`, after, `/api/v1/stats?${range}&metrics=${m}&top=10&by=${m}`]);
        q.push([`${m}: groupBy=host top=40, 1 min (panel)`, after, `/api/v1/stats?${perHostRange}&metrics=${m}&groupBy=host&top=40&by=${m}`]);
        q.push([`${m}: groupBy=host, 5 s (the panel before its 1 min interval)`, after, `/api/v1/stats?${range}&metrics=${m}&groupBy=host`]);
      }
      q.push(['cpu_percent: top=10, 6 h (dashboard default, hourly)', after, `/api/v1/stats?${sixHours}&metrics=cpu_percent&top=10&by=cpu_percent`]);
      q.push(['cpu_percent: groupBy=host, 6 h (hourly)', after, `/api/v1/stats?${sixHours}&metrics=cpu_percent&groupBy=host`]);
      q.push(['events (annotations + table)', after, `/api/v1/events?from=${toMs - 3_600_000}&to=${toMs}`]);
      const searches = logSearches(toMs, fleet.containers[7]!);
      for (const s of searches) q.push([s.name, after, s.path]);
      for (const [name, h, path] of q) {
        const r = await timed(h, path);
        results.push({ flavour, containers: fleet.containers.length, query: name, ms: Math.round(r.ms * 10) / 10, bytes: r.bytes, note: r.status === 200 ? '' : `HTTP ${r.status}` });
      }
      for (const r of await referenceRows(reader, searches, RUNS, 'trigram index', flags['logs-explain'] === 'true')) results.push({ flavour, containers: fleet.containers.length, ...r, bytes: '' });
      if (flags['logs-without-index'] !== 'false' && containers === Math.max(...SIZES)) {
        // Part 2's "before": the same searches without the trigram index.
        await writer.query('DROP INDEX container_logs_message_trgm');
        await writer.query('ANALYZE container_logs');
        for (const [name, h, path] of q.filter(([n]) => n.startsWith('logs q='))) {
          const r = await timed(h, path);
          results.push({ flavour, containers: fleet.containers.length, query: `${name}, no trigram index (before)`, ms: Math.round(r.ms * 10) / 10, bytes: r.bytes, note: '' });
        }
        for (const r of await referenceRows(reader, searches.slice(0, 2), RUNS, 'no trigram index', flags['logs-explain'] === 'true')) results.push({ flavour, containers: fleet.containers.length, ...r, bytes: '' });
      }
    } finally {
      await before.close();
      await after.close();
      await reader.end();
    }
    // Last: on TimescaleDB this compresses the chunks, and the queries above are about the last
    // hour, which the compression policy (after 1 day) leaves uncompressed in service.
    storage.push({ flavour, containers: fleet.containers.length, ...(await sizes(writer, flavour, ingest.statsRows)) });
    if (flavour === 'timescaledb' && flags.layouts === 'true' && largest) {
      const m = await measureTimescaleLayouts(writer, ingest.statsRows);
      for (const l of m.layouts) layouts.push({ containers: fleet.containers.length, layout: l.layout, 'compressed B/sample': l.bytesPerSample, 'of the schema\'s': l.ofSchema });
      layouts.push({ containers: fleet.containers.length, layout: `the schema's bytes per column: ${Object.entries(m.perColumn).map(([c, b]) => `${c} ${b}`).join(', ')}`, 'compressed B/sample': '', 'of the schema\'s': '' });
    }
  } finally {
    await writer.end();
    if (flags.keep === 'true') console.log(`kept ${db.adminUrl}`);
    else await db.drop();
  }
}

async function sizes(pool: ReturnType<typeof createPool>, flavour: StorageFlavour, rows: number): Promise<Row> {
  const one = async (sql: string) => Number((await pool.query(sql)).rows[0].v ?? 0);
  const perRow = (bytes: number, n: number) => (n ? Math.round((bytes / n) * 10) / 10 : 0);
  const hourlyRows = await one('SELECT count(*) AS v FROM container_stats_hourly');
  const dailyRows = await one('SELECT count(*) AS v FROM container_stats_daily');
  if (flavour === 'postgres') {
    const raw = (await one("SELECT sum(pg_total_relation_size(inhrelid)) AS v FROM pg_inherits WHERE inhparent = 'container_samples'::regclass"))
      + (await one("SELECT pg_total_relation_size('container_keys') AS v"));
    return {
      'raw B/sample': perRow(raw, rows), 'compressed B/sample': '-',
      'hourly B/row': perRow(await one("SELECT pg_total_relation_size('container_stats_hourly') AS v"), hourlyRows),
      'daily B/row': perRow(await one("SELECT pg_total_relation_size('container_stats_daily') AS v"), dailyRows),
    };
  }
  const raw = await one("SELECT hypertable_size('container_stats') AS v");
  const cagg = (view: string) =>
    one(`SELECT hypertable_size(format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name)::regclass) AS v
           FROM timescaledb_information.continuous_aggregates WHERE view_name = '${view}'`);
  const hourly = await cagg('container_stats_hourly');
  const daily = await cagg('container_stats_daily');
  await pool.query("SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('container_stats') c");
  const compressed = await one("SELECT hypertable_size('container_stats') AS v");
  return { 'raw B/sample': perRow(raw, rows), 'compressed B/sample': perRow(compressed, rows), 'hourly B/row': perRow(hourly, hourlyRows), 'daily B/row': perRow(daily, dailyRows) };
}

function table(rows: Row[]): string {
  if (!rows.length) return '';
  const cols = Object.keys(rows[0]!);
  return [`| ${cols.join(' | ')} |`, `|${cols.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${cols.map((c) => r[c] ?? '').join(' | ')} |`)].join('\n');
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const flavour of FLAVOURS) {
    if (flavour === 'timescaledb' && !TIMESCALEDB_TEST_URL) {
      console.log('timescaledb: skipped: TIMESCALEDB_TEST_URL is not set');
      continue;
    }
    for (const n of SIZES) await runSize(flavour, flavour === 'timescaledb' ? TIMESCALEDB_TEST_URL : undefined, n);
  }
  console.log(`\n${table(results)}\n\n${table(tiers)}\n\n${table(storage)}\n\n${table(statsKeys)}\n\n${table(layouts)}\n\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Log search on a database the fleet bench kept (--keep=true), in steps, so that the 10M-line corpus
// (10 min to write, 20 min to index here) is generated once and measured in several states:
//   npx tsx bench/fleet.bench.ts --containers=2000 --log-lines-per-container=5000 --minutes=0 --stats-keys=false --keep=true ...
//   npx tsx bench/fleet/logs-kept.ts --database=<the "kept" URL it prints> --steps=search,drop-index,search,create-index,search
//     [--runs=3] [--containers=2000] [--per-host=50] (the fleet the bench generated)
// Steps, in the order given:
//   search        the log viewer's searches through the API (cache off, reader role) and in the
//                 server (bench/fleet/logs.ts), with the index as it is now
//   drop-index    drop the trigram index of sql/0004_log_search.sql
//   create-index  build it again (timed)
//   compress      TimescaleDB: compress every chunk of container_logs but the newest, segmented by
//                 host and container, as a one-day compression policy would leave them (the schema
//                 keeps log chunks uncompressed: api/README.md "Log search")
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { TEST_ROLES, withRole } from '../../common/src/testing';
import { startApi, timedRuns } from './api';
import { makeFleet } from './generate';
import { buildTrigramIndex, logSearches, referenceRows } from './logs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const RUNS = Number(flags.runs ?? 3);
const CONTAINERS = Number(flags.containers ?? 2000);
const PER_HOST = Number(flags['per-host'] ?? 50);
const STEPS = (flags.steps ?? 'search').split(',');

async function main(): Promise<void> {
  if (!flags.database) throw new Error('--database=<admin URL of a kept fleet-bench database> is required');
  const unknown = STEPS.filter((s) => !['search', 'drop-index', 'create-index', 'compress'].includes(s));
  if (unknown.length) throw new Error(`--steps: unknown step ${unknown.join(', ')} (search, drop-index, create-index, compress)`);
  const readerUrl = withRole(flags.database, TEST_ROLES.reader);
  const admin = new Pool({ connectionString: flags.database, max: 1 });
  const reader = new Pool({ connectionString: readerUrl, max: 1 });
  try {
    const hosts = Math.max(1, Math.round(CONTAINERS / PER_HOST));
    const one = makeFleet(hosts, Math.round(CONTAINERS / hosts)).containers[7]!;
    const { rows } = await admin.query<{ newest: string; lines: string }>('SELECT (extract(epoch FROM max(time)) * 1000)::bigint AS newest, count(*) AS lines FROM container_logs');
    // The bench's `to` (a multiple of 5 s after the newest line), so the searches are the bench's.
    const toMs = Math.ceil((Number(rows[0]!.newest) + 1) / 5000) * 5000;
    const searches = logSearches(toMs, one);
    const size = async () => Number((await admin.query("SELECT sum(pg_total_relation_size(c)) AS v FROM (SELECT 'container_logs'::regclass AS c UNION SELECT inhrelid FROM pg_inherits WHERE inhparent = 'container_logs'::regclass) x")).rows[0].v);
    const timescale = (await admin.query("SELECT count(*) > 0 AS ok FROM pg_extension WHERE extname = 'timescaledb'")).rows[0].ok as boolean;
    const bytes = async () => (timescale ? Number((await admin.query("SELECT hypertable_size('container_logs') AS v")).rows[0].v) : size());
    console.log(`${rows[0]!.lines} lines, newest ${new Date(Number(rows[0]!.newest)).toISOString()}, container_logs ${((await bytes()) / 2 ** 20).toFixed(0)} MiB with its indexes`);
    let state = (await admin.query("SELECT to_regclass('container_logs_message_trgm') IS NOT NULL AS ok")).rows[0].ok ? 'trigram index' : 'no trigram index';
    for (const step of STEPS) {
      const t = performance.now();
      if (step === 'search') {
        const api = await startApi(readerUrl);
        try {
          console.log(`\n| search (${state}) | ms | bytes | note |\n|---|---:|---:|---|`);
          for (const s of searches) {
            const r = await timedRuns(api, s.path, RUNS);
            console.log(`| ${s.name}, through the API | ${r.ms.toFixed(1)} | ${r.bytes} | ${r.status === 200 ? `median of ${RUNS}` : `HTTP ${r.status}`} |`);
          }
          for (const r of await referenceRows(reader, searches, RUNS, state, false)) console.log(`| ${r.query} | ${r.ms} | | ${r.note} |`);
        } finally {
          await api.close();
        }
      } else if (step === 'drop-index') {
        await admin.query('DROP INDEX IF EXISTS container_logs_message_trgm');
        state = 'no trigram index';
      } else if (step === 'create-index') {
        await buildTrigramIndex(admin);
        state = 'trigram index';
      } else {
        await admin.query(`ALTER TABLE container_logs SET (timescaledb.compress, timescaledb.compress_segmentby = 'host_id, container_id',
                             timescaledb.compress_orderby = 'time DESC, stream DESC, seq DESC')`);
        const done = await admin.query(
          `SELECT count(compress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass)) AS n
             FROM timescaledb_information.chunks
            WHERE hypertable_name = 'container_logs'
              AND range_end < (SELECT max(range_end) FROM timescaledb_information.chunks WHERE hypertable_name = 'container_logs')`,
        );
        await admin.query('ANALYZE container_logs');
        state += `, ${done.rows[0].n} older chunks compressed`;
      }
      if (step !== 'search') console.log(`\n${step}: ${((performance.now() - t) / 1000).toFixed(1)} s; container_logs ${((await bytes()) / 2 ** 20).toFixed(0)} MiB with its indexes`);
    }
  } finally {
    await reader.end();
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// Log search on TimescaleDB with container_logs' older chunks compressed: the trade-off that
// api/README.md "Log search" documents (the schema keeps log chunks uncompressed). Runs on a database
// the fleet bench kept, after its own searches:
//   TIMESCALEDB_TEST_URL=... npx tsx bench/fleet.bench.ts --flavours=timescaledb --containers=2000 \
//     --log-lines-per-container=5000 --minutes=0 --narrow-keys=false --logs-without-index=false --keep=true
//   npx tsx bench/fleet/logs-compressed.ts --database=<the "kept" URL it prints> [--runs=3] [--containers=2000] [--per-host=50]
// Every chunk but the newest is compressed, as a compression policy of one day would leave them,
// and the searches are timed in the server before and after (the reference of bench/fleet/logs.ts).
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { TEST_ROLES, withRole } from '../../common/src/testing';
import { makeFleet } from './generate';
import { logSearches, serverSideMs } from './logs';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const RUNS = Number(flags.runs ?? 3);
const CONTAINERS = Number(flags.containers ?? 2000);
const PER_HOST = Number(flags['per-host'] ?? 50);

async function main(): Promise<void> {
  if (!flags.database) throw new Error('--database=<admin URL of a kept fleet-bench database> is required');
  const admin = new Pool({ connectionString: flags.database, max: 1 });
  const reader = new Pool({ connectionString: withRole(flags.database, TEST_ROLES.reader), max: 1 });
  try {
    const hosts = Math.max(1, Math.round(CONTAINERS / PER_HOST));
    const one = makeFleet(hosts, Math.round(CONTAINERS / hosts)).containers[7]!;
    const { rows } = await admin.query<{ newest: string; lines: string }>('SELECT (extract(epoch FROM max(time)) * 1000)::bigint AS newest, count(*) AS lines FROM container_logs');
    const toMs = Math.ceil((Number(rows[0]!.newest) + 1) / 5000) * 5000;
    const searches = logSearches(toMs, one);
    const size = async () => Number((await admin.query("SELECT hypertable_size('container_logs') AS v")).rows[0].v);
    const measure = async (label: string) => {
      for (const s of searches) {
        const r = await serverSideMs(reader, s.query, RUNS);
        console.log(`| ${s.name} | ${label} | ${r.ms.toFixed(1)} | planning ${r.planningMs.toFixed(1)} ms; buffers hit ${r.hit}, read ${r.read} |`);
      }
    };
    console.log(`${rows[0]!.lines} lines, newest ${new Date(Number(rows[0]!.newest)).toISOString()}, ${(await size() / 2 ** 20).toFixed(0)} MiB (heap and indexes)`);
    console.log('| search | chunks | ms in the server (median) | note |\n|---|---|---:|---|');
    await measure('uncompressed, trigram index');
    await admin.query(`ALTER TABLE container_logs SET (timescaledb.compress, timescaledb.compress_segmentby = 'host_id, container_id',
                         timescaledb.compress_orderby = 'time DESC, stream DESC, seq DESC')`);
    const t = performance.now();
    const done = await admin.query(
      `SELECT count(compress_chunk(format('%I.%I', chunk_schema, chunk_name)::regclass)) AS n
         FROM timescaledb_information.chunks
        WHERE hypertable_name = 'container_logs'
          AND range_end < (SELECT max(range_end) FROM timescaledb_information.chunks WHERE hypertable_name = 'container_logs')`,
    );
    const compressS = (performance.now() - t) / 1000;
    await admin.query('ANALYZE container_logs');
    await measure('older chunks compressed (the newest not)');
    console.log(`\ncompressed ${done.rows[0].n} of the chunks in ${compressS.toFixed(1)} s; ${(await size() / 2 ** 20).toFixed(0)} MiB after`);
  } finally {
    await reader.end();
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// How long migration 0009 (plain flavour: raw stats to integer container keys) holds writers up on
// an existing database, and what it saves: N containers x M samples are stored by migration 0008's
// schema (the text-keyed container_stats table), then 0009 is applied and timed. Figures are
// printed, never asserted. Run:
//   npx tsc -b && npx tsx bench/migration-0009.bench.ts [--containers=2000] [--samples=720]
import { performance } from 'node:perf_hooks';
import { createPool, migrate } from '@dockpulse/common';
import { createTestDatabase, migrationsBefore } from '../common/src/testing';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const CONTAINERS = Number(flags.containers ?? 2000);
const SAMPLES = Number(flags.samples ?? 720);
const PER_HOST = 50;

async function main(): Promise<void> {
  const older = migrationsBefore(9);
  const db = await createTestDatabase({ migrated: false });
  const pool = createPool({ connectionString: db.url, max: 2 });
  try {
    await migrate(pool, { storage: 'postgres', dir: older.dir });
    // The last SAMPLES 5 s slots before now, every container in each slot, in the order collectors
    // write (time, then container); ids as long as the engine's; figures noisy but plausible.
    const t0 = performance.now();
    await pool.query(
      `INSERT INTO container_stats (time, host_id, container_id, cpu_percent, mem_used_bytes, mem_usage_bytes,
           mem_limit_bytes, mem_percent, net_rx_bytes, net_tx_bytes, blk_read_bytes, blk_write_bytes,
           net_rx_delta, net_tx_delta, blk_read_delta, blk_write_delta, pids)
       SELECT date_trunc('minute', now()) - (${SAMPLES} - s) * interval '5 seconds',
              'host-' || lpad((c / ${PER_HOST})::text, 3, '0'), encode(sha256(c::text::bytea), 'hex'),
              random() * 100, (random() * 5e8)::bigint, (random() * 6e8)::bigint, 2147483648, random() * 25,
              s * 10000 + c, s * 5000 + c, s * 100, s * 50, (random() * 1e4)::bigint, (random() * 5e3)::bigint, 100, 50,
              (random() * 40)::int
         FROM generate_series(1, ${SAMPLES}) s, generate_series(0, ${CONTAINERS - 1}) c
        ORDER BY 1, 2, 3`,
    );
    const fillS = (performance.now() - t0) / 1000;
    await pool.query('VACUUM ANALYZE container_stats');
    const bytes = async (parent: string, extra?: string) => {
      const r = await pool.query<{ v: string }>(
        `SELECT (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = $1::regclass)
                + ${extra ? `pg_total_relation_size('${extra}')` : '0'} AS v`,
        [parent],
      );
      return Number(r.rows[0]!.v);
    };
    const rows = CONTAINERS * SAMPLES;
    const before = await bytes('container_stats');
    const t1 = performance.now();
    const result = await migrate(pool, { storage: 'postgres' });
    const migrateS = (performance.now() - t1) / 1000;
    await pool.query('VACUUM ANALYZE container_samples');
    const after = await bytes('container_samples', 'container_keys');
    console.log(`${rows} samples (${CONTAINERS} containers x ${SAMPLES}) stored by 0008's schema in ${fillS.toFixed(1)} s; applied ${result.applied.join(', ')}`);
    console.log('| samples | migration 0009, s | samples/s | bytes/sample before (text keys) | after (integer keys) | after / before |');
    console.log('|---|---|---|---|---|---|');
    console.log(
      `| ${rows} | ${migrateS.toFixed(1)} | ${Math.round(rows / migrateS)} | ${(before / rows).toFixed(1)} | ${(after / rows).toFixed(1)} | ${(after / before).toFixed(2)} |`,
    );
  } finally {
    await pool.end();
    await db.drop();
    older.remove();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

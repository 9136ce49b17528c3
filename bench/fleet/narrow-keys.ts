// Prototype of the plain flavour's narrow layout (issue 14 part 6, not in the schema yet): the
// fleet's raw rows copied, in time order as the collectors write them, into a table keyed by an
// integer per (host_id, container_id) with the fixed-width columns first, under a unique index on
// (ckey, time) that is filled as the writer fills it. Measures bytes per sample and the ranking
// pass of top=N (average CPU per container over the range) on both layouts, in the same run.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';

const VALUES =
  'cpu_percent, mem_used_bytes, mem_usage_bytes, mem_limit_bytes, mem_percent, net_rx_bytes, net_tx_bytes, ' +
  'blk_read_bytes, blk_write_bytes, net_rx_delta, net_tx_delta, blk_read_delta, blk_write_delta';

export interface NarrowKeysResult {
  /** Heap + indexes of container_stats's partitions, per sample. */
  textKeysBytesPerSample: number;
  narrowBytesPerSample: number;
  narrowHeapBytesPerSample: number;
  narrowIndexBytesPerSample: number;
  /** Median ms of the ranking pass, text keys (container_stats) and integer keys (joined to the ids after). */
  rankTextKeysMs: number;
  rankNarrowMs: number;
}

export async function measureNarrowKeys(pool: Pool, fromMs: number, toMs: number, runs: number): Promise<NarrowKeysResult> {
  await pool.query(`
    DROP TABLE IF EXISTS proto_stats_narrow, proto_container_keys;
    CREATE TABLE proto_container_keys (
      ckey integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      host_id text NOT NULL, container_id text NOT NULL, UNIQUE (host_id, container_id));
    -- time 8 + ckey 4 + pids 4: the 8-byte columns that follow need no padding.
    CREATE TABLE proto_stats_narrow (
      time timestamptz NOT NULL, ckey integer NOT NULL, pids integer,
      cpu_percent double precision, mem_used_bytes bigint, mem_usage_bytes bigint, mem_limit_bytes bigint,
      mem_percent double precision, net_rx_bytes bigint, net_tx_bytes bigint, blk_read_bytes bigint,
      blk_write_bytes bigint, net_rx_delta bigint, net_tx_delta bigint, blk_read_delta bigint, blk_write_delta bigint,
      UNIQUE (ckey, time));
    CREATE INDEX ON proto_stats_narrow USING brin (time);
    INSERT INTO proto_container_keys (host_id, container_id)
      SELECT DISTINCT host_id, container_id FROM container_stats ORDER BY 1, 2;
    INSERT INTO proto_stats_narrow (time, ckey, pids, ${VALUES})
      SELECT s.time, k.ckey, s.pids, ${VALUES.split(', ').map((c) => `s.${c}`).join(', ')}
        FROM container_stats s JOIN proto_container_keys k USING (host_id, container_id)
       ORDER BY s.time, k.ckey;`);
  await pool.query('VACUUM ANALYZE proto_stats_narrow');
  const one = async (sql: string) => Number((await pool.query(sql)).rows[0].v ?? 0);
  const samples = await one('SELECT count(*) AS v FROM proto_stats_narrow');
  const text = await one("SELECT sum(pg_total_relation_size(inhrelid)) AS v FROM pg_inherits WHERE inhparent = 'container_stats'::regclass");
  const heap = await one("SELECT pg_relation_size('proto_stats_narrow') AS v");
  const indexes = await one("SELECT pg_indexes_size('proto_stats_narrow') AS v");
  const range = `time >= to_timestamp(${fromMs} / 1000.0) AND time < to_timestamp(${toMs} / 1000.0)`;
  const median = async (sql: string) => {
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      await pool.query(sql);
      ms.push(performance.now() - t);
    }
    return ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)]!;
  };
  const rankTextKeysMs = await median(`SELECT host_id, container_id, avg(cpu_percent) FROM container_stats WHERE ${range} GROUP BY 1, 2`);
  const rankNarrowMs = await median(
    `SELECT k.host_id, k.container_id, x.score FROM (
       SELECT ckey, avg(cpu_percent) AS score FROM proto_stats_narrow WHERE ${range} GROUP BY ckey) x
     JOIN proto_container_keys k USING (ckey)`,
  );
  await pool.query('DROP TABLE proto_stats_narrow, proto_container_keys');
  const per = (bytes: number) => Math.round((bytes / samples) * 10) / 10;
  return {
    textKeysBytesPerSample: per(text),
    narrowBytesPerSample: per(heap + indexes),
    narrowHeapBytesPerSample: per(heap),
    narrowIndexBytesPerSample: per(indexes),
    rankTextKeysMs,
    rankNarrowMs,
  };
}

// Plain flavour storage before and after migration 0009 (issue 14 part 6): the fleet's samples as
// they are stored now (container_samples under container_keys' integers) and copied, in time order
// as the collectors write them, into the table 0002 made (text host_id and container_id in every row
// and in the unique index, a time BRIN). Measures bytes per sample and the ranking pass of top=N
// (average CPU per container over the range) on both, in the same run.
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';

const VALUES =
  'cpu_percent, mem_used_bytes, mem_usage_bytes, mem_limit_bytes, mem_percent, net_rx_bytes, net_tx_bytes, ' +
  'blk_read_bytes, blk_write_bytes, net_rx_delta, net_tx_delta, blk_read_delta, blk_write_delta, pids';

export interface StatsKeysResult {
  /** Heap + indexes per sample: container_samples's partitions and container_keys (now). */
  integerKeysBytesPerSample: number;
  integerHeapBytesPerSample: number;
  integerIndexBytesPerSample: number;
  /** The same samples in 0002's text-keyed table (before). */
  textKeysBytesPerSample: number;
  textHeapBytesPerSample: number;
  textIndexBytesPerSample: number;
  /** Median ms of the ranking pass: through the view (now, as the API asks), grouped by the integer
   * key and joined after (the view's best case), and over the text-keyed table (before). */
  rankViewMs: number;
  rankIntegerMs: number;
  rankTextKeysMs: number;
}

export async function measureStatsKeys(pool: Pool, fromMs: number, toMs: number, runs: number): Promise<StatsKeysResult> {
  await pool.query(`
    DROP TABLE IF EXISTS before_text_keyed_stats;
    CREATE TABLE before_text_keyed_stats (
      time timestamptz NOT NULL, host_id text NOT NULL, container_id text NOT NULL,
      cpu_percent double precision, mem_used_bytes bigint, mem_usage_bytes bigint, mem_limit_bytes bigint,
      mem_percent double precision, net_rx_bytes bigint, net_tx_bytes bigint, blk_read_bytes bigint,
      blk_write_bytes bigint, net_rx_delta bigint, net_tx_delta bigint, blk_read_delta bigint, blk_write_delta bigint,
      pids integer, UNIQUE (host_id, container_id, time));
    CREATE INDEX ON before_text_keyed_stats USING brin (time);
    INSERT INTO before_text_keyed_stats (time, host_id, container_id, ${VALUES})
      SELECT time, host_id, container_id, ${VALUES} FROM container_stats ORDER BY time, host_id, container_id;`);
  await pool.query('VACUUM ANALYZE before_text_keyed_stats');
  const one = async (sql: string) => Number((await pool.query(sql)).rows[0].v ?? 0);
  const samples = await one('SELECT count(*) AS v FROM container_samples');
  const partitions = "FROM pg_inherits WHERE inhparent = 'container_samples'::regclass";
  const heap = (await one(`SELECT sum(pg_relation_size(inhrelid)) AS v ${partitions}`)) + (await one("SELECT pg_relation_size('container_keys') AS v"));
  const indexes = (await one(`SELECT sum(pg_indexes_size(inhrelid)) AS v ${partitions}`)) + (await one("SELECT pg_indexes_size('container_keys') AS v"));
  const textHeap = await one("SELECT pg_relation_size('before_text_keyed_stats') AS v");
  const textIndexes = await one("SELECT pg_indexes_size('before_text_keyed_stats') AS v");
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
  const rankViewMs = await median(`SELECT host_id, container_id, avg(cpu_percent) FROM container_stats WHERE ${range} GROUP BY 1, 2`);
  const rankIntegerMs = await median(
    `SELECT k.host_id, k.container_id, x.score FROM (
       SELECT ckey, avg(cpu_percent) AS score FROM container_samples WHERE ${range} GROUP BY ckey) x
     JOIN container_keys k USING (ckey)`,
  );
  const rankTextKeysMs = await median(`SELECT host_id, container_id, avg(cpu_percent) FROM before_text_keyed_stats WHERE ${range} GROUP BY 1, 2`);
  await pool.query('DROP TABLE before_text_keyed_stats');
  const per = (bytes: number) => Math.round((bytes / samples) * 10) / 10;
  return {
    integerKeysBytesPerSample: per(heap + indexes),
    integerHeapBytesPerSample: per(heap),
    integerIndexBytesPerSample: per(indexes),
    textKeysBytesPerSample: per(textHeap + textIndexes),
    textHeapBytesPerSample: per(textHeap),
    textIndexBytesPerSample: per(textIndexes),
    rankViewMs,
    rankIntegerMs,
    rankTextKeysMs,
  };
}

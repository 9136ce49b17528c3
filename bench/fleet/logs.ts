// Log search at fleet size for bench/fleet.bench.ts (issue 14 part 3: >= 10M lines): the corpus of
// api/test/helpers/log-corpus.ts written with the trigram index dropped and the index built after
// it (10M lines inserted under a GIN index take ~30 min here, built after ~10), then the searches
// the log viewer makes, each timed through the API and, as the reference, as the statement's own
// execution time in the server (EXPLAIN ANALYZE of exactly what LogStore sends).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { DEFAULT_SQL_DIR } from '@dockpulse/common';
import { logQuerySql, type LogQuery } from '../../api/src/logs/store';
import { CORPUS_TERMS, writeLogCorpus, type CorpusOptions } from '../../api/test/helpers/log-corpus';

const WEEK_MS = 7 * 86_400_000;

/** The trigram index exactly as sql/0004_log_search.sql creates it. */
function trigramIndexSql(): string {
  const sql = readFileSync(path.join(DEFAULT_SQL_DIR, '0004_log_search.sql'), 'utf8');
  const match = /CREATE INDEX IF NOT EXISTS container_logs_message_trgm[^;]*;/.exec(sql);
  if (!match) throw new Error('container_logs_message_trgm not found in 0004_log_search.sql');
  return match[0];
}

export interface CorpusTimings {
  writeS: number;
  indexS: number;
}

/** The trigram index built over what the table holds, as its owner (`pool`); seconds taken. */
export async function buildTrigramIndex(pool: Pool): Promise<number> {
  const client = await pool.connect();
  try {
    // GIN's bulk build sorts its entries in maintenance_work_mem; the default 64 MB spills 10M lines'
    // trigrams to many passes.
    await client.query("SET maintenance_work_mem = '1GB'");
    const t = performance.now();
    await client.query(trigramIndexSql());
    return (performance.now() - t) / 1000;
  } finally {
    client.release();
  }
}

/** The corpus, then the trigram index over it (as the table's owner, `pool`). */
export async function writeIndexedCorpus(pool: Pool, o: CorpusOptions): Promise<CorpusTimings> {
  await pool.query('DROP INDEX IF EXISTS container_logs_message_trgm');
  const t = performance.now();
  await writeLogCorpus(pool, o);
  const writeS = (performance.now() - t) / 1000;
  return { writeS, indexS: await buildTrigramIndex(pool) };
}

export interface LogSearch {
  name: string;
  /** What the log viewer sends. */
  path: string;
  /** What LogStore runs for it (the route asks one line more than the page). */
  query: LogQuery;
}

/** The log viewer's searches over the default week, newest first, 500 a page. */
export function logSearches(toMs: number, one: { name: string; host_id: string }): LogSearch[] {
  const fromMs = toMs - WEEK_MS;
  const range = `from=${fromMs}&to=${toMs}`;
  const base = { fromMs, toMs, limit: 501 };
  return [
    { name: `logs q=${CORPUS_TERMS.rare} (rare)`, path: `/api/v1/logs?q=${CORPUS_TERMS.rare}&${range}`, query: { ...base, q: CORPUS_TERMS.rare } },
    { name: `logs q=${CORPUS_TERMS.common} (common, first page)`, path: `/api/v1/logs?q=${encodeURIComponent(CORPUS_TERMS.common)}&${range}`, query: { ...base, q: CORPUS_TERMS.common } },
    {
      name: 'logs of one container, common term',
      path: `/api/v1/logs?containers=${one.name}&host=${one.host_id}&q=${encodeURIComponent(CORPUS_TERMS.common)}&${range}`,
      query: { ...base, q: CORPUS_TERMS.common, containers: [one.name], host: one.host_id },
    },
  ];
}

interface ExplainRoot { 'Execution Time': number; 'Planning Time': number; Plan: { 'Shared Hit Blocks': number; 'Shared Read Blocks': number } }

/**
 * The reference: the statement's execution in the server, median of `runs`, with the buffers of the
 * last run (8 kB pages found in shared buffers / read from the OS). `reader` is the API's role.
 */
export async function serverSideMs(reader: Pool, q: LogQuery, runs: number): Promise<{ ms: number; planningMs: number; hit: number; read: number }> {
  const sql = logQuerySql(q);
  const exec: number[] = [];
  let last: ExplainRoot | undefined;
  for (let i = 0; i < runs; i++) {
    const { rows } = await reader.query({ text: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql.text}`, values: sql.values });
    last = rows[0]['QUERY PLAN'][0] as ExplainRoot;
    exec.push(last['Execution Time']);
  }
  exec.sort((a, b) => a - b);
  return { ms: exec[Math.floor(exec.length / 2)]!, planningMs: last!['Planning Time'], hit: last!.Plan['Shared Hit Blocks'], read: last!.Plan['Shared Read Blocks'] };
}

/** The text plan, for the bench's output when a target is missed (--logs-explain=true). */
export async function explainText(reader: Pool, q: LogQuery): Promise<string> {
  const sql = logQuerySql(q);
  const { rows } = await reader.query({ text: `EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`, values: sql.values });
  return rows.map((r) => r['QUERY PLAN'] as string).join('\n');
}

/** One row of the bench's table per search: the server-side reference, with `label` after its name. */
export async function referenceRows(reader: Pool, searches: LogSearch[], runs: number, label: string, explain: boolean): Promise<Array<{ query: string; ms: number; note: string }>> {
  const rows: Array<{ query: string; ms: number; note: string }> = [];
  for (const s of searches) {
    const query = `${s.name}, ${label}: in the server (reference)`;
    try {
      const r = await serverSideMs(reader, s.query, runs);
      rows.push({ query, ms: Math.round(r.ms * 10) / 10, note: `planning ${r.planningMs.toFixed(1)} ms; 8 kB buffers hit ${r.hit}, read ${r.read}` });
      if (explain) console.log(`\n-- ${s.name}, ${label}\n${await explainText(reader, s.query)}`);
    } catch (err) {
      // The reader role's statement_timeout (deploy/initdb/10-dockpulse-roles.sh) ends a sequential
      // scan of a large table: that is the figure, not a failure of the bench.
      if ((err as { code?: string }).code !== '57014') throw err;
      rows.push({ query, ms: NaN, note: `statement timeout (${(await reader.query('SHOW statement_timeout')).rows[0].statement_timeout})` });
    }
  }
  return rows;
}

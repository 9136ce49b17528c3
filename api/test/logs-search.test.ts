// Log search on a realistic table: the trigram index (sql/0004_log_search.sql) is usable and
// chosen for the statement the API sends (logQuerySql), rare terms and escaped wildcards alike; a
// common term reads the newest partition only; a container filter reads that container's lines.
// Plain PostgreSQL always; TimescaleDB too when TIMESCALEDB_TEST_URL names a server.
import { testServers } from '@dockpulse/common/testing';
import { logQuerySql, type LogQuery } from '@dockpulse/api/logs/store';
import { startWithDatabase, type Harness } from './helpers/harness';
import { CORPUS_TERMS, writeLogCorpus } from './helpers/log-corpus';
import { container, host, seed } from './helpers/seed';

const DAY_MS = 86_400_000;
// Enough lines that the planner's choices are the ones a production table gets (a seq scan of a
// few thousand rows wins any plan); two whole UTC days that ended yesterday, so both daily
// partitions (or chunks) are full whatever the hour the test runs at.
const LINES = 120_000;
const NOW_MS = Math.floor(Date.now() / DAY_MS) * DAY_MS - DAY_MS;
const FROM_MS = NOW_MS - 2 * DAY_MS;
const HOSTS = Array.from({ length: 4 }, (_, i) => host(`h${i}`, `host-${i}`));
const FLEET = Array.from({ length: 40 }, (_, i) => container(`h${i % 4}`, `app-${i}`));

interface PlanNode { 'Node Type': string; 'Index Name'?: string; 'Relation Name'?: string; 'Actual Loops'?: number; Plans?: PlanNode[] }
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

describe.each(testServers())('log search on $flavour', ({ flavour, serverUrl }) => {
  let h: Harness;
  /** The trigram index on every partition or chunk: what the plans must name. */
  let trigramIndexes: Set<string>;

  beforeAll(async () => {
    h = await startWithDatabase({ cache: 'off', serverUrl: flavour === 'postgres' ? undefined : serverUrl });
    await seed(h.writerPool, (write) => {
      for (const x of HOSTS) write('hosts', x);
      for (const c of FLEET) write('container_info', c);
    });
    await writeLogCorpus(h.writerPool, { lines: LINES, fromMs: FROM_MS, toMs: NOW_MS, containers: FLEET.map((c) => ({ hostId: c.host_id, containerId: c.container_id })) });
    await h.writerPool.query('ANALYZE container_logs');
    // Partition indexes hang off the parent's (pg_inherits); TimescaleDB names each chunk's after it.
    const { rows } = await h.writerPool.query<{ relname: string }>(
      `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'container_logs_message_trgm'::regclass
       UNION SELECT relname FROM pg_class WHERE relkind = 'i' AND relname LIKE '%chunk_container_logs_message_trgm'
       UNION SELECT 'container_logs_message_trgm'`,
    );
    trigramIndexes = new Set(rows.map((r) => r.relname));
  }, 300_000);
  afterAll(() => h?.close());

  /** EXPLAIN ANALYZE of exactly what LogStore sends, as the API's read-only role. */
  async function plan(q: Partial<LogQuery>): Promise<PlanNode[]> {
    const sql = logQuerySql({ fromMs: FROM_MS, toMs: NOW_MS, limit: 501, ...q });
    const { rows } = await h.pool.query({ text: `EXPLAIN (ANALYZE, FORMAT JSON, TIMING OFF) ${sql.text}`, values: sql.values });
    return nodes(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
  }
  const onLogs = (n: PlanNode) => /container_logs|_chunk/.test(n['Relation Name'] ?? n['Index Name'] ?? '');
  const seqScansOfLogs = (ns: PlanNode[]) => ns.filter((n) => n['Node Type'] === 'Seq Scan' && onLogs(n));
  const trigramScans = (ns: PlanNode[]) => ns.filter((n) => n['Index Name'] !== undefined && trigramIndexes.has(n['Index Name']));
  const search = async (q: string, extra = "&limit=1000") => (await h.get(`/api/v1/logs?q=${encodeURIComponent(q)}&from=${FROM_MS}&to=${NOW_MS}${extra}`)).body;
  const count = async (literal: string) =>
    Number((await h.writerPool.query('SELECT count(*) FROM container_logs WHERE strpos(lower(message), lower($1)) > 0', [literal])).rows[0].count);

  it('a rare term is found through the trigram index, on every partition, without a sequential scan', async () => {
    const ns = await plan({ q: CORPUS_TERMS.rare });
    expect(trigramScans(ns).length).toBeGreaterThanOrEqual(2);
    expect(seqScansOfLogs(ns)).toEqual([]);
    const body = await search(CORPUS_TERMS.rare);
    expect(body.items.length).toBe(await count(CORPUS_TERMS.rare));
    expect(body.items.length).toBeGreaterThan(0);
  });

  it('% and _ in the search are escaped, match only themselves, and still use the index', async () => {
    const ns = await plan({ q: CORPUS_TERMS.wildcard });
    expect(trigramScans(ns).length).toBeGreaterThanOrEqual(2);
    expect(seqScansOfLogs(ns)).toEqual([]);
    const body = await search(CORPUS_TERMS.wildcard);
    const expected = await count(CORPUS_TERMS.wildcard);
    expect(expected).toBeGreaterThan(0);
    expect(body.items.length).toBe(expected);
    for (const line of body.items) expect(line.message).toContain('95%_full');
    // Unescaped, "95%_full" would also match "95 is full" and "95xxfull"; escaped, it matches none.
    expect((await search('9%_f')).items).toEqual([]);
  });

  it('a common term reads newest first and stops at the first page: older partitions are never scanned', async () => {
    const ns = await plan({ q: CORPUS_TERMS.common });
    const logScans = ns.filter((n) => /Scan/.test(n['Node Type']) && onLogs(n));
    expect(logScans.some((n) => n['Actual Loops'] === 0)).toBe(true);
    expect(seqScansOfLogs(ns)).toEqual([]);
    const body = await search(CORPUS_TERMS.common, '&limit=500');
    expect(body.items).toHaveLength(500);
    expect(body.nextCursor).not.toBeNull();
    const times = body.items.map((l: { timeUs: string }) => BigInt(l.timeUs));
    expect(times).toEqual([...times].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
  });

  it("a container filter reads that container's lines by the (host, container, time) index, not the fleet's", async () => {
    const ns = await plan({ q: CORPUS_TERMS.common, containers: ['app-7'] });
    expect(seqScansOfLogs(ns)).toEqual([]);
    expect(ns.some((n) => /host_id_container_id/.test(n['Index Name'] ?? ''))).toBe(true);
    const body = await search(CORPUS_TERMS.common, '&containers=app-7&limit=5000');
    expect(body.items.length).toBeGreaterThan(0);
    expect(new Set(body.items.map((l: { containerName: string }) => l.containerName))).toEqual(new Set(['app-7']));
  });
});

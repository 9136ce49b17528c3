// What TimescaleDB's compressed raw stats would weigh if they stored less (issue 14's ≤ 25 B target):
// the fleet's stored rows copied into hypertables without the derivable columns, compressed with the
// schema's own segmentby/orderby, and weighed like the schema's table. Also the schema's compressed
// bytes per column, which say where the bytes go.
import type { Pool } from 'pg';

const DELTAS = ['net_rx_delta', 'net_tx_delta', 'blk_read_delta', 'blk_write_delta'];
const COUNTERS = ['net_rx_bytes', 'net_tx_bytes', 'blk_read_bytes', 'blk_write_bytes'];

interface Layout {
  name: string;
  /** Columns of container_stats left out. */
  drop: string[];
  /** cpu_percent stored as integer hundredths of a percent (cpu_centi). */
  cpuHundredths: boolean;
}

const LAYOUTS: Layout[] = [
  { name: 'the schema as stored (since 0010 the counters, mem_usage_bytes and mem_percent are NULL)', drop: [], cpuHundredths: false },
  { name: 'without mem_percent (used / limit on read)', drop: ['mem_percent'], cpuHundredths: false },
  { name: 'and without the four deltas (the counters\' differences, except across a restart)', drop: ['mem_percent', ...DELTAS], cpuHundredths: false },
  { name: 'and CPU in integer hundredths of a percent', drop: ['mem_percent', ...DELTAS], cpuHundredths: true },
  { name: 'the deltas kept instead of the counters, CPU in hundredths, no mem_percent', drop: ['mem_percent', ...COUNTERS], cpuHundredths: true },
];

export interface LayoutSize {
  layout: string;
  bytesPerSample: number;
  ofSchema: number;
}

export async function measureTimescaleLayouts(pool: Pool, rows: number): Promise<{ layouts: LayoutSize[]; perColumn: Record<string, number> }> {
  const columns = (await pool.query<{ column_name: string }>(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'container_stats' ORDER BY ordinal_position",
  )).rows.map((r) => r.column_name);
  const settings = (await pool.query<{ attname: string; segmentby_column_index: number | null; orderby_column_index: number | null; orderby_asc: boolean | null }>(
    `SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc FROM timescaledb_information.compression_settings
      WHERE hypertable_schema = current_schema() AND hypertable_name = 'container_stats'`,
  )).rows;
  const segmentBy = settings.filter((s) => s.segmentby_column_index !== null).sort((a, b) => a.segmentby_column_index! - b.segmentby_column_index!).map((s) => s.attname).join(', ');
  const orderBy = settings.filter((s) => s.orderby_column_index !== null).sort((a, b) => a.orderby_column_index! - b.orderby_column_index!)
    .map((s) => `${s.attname} ${s.orderby_asc ? 'ASC' : 'DESC'}`).join(', ');

  const layouts: LayoutSize[] = [];
  let schemaBytes = 0;
  for (const [i, layout] of LAYOUTS.entries()) {
    const table = `dockpulse_bench_layout_${i}`;
    const select = columns.filter((c) => !layout.drop.includes(c))
      .map((c) => (c === 'cpu_percent' && layout.cpuHundredths ? 'round(cpu_percent * 100)::integer AS cpu_centi' : c)).join(', ');
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.query(`CREATE TABLE ${table} AS SELECT ${select} FROM container_stats WITH NO DATA`);
    await pool.query(`ALTER TABLE ${table} ALTER COLUMN time SET NOT NULL`);
    await pool.query(`SELECT create_hypertable('${table}', by_range('time', INTERVAL '1 day'))`);
    await pool.query(`INSERT INTO ${table} SELECT ${select} FROM container_stats`);
    await pool.query(`ALTER TABLE ${table} SET (timescaledb.compress, timescaledb.compress_segmentby = '${segmentBy}', timescaledb.compress_orderby = '${orderBy}')`);
    await pool.query(`SELECT count(compress_chunk(c)) FROM show_chunks('${table}') c`);
    const bytes = Number((await pool.query(`SELECT hypertable_size('${table}') AS v`)).rows[0].v);
    await pool.query(`DROP TABLE ${table}`);
    if (i === 0) schemaBytes = bytes;
    layouts.push({ layout: layout.name, bytesPerSample: Math.round((bytes / rows) * 10) / 10, ofSchema: Math.round((bytes / schemaBytes) * 100) / 100 });
  }

  // The schema's compressed chunks (compressed by the caller): their columns' stored bytes.
  const chunks = (await pool.query<{ c: string }>(
    `SELECT format('%I.%I', cc.schema_name, cc.table_name) AS c
       FROM _timescaledb_catalog.chunk ch JOIN _timescaledb_catalog.chunk cc ON cc.id = ch.compressed_chunk_id
       JOIN _timescaledb_catalog.hypertable h ON h.id = ch.hypertable_id
      WHERE h.schema_name = current_schema() AND h.table_name = 'container_stats'`,
  )).rows.map((r) => r.c);
  const perColumn: Record<string, number> = {};
  for (const chunk of chunks) {
    for (const c of columns) {
      const v = Number((await pool.query(`SELECT coalesce(sum(pg_column_size(${c})), 0) AS v FROM ${chunk}`)).rows[0].v);
      perColumn[c] = (perColumn[c] ?? 0) + v;
    }
  }
  for (const c of columns) perColumn[c] = Math.round(((perColumn[c] ?? 0) / rows) * 100) / 100;
  return { layouts, perColumn };
}

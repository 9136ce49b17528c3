import { statsRow, sleep, waitFor } from './support/writer-rows';
import { writerFixture } from './support/writer-db';

const fx = writerFixture();
const { newWriter, count } = fx;

describe('BatchWriter flushing', () => {
  it('flushes as soon as a batch is full, long before the flush interval', async () => {
    const writer = await newWriter({ batchSize: 500, flushIntervalMs: 60_000 });
    for (let i = 0; i < 499; i++) writer.write('container_stats', statsRow(i, undefined, 'c-size'));
    await sleep(300);
    expect(await count("container_stats WHERE container_id = 'c-size'")).toBe(0);
    writer.write('container_stats', statsRow(499, undefined, 'c-size'));
    await waitFor('the full batch to be stored', async () => (await count("container_stats WHERE container_id = 'c-size'")) === 500, 5_000);
    expect(writer.state()).toMatchObject({ bufferedRows: 0, flushedRows: 500 });
  });

  it('flushes a partial batch when the flush interval has passed', async () => {
    const writer = await newWriter({ batchSize: 1000, flushIntervalMs: 1000 });
    // Checked by what the writer asked for, not by elapsed time: a loaded machine runs timers late.
    const timers = jest.spyOn(global, 'setTimeout');
    try {
      for (let i = 0; i < 7; i++) writer.write('container_stats', statsRow(i, undefined, 'c-time'));
      expect(writer.state()).toMatchObject({ bufferedRows: 7, flushedRows: 0 });
      expect(timers.mock.calls.filter(([, ms]) => ms === 1000)).toHaveLength(1); // one timer for the batch, not one per row
    } finally {
      timers.mockRestore();
    }
    await waitFor('the timed flush', async () => (await count("container_stats WHERE container_id = 'c-time'")) === 7, 10_000);
    expect(writer.state()).toMatchObject({ bufferedRows: 0, flushedRows: 7 });
  });

  it('close() stores what is still buffered', async () => {
    const writer = await newWriter({ batchSize: 1000 });
    for (let i = 0; i < 42; i++) writer.write('container_stats', statsRow(i, undefined, 'c-close'));
    expect(await count("container_stats WHERE container_id = 'c-close'")).toBe(0);
    await writer.close();
    expect(await count("container_stats WHERE container_id = 'c-close'")).toBe(42);
    expect(writer.state()).toMatchObject({ bufferedRows: 0, spooledRows: 0, flushedRows: 42 });
    expect(() => writer.write('container_stats', statsRow(43))).toThrow(/after close/);
  });

  it('writes every table of a flush in one transaction, one statement per table', async () => {
    await fx.pool.query(`
      CREATE TABLE IF NOT EXISTS test_statements (id bigserial, tbl text);
      CREATE OR REPLACE FUNCTION test_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO test_statements (tbl) VALUES (TG_TABLE_NAME); RETURN NULL; END $$;
      CREATE OR REPLACE TRIGGER test_count_stats AFTER INSERT ON container_samples FOR EACH STATEMENT EXECUTE FUNCTION test_count_statement();
      CREATE OR REPLACE TRIGGER test_count_versions AFTER INSERT ON image_versions FOR EACH STATEMENT EXECUTE FUNCTION test_count_statement();`);
    try {
      const writer = await newWriter({ batchSize: 1000 });
      for (let i = 0; i < 300; i++) writer.write('container_stats', statsRow(i, undefined, 'c-tx'));
      writer.write('image_versions', { time: new Date(), host_id: 'h', repository: 'r', tag: 't', image_id: 'sha256:tx', digest: null, previous_image_id: null });
      await writer.flush();
      const xmins = await fx.pool.query<{ x: string }>(
        `SELECT DISTINCT s.xmin::text AS x FROM container_samples s JOIN container_keys USING (ckey) WHERE container_id = 'c-tx'
         UNION SELECT DISTINCT xmin::text FROM image_versions WHERE image_id = 'sha256:tx'`,
      );
      expect(await count("container_stats WHERE container_id = 'c-tx'")).toBe(300);
      expect(xmins.rows).toHaveLength(1);
      const statements = await fx.pool.query<{ tbl: string }>('SELECT tbl FROM test_statements ORDER BY id');
      expect(statements.rows.map((r) => r.tbl).sort()).toEqual(['container_samples', 'image_versions']);
    } finally {
      await fx.pool.query('DROP TRIGGER test_count_stats ON container_samples; DROP TRIGGER test_count_versions ON image_versions');
    }
  });
});

// A test database and the writers made on it, all cleaned up by the calling test file's hooks.
import type { Pool } from 'pg';
import { createPool } from '@dockpulse/common';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase, type TestServer } from '@dockpulse/common/testing';
import { BatchWriter, type BatchWriterOptions } from '@dockpulse/collector/writer';
import { tempSpoolDir } from './writer-rows';

export interface WriterFixture {
  readonly pool: Pool;
  /** The writer role's URL of the test database. */
  readonly url: string;
  newWriter(options?: Partial<BatchWriterOptions>): Promise<BatchWriter>;
  count(fromWhere: string, params?: unknown[]): Promise<number>;
}

/**
 * Registers beforeAll/afterEach/afterAll hooks: one database per file (per describe block that
 * calls it) on `server`, writers of its flavour closed per test.
 */
export function writerFixture(server: TestServer = { flavour: 'postgres', serverUrl: TEST_DATABASE_URL }): WriterFixture {
  let db: TestDatabase | undefined;
  let pool: Pool | undefined;
  const writers: BatchWriter[] = [];
  beforeAll(async () => {
    db = await createTestDatabase({ flavour: server.flavour, serverUrl: server.serverUrl });
    pool = createPool({ connectionString: db.url });
  });
  afterEach(async () => {
    await Promise.all(writers.splice(0).map((w) => w.close()));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });
  const need = () => {
    if (!pool) throw new Error('writerFixture: the database is not ready (beforeAll failed?)');
    return pool;
  };
  return {
    get pool() {
      return need();
    },
    get url() {
      if (!db) throw new Error('writerFixture: the database is not ready (beforeAll failed?)');
      return db.url;
    },
    async newWriter(options = {}) {
      const writer = new BatchWriter({ pool: need(), flavour: server.flavour, spoolDir: tempSpoolDir(), flushIntervalMs: 60_000, ...options });
      writers.push(writer);
      await writer.start();
      return writer;
    },
    async count(fromWhere, params = []) {
      const r = await need().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${fromWhere}`, params);
      return r.rows[0]?.n ?? -1;
    },
  };
}

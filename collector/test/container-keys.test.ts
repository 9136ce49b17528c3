// The plain flavour's integer container keys (sql/0009): fetched once per container, kept across
// batches, bounded, and committed even when the batch that needed them is not.
import type { ClientBase } from 'pg';
import { ContainerKeys } from '@dockpulse/collector/writer/container-keys';
import type { Row } from '@dockpulse/collector/writer/statements';
import { BatchStore } from '@dockpulse/collector/writer/store';
import { writerFixture } from './support/writer-db';
import { statsRow } from './support/writer-rows';

const fx = writerFixture();
/** A stats row of container `id`, as the store hands rows on. */
const row = (index: number, id: string): Row => statsRow(index, undefined, id) as unknown as Row;

/** A client of the test pool whose queries are counted. */
async function countingClient(): Promise<{ client: ClientBase; queries: () => number; release: () => void }> {
  const client = await fx.pool.connect();
  let n = 0;
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const counted = new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === 'query') return (...args: unknown[]) => ((n += 1), query(...args));
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
  return { client: counted, queries: () => n, release: () => client.release() };
}

const keysInDb = async () =>
  Object.fromEntries(
    (await fx.pool.query<{ k: string; ckey: number }>("SELECT host_id || '/' || container_id AS k, ckey FROM container_keys")).rows.map((r) => [r.k, r.ckey]),
  );

describe('ContainerKeys', () => {
  it('turns stats rows into samples under the database key, asking once per container', async () => {
    const { client, queries, release } = await countingClient();
    try {
      const keys = new ContainerKeys();
      const rows = [row(0, 'k-one'), row(1, 'k-two'), row(2, 'k-one')];
      const samples = await keys.samplesOf(client, rows);
      expect(queries()).toBe(1);
      const stored = await keysInDb();
      expect(samples.map((s) => s.ckey)).toEqual([stored['host-test/k-one'], stored['host-test/k-two'], stored['host-test/k-one']]);
      // the figures travel unchanged, without the text keys
      expect(samples[1]).toEqual({ ...Object.fromEntries(Object.entries(rows[1]!).filter(([k]) => k !== 'host_id' && k !== 'container_id')), ckey: stored['host-test/k-two'] });
      await keys.samplesOf(client, [row(3, 'k-two')]);
      expect(queries()).toBe(1);
      // a second collector process (a new cache) gets the same keys
      const again = await new ContainerKeys().samplesOf(client, [row(4, 'k-one')]);
      expect(again[0]!.ckey).toBe(stored['host-test/k-one']);
    } finally {
      release();
    }
  });

  it('starts its memory again past its bound and still keys every row of the batch', async () => {
    const { client, release } = await countingClient();
    try {
      const keys = new ContainerKeys(2);
      await keys.samplesOf(client, [row(0, 'b-1'), row(0, 'b-2')]);
      expect(keys.cached).toBe(2);
      const samples = await keys.samplesOf(client, [row(1, 'b-1'), row(1, 'b-3')]);
      const stored = await keysInDb();
      expect(samples.map((s) => s.ckey)).toEqual([stored['host-test/b-1'], stored['host-test/b-3']]);
      expect(keys.cached).toBe(2);
    } finally {
      release();
    }
  });

  it('keeps the keys of a batch whose transaction rolled back, so its retry is stored under them', async () => {
    // Fails every insert of samples until the test removes it: the batch's transaction rolls back
    // (not a row error, so the store keeps the batch for a retry).
    await fx.pool.query(`
      CREATE FUNCTION test_refuse_samples() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'test: the database refuses the batch'; END $$;
      CREATE TRIGGER test_refuse_samples BEFORE INSERT ON container_samples FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_samples();`);
    const store = new BatchStore(fx.pool, 'postgres');
    const entries = [
      { table: 'container_stats' as const, row: row(0, 'k-rolled-back') },
      { table: 'image_versions' as const, row: { time: new Date(), host_id: 'h', repository: 'r', tag: 't', image_id: 'sha256:rb', digest: null, previous_image_id: null } },
    ];
    await expect(store.store(entries, new Set())).rejects.toThrow('test: the database refuses the batch');
    expect(await fx.count("image_versions WHERE image_id = 'sha256:rb'")).toBe(0);
    await fx.pool.query('DROP TRIGGER test_refuse_samples ON container_samples');
    expect(await store.store(entries, new Set())).toEqual({ storedRows: 2, droppedRows: 0 });
    expect(await fx.count("container_stats WHERE container_id = 'k-rolled-back'")).toBe(1);
  });
});

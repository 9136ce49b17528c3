// When the spool forces appended rows to disk, against real files and a real PostgreSQL: each
// append is fdatasynced a flush interval after it was made unless the database stored its rows by
// then. With the database answering, rows written without pause are stored first and never synced;
// with it away, every flush interval with appends costs one sync, however many appends it holds.
import { writerFixture } from './support/writer-db';
import { sleep, statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const fx = writerFixture();

/** Writes `perTick` rows every `tickMs` for `forMs`; returns how many. */
async function writeSteadily(write: (i: number) => void, tickMs: number, forMs: number, perTick = 5): Promise<number> {
  let written = 0;
  for (const end = Date.now() + forMs; Date.now() < end; ) {
    for (let i = 0; i < perTick; i++) write(written++);
    await sleep(tickMs);
  }
  return written;
}

describe('spool fdatasync', () => {
  it('with the database answering, rows written without pause are stored within their flush interval and never synced', async () => {
    const c = 'c-sync-up';
    const base = Date.now() - 4 * 3_600_000;
    // The defaults: SPOOL_SYNC_DELAY 500 ms, WRITER_FLUSH_INTERVAL 2 s.
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), spoolSyncDelayMs: 500, flushIntervalMs: 2000 });
    writer.write('container_stats', statsRow(0, base, c));
    // The first segment and its directory entry made (one fsync), a connection made.
    await waitFor('the first group commit', () => writer.state().spoolAppends === 1);
    await writer.flush();
    const before = writer.state();
    const written = await writeSteadily((i) => writer.write('container_stats', statsRow(1 + i, base, c)), 100, 6_000);
    await waitFor('every row stored', () => writer.state().spooledRows === 0 && writer.state().bufferedRows === 0, 10_000);
    await sleep(2_500); // past the last append's deadline
    const after = writer.state();
    expect(after.spoolAppends - before.spoolAppends).toBeGreaterThanOrEqual(6); // several group commits in each flush interval
    expect(after.spoolSyncs - before.spoolSyncs).toBe(0);
    expect(await fx.count('container_stats WHERE container_id = $1', [c])).toBe(written + 1);
  }, 30_000);

  it('with the database answering, a cycle appended at its end is stored by the flush due with its fdatasync, and never synced', async () => {
    const c = 'c-sync-cycle';
    const base = Date.now() - 2 * 3_600_000;
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), spoolSyncDelayMs: 2000, flushIntervalMs: 300 });
    writer.write('container_stats', statsRow(0, base, c));
    writer.endOfCycle();
    await writer.flush(); // the first segment's directory entry synced, a connection made
    const before = writer.state();
    let written = 1;
    for (let cycle = 0; cycle < 8; cycle++) {
      // The first row arms the flush, the cycle's end appends and arms the sync: both due together.
      for (let i = 0; i < 20; i++) writer.write('container_stats', statsRow(written++, base, c));
      writer.endOfCycle();
      // The cycle stored before the next begins, so each cycle's first row arms a flush of its own.
      await waitFor('the cycle stored', () => writer.state().spooledRows === 0 && writer.state().bufferedRows === 0, 10_000);
    }
    await waitFor('every row stored', () => writer.state().spooledRows === 0 && writer.state().bufferedRows === 0, 10_000);
    await sleep(700); // past the last append's deadline
    const after = writer.state();
    expect(after.spoolAppends - before.spoolAppends).toBe(8);
    expect(after.spoolSyncs - before.spoolSyncs).toBe(0);
    expect(await fx.count('container_stats WHERE container_id = $1', [c])).toBe(written);
  }, 30_000);

  it('with the database away, rows written without pause cost one fdatasync per flush interval', async () => {
    const c = 'c-sync-down';
    const base = Date.now() - 3 * 3_600_000;
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), flavour: undefined, spoolSyncDelayMs: 50, flushIntervalMs: 500 });
    writer.write('container_stats', statsRow(0, base, c));
    await waitFor('the first group commit', () => writer.state().spoolAppends === 1);
    const before = writer.state();
    const startMs = Date.now();
    await writeSteadily((i) => writer.write('container_stats', statsRow(1 + i, base, c)), 20, 3_000);
    await waitFor('the last group commit', () => writer.state().bufferedRows === 0);
    const elapsedMs = Date.now() - startMs;
    await sleep(700); // past the last append's deadline
    const after = writer.state();
    const appends = after.spoolAppends - before.spoolAppends;
    const syncs = after.spoolSyncs - before.spoolSyncs;
    expect(appends).toBeGreaterThanOrEqual(20);
    // At least one a flush interval for rows that stay unstored, never more than one per interval (+1: the last one).
    expect(syncs).toBeGreaterThanOrEqual(Math.floor(3_000 / 500) - 1);
    expect(syncs).toBeLessThanOrEqual(Math.ceil(elapsedMs / 500) + 1);
  }, 30_000);
});

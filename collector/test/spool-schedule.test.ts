// When the writer appends rows to its spool, against real files and a real PostgreSQL: a stats
// cycle's samples (which a restarted collector cannot take again) in one append when the cycle
// ends, and at most SPOOL_SYNC_DELAY after they were written; every other row (read or collected
// again after a restart) with the next append, at the latest when a flush begins to store it.
import type { ContainerLogRow } from '@dockpulse/common';
import { writerFixture } from './support/writer-db';
import { sleep, statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const fx = writerFixture();

const logRow = (index: number, base: number, containerId: string): ContainerLogRow => ({
  time: new Date(base + index), host_id: 'host-test', container_id: containerId, stream: 'stdout', seq: index, message: `line ${index}`,
});

describe('spool group commits', () => {
  it("appends a stats cycle's rows at once when the cycle ends, in one append with the log lines written before them", async () => {
    const base = Date.now() - 2 * 3_600_000;
    // SPOOL_SYNC_DELAY longer than the test: only endOfCycle() can have made the append.
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), flavour: undefined, spoolSyncDelayMs: 2000, flushIntervalMs: 5000 });
    for (let i = 0; i < 5; i++) writer.write('container_logs', logRow(i, base, 'c-sched-cycle'));
    for (let i = 0; i < 50; i++) writer.write('container_stats', statsRow(i, base, 'c-sched-cycle'));
    const before = writer.state();
    expect(before).toMatchObject({ bufferedRows: 55, spooledRows: 0 });
    writer.endOfCycle();
    expect(writer.state()).toMatchObject({ bufferedRows: 0, spooledRows: 55, spoolAppends: before.spoolAppends + 1 });
    writer.endOfCycle(); // nothing new: no empty append
    expect(writer.state().spoolAppends).toBe(before.spoolAppends + 1);
    await writer.close();
  });

  it('with the database away, log lines written without pause are appended once per flush interval, not once per SPOOL_SYNC_DELAY', async () => {
    const base = Date.now() - 3 * 3_600_000;
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), flavour: undefined, spoolSyncDelayMs: 20, flushIntervalMs: 500 });
    writer.write('container_logs', logRow(0, base, 'c-sched-logs'));
    await waitFor('the first group commit', () => writer.state().spoolAppends === 1);
    const startMs = Date.now();
    let written = 1;
    while (Date.now() - startMs < 2_000) {
      for (let i = 0; i < 5; i++) writer.write('container_logs', logRow(written++, base, 'c-sched-logs'));
      await sleep(20);
    }
    await waitFor('the last group commit', () => writer.state().bufferedRows === 0);
    const elapsedMs = Date.now() - startMs;
    const appends = writer.state().spoolAppends - 1;
    // One a flush interval (+1: the last rows' own); a SPOOL_SYNC_DELAY window each would be ~100.
    expect(appends).toBeGreaterThanOrEqual(2);
    expect(appends).toBeLessThanOrEqual(Math.ceil(elapsedMs / 500) + 1);
    expect(writer.state().spooledRows).toBe(written);
    await writer.close();
  }, 30_000);

  it('a stats row reaches the spool within SPOOL_SYNC_DELAY without the end of its cycle, taking the log lines before it along', async () => {
    const base = Date.now() - 5 * 3_600_000;
    // A flush interval longer than the test: only the stats row's deadline can make the append.
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), flavour: undefined, spoolSyncDelayMs: 20, flushIntervalMs: 120_000 });
    writer.write('container_logs', logRow(0, base, 'c-sched-bound'));
    await sleep(300); // 15 sync delays: a log line alone waits for the flush interval
    expect(writer.state()).toMatchObject({ bufferedRows: 1, spoolAppends: 0 });
    writer.write('container_stats', statsRow(0, base, 'c-sched-bound'));
    await waitFor('the stats row appended', () => writer.state().bufferedRows === 0);
    expect(writer.state()).toMatchObject({ spooledRows: 2, spoolAppends: 1 });
    await writer.close();
  }, 30_000);

  it('rows written while a batch is stored wait for the next flush: no append and no transaction of their own right after it', async () => {
    const base = Date.now() - 6 * 3_600_000;
    const id = 'c-sched-in-flight';
    const logsOf = (from: number) => fx.count('container_logs WHERE container_id = $1 AND seq >= $2', [id, from]);
    // A batch of 3 starts a store at once; the flush interval is longer than the test.
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), spoolSyncDelayMs: 2000, flushIntervalMs: 120_000, batchSize: 3 });
    const lock = await fx.pool.connect();
    try {
      // The store waits on this lock, so rows can be written while it is in flight.
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE container_logs IN SHARE MODE');
      for (let i = 0; i < 3; i++) writer.write('container_logs', logRow(i, base, id));
      await waitFor('the store waiting on the lock', async () =>
        (await fx.count("pg_locks WHERE NOT granted AND relation = 'container_logs'::regclass")) > 0);
      const appendsInFlight = writer.state().spoolAppends;
      for (let i = 3; i < 5; i++) writer.write('container_logs', logRow(i, base, id));
      await lock.query('COMMIT');
      await waitFor('the batch stored', () => writer.state().flushedRows >= 3);
      await sleep(500); // the pump's next round, before this change, came right after the store
      expect(writer.state()).toMatchObject({ flushedRows: 3, bufferedRows: 2, spoolAppends: appendsInFlight });
      expect(await logsOf(3)).toBe(0);
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      lock.release();
    }
    await writer.flush(); // what the next flush does: one append and one transaction for them
    expect(await logsOf(0)).toBe(5);
    expect(writer.state()).toMatchObject({ flushedRows: 5, bufferedRows: 0, spooledRows: 0 });
  }, 30_000);

  it('a flush appends the rows it stores before storing them', async () => {
    const base = Date.now() - 4 * 3_600_000;
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), spoolSyncDelayMs: 2000, flushIntervalMs: 5000 });
    for (let i = 0; i < 20; i++) writer.write('container_logs', logRow(i, base, 'c-sched-flush'));
    const before = writer.state();
    expect(before.bufferedRows).toBe(20);
    await writer.flush();
    expect(writer.state()).toMatchObject({ spoolAppends: before.spoolAppends + 1, bufferedRows: 0, spooledRows: 0, flushedRows: 20 });
    expect(await fx.count("container_logs WHERE container_id = 'c-sched-flush'")).toBe(20);
    await writer.close();
  });
});

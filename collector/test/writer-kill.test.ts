import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@dockpulse/common/testing-postgres';
import type { WriterState } from '@dockpulse/collector/writer';
import { Spool } from '@dockpulse/collector/writer/spool';
import { startTsxChild } from './support/node-child';
import { writerFixture } from './support/writer-db';
import { statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const fx = writerFixture();

/** Runs the child until it reports its state, then SIGKILLs it and waits for it to be gone. */
async function runAndKill(args: string[]): Promise<WriterState> {
  const { child, stdout, stderr, exited } = startTsxChild(path.join(__dirname, 'support', 'writer-child.ts'), args);
  try {
    await waitFor('the child writer to report its state', () => {
      if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}: ${stderr()}`);
      return stdout().includes('\n');
    }, 30_000);
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  return JSON.parse(stdout().split('\n')[0] as string) as WriterState;
}

describe('BatchWriter after a SIGKILL', () => {
  it('a new process replays the spool a killed one left: every spooled row is stored once, in order', async () => {
    const spoolDir = tempSpoolDir();
    const downUrl = `postgres://dockpulse:dockpulse@127.0.0.1:${await freePort()}/dockpulse`; // nothing listens there
    const base = Date.now() - 5_400_000;
    const rows = 700;
    const killed = await runAndKill([downUrl, spoolDir, String(rows), String(base)]);
    expect(killed.spooledRows).toBeGreaterThan(0);
    expect(killed.spooledRows + killed.bufferedRows).toBe(rows);
    // The rows on disk, oldest first, as the killed process left them (read as the next start does).
    const spool = new Spool({ dir: spoolDir });
    const onDisk = spool.open().records.flatMap((r) => spool.read(r)).map((e) => (e.row.time as Date).getTime());
    spool.close();
    expect(onDisk).toHaveLength(killed.spooledRows);

    const writer = await fx.newWriter({ spoolDir, batchSize: 100 });
    await waitFor('the replay', () => writer.state().spooledRows === 0);
    // What was on disk is stored (rows only in the killed process's memory died with it).
    const stored = await fx.pool.query<{ time: Date }>("SELECT time FROM container_stats WHERE container_id = 'c-killed' ORDER BY time");
    expect(stored.rows.map((r) => r.time.getTime())).toEqual(onDisk);
    expect(writer.state()).toMatchObject({ flushedRows: killed.spooledRows, droppedRows: 0 });
    expect(readdirSync(spoolDir).filter((f) => f.startsWith('segment-'))).toEqual([]);

    // The same rows again (a crash after storing, before deleting the segment) add nothing twice.
    await writer.close();
    const again = await fx.newWriter({ spoolDir, batchSize: 100 });
    for (let i = 0; i < rows; i++) again.write('container_stats', statsRow(i, base, 'c-killed'));
    await again.flush();
    expect(await fx.count("container_stats WHERE container_id = 'c-killed'")).toBe(rows);
  });

  it('refuses a spool directory that another live writer holds', async () => {
    const spoolDir = tempSpoolDir();
    const first = await fx.newWriter({ spoolDir });
    await expect(fx.newWriter({ spoolDir })).rejects.toThrow(/already open in this process/);
    await first.close();
    writeFileSync(path.join(spoolDir, 'spool.lock'), `${process.ppid}\n`); // a live process that is not us
    await expect(fx.newWriter({ spoolDir })).rejects.toThrow(new RegExp(`in use by process ${process.ppid}`));
  });
});

// The write-ahead spool against real files and a real PostgreSQL: a SIGKILL mid-cycle loses no
// appended row, a replay stores each row exactly once, a torn record is reported and skipped
// with everything after it kept, and a spool that cannot take rows (its bound, a full disk) holds
// them in memory, says so, and resumes.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@dockpulse/common/testing-postgres';
import { encodeRecord } from '@dockpulse/collector/writer/spool';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { MaintenanceJob } from '@dockpulse/collector/jobs/maintenance-job';
import type { JobContext } from '@dockpulse/collector/jobs/context';
import { startTsxChild } from './support/node-child';
import { writerFixture } from './support/writer-db';
import { memoryLogger, sleep, statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const fx = writerFixture();
const segments = (dir: string) => readdirSync(dir).filter((f) => /^segment-\d+\.wal$/.test(f)).sort();

/** The times of one container's stored rows, in time order, and how many distinct. */
async function storedTimes(containerId: string): Promise<{ times: number[]; distinct: number }> {
  const r = await fx.pool.query<{ time: Date }>('SELECT time FROM container_stats WHERE container_id = $1 ORDER BY time', [containerId]);
  const times = r.rows.map((row) => row.time.getTime());
  return { times, distinct: new Set(times).size };
}

/** Runs the wal child until it has reported `cycles` appended cycles, waits a random part of a cycle, SIGKILLs it. */
async function killMidCycle(args: string[], cycles: number): Promise<number> {
  const { child, stdout, stderr, exited } = startTsxChild(path.join(__dirname, 'support', 'wal-child.ts'), args);
  const reports = () => stdout().split('\n').filter((l) => l.startsWith('appended '));
  try {
    await waitFor(`${cycles} cycles of the child`, () => {
      if (child.exitCode !== null) throw new Error(`child exited with ${child.exitCode}: ${stderr()}`);
      return reports().length >= cycles;
    }, 60_000);
    await sleep(Math.floor(Math.random() * 50)); // somewhere in the next cycle: writing, appending or storing
  } finally {
    child.kill('SIGKILL');
  }
  expect(await exited).toBe('SIGKILL');
  const last = reports().at(-1) as string;
  return Number(last.slice('appended '.length));
}

describe('write-ahead spool', () => {
  it.each([
    ['unreachable', 'every row stays in the spool'],
    ['reachable', 'rows are stored and released as they go'],
  ])('a SIGKILL mid-cycle loses no appended row (database %s: %s); the restart replays each exactly once', async (reach) => {
    const spoolDir = tempSpoolDir();
    const containerId = `c-wal-kill-${reach}`;
    const url = reach === 'reachable' ? fx.url : `postgres://dockpulse:dockpulse@127.0.0.1:${await freePort()}/dockpulse`;
    const base = Date.now() - 6 * 3_600_000;
    const appended = await killMidCycle([url, spoolDir, '40', String(base), containerId], 12);
    expect(appended).toBeGreaterThanOrEqual(12 * 40);

    const writer = await fx.newWriter({ spoolDir, batchSize: 500 });
    await waitFor('the replay', () => writer.state().spooledRows === 0);
    await writer.flush();
    const { times, distinct } = await storedTimes(containerId);
    // Every row reported appended is there, once: the first n rows the child wrote, no gap, no duplicate.
    expect(times.length).toBeGreaterThanOrEqual(appended);
    expect(distinct).toBe(times.length);
    expect(times).toEqual(Array.from({ length: times.length }, (_, i) => statsRow(i, base).time.getTime()));
    expect(writer.state().droppedRows).toBe(0);
    await writer.close();
    expect(segments(spoolDir)).toEqual([]);

    // Exactly once: a second start finds nothing left to replay.
    const again = await fx.newWriter({ spoolDir });
    expect(again.state()).toMatchObject({ spooledRows: 0, bufferedRows: 0 });
    await again.flush();
    expect(again.state().flushedRows).toBe(0);
    expect((await storedTimes(containerId)).times).toHaveLength(times.length);
  }, 120_000);

  it('reports and skips a torn last record and a damaged one in the middle; every record after them is stored', async () => {
    const spoolDir = tempSpoolDir();
    const base = Date.now() - 7 * 3_600_000;
    const c = 'c-wal-torn';
    // A writer that cannot store (not attached to a database) leaves what it is given in the spool.
    const first = await fx.newWriter({ spoolDir, flavour: undefined, spoolSyncDelayMs: 10 });
    for (let cycle = 0; cycle < 3; cycle++) {
      for (let i = 0; i < 10; i++) first.write('container_stats', statsRow(cycle * 10 + i, base, c));
      await waitFor('the group commit', () => first.state().bufferedRows === 0);
    }
    await first.close();
    const [segment] = segments(spoolDir);
    const file = path.join(spoolDir, segment as string);
    // Damage the second record (rows 10-19): one byte of its payload.
    const data = readFileSync(file);
    const second = encodeRecord(Array.from({ length: 10 }, (_, i) => ({ table: 'container_stats' as const, row: statsRow(i, base, c) as never })));
    const at = second.length + 40;
    data[at] = (data[at] as number) ^ 0xff;
    writeFileSync(file, data);
    // A crash mid-append: the first half of a record of rows 100-109.
    const torn = encodeRecord(Array.from({ length: 10 }, (_, i) => ({ table: 'container_stats' as const, row: statsRow(100 + i, base, c) as never })));
    appendFileSync(file, torn.subarray(0, Math.floor(torn.length / 2)));

    const { logger, records } = memoryLogger();
    const second2 = await fx.newWriter({ spoolDir, flavour: undefined, logger, spoolSyncDelayMs: 10 });
    expect(second2.state()).toMatchObject({ tornRecords: 2, spooledRows: 20 });
    expect(records.filter((r) => r.msg === 'spool: last record cut short (a crash mid-append): skipped')).toHaveLength(1);
    expect(records.filter((r) => r.msg === 'spool: damaged record skipped')).toHaveLength(1);
    // Records appended after the torn one are kept.
    for (let i = 0; i < 10; i++) second2.write('container_stats', statsRow(200 + i, base, c));
    await waitFor('the group commit', () => second2.state().bufferedRows === 0);
    second2.attach('postgres');
    await second2.flush();
    const { times } = await storedTimes(c);
    const want = [...Array.from({ length: 10 }, (_, i) => i), ...Array.from({ length: 10 }, (_, i) => 20 + i), ...Array.from({ length: 10 }, (_, i) => 200 + i)];
    expect(times).toEqual(want.map((i) => statsRow(i, base).time.getTime()));
    expect(second2.state().spooledRows).toBe(0);
  });

  it('forces appended rows that are not stored to disk within a flush interval (one fdatasync for several appends)', async () => {
    const writer = await fx.newWriter({ spoolDir: tempSpoolDir(), flavour: undefined, flushIntervalMs: 300, spoolSyncDelayMs: 10 });
    const base = Date.now() - 12 * 3_600_000;
    const before = writer.state().spoolSyncs;
    for (let burst = 0; burst < 3; burst++) {
      for (let i = 0; i < 10; i++) writer.write('container_stats', statsRow(burst * 10 + i, base, 'c-wal-sync'));
      await waitFor('the group commit', () => writer.state().bufferedRows === 0);
    }
    expect(writer.state().spoolAppends).toBe(3);
    await waitFor('the fdatasync', () => writer.state().spoolSyncs > before + 1); // + 1: the new segment's directory entry
    expect(writer.state().spoolSyncs - before).toBeLessThanOrEqual(3);
  });

  it('takes over the JSON-lines segments of the earlier overflow spool (its torn last line left out) and stores them once', async () => {
    const spoolDir = tempSpoolDir();
    const base = Date.now() - 11 * 3_600_000;
    const c = 'c-wal-old';
    const line = (i: number) => JSON.stringify({ t: 'container_stats', r: statsRow(i, base, c) });
    writeFileSync(path.join(spoolDir, 'segment-000000000007.jsonl'), `${line(0)}\n${line(1)}\n${line(2)}\n${line(3).slice(0, 40)}`);
    const writer = await fx.newWriter({ spoolDir, flavour: undefined });
    expect(writer.state().spooledRows).toBe(3);
    expect(readdirSync(spoolDir).filter((f) => f.endsWith('.jsonl'))).toEqual([]);
    writer.attach('postgres');
    await writer.flush();
    expect((await storedTimes(c)).times).toEqual([0, 1, 2].map((i) => statsRow(i, base).time.getTime()));
  });

  it('at SPOOL_MAX_BYTES keeps collecting in memory, says so, and resumes writing once stored rows free the spool', async () => {
    const spoolDir = tempSpoolDir();
    const base = Date.now() - 8 * 3_600_000;
    const c = 'c-wal-limit';
    const { logger, records } = memoryLogger();
    const writer = await fx.newWriter({ spoolDir, flavour: undefined, logger, spoolMaxBytes: 65_536, spoolSyncDelayMs: 10, maxBufferedRows: 5000 });
    let written = 0;
    while (writer.state().spoolState === 'writing' && written < 5000) {
      for (let i = 0; i < 20; i++) writer.write('container_stats', statsRow(written++, base, c));
      await sleep(15);
    }
    const full = writer.state();
    expect(full.spoolState).toBe('at-limit');
    expect(full.spoolBytes).toBeLessThanOrEqual(65_536);
    for (let i = 0; i < 50; i++) writer.write('container_stats', statsRow(written++, base, c));
    expect(writer.state().bufferedRows).toBeGreaterThan(50);
    expect(writer.state().bufferedRows + writer.state().spooledRows).toBe(written);
    expect(records.filter((r) => r.msg === 'the spool cannot take rows: collecting in memory only until it can')).toHaveLength(1);

    writer.attach('postgres'); // the database arrives: stored rows free the spool
    await writer.flush();
    for (let i = 0; i < 20; i++) writer.write('container_stats', statsRow(written++, base, c));
    await waitFor('the spool to take rows again', () => writer.state().spoolState === 'writing' && writer.state().bufferedRows === 0);
    expect(records.filter((r) => r.msg === 'the spool takes rows again')).toHaveLength(1);
    await writer.flush();
    const { times, distinct } = await storedTimes(c);
    expect([times.length, distinct]).toEqual([written, written]);
    expect(writer.state()).toMatchObject({ droppedRows: 0, lostRows: 0 });
  });

  it('past the memory bound with a spool that cannot take rows, drops the oldest rows held in memory and counts them', async () => {
    const spoolDir = tempSpoolDir();
    const writer = await fx.newWriter({ spoolDir, flavour: undefined, spoolMaxBytes: 65_536, spoolSyncDelayMs: 10, batchSize: 1000, maxBufferedRows: 1000 });
    const base = Date.now() - 9 * 3_600_000;
    let written = 0;
    while (writer.state().spoolState === 'writing') {
      for (let i = 0; i < 20; i++) writer.write('container_stats', statsRow(written++, base, 'c-wal-lost'));
      await sleep(15);
    }
    for (let i = 0; i < 1500; i++) writer.write('container_stats', statsRow(written++, base, 'c-wal-lost'));
    const s = writer.state();
    expect(s.bufferedRows).toBeLessThanOrEqual(1000);
    expect(s.lostRows).toBeGreaterThan(0);
    expect(s.bufferedRows + s.spooledRows + s.lostRows).toBe(written);
    expect(s.droppedRows).toBe(s.lostRows);
  });

  const fullDiskUnavailable = (() => {
    if (process.getuid?.() !== 0) return 'not root: cannot mount a tmpfs';
    try {
      execFileSync('mount', ['--version'], { stdio: 'ignore' });
    } catch {
      return 'no mount command';
    }
    return undefined;
  })();
  (fullDiskUnavailable ? it.skip : it)(
    `on a full disk (a 256 KiB tmpfs) keeps collecting in memory, reports it (state, /metrics, heartbeat), never crashes, and resumes when space returns${fullDiskUnavailable ? ` (skipped: ${fullDiskUnavailable})` : ''}`,
    async () => {
      const mountPoint = path.join(tmpdir(), `dp-wal-full-${process.pid}-${Date.now()}`);
      mkdirSync(mountPoint, { recursive: true });
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mountPoint]);
      try {
        const filler = path.join(mountPoint, 'filler');
        writeFileSync(filler, Buffer.alloc(160 * 1024)); // what a neighbour filled
        const spoolDir = path.join(mountPoint, 'spool');
        const c = 'c-wal-enospc';
        const base = Date.now() - 10 * 3_600_000;
        const writer = await fx.newWriter({ spoolDir, flavour: undefined, spoolSyncDelayMs: 10, flushIntervalMs: 1000, maxBufferedRows: 20_000 });
        const metrics = new CollectorMetrics(memoryLogger().logger);
        metrics.watchWriter(() => writer.state());
        const ctx = { hostId: 'host-wal', metrics } as unknown as JobContext;
        const maintenance = new MaintenanceJob(ctx, {
          partitionsAheadDays: 1, retentionMs: { raw: 1, hourly: 1, daily: 1, logs: 1, events: 1 }, version: 't',
          startedAt: new Date(), writerState: () => writer.state(),
        });
        let written = 0;
        while (writer.state().spoolState === 'writing' && written < 20_000) {
          for (let i = 0; i < 50; i++) writer.write('container_stats', statsRow(written++, base, c));
          await sleep(15);
        }
        expect(writer.state().spoolState).toBe('disk-full');
        for (let i = 0; i < 100; i++) writer.write('container_stats', statsRow(written++, base, c)); // still collecting
        const held = writer.state();
        expect(held.bufferedRows).toBeGreaterThanOrEqual(100);
        expect(held.bufferedRows + held.spooledRows).toBe(written);
        expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_spool_state')).toMatch(/state="disk-full"} 1/);
        expect(maintenance.heartbeat()).toMatchObject({ spool_state: 'disk-full', buffered_rows: held.bufferedRows });

        rmSync(filler); // space returns
        await waitFor('the spool to take the held rows', () => writer.state().spoolState === 'writing' && writer.state().bufferedRows === 0, 10_000);
        expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_spool_state')).toMatch(/state="writing"} 1/);
        expect(maintenance.heartbeat().spool_state).toBe('writing');
        writer.attach('postgres');
        await writer.flush();
        const { times, distinct } = await storedTimes(c);
        expect([times.length, distinct]).toEqual([written, written]);
        expect(times).toEqual(Array.from({ length: written }, (_, i) => statsRow(i, base).time.getTime()));
        await writer.close();
      } finally {
        execFileSync('umount', [mountPoint]);
        rmSync(mountPoint, { recursive: true, force: true });
      }
    },
    60_000,
  );
});

// The spool's directory on the real filesystem: one that cannot be created at start does not stop
// the writer (rows held in memory, reported the way a full disk is, the directory tried again),
// and every segment created or deleted has its directory entry forced to disk (traced system calls).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CollectorMetrics } from '@dockpulse/collector/metrics';
import { MaintenanceJob } from '@dockpulse/collector/jobs/maintenance-job';
import type { JobContext } from '@dockpulse/collector/jobs/context';
import { writerFixture } from './support/writer-db';
import { memoryLogger, statsRow, tempSpoolDir, waitFor } from './support/writer-rows';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const fx = writerFixture();
const segments = (dir: string) => readdirSync(dir).filter((f) => /^segment-\d+\.wal$/.test(f)).sort();

describe('spool directory', () => {
  it('that cannot be created at start: the writer starts, stores rows from memory, reports it (state, /metrics, heartbeat) and spools once the directory can be made', async () => {
    const parent = tempSpoolDir();
    const blocker = path.join(parent, 'volume');
    writeFileSync(blocker, 'a file where the spool directory should go'); // mkdir under it fails (ENOTDIR)
    const spoolDir = path.join(blocker, 'spool');
    const { logger, records } = memoryLogger();
    const base = Date.now() - 5 * 3_600_000;
    const c = 'c-spool-nodir';
    const writer = await fx.newWriter({ spoolDir, logger, spoolSyncDelayMs: 10, flushIntervalMs: 1000 });
    const metrics = new CollectorMetrics(memoryLogger().logger);
    metrics.watchWriter(() => writer.state());
    const ctx = { hostId: 'host-spool-nodir', metrics } as unknown as JobContext;
    const maintenance = new MaintenanceJob(ctx, {
      partitionsAheadDays: 1, retentionMs: { raw: 1, hourly: 1, daily: 1, logs: 1, events: 1 }, version: 't',
      startedAt: new Date(), writerState: () => writer.state(),
    });

    const refused = writer.state();
    expect(refused.spoolState).toBe('failing');
    expect(refused.lastError).toContain(spoolDir);
    expect(refused.lastError).toMatch(/ENOTDIR/);
    for (let i = 0; i < 30; i++) writer.write('container_stats', statsRow(i, base, c));
    await new Promise((resolve) => setTimeout(resolve, 300)); // group commits tried (and refused) meanwhile
    expect(writer.state()).toMatchObject({ spoolState: 'failing', bufferedRows: 30, spooledRows: 0, spoolAppends: 0 });
    expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_spool_state')).toMatch(/state="failing"} 1/);
    expect(maintenance.heartbeat()).toMatchObject({ spool_state: 'failing', buffered_rows: 30 });
    expect(records.filter((r) => r.msg === 'the spool cannot take rows: collecting in memory only until it can')).toHaveLength(1);
    await writer.flush(); // the database answers: rows held in memory are stored all the same
    expect(await fx.count('container_stats WHERE container_id = $1', [c])).toBe(30);

    rmSync(blocker);
    mkdirSync(blocker); // the volume is there now
    for (let i = 30; i < 60; i++) writer.write('container_stats', statsRow(i, base, c));
    await waitFor('the spool to open and take the rows', () => writer.state().spoolState === 'writing' && writer.state().bufferedRows === 0, 10_000);
    expect(writer.state()).toMatchObject({ spooledRows: 30, spoolAppends: 1 });
    expect(segments(spoolDir)).toHaveLength(1);
    expect(await metrics.registry.getSingleMetricAsString('dockpulse_collector_spool_state')).toMatch(/state="writing"} 1/);
    expect(maintenance.heartbeat().spool_state).toBe('writing');
    await writer.flush();
    expect(await fx.count('container_stats WHERE container_id = $1', [c])).toBe(60);
    expect(writer.state()).toMatchObject({ droppedRows: 0, lostRows: 0 });
  });

  const straceMissing = spawnSync('strace', ['-V']).status === 0 ? undefined : 'strace is not installed';
  (straceMissing ? it.skip : it)(
    `forces the directory to disk after every segment it creates and every segment it deletes (strace of a child)${straceMissing ? ` (skipped: ${straceMissing})` : ''}`,
    () => {
      const dir = tempSpoolDir();
      const trace = path.join(dir, '..', `${path.basename(dir)}.strace`);
      try {
        const run = spawnSync('strace', [
          '-f', '-qq', '-o', trace, '-e', 'trace=openat,unlink,unlinkat,fsync,fdatasync,pwrite64,write',
          process.execPath, '--import', 'tsx', path.join(__dirname, 'support', 'spool-child.ts'), dir,
        ], { cwd: REPO_ROOT, env: { ...process.env, TSX_TSCONFIG_PATH: path.join(REPO_ROOT, 'tsconfig.tests.json') }, encoding: 'utf8', timeout: 60_000 });
        expect([run.status, run.stderr]).toEqual([0, '']);
        expect(run.stdout).toBe(['opened', 'appended', 'released', 'resurrected', 'reopened', 'closed'].map((s) => `step ${s}\n`).join(''));

        // The child's calls in order: what each descriptor was opened on, creations, deletions, syncs, steps.
        const fdPath = new Map<string, string>();
        type Call = { kind: 'create' | 'unlink'; name: string } | { kind: 'dir-sync' } | { kind: 'segment-write'; name: string } | { kind: 'step'; name: string };
        const calls: Call[] = [];
        const inDir = (p: string) => path.dirname(p) === dir;
        for (const line of readFileSync(trace, 'utf8').split('\n')) {
          const m = /^(\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\d+)/.exec(line);
          if (!m) continue;
          const [, pid, call, args, result] = m as unknown as [string, string, string, string, string];
          const key = (fd: string) => `${pid}:${fd}`;
          const quoted = /"([^"]*)"/.exec(args)?.[1];
          if (call === 'openat' && quoted && Number(result) >= 0) {
            fdPath.set(key(result), quoted);
            if (inDir(quoted) && /O_CREAT/.test(args) && /^segment-/.test(path.basename(quoted))) calls.push({ kind: 'create', name: path.basename(quoted) });
          } else if ((call === 'unlink' || call === 'unlinkat') && quoted && inDir(quoted) && /^segment-/.test(path.basename(quoted))) {
            calls.push({ kind: 'unlink', name: path.basename(quoted) });
          } else if (call === 'fsync' || call === 'fdatasync') {
            if (fdPath.get(key(args.trim())) === dir) calls.push({ kind: 'dir-sync' });
          } else if (call === 'pwrite64') {
            const file = fdPath.get(key(args.split(',')[0] as string));
            if (file && inDir(file) && /^segment-/.test(path.basename(file))) calls.push({ kind: 'segment-write', name: path.basename(file) });
          } else if (call === 'write' && args.startsWith('1, "step ')) {
            calls.push({ kind: 'step', name: (/"step (\w+)/.exec(args) as RegExpExecArray)[1] as string });
          }
        }
        // The copy that stands for a deletion a crash undid is the child's, not the spool's.
        const copyStart = calls.findIndex((c) => c.kind === 'step' && c.name === 'released');
        const copyEnd = calls.findIndex((c) => c.kind === 'step' && c.name === 'resurrected');
        calls.splice(copyStart + 1, copyEnd - copyStart - 1);
        const seg = (n: number) => `segment-${String(n).padStart(12, '0')}.wal`;
        // What was created and deleted, in order.
        expect(calls.filter((c) => c.kind === 'create').map((c) => (c as { name: string }).name)).toEqual([seg(1), seg(2), seg(3)]);
        expect(calls.filter((c) => c.kind === 'unlink').map((c) => (c as { name: string }).name)).toEqual([seg(1), seg(2), seg(2), seg(3)]);
        // Each creation: a directory sync before the first byte goes into the segment.
        calls.forEach((c, i) => {
          if (c.kind !== 'create') return;
          const firstWrite = calls.findIndex((d, j) => j > i && d.kind === 'segment-write' && d.name === c.name);
          const sync = calls.findIndex((d, j) => j > i && d.kind === 'dir-sync');
          expect([c.name, sync > i && sync < firstWrite]).toEqual([c.name, true]);
        });
        // Each deletion: a directory sync after it, before the step it belongs to ends.
        calls.forEach((c, i) => {
          if (c.kind !== 'unlink') return;
          const stepEnd = calls.findIndex((d, j) => j > i && d.kind === 'step');
          const sync = calls.findIndex((d, j) => j > i && d.kind === 'dir-sync');
          expect([c.name, sync > i && sync < stepEnd]).toEqual([c.name, true]);
        });
        expect(segments(dir)).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        rmSync(trace, { force: true });
      }
    },
    90_000,
  );
});

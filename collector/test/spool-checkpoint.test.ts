// The spool's checkpoint (the first unstored row), against real files: rewritten at most once per
// checkpointIntervalMs and at close, so a crash in between replays the rows released since the
// last rewrite (the tables' keys make that harmless) and never loses an unreleased one; and a
// spool whose segments were all released numbers its next segment past the checkpoint's.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Spool, type SpoolPosition, type SpoolRecord } from '@dockpulse/collector/writer/spool';
import type { Entry } from '@dockpulse/collector/writer/store';
import { statsRow, tempSpoolDir } from './support/writer-rows';

const entries = (from: number, n: number): Entry[] =>
  Array.from({ length: n }, (_, i) => ({ table: 'container_stats', row: statsRow(from + i) as unknown as Record<string, unknown> }));
const checkpointText = (dir: string) => readFileSync(path.join(dir, 'checkpoint'), 'utf8').trim();
const at = (r: SpoolRecord): SpoolPosition => ({ seq: r.seq, offset: r.offset, skipRows: 0 });
const copies: string[] = [];

/** What a process killed now would leave: a copy of the directory, opened as the next start would. */
function reopenCopy(dir: string): { rows: number[]; skipRows: number } {
  const copy = mkdtempSync(path.join(tmpdir(), 'dp-spool-crash-'));
  copies.push(copy);
  cpSync(dir, copy, { recursive: true });
  rmSync(path.join(copy, 'spool.lock'));
  const spool = new Spool({ dir: copy });
  const { records, skipRows } = spool.open();
  const rows = records.flatMap((r) => spool.read(r)).map((e) => (e.row.cpu_percent as number) * 10);
  spool.close();
  return { rows: rows.slice(skipRows), skipRows };
}

afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

describe('spool checkpoint', () => {
  it('is rewritten at most once per checkpointIntervalMs and at close; a crash between replays more, never less', () => {
    const dir = tempSpoolDir();
    let nowMs = 1_000_000; // the injected clock
    const spool = new Spool({ dir, checkpointIntervalMs: 2000, nowMs: () => nowMs });
    spool.open();
    const [a, b, c] = spool.append([entries(0, 10), entries(10, 10), entries(20, 10)]) as [SpoolRecord, SpoolRecord, SpoolRecord];
    spool.release(at(b)); // rows 0-9 stored: the first release is written at once
    expect(checkpointText(dir)).toBe(`${b.seq} ${b.offset} 0`);
    nowMs += 500;
    spool.release(at(c)); // rows 10-19 stored too, within the interval: not rewritten yet
    expect(checkpointText(dir)).toBe(`${b.seq} ${b.offset} 0`);
    // A crash now replays rows 10-29: 10-19 a second time, nothing unstored missing.
    expect(reopenCopy(dir).rows).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
    nowMs += 1500; // the interval has passed: the next release is written
    spool.release({ seq: c.seq, offset: c.offset, skipRows: 4 });
    expect(checkpointText(dir)).toBe(`${c.seq} ${c.offset} 4`);
    expect(reopenCopy(dir)).toEqual({ rows: Array.from({ length: 6 }, (_, i) => 24 + i), skipRows: 4 });
    nowMs += 100;
    spool.release({ seq: c.seq, offset: c.offset, skipRows: 8 }); // within the interval again
    expect(checkpointText(dir)).toBe(`${c.seq} ${c.offset} 4`);
    spool.close(); // close writes what is due
    expect(checkpointText(dir)).toBe(`${c.seq} ${c.offset} 8`);
    expect(a.seq).toBe(c.seq);
  });

  it('numbers a new segment past the checkpoint when every earlier segment is gone, so the next start keeps it', () => {
    const dir = tempSpoolDir();
    // What a spool whose segments were all released leaves: a checkpoint into segment 7, no segment.
    writeFileSync(path.join(dir, 'checkpoint'), `${'7 0 0'.padEnd(63)}\n`);
    const spool = new Spool({ dir });
    expect(spool.open().records).toEqual([]);
    const [record] = spool.append([entries(0, 5)]) as [SpoolRecord];
    expect(record.seq).toBeGreaterThanOrEqual(7);
    spool.close(); // not stored: the rows stay for the next start
    const again = new Spool({ dir });
    const { records } = again.open();
    expect(records.flatMap((r) => again.read(r))).toHaveLength(5);
    again.close();
    expect(readdirSync(dir).filter((f) => f.startsWith('segment-'))).toHaveLength(1);
  });
});

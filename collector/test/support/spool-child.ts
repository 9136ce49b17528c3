// The spool's directory life in one process, for a test that traces its system calls: segments
// created (appends past the segment size), released (deleted), a deletion a crash undid (a copy
// of a segment under an older number, which the checkpoint released), taken again and deleted at
// open, the rest deleted at close. Prints "step <name>" between the steps.
// argv: <spool dir>
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { Spool, type SpoolRecord } from '@dockpulse/collector/writer/spool';
import type { Entry } from '@dockpulse/collector/writer/store';
import { statsRow } from './writer-rows';

const step = (name: string) => process.stdout.write(`step ${name}\n`);
const segmentFile = (dir: string, seq: number) => path.join(dir, `segment-${String(seq).padStart(12, '0')}.wal`);

function main(): void {
  const [dir] = process.argv.slice(2);
  if (!dir) throw new Error('usage: spool-child <spool dir>');
  const group: Entry[] = Array.from({ length: 20 }, (_, i) => ({ table: 'container_stats', row: statsRow(i) as unknown as Record<string, unknown> }));
  const spool = new Spool({ dir, segmentBytes: 4096 });
  spool.open();
  step('opened');
  let last: SpoolRecord;
  do last = spool.append([group])[0] as SpoolRecord;
  while (last.seq < 3);
  step('appended');
  spool.release({ seq: last.seq, offset: last.offset, skipRows: 0 }); // segments 1 and 2 are stored
  step('released');
  spool.close();
  copyFileSync(segmentFile(dir, 3), segmentFile(dir, 2));
  step('resurrected');
  spool.open();
  step('reopened');
  spool.close(true);
  step('closed');
}

main();

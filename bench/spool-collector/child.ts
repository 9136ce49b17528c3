// The real collector (compiled, collector/dist) in a process of its own, for
// bench/spool-collector.bench.ts. Before the collector starts, the spool's calls are timed in place
// (bench/spool-timing.ts), and with SPOOL_BENCH_WAY=memory its file work is taken out: append
// returns records without encoding or writing anything, release and sync do nothing. The writer's
// own bookkeeping (group commits, timers) stays, so the difference between the two ways is what the
// spool's encoding, writes, fdatasyncs and checkpoints cost the collector.
// On SIGUSR2 it writes its figures so far to SPOOL_BENCH_REPORT (JSON, synchronously).
import { writeFileSync } from 'node:fs';
import { BatchWriter } from '../../collector/dist/writer';
import { Spool, type SpoolRecord } from '../../collector/dist/writer/spool';
import { inPlaceNs, timeCalls } from '../spool-timing';

const way = process.env.SPOOL_BENCH_WAY;
const reportPath = process.env.SPOOL_BENCH_REPORT;
if ((way !== 'spool' && way !== 'memory') || !reportPath) {
  throw new Error('child.ts: set SPOOL_BENCH_WAY (spool or memory) and SPOOL_BENCH_REPORT');
}

if (way === 'memory') {
  const spool = Spool.prototype as unknown as Record<string, unknown>;
  let offset = 0;
  spool.append = function (groups: readonly (readonly unknown[])[]): SpoolRecord[] {
    return groups.map((group) => ({ seq: 1, offset: offset++, bytes: 0, rows: group.length }));
  };
  spool.release = () => undefined;
  spool.sync = () => undefined;
  spool.read = () => {
    throw new Error('memory way: the spool holds nothing to read back (the memory bound was passed?)');
  };
}
timeCalls(Spool.prototype, 'append', 'append');
timeCalls(Spool.prototype, 'release', 'release');
timeCalls(Spool.prototype, 'sync', 'sync');
timeCalls(BatchWriter.prototype, 'commit', 'commit'); // private: the group commit (takeOpen, append, bookkeeping)

process.on('SIGUSR2', () => {
  const ms = (ns: bigint) => Number(ns) / 1e6;
  writeFileSync(
    reportPath,
    JSON.stringify({
      way,
      appendMs: ms(inPlaceNs.append),
      releaseMs: ms(inPlaceNs.release),
      syncMs: ms(inPlaceNs.sync),
      commitMs: ms(inPlaceNs.commit),
    }),
  );
});

// The collector's own entry, after the patches above: config from the environment, as a user runs it.
import('../../collector/dist/main').catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

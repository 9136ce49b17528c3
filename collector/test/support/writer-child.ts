// A collector stand-in for the kill test: writes rows while its database is unreachable, so they
// pile up in the spool, reports how many are on disk, then waits to be SIGKILLed.
// argv: <database url> <spool dir> <rows> <base time ms>
import { createPool } from '@dockpulse/common';
import { BatchWriter } from '@dockpulse/collector/writer';
import { statsRow } from './writer-rows';

async function main(): Promise<void> {
  const [url, spoolDir, rowsText, baseText] = process.argv.slice(2);
  if (!url || !spoolDir || !rowsText || !baseText) throw new Error('usage: writer-child <url> <spoolDir> <rows> <baseMs>');
  const pool = createPool({ connectionString: url, connectionTimeoutMillis: 500 });
  const writer = new BatchWriter({
    pool, flavour: 'postgres', spoolDir, batchSize: 50, flushIntervalMs: 100, maxBufferedRows: 100,
    spoolSegmentBytes: 16_384, spoolSyncDelayMs: 20, backoff: { baseMs: 20, capMs: 100 },
  });
  await writer.start();
  for (let i = 0; i < Number(rowsText); i++) writer.write('container_stats', statsRow(i, Number(baseText), 'c-killed'));
  const waitUntil = Date.now() + 10_000;
  while (writer.state().retries === 0 && Date.now() < waitUntil) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write(`${JSON.stringify(writer.state())}\n`);
  setInterval(() => undefined, 60_000); // stay alive until killed
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

// A collector stand-in for the SIGKILL test: a stats "cycle" of rows every 50 ms into a writer
// whose database may be up (rows stored and released as they go) or not. After each cycle has
// reached the spool it prints "appended <rows so far>"; it runs until it is killed.
// argv: <database url> <spool dir> <rows per cycle> <base time ms> <container id>
import { createPool } from '@dockpulse/common';
import { BatchWriter } from '@dockpulse/collector/writer';
import { statsRow } from './writer-rows';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const [url, spoolDir, perCycleText, baseText, containerId] = process.argv.slice(2);
  if (!url || !spoolDir || !perCycleText || !baseText || !containerId) {
    throw new Error('usage: wal-child <url> <spoolDir> <rowsPerCycle> <baseMs> <containerId>');
  }
  const pool = createPool({ connectionString: url, connectionTimeoutMillis: 500 });
  const writer = new BatchWriter({
    pool, flavour: 'postgres', spoolDir, batchSize: 500, flushIntervalMs: 1000, maxBufferedRows: 1000,
    spoolSegmentBytes: 32_768, spoolSyncDelayMs: 10, backoff: { baseMs: 20, capMs: 100 },
  });
  await writer.start();
  const perCycle = Number(perCycleText);
  for (let written = 0; ; ) {
    for (let i = 0; i < perCycle; i++) writer.write('container_stats', statsRow(written++, Number(baseText), containerId));
    while (writer.state().bufferedRows > 0) await sleep(2);
    process.stdout.write(`appended ${written}\n`);
    await sleep(50);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

import { ConfigError } from '@dockpulse/common';
import { writerConfigFromEnv } from '@dockpulse/collector/writer';

describe('writer settings', () => {
  it('defaults to batches of 1000, a 2 s interval, 50000 rows in memory, a 1 GiB spool synced within 500 ms', () => {
    expect(writerConfigFromEnv({})).toEqual({
      batchSize: 1000, flushIntervalMs: 2000, maxBufferedRows: 50_000, spoolDir: '.spool', spoolMaxBytes: 1_073_741_824,
      spoolSyncDelayMs: 500, backoff: { baseMs: 500, capMs: 30_000 },
    });
  });

  it('reads every variable', () => {
    expect(writerConfigFromEnv({
      WRITER_BATCH_SIZE: '500', WRITER_FLUSH_INTERVAL: '5s', WRITER_MAX_BUFFERED_ROWS: '2000', SPOOL_DIR: '/var/lib/dp',
      WRITER_RETRY_BASE: '100ms', WRITER_RETRY_CAP: '10s', SPOOL_MAX_BYTES: '256MiB', SPOOL_SYNC_DELAY: '250ms',
    })).toEqual({
      batchSize: 500, flushIntervalMs: 5000, maxBufferedRows: 2000, spoolDir: '/var/lib/dp', spoolMaxBytes: 268_435_456,
      spoolSyncDelayMs: 250, backoff: { baseMs: 100, capMs: 10_000 },
    });
  });

  it.each([
    [{ WRITER_BATCH_SIZE: '5000' }, /WRITER_BATCH_SIZE: must be at most 1000 \(got "5000"\)/],
    [{ WRITER_BATCH_SIZE: 'lots' }, /WRITER_BATCH_SIZE: must be a whole number from 500 to 1000/],
    [{ WRITER_FLUSH_INTERVAL: '10s' }, /WRITER_FLUSH_INTERVAL: must be at most 5s/],
    [{ WRITER_FLUSH_INTERVAL: '200ms' }, /WRITER_FLUSH_INTERVAL: must be at least 1000 ms/],
    [{ WRITER_MAX_BUFFERED_ROWS: '1000', WRITER_BATCH_SIZE: '1000' }, null],
    [{ SPOOL_MAX_BYTES: '65536' }, null],
    [{ SPOOL_MAX_BYTES: 'lots' }, /SPOOL_MAX_BYTES: must be a size in bytes, e.g. 1073741824 or 1GiB/],
    [{ SPOOL_MAX_BYTES: '1GB' }, /SPOOL_MAX_BYTES: must be a size in bytes, .*units B, KiB, MiB, GiB.* \(got "1GB"\)/],
    [{ SPOOL_MAX_BYTES: '1KiB' }, /SPOOL_MAX_BYTES: must be at least 65536 bytes \(got "1KiB"\)/],
    [{ SPOOL_SYNC_DELAY: '5s' }, /SPOOL_SYNC_DELAY: must be at most 2s/],
    [{ WRITER_MAX_BUFFERED_ROWS: '1000', WRITER_BATCH_SIZE: '800', WRITER_RETRY_BASE: '1m', WRITER_RETRY_CAP: '1s' }, /WRITER_RETRY_CAP: must be at least WRITER_RETRY_BASE/],
  ])('%p -> %p', (env, problem) => {
    if (problem === null) {
      expect(() => writerConfigFromEnv(env)).not.toThrow();
      return;
    }
    expect(() => writerConfigFromEnv(env)).toThrow(ConfigError);
    expect(() => writerConfigFromEnv(env)).toThrow(problem);
  });
});

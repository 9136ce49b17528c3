import { ConfigError } from '@dockpulse/common';
import { writerConfigFromEnv } from '@dockpulse/collector/writer';

describe('writer settings', () => {
  it('defaults to batches of 1000, a 2 s interval, 50000 rows in memory', () => {
    expect(writerConfigFromEnv({})).toEqual({
      batchSize: 1000, flushIntervalMs: 2000, maxBufferedRows: 50_000, spoolDir: '.spool',
      backoff: { baseMs: 500, capMs: 30_000 },
    });
  });

  it('reads every variable', () => {
    expect(writerConfigFromEnv({
      WRITER_BATCH_SIZE: '500', WRITER_FLUSH_INTERVAL: '5s', WRITER_MAX_BUFFERED_ROWS: '2000', SPOOL_DIR: '/var/lib/dp',
      WRITER_RETRY_BASE: '100ms', WRITER_RETRY_CAP: '10s',
    })).toEqual({ batchSize: 500, flushIntervalMs: 5000, maxBufferedRows: 2000, spoolDir: '/var/lib/dp', backoff: { baseMs: 100, capMs: 10_000 } });
  });

  it.each([
    [{ WRITER_BATCH_SIZE: '5000' }, /WRITER_BATCH_SIZE: must be at most 1000 \(got "5000"\)/],
    [{ WRITER_BATCH_SIZE: 'lots' }, /WRITER_BATCH_SIZE: must be a whole number from 500 to 1000/],
    [{ WRITER_FLUSH_INTERVAL: '10s' }, /WRITER_FLUSH_INTERVAL: must be at most 5s/],
    [{ WRITER_FLUSH_INTERVAL: '200ms' }, /WRITER_FLUSH_INTERVAL: must be at least 1000 ms/],
    [{ WRITER_MAX_BUFFERED_ROWS: '1000', WRITER_BATCH_SIZE: '1000' }, null],
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

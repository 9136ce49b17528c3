import { z } from 'zod';
import { ConfigError, durationSetting, intSetting, parseEnv } from '@dockpulse/common';
import type { BackoffOptions } from '@dockpulse/common';

/** The writer's environment variables; the collector's main config spreads them into its own. */
export const writerSettings = {
  /** Rows per transaction (DESIGN §3: 500-1000). */
  WRITER_BATCH_SIZE: intSetting(500, 1000, 1000),
  /** A row waits at most this long in memory before a flush. */
  WRITER_FLUSH_INTERVAL: durationSetting('2s', 1000).pipe(z.number().max(5000, 'must be at most 5s')),
  /** Rows kept in memory while the database is away; older ones go to the spool. Its floor is the largest batch. */
  WRITER_MAX_BUFFERED_ROWS: intSetting(1000, 10_000_000, 50_000),
  /** Directory of the on-disk spool; must survive a restart (a volume in a container). */
  SPOOL_DIR: z.string().default('.spool'),
  /** First retry delay after a connection error (doubles each time, full jitter). */
  WRITER_RETRY_BASE: durationSetting('500ms', 10),
  /** Longest retry delay. */
  WRITER_RETRY_CAP: durationSetting('30s', 100),
};

export interface WriterConfig {
  batchSize: number;
  flushIntervalMs: number;
  maxBufferedRows: number;
  spoolDir: string;
  backoff: BackoffOptions;
}

export function writerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): WriterConfig {
  const s = parseEnv(writerSettings, env);
  return writerConfigFromSettings(s);
}

/** For a main config that parsed `writerSettings` together with its own. */
export function writerConfigFromSettings(s: z.infer<z.ZodObject<typeof writerSettings>>): WriterConfig {
  const problems: string[] = [];
  if (s.WRITER_RETRY_CAP < s.WRITER_RETRY_BASE) {
    problems.push(`WRITER_RETRY_CAP: must be at least WRITER_RETRY_BASE (${s.WRITER_RETRY_BASE} ms) (got ${s.WRITER_RETRY_CAP} ms)`);
  }
  if (problems.length) throw new ConfigError(problems);
  return {
    batchSize: s.WRITER_BATCH_SIZE,
    flushIntervalMs: s.WRITER_FLUSH_INTERVAL,
    maxBufferedRows: s.WRITER_MAX_BUFFERED_ROWS,
    spoolDir: s.SPOOL_DIR,
    backoff: { baseMs: s.WRITER_RETRY_BASE, capMs: s.WRITER_RETRY_CAP },
  };
}

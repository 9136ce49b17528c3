import { z } from 'zod';
import { ConfigError, durationSetting, intSetting, parseEnv } from '@dockpulse/common';
import type { BackoffOptions } from '@dockpulse/common';

const BYTE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** A size in bytes: a whole number, optionally with a unit (B, KiB, MiB, GiB), e.g. 512MiB. */
export function parseBytes(text: string): number | undefined {
  const match = /^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$/.exec(text);
  if (!match) return undefined;
  const bytes = Number(match[1]) * (BYTE_UNITS[match[2] ?? ''] as number);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const byteSizeSetting = (fallback: string, minBytes: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const bytes = parseBytes(text);
      if (bytes === undefined) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a size in bytes, e.g. 1073741824 or 1GiB (units B, KiB, MiB, GiB)` });
        return z.NEVER;
      }
      if (bytes < minBytes) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be at least ${minBytes} bytes` });
        return z.NEVER;
      }
      return bytes;
    });

/** The writer's environment variables; the collector's main config spreads them into its own. */
export const writerSettings = {
  /** Rows per transaction, 500 to 1000. */
  WRITER_BATCH_SIZE: intSetting(500, 1000, 1000),
  /** A row waits at most this long in memory before a flush. */
  WRITER_FLUSH_INTERVAL: durationSetting('2s', 1000).pipe(z.number().max(5000, 'must be at most 5s')),
  /** Rows kept in memory while the database is away; older ones go to the spool. Its floor is the largest batch. */
  WRITER_MAX_BUFFERED_ROWS: intSetting(1000, 10_000_000, 50_000),
  /** Directory of the write-ahead spool; must survive a restart (a volume in a container). */
  SPOOL_DIR: z.string().default('.spool'),
  /** The spool's bound on disk; past it (or on a full disk) rows are held in memory only. */
  SPOOL_MAX_BYTES: byteSizeSetting('1GiB', 64 * 1024),
  /**
   * A stats sample reaches the spool (one write for many rows: it then survives a SIGKILL) when its
   * cycle ends, and at most this long after it was collected; other rows, which a restart reads or
   * collects again, with the next flush, at most WRITER_FLUSH_INTERVAL after (BatchWriter's
   * NOT_COLLECTED_AGAIN). The fdatasync (surviving a power loss) follows within
   * WRITER_FLUSH_INTERVAL of an append, and is skipped when the database stored the rows first.
   */
  SPOOL_SYNC_DELAY: durationSetting('500ms', 10).pipe(z.number().max(2000, 'must be at most 2s')),
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
  spoolMaxBytes: number;
  spoolSyncDelayMs: number;
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
    spoolMaxBytes: s.SPOOL_MAX_BYTES,
    spoolSyncDelayMs: s.SPOOL_SYNC_DELAY,
    backoff: { baseMs: s.WRITER_RETRY_BASE, capMs: s.WRITER_RETRY_CAP },
  };
}

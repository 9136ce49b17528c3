// The collector's batch writer (DESIGN §3): jobs hand it rows, it stores them in batches, and no
// accepted row is lost to a database outage or a restart.
import type { Pool } from 'pg';
import type { Logger, RowSink, StorageFlavour, TableName, TableRows } from '@dockpulse/common';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from '@dockpulse/common';
import { Spool } from './spool';
import { BatchStore, type Entry } from './store';
import { validateRow } from './validate';

export { RowValidationError } from './validate';
export { writerSettings, writerConfigFromEnv, writerConfigFromSettings, type WriterConfig } from './config';
export type { BackoffOptions } from '@dockpulse/common';

export interface BatchWriterOptions {
  pool: Pool;
  flavour: StorageFlavour;
  /** Rows per transaction. */
  batchSize?: number;
  /** A row waits at most this long before it is flushed. */
  flushIntervalMs?: number;
  /** Rows kept in memory; past this the oldest go to the spool. */
  maxBufferedRows?: number;
  spoolDir: string;
  /** Rows per spool segment file. */
  spoolSegmentRows?: number;
  logger?: Logger;
  backoff?: BackoffOptions;
}

export interface WriterState {
  /** Rows in memory, waiting for a flush. */
  bufferedRows: number;
  /** Rows in the on-disk spool, waiting for the database. */
  spooledRows: number;
  /** Rows stored since start (a replayed duplicate counts, though the database keeps it once). */
  flushedRows: number;
  /** Failed attempts to store a batch that were retried. */
  retries: number;
  /** Rows the database refused (logged one by one) plus unreadable spool lines. */
  droppedRows: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`BatchWriter: ${name} must be a whole number >= 1 (got ${value})`);
  return value;
}

export class BatchWriter implements RowSink {
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly backoff: BackoffOptions;
  private readonly logger?: Logger;
  private readonly store: BatchStore;
  private readonly spool: Spool;

  private memory: Entry[] = [];
  /**
   * A batch taken from memory whose store failed. It is older than anything spilled since, so it
   * goes first (and to the spool first on close): order holds across an outage.
   */
  private pending: { entries: Entry[]; dropped: Set<Entry> } | null = null;
  private spoolDropped = new Set<Entry>();
  private timer: NodeJS.Timeout | null = null;
  private pumpActive = false;
  private pumping: Promise<void> = Promise.resolve();
  private wake: (() => void) | null = null;
  private waiters: Waiter[] = [];
  private attempt = 0;
  private started = false;
  private closing = false;
  private closed = false;

  private flushedRows = 0;
  private retries = 0;
  private droppedRows = 0;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;

  constructor(options: BatchWriterOptions) {
    this.batchSize = positiveInt('batchSize', options.batchSize ?? 1000);
    this.flushIntervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs ?? 2000);
    this.maxBufferedRows = positiveInt('maxBufferedRows', options.maxBufferedRows ?? 50_000);
    if (this.maxBufferedRows < this.batchSize) {
      throw new Error(`BatchWriter: maxBufferedRows (${this.maxBufferedRows}) must be at least batchSize (${this.batchSize})`);
    }
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (!(this.backoff.baseMs > 0 && this.backoff.capMs >= this.backoff.baseMs)) {
      throw new Error(`BatchWriter: backoff needs 0 < baseMs <= capMs (got ${JSON.stringify(this.backoff)})`);
    }
    if (options.flavour !== 'postgres' && options.flavour !== 'timescaledb') {
      throw new Error(`BatchWriter: flavour must be postgres or timescaledb (got ${String(options.flavour)})`);
    }
    this.logger = options.logger;
    this.store = new BatchStore(options.pool, options.flavour, options.logger);
    this.spool = new Spool({ dir: options.spoolDir, segmentRows: options.spoolSegmentRows, logger: options.logger });
  }

  /** Opens the spool and replays what a previous process left in it, before anything newer. */
  async start(): Promise<void> {
    if (this.started) return;
    this.spool.open();
    this.started = true;
    if (this.spool.rows > 0) {
      this.logger?.info({ spooledRows: this.spool.rows }, 'replaying the spool of a previous run');
      // With the database still away the replay goes on in the background; start() is not the place to wait.
      await this.flush().catch(() => undefined);
    }
  }

  write<T extends TableName>(table: T, row: TableRows[T]): void {
    if (!this.started || this.closing) {
      throw new Error(this.closing ? 'BatchWriter: write() after close()' : 'BatchWriter: write() before start()');
    }
    validateRow(table, row);
    this.memory.push({ table, row: row as unknown as Record<string, unknown> });
    if (this.memory.length + (this.pending?.entries.length ?? 0) > this.maxBufferedRows) this.spill();
    if (this.memory.length >= this.batchSize) this.kick();
    else if (!this.pumpActive) this.armTimer();
  }

  /**
   * Stores everything buffered now (spool first, then memory). Rejects with the database's error
   * when it cannot; the rows stay and the writer keeps retrying on its own.
   */
  flush(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('BatchWriter: flush() before start()'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.wake?.(); // an explicit flush tries now, not after the current backoff
      this.kick();
    });
  }

  /** Final flush; whatever cannot be stored now goes to the spool for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.started) {
      this.closed = true;
      return;
    }
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flush().catch((error: unknown) => {
      this.logger?.warn({ error: (error as Error).message }, 'final flush failed: unstored rows go to the spool');
    });
    await this.pumping;
    const left = [...(this.pending ? this.pending.entries.filter((e) => !this.pending?.dropped.has(e)) : []), ...this.memory];
    this.pending = null;
    this.memory = [];
    if (left.length) {
      this.spool.append(left);
      this.logger?.info({ rows: left.length, spooledRows: this.spool.rows }, 'spooled unstored rows at close');
    }
    this.spool.close();
    this.closed = true;
  }

  state(): WriterState {
    return {
      bufferedRows: this.memory.length + (this.pending?.entries.length ?? 0),
      spooledRows: this.spool.rows,
      flushedRows: this.flushedRows,
      retries: this.retries,
      droppedRows: this.droppedRows + this.spool.unreadableRows,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
    };
  }

  /**
   * Moves the oldest in-memory rows to the spool, at least a batch at a time so a steady stream
   * during an outage appends in chunks. The pending batch counts toward the bound but stays: it is
   * older than anything spilled after it and is retried first.
   */
  private spill(): void {
    const excess = this.memory.length + (this.pending?.entries.length ?? 0) - this.maxBufferedRows;
    const count = Math.min(this.memory.length, Math.max(excess, this.batchSize));
    const oldest = this.memory.splice(0, count);
    this.spool.append(oldest);
    this.logger?.warn({ rows: count, spooledRows: this.spool.rows }, 'buffer full: oldest rows moved to the spool');
  }

  private kick(): void {
    if (this.pumpActive || !this.started) return;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // The flag, not the promise, says whether a pump runs: the pump clears it itself, in the same
    // tick in which it settles the flush() callers, so a flush() right after sees it gone.
    this.pumpActive = true;
    this.pumping = this.pump();
  }

  private armTimer(): void {
    if (this.timer || this.closing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /** The only place batches are stored, so a flush never runs twice at once. */
  private async pump(): Promise<void> {
    try {
      for (;;) {
        let entries: Entry[];
        let dropped: Set<Entry>;
        let fromSpool = false;
        if (this.pending) {
          ({ entries, dropped } = this.pending);
        } else if (this.spool.rows > 0) {
          entries = this.spool.peek(this.batchSize);
          dropped = this.spoolDropped;
          fromSpool = true;
          if (entries.length === 0) continue; // the head segment held only unreadable lines
        } else if (this.memory.length > 0) {
          entries = this.memory.splice(0, this.batchSize);
          dropped = new Set();
          this.pending = { entries, dropped };
        } else {
          break;
        }
        try {
          const result = await this.store.store(entries, dropped);
          this.flushedRows += result.storedRows;
          this.droppedRows += result.droppedRows;
          if (fromSpool) {
            this.spool.consume(entries.length);
            this.spoolDropped = new Set();
          } else {
            this.pending = null;
          }
          this.attempt = 0;
        } catch (error) {
          this.retries++;
          this.lastError = (error as Error).message || String(error);
          this.lastErrorAt = new Date();
          if (this.closing) {
            this.pumpActive = false;
            this.rejectWaiters(error);
            return;
          }
          this.rejectWaiters(error);
          const delayMs = backoffDelayMs(this.attempt++, this.backoff);
          this.logger?.warn(
            { error: this.lastError, code: (error as { code?: string }).code, retryInMs: delayMs, ...this.state() },
            'storing a batch failed: will retry',
          );
          await this.sleep(delayMs);
        }
      }
      this.pumpActive = false;
      this.resolveWaiters();
    } catch (error) {
      this.pumpActive = false;
      // A spool that cannot be written or read: nothing a retry can fix, so say it loudly.
      this.lastError = `spool: ${(error as Error).message}`;
      this.lastErrorAt = new Date();
      this.logger?.error({ error: (error as Error).message }, 'storing stopped by an unexpected error: will try again');
      this.rejectWaiters(error);
      if (this.memory.length || this.pending) this.armTimer();
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private resolveWaiters(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.resolve();
  }

  private rejectWaiters(error: unknown): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w.reject(error);
  }
}

// The collector's batch writer (docs/architecture.md, "The flow"): jobs hand it rows; each row
// goes to the write-ahead spool (spool.ts) in a group commit and to the database in batches, so no
// accepted row is lost to a database outage, a restart or a SIGKILL. A full disk holds rows in
// memory, up to its bound.
import type { Pool } from 'pg';
import type { Logger, RowSink, StorageFlavour, TableName, TableRows } from '@dockpulse/common';
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from '@dockpulse/common';
import { Spool, SpoolUnavailableError, type SpoolRecord, type SpoolTrouble } from './spool';
import { BatchStore, type Entry } from './store';
import { validateRow } from './validate';

export { RowValidationError } from './validate';
export { writerSettings, writerConfigFromEnv, writerConfigFromSettings, type WriterConfig } from './config';
export type { BackoffOptions } from '@dockpulse/common';

export interface BatchWriterOptions {
  pool: Pool;
  /** Unset: the writer only spools until attach() names the flavour (the database is not reached yet). */
  flavour?: StorageFlavour;
  /** Rows per transaction. */
  batchSize?: number;
  /** A row waits at most this long before it is flushed. */
  flushIntervalMs?: number;
  /** Rows held in memory (waiting for the spool or the database, or cached from the spool). */
  maxBufferedRows?: number;
  spoolDir: string;
  /** The spool's bound on disk (SPOOL_MAX_BYTES). */
  spoolMaxBytes?: number;
  /** Size at which a spool segment is closed and a new one started. */
  spoolSegmentBytes?: number;
  /**
   * A row that cannot be collected again (NOT_COLLECTED_AGAIN) reaches the spool at the end of its
   * cycle (endOfCycle()) and at most this long after write(); other rows at most a flush interval after.
   */
  spoolSyncDelayMs?: number;
  logger?: Logger;
  backoff?: BackoffOptions;
}

/** 'writing', or why rows are held in memory only. */
export type SpoolState = 'writing' | SpoolTrouble;

export interface WriterState {
  /** Rows not stored yet that are only in memory (before their group commit, or while the spool cannot take them). */
  bufferedRows: number;
  /** Rows not stored yet that are in the spool on disk. */
  spooledRows: number;
  /** Rows stored since start (a replayed duplicate counts, though the database keeps it once). */
  flushedRows: number;
  /** Failed attempts to store a batch that were retried. */
  retries: number;
  /** Rows never stored: refused by the database (logged one by one), unreadable in the spool, or lost past the memory bound. */
  droppedRows: number;
  /** Of droppedRows: rows dropped because memory was full while the spool could not take them. */
  lostRows: number;
  spoolState: SpoolState;
  spoolBytes: number;
  spoolMaxBytes: number;
  /** Record writes (group commits) of the spool since start. */
  spoolAppends: number;
  /** fdatasync/fsync calls of the spool since start. */
  spoolSyncs: number;
  /** Spool records found cut short or damaged at start (reported and skipped). */
  tornRecords: number;
  lastError: string | null;
  lastErrorAt: Date | null;
}

/** Rows in log order: one group commit, or rows taken straight from memory by a flush. */
interface Chunk {
  /** null: let go of to keep memory bounded; read back from the spool when needed. */
  entries: Entry[] | null;
  rows: number;
  /** Where the rows are in the spool; null: in memory only. */
  record: SpoolRecord | null;
  inFlight: boolean;
}

interface Batch {
  entries: Entry[];
  chunks: Chunk[];
  dropped: Set<Entry>;
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Rows a restarted collector cannot collect again: a stats sample is of its moment. They reach the
 * spool when their cycle ends (endOfCycle, one append per cycle) and at most SPOOL_SYNC_DELAY after
 * the first of them was written, so a SIGKILL loses none a finished cycle collected. Every other
 * row is read again or collected again after a restart (log lines and events from the positions
 * stored before it, container state, images, the host and the heartbeat at their next run), so it
 * waits for the next append: at the latest when a flush begins to store it, or a flush interval
 * after it was written while the database is away. That is one append per cycle or flush interval
 * instead of one per SPOOL_SYNC_DELAY window with rows (bench/README.md, "Write-ahead spool").
 */
const NOT_COLLECTED_AGAIN: ReadonlySet<TableName> = new Set<TableName>(['container_stats']);

/** `a` lies before `b` in the spool. */
const isBefore = (a: SpoolRecord, b: SpoolRecord) => a.seq < b.seq || (a.seq === b.seq && a.offset < b.offset);

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`BatchWriter: ${name} must be a whole number >= 1 (got ${value})`);
  return value;
}

export class BatchWriter implements RowSink {
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBufferedRows: number;
  private readonly syncDelayMs: number;
  private readonly backoff: BackoffOptions;
  private readonly logger?: Logger;
  private readonly pool: Pool;
  private store: BatchStore | null = null;
  private readonly spool: Spool;

  /** Written since the last group commit. */
  private open: Entry[] = [];
  /** Unstored rows, oldest first. Chunks in memory only always come after every spooled one. */
  private chunks: Chunk[] = [];
  /** Rows of chunks[0] already stored. */
  private headDone = 0;
  /** The chunks in memory only (a suffix of `chunks`), appended at the next commit that can. */
  private unspooled: Chunk[] = [];
  /** Spooled chunks whose rows are still held, oldest first; the newest are let go of first. */
  private cached: Chunk[] = [];
  /** A batch whose store failed: retried as it is, so refused rows are not counted twice. */
  private batch: Batch | null = null;
  /** The batch being stored right now. */
  private storing: Batch | null = null;
  /** An fdatasync came due while the store in flight held its rows: decided when the store settles. */
  private syncAfterStore = false;
  private memoryRows = 0;
  private unstoredRows = 0;
  private spoolTrouble: SpoolTrouble | null = null;
  private spoolOpen = false;
  /** The last record of each append not forced to disk yet, and when (performance.now()) it was made. */
  private unsyncedAppends: { record: SpoolRecord; atMs: number }[] = [];

  private flushTimer: NodeJS.Timeout | null = null;
  private commitTimer: NodeJS.Timeout | null = null;
  /** When (performance.now()) the armed group commit is due. */
  private commitDueMs = Infinity;
  /** The armed group commit is due within SPOOL_SYNC_DELAY of a row that cannot be collected again. */
  private commitSoon = false;
  private syncTimer: NodeJS.Timeout | null = null;
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
  private lostRows = 0;
  private lastLostLogMs = 0;
  private lastError: string | null = null;
  private lastErrorAt: Date | null = null;

  constructor(options: BatchWriterOptions) {
    this.batchSize = positiveInt('batchSize', options.batchSize ?? 1000);
    this.flushIntervalMs = positiveInt('flushIntervalMs', options.flushIntervalMs ?? 2000);
    this.maxBufferedRows = positiveInt('maxBufferedRows', options.maxBufferedRows ?? 50_000);
    this.syncDelayMs = positiveInt('spoolSyncDelayMs', options.spoolSyncDelayMs ?? 500);
    if (this.maxBufferedRows < this.batchSize) {
      throw new Error(`BatchWriter: maxBufferedRows (${this.maxBufferedRows}) must be at least batchSize (${this.batchSize})`);
    }
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    if (!(this.backoff.baseMs > 0 && this.backoff.capMs >= this.backoff.baseMs)) {
      throw new Error(`BatchWriter: backoff needs 0 < baseMs <= capMs (got ${JSON.stringify(this.backoff)})`);
    }
    if (options.flavour !== undefined && options.flavour !== 'postgres' && options.flavour !== 'timescaledb') {
      throw new Error(`BatchWriter: flavour must be postgres or timescaledb (got ${String(options.flavour)})`);
    }
    this.logger = options.logger;
    this.pool = options.pool;
    if (options.flavour) this.store = new BatchStore(options.pool, options.flavour, options.logger);
    this.spool = new Spool({
      dir: options.spoolDir,
      maxBytes: options.spoolMaxBytes,
      segmentBytes: options.spoolSegmentBytes,
      // After every stored batch it would be a pwrite per flush or more; a crash replays a little more instead.
      checkpointIntervalMs: this.flushIntervalMs,
      logger: options.logger,
    });
  }

  /**
   * Opens the spool and takes what a previous process left in it: replayed before anything newer,
   * at once when the flavour is known, else after attach().
   */
  async start(): Promise<void> {
    if (this.started) return;
    // A spool directory that cannot be created or written does not stop the collector: rows are
    // held in memory (spoolState says why) and the group commit tries to open it again.
    if (!this.openSpool()) this.armCommit(this.retryDelayMs());
    this.started = true;
    // With the database still away the replay goes on in the background; start() is not the place to wait.
    if (this.chunks.length && this.store) await this.flush().catch(() => undefined);
  }

  /**
   * Opens the spool and puts what a previous process left in it before every row of this one.
   * False: it cannot be opened now (reported; rows stay in memory). Any other error (the directory
   * is another process's) is thrown.
   */
  private openSpool(): boolean {
    if (this.spoolOpen) return true;
    let found: { records: SpoolRecord[]; skipRows: number };
    try {
      found = this.spool.open();
    } catch (error) {
      if (!(error instanceof SpoolUnavailableError)) throw error;
      this.spoolRefused(error.reason, error.message);
      return false;
    }
    const { records, skipRows } = found;
    if (records.length && this.batch) {
      // Rows of an earlier run (a directory that came back with them) go before this run's: not
      // while a batch of this run's rows is being stored. Taken over at a later try.
      this.spool.close();
      return false;
    }
    this.spoolOpen = true;
    if (records.length) {
      // A chunk of this run already partly stored (a late open) gives up its stored rows, so the
      // skip at the head can be the spool's.
      const head = this.chunks[0];
      if (head && this.headDone > 0) {
        head.entries = (head.entries as Entry[]).slice(this.headDone);
        head.rows -= this.headDone;
        this.memoryRows -= this.headDone;
      }
      this.chunks.unshift(...records.map((record) => ({ entries: null, rows: record.rows, record, inFlight: false })));
      this.headDone = skipRows;
      const spooledRows = records.reduce((n, r) => n + r.rows, 0) - skipRows;
      this.unstoredRows += spooledRows;
      this.logger?.info({ spooledRows, tornRecords: this.spool.tornRecords }, 'replaying the spool of a previous run');
    } else {
      if (this.chunks.length === 0) this.spool.release(null); // segments whose rows were all stored before
      if (this.spool.tornRecords > 0) this.logger?.info({ tornRecords: this.spool.tornRecords }, 'replaying the spool of a previous run');
    }
    if (this.spoolTrouble) {
      this.logger?.info({ was: this.spoolTrouble }, 'the spool directory is usable again');
      this.spoolTrouble = null;
    }
    if (this.started && records.length) this.kick();
    return true;
  }

  private retryDelayMs(): number {
    return Math.max(this.syncDelayMs, 250);
  }

  /** The spool cannot take rows: said once per change of reason (log, state, heartbeat, /metrics). */
  private spoolRefused(reason: SpoolTrouble, message: string): void {
    if (this.spoolTrouble === reason) return;
    this.spoolTrouble = reason;
    this.lastError = message;
    this.lastErrorAt = new Date();
    this.logger?.error(
      { reason, error: message, bufferedRows: this.state().bufferedRows, maxBufferedRows: this.maxBufferedRows },
      'the spool cannot take rows: collecting in memory only until it can',
    );
  }

  /** The database is reached and migrated: storing (the replay first) begins. */
  attach(flavour: StorageFlavour): void {
    if (flavour !== 'postgres' && flavour !== 'timescaledb') {
      throw new Error(`BatchWriter: flavour must be postgres or timescaledb (got ${String(flavour)})`);
    }
    if (this.store) return;
    this.store = new BatchStore(this.pool, flavour, this.logger);
    if (this.unstoredRows > 0 || this.chunks.length) this.kick();
  }

  get attached(): boolean {
    return this.store !== null;
  }

  write<T extends TableName>(table: T, row: TableRows[T]): void {
    if (!this.started || this.closing) {
      throw new Error(this.closing ? 'BatchWriter: write() after close()' : 'BatchWriter: write() before start()');
    }
    validateRow(table, row);
    this.open.push({ table, row: row as unknown as Record<string, unknown> });
    this.memoryRows++;
    this.unstoredRows++;
    if (this.memoryRows > this.maxBufferedRows) this.boundMemory();
    // The group commit's deadline: the earliest any row written since the last one allows.
    if (NOT_COLLECTED_AGAIN.has(table)) {
      if (!this.commitSoon) this.armCommit(this.syncDelayMs, true);
    } else if (!this.commitTimer) this.armCommit(this.flushIntervalMs);
    if (this.unstoredRows >= this.batchSize) this.kick();
    else if (!this.pumpActive) this.armFlush();
  }

  /**
   * The job that wrote rows has finished a cycle: every row written so far goes to the spool now,
   * in one append (the collector calls it after each stats cycle).
   */
  endOfCycle(): void {
    if (!this.started || this.closing) return;
    if (this.open.length || this.unspooled.length) this.commit();
  }

  /**
   * Stores everything unstored now (the spool's backlog first, then memory). Rejects with the
   * database's error when it cannot; the rows stay and the writer keeps retrying on its own.
   */
  flush(): Promise<void> {
    if (!this.started) return Promise.reject(new Error('BatchWriter: flush() before start()'));
    if (this.closed) return Promise.reject(new Error('BatchWriter: flush() after close()'));
    if (!this.store) return Promise.reject(new Error('BatchWriter: flush() before attach(): the database is not reached yet'));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.wake?.(); // an explicit flush tries now, not after the current backoff
      this.kick();
    });
  }

  /** Final flush; whatever cannot be stored now stays in the spool for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.started) {
      this.closed = true;
      return;
    }
    this.closing = true;
    for (const timer of [this.flushTimer, this.commitTimer, this.syncTimer]) if (timer) clearTimeout(timer);
    this.flushTimer = this.commitTimer = this.syncTimer = null;
    if (this.store) {
      await this.flush().catch((error: unknown) => {
        this.logger?.warn({ error: (error as Error).message }, 'final flush failed: unstored rows stay in the spool');
      });
    }
    await this.pumping;
    this.commit();
    this.syncSpool(true);
    const left = this.state().bufferedRows;
    if (left > 0) this.logger?.error({ rows: left, spoolState: this.spoolTrouble }, 'rows neither stored nor spooled at exit: lost');
    else if (this.unstoredRows > 0) this.logger?.info({ spooledRows: this.unstoredRows }, 'unstored rows stay in the spool for the next start');
    this.spool.close(this.unstoredRows === 0);
    this.closed = true;
  }

  state(): WriterState {
    let spooled = 0;
    let buffered = this.open.length;
    this.chunks.forEach((chunk, i) => {
      const rows = chunk.rows - (i === 0 ? this.headDone : 0);
      if (chunk.record) spooled += rows;
      else buffered += rows;
    });
    return {
      bufferedRows: buffered,
      spooledRows: spooled,
      flushedRows: this.flushedRows,
      retries: this.retries,
      droppedRows: this.droppedRows + this.spool.unreadableRows + this.lostRows,
      lostRows: this.lostRows,
      spoolState: this.spoolTrouble ?? 'writing',
      spoolBytes: this.spool.bytes,
      spoolMaxBytes: this.spool.maxBytes,
      spoolAppends: this.spool.appends,
      spoolSyncs: this.spool.syncs,
      tornRecords: this.spool.tornRecords,
      lastError: this.lastError,
      lastErrorAt: this.lastErrorAt,
    };
  }

  /**
   * The group commit: rows written since the last one, and any held in memory while the spool
   * could not take them (older, so first), go to the spool in one append; the fdatasync follows
   * within a flush interval (syncSpool).
   */
  private commit(): void {
    if (this.commitTimer) clearTimeout(this.commitTimer);
    this.commitTimer = null;
    this.commitDueMs = Infinity;
    this.commitSoon = false;
    this.takeOpen();
    if (!this.openSpool()) {
      if (!this.closing) this.armCommit(this.retryDelayMs());
      return;
    }
    if (this.unspooled.length === 0) return;
    const chunks = this.unspooled;
    let records: SpoolRecord[];
    try {
      records = this.spool.append(chunks.map((c) => c.entries as Entry[]));
    } catch (error) {
      this.spoolRefused(error instanceof SpoolUnavailableError ? error.reason : 'failing', (error as Error).message);
      // Retried on a timer as well as by the next rows: space may come back while nothing is written.
      if (!this.closing) this.armCommit(this.retryDelayMs());
      return;
    }
    chunks.forEach((chunk, i) => {
      chunk.record = records[i] as SpoolRecord;
      this.cached.push(chunk);
    });
    this.unspooled = [];
    this.unsyncedAppends.push({ record: records.at(-1) as SpoolRecord, atMs: performance.now() });
    this.armSync(this.flushIntervalMs);
    if (this.spoolTrouble) {
      this.logger?.info({ was: this.spoolTrouble, rows: records.reduce((n, r) => n + r.rows, 0) }, 'the spool takes rows again');
      this.spoolTrouble = null;
    }
    if (this.memoryRows > this.maxBufferedRows) this.boundMemory();
  }

  /** Rows written since the last commit become a chunk (in memory only until a commit spools it). */
  private takeOpen(): void {
    if (this.open.length === 0) return;
    const chunk: Chunk = { entries: this.open, rows: this.open.length, record: null, inFlight: false };
    this.open = [];
    this.chunks.push(chunk);
    this.unspooled.push(chunk);
  }

  /**
   * Keeps the rows held in memory within maxBufferedRows: first lets go of spooled rows (newest
   * first: they are stored last; rows not spooled yet are committed early for that), then, when the spool cannot take rows, drops the oldest rows
   * held only in memory, down to 90 % of the bound so this does not run at every write.
   */
  private boundMemory(): void {
    // With a spool that takes rows, an early group commit makes them safe to let go of.
    if (!this.spoolTrouble && (this.open.length || this.unspooled.length)) this.commit();
    while (this.memoryRows > this.maxBufferedRows && this.cached.length) {
      const chunk = this.cached.at(-1) as Chunk;
      if (chunk.inFlight) break; // the oldest ones are being stored
      this.cached.pop();
      this.memoryRows -= chunk.entries?.length ?? 0;
      chunk.entries = null;
    }
    if (this.memoryRows <= this.maxBufferedRows) return;
    const target = Math.floor(this.maxBufferedRows * 0.9);
    let lost = 0;
    for (const chunk of [...this.unspooled]) {
      if (this.memoryRows <= target) break;
      if (chunk.inFlight) continue;
      const index = this.chunks.indexOf(chunk);
      const unstored = chunk.rows - (index === 0 ? this.headDone : 0);
      this.chunks.splice(index, 1);
      if (index === 0) this.headDone = 0;
      this.unspooled.splice(this.unspooled.indexOf(chunk), 1);
      this.memoryRows -= chunk.entries?.length ?? 0;
      this.unstoredRows -= unstored;
      lost += unstored;
    }
    if (this.memoryRows > target && this.open.length) {
      const n = Math.min(this.open.length, this.memoryRows - target);
      this.open.splice(0, n);
      this.memoryRows -= n;
      this.unstoredRows -= n;
      lost += n;
    }
    if (lost === 0) return;
    this.lostRows += lost;
    this.lastError = `memory bound (${this.maxBufferedRows} rows) reached while the spool cannot take rows (${this.spoolTrouble ?? 'unknown'}): oldest rows dropped`;
    this.lastErrorAt = new Date();
    const nowMs = Date.now();
    if (nowMs - this.lastLostLogMs >= 10_000) {
      this.lastLostLogMs = nowMs;
      this.logger?.error({ rows: lost, lostRows: this.lostRows, spoolState: this.spoolTrouble }, this.lastError);
    }
  }

  private kick(): void {
    if (this.pumpActive || !this.started || !this.store) return;
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    // The flag, not the promise, says whether a pump runs: the pump clears it itself, in the same
    // tick in which it settles the flush() callers, so a flush() right after sees it gone.
    this.pumpActive = true;
    this.pumping = this.pump(this.store);
  }

  private armFlush(): void {
    if (this.flushTimer || this.closing || !this.store) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.kick();
    }, this.flushIntervalMs);
    this.flushTimer.unref();
  }

  private armSync(delayMs: number): void {
    if (this.syncTimer || this.closing) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      this.syncSpool();
    }, delayMs);
    this.syncTimer.unref();
  }

  /**
   * Each append is forced to disk (one fdatasync for all appended so far) a flush interval after
   * it was made, unless the database has stored its rows by then: with the database answering,
   * the flush (armed by the rows' write, so due first) stores them and no fsync is made at all.
   * `now`: sync whatever is appended and not stored, at once (close()).
   */
  private syncSpool(now = false): void {
    if (!this.spool.dirty) {
      this.unsyncedAppends = [];
      return;
    }
    // Spooled chunks come first and are stored oldest first: an append whose last record lies
    // before the first unstored one is stored whole; no spooled chunk left means all are.
    const head = this.chunks[0]?.record;
    this.unsyncedAppends = head ? this.unsyncedAppends.filter((a) => !isBefore(a.record, head)) : [];
    const oldest = this.unsyncedAppends[0];
    if (!oldest) {
      this.spool.markClean();
      return;
    }
    const waitMs = Math.min(this.flushIntervalMs, oldest.atMs + this.flushIntervalMs - performance.now());
    if (!now && waitMs > 0) {
      this.armSync(waitMs);
      return;
    }
    // Rows appended at the end of a cycle are due for their flush about when their sync is: a store
    // in flight that holds the oldest append's rows is waited for (it settles within its statement
    // timeout), not raced with an fdatasync that its commit makes needless. So is a flush armed and
    // not yet begun: its timer and this one come due in the same millisecond, in either order (seen
    // under load), and the store it begins takes the oldest rows first.
    const storingTo = this.storing?.chunks.findLast((c) => c.record)?.record;
    const flushDue = !this.pumpActive && this.flushTimer !== null;
    if (!now && (flushDue || (storingTo && !isBefore(storingTo, oldest.record)))) {
      this.syncAfterStore = true;
      return;
    }
    try {
      this.spool.sync();
      this.unsyncedAppends = [];
    } catch (error) {
      this.lastError = `spool: sync failed: ${(error as Error).message}`;
      this.lastErrorAt = new Date();
      this.logger?.error({ error: (error as Error).message }, 'spool sync failed: retried after the next flush interval');
      this.armSync(this.flushIntervalMs);
    }
  }

  /**
   * Arms the group commit `delayMs` from now, unless one is due sooner. `soon`: for a row that
   * cannot be collected again (SPOOL_SYNC_DELAY), so later such rows need not look at the clock.
   */
  private armCommit(delayMs: number, soon = false): void {
    if (this.closing) return;
    const dueMs = performance.now() + delayMs;
    if (this.commitTimer) {
      if (this.commitDueMs <= dueMs) {
        this.commitSoon ||= soon;
        return;
      }
      clearTimeout(this.commitTimer);
    }
    this.commitDueMs = dueMs;
    this.commitSoon = soon;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = null;
      this.commitDueMs = Infinity;
      this.commitSoon = false;
      this.commit();
    }, delayMs);
    this.commitTimer.unref();
  }

  /**
   * Up to a batch of the oldest unstored rows, read back from the spool where memory let go of them.
   * Rows not spooled yet are appended first (the group commit a flush begins with), so a row is on
   * disk before its store begins; while the spool cannot take rows, its retry timer tries instead.
   */
  private takeBatch(): Batch | null {
    if (!this.spoolTrouble && (this.open.length || this.unspooled.length)) this.commit();
    this.takeOpen();
    if (this.chunks.length === 0) return null;
    const entries: Entry[] = [];
    const chunks: Chunk[] = [];
    let skip = this.headDone;
    for (const chunk of this.chunks) {
      if (entries.length >= this.batchSize) break;
      const held = chunk.entries ?? this.load(chunk);
      const take = Math.min(held.length - skip, this.batchSize - entries.length);
      for (let i = skip; i < skip + take; i++) entries.push(held[i] as Entry);
      chunk.inFlight = true;
      chunks.push(chunk);
      skip = 0;
    }
    return { entries, chunks, dropped: new Set() };
  }

  private load(chunk: Chunk): Entry[] {
    const entries = this.spool.read(chunk.record as SpoolRecord);
    if (entries.length !== chunk.rows) {
      // Unreadable rows (counted by the spool) are not coming back.
      this.unstoredRows -= chunk.rows - entries.length;
      chunk.rows = entries.length;
    }
    chunk.entries = entries;
    this.memoryRows += entries.length;
    return entries;
  }

  /** The batch is stored: its rows leave the log and the spool releases what is behind them. */
  private advance(batch: Batch): void {
    let left = batch.entries.length;
    this.unstoredRows -= left;
    for (const chunk of batch.chunks) chunk.inFlight = false;
    while (this.chunks[0]) {
      const chunk = this.chunks[0];
      const rest = chunk.rows - this.headDone;
      if (rest > left) {
        this.headDone += left;
        break;
      }
      left -= rest;
      this.chunks.shift();
      this.headDone = 0;
      this.memoryRows -= chunk.entries?.length ?? 0;
      chunk.entries = null;
      if (this.cached[0] === chunk) this.cached.shift();
      if (this.unspooled[0] === chunk) this.unspooled.shift();
    }
    const head = this.chunks[0];
    try {
      this.spool.release(head?.record ? { seq: head.record.seq, offset: head.record.offset, skipRows: this.headDone } : null);
    } catch (error) {
      this.logger?.warn({ error: (error as Error).message }, 'releasing stored spool segments failed: retried after the next batch');
    }
    // Released segments may be what the spool was waiting for.
    if (this.spoolTrouble && this.unspooled.length && !this.closing) this.commit();
  }

  /** The only place batches are stored, so a flush never runs twice at once. */
  private async pump(store: BatchStore): Promise<void> {
    try {
      for (let stored = 0; ; ) {
        // Rows written while a batch was stored, fewer than a batch and waited for by no flush()
        // caller, wait for the next flush instead of a round of their own now: one append and one
        // transaction for them and the rows after them (bench/README.md, "Write-ahead spool").
        if (!this.batch && stored > 0 && this.waiters.length === 0 && this.unstoredRows < this.batchSize) break;
        const batch = this.batch ?? this.takeBatch();
        if (!batch) break;
        this.batch = batch;
        this.storing = batch;
        try {
          const result = await store.store(batch.entries, batch.dropped);
          this.flushedRows += result.storedRows;
          this.droppedRows += result.droppedRows;
          this.batch = null;
          this.advance(batch);
          this.attempt = 0;
          stored++;
          this.storeSettled();
        } catch (error) {
          this.storeSettled();
          this.retries++;
          this.lastError = (error as Error).message || String(error);
          this.lastErrorAt = new Date();
          this.rejectWaiters(error);
          if (this.closing) {
            this.pumpActive = false;
            return;
          }
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
      if (this.unstoredRows > 0) this.armFlush();
    } catch (error) {
      this.pumpActive = false;
      // A spool that cannot be read back: nothing a retry can fix, so say it loudly.
      this.lastError = `spool: ${(error as Error).message}`;
      this.lastErrorAt = new Date();
      this.logger?.error({ error: (error as Error).message }, 'storing stopped by an unexpected error: will try again');
      this.rejectWaiters(error);
      if (this.unstoredRows > 0) this.armFlush();
    }
  }

  /** The store in flight has stored its rows or failed: a sync that waited for it is decided now. */
  private storeSettled(): void {
    this.storing = null;
    if (!this.syncAfterStore) return;
    this.syncAfterStore = false;
    this.syncSpool();
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

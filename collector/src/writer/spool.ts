// The writer's write-ahead spool: every row is appended here before it counts as collected, and
// replayed from here after a crash. Segment files of records; one record holds one group commit
// (the rows of a cycle or a flush interval) and is framed as
//   magic "DPW1" | payload bytes (u32 LE) | rows (u32 LE) | crc32 of the two counts and the payload | payload
// where the payload is one line per row (a JSON array, see encodeRow). A record cut short by a crash, or damaged, fails its
// length or checksum: it is reported and skipped, and reading goes on at the next intact record.
// One append (one write) per group, never one per row; one fdatasync per flush interval at most,
// none when the database stored the rows first (BatchWriter decides). Stored rows are released
// through a checkpoint (the first unstored row), rewritten at most once per checkpointIntervalMs;
// whole segments before it are deleted.
// One process owns a spool directory at a time (spool.lock).
import {
  closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync,
  rmSync, truncateSync, unlinkSync, writeFileSync, writeSync,
} from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger, TableName } from '@dockpulse/common';
import type { Entry } from './store';
import { TABLE_SPECS } from './tables';

const SEGMENT_FILE = /^segment-(\d{12})\.wal$/;
/** Segments of the JSON-lines overflow spool of earlier versions: read once at open, then removed. */
const OLD_SEGMENT_FILE = /^segment-(\d{12})\.jsonl$/;
const LOCK_FILE = 'spool.lock';
const CHECKPOINT_FILE = 'checkpoint';
const CHECKPOINT_BYTES = 64;
const MAGIC = 0x31575044; // "DPW1" read as a little-endian u32
const HEADER_BYTES = 16;
/** Spool directories open in this process: two writers on one spool would interleave segments. */
const OPEN_DIRS = new Set<string>();

/** Where one group of rows is in the spool. */
export interface SpoolRecord {
  seq: number;
  offset: number;
  /** Header and payload. */
  bytes: number;
  rows: number;
}

/** The first row not yet stored: rows before it (and whole segments before its segment) are released. */
export interface SpoolPosition {
  seq: number;
  offset: number;
  /** Rows of the record at `offset` already stored. */
  skipRows: number;
}

export type SpoolTrouble = 'disk-full' | 'at-limit' | 'failing';

/** An append that did not happen: nothing of it is on disk. */
export class SpoolUnavailableError extends Error {
  constructor(
    readonly reason: SpoolTrouble,
    message: string,
  ) {
    super(message);
    this.name = 'SpoolUnavailableError';
  }
}

export interface SpoolOptions {
  dir: string;
  /** The spool never grows past this many bytes on disk (SPOOL_MAX_BYTES). */
  maxBytes?: number;
  /** A segment that reached this size is closed and the next group starts a new one. */
  segmentBytes?: number;
  /**
   * The checkpoint is rewritten at most once in this many ms (the writer: its flush interval), and
   * at close. A crash replays the rows released since the last rewrite, which the tables' keys
   * make harmless. 0: at every release.
   */
  checkpointIntervalMs?: number;
  /** The clock of checkpointIntervalMs, in ms (tests inject one). */
  nowMs?: () => number;
  logger?: Logger;
}

interface Segment {
  seq: number;
  file: string;
  bytes: number;
}

const segmentName = (seq: number) => `segment-${String(seq).padStart(12, '0')}.wal`;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The earlier overflow spool's rows: JSON objects, dates as ISO strings (the table spec says which). */
const DATE_FIELDS = new Map<TableName, string[]>(
  Object.values(TABLE_SPECS).map((s) => [s.table, s.columns.filter((c) => c.type === 'timestamptz').map((c) => c.name)]),
);

function revive(line: string): Entry {
  const parsed = JSON.parse(line) as { t: TableName; r: Record<string, unknown> };
  const fields = DATE_FIELDS.get(parsed.t);
  if (!fields || typeof parsed.r !== 'object' || parsed.r === null) throw new Error('not a spooled row');
  for (const field of fields) {
    const value = parsed.r[field];
    if (typeof value === 'string') parsed.r[field] = new Date(value);
  }
  return { table: parsed.t, row: parsed.r };
}

// A row is one JSON array: the table's index, then its columns in the table spec's order, times as
// epoch milliseconds. Positional and built by hand: a JSON object per row (keys and ISO dates) cost
// the collector twice the CPU (bench/spool.bench.ts). Text columns of a table's key (host and
// container ids, repositories, tags) repeat in nearly every row, so their JSON text is kept.
const TABLES = Object.values(TABLE_SPECS).map((spec) => ({
  table: spec.table,
  columns: spec.columns.map((c) => ({
    name: c.name,
    kind:
      c.type === 'timestamptz' ? 'time'
      : c.type === 'text' ? ((spec.conflictKey as readonly string[]).includes(c.name) ? 'key' : 'text')
      : c.type === 'jsonb' || c.type === 'text[]' ? 'json'
      : 'plain',
  })),
}));
const TABLE_INDEX = new Map<TableName, number>(TABLES.map((t, i) => [t.table, i]));

/** JSON text of key strings; emptied when full (containers come and go). */
const QUOTED_KEYS = new Map<string, string>();
const QUOTED_KEYS_MAX = 10_000;

function quoteKey(value: string): string {
  let quoted = QUOTED_KEYS.get(value);
  if (quoted === undefined) {
    quoted = JSON.stringify(value);
    if (QUOTED_KEYS.size >= QUOTED_KEYS_MAX) QUOTED_KEYS.clear();
    QUOTED_KEYS.set(value, quoted);
  }
  return quoted;
}

function encodeRow(entry: Entry): string {
  const index = TABLE_INDEX.get(entry.table) as number;
  const columns = (TABLES[index] as (typeof TABLES)[number]).columns;
  let line = `[${index}`;
  for (const column of columns) {
    const value = entry.row[column.name];
    if (value === null || value === undefined) line += ',null';
    else if (column.kind === 'time') line += `,${(value as Date).getTime()}`;
    else if (column.kind === 'key' && typeof value === 'string') line += `,${quoteKey(value)}`;
    else if (column.kind === 'plain' && typeof value !== 'string') line += `,${String(value)}`;
    else line += `,${JSON.stringify(value)}`;
  }
  return `${line}]\n`;
}

function decodeRow(line: string): Entry {
  const values = JSON.parse(line) as unknown[];
  const spec = Array.isArray(values) ? TABLES[values[0] as number] : undefined;
  if (!spec || values.length !== spec.columns.length + 1) throw new Error('not a spooled row');
  const row: Record<string, unknown> = {};
  spec.columns.forEach((column, i) => {
    const value = values[i + 1];
    row[column.name] = column.kind === 'time' && typeof value === 'number' ? new Date(value) : value;
  });
  return { table: spec.table, row };
}

/** The payload of a record: one line per row. */
function encodeRows(entries: readonly Entry[]): string {
  let text = '';
  for (const entry of entries) text += encodeRow(entry);
  return text;
}

/** Writes the header of the record whose payload is at `at + HEADER_BYTES` in `buffer`. */
function frame(buffer: Buffer, at: number, payloadBytes: number, rows: number): void {
  buffer.writeUInt32LE(MAGIC, at);
  buffer.writeUInt32LE(payloadBytes, at + 4);
  buffer.writeUInt32LE(rows, at + 8);
  buffer.writeUInt32LE(checksum(buffer.subarray(at, at + HEADER_BYTES + payloadBytes), payloadBytes), at + 12);
}

/** The framed record of `entries`. */
export function encodeRecord(entries: readonly Entry[]): Buffer {
  const text = encodeRows(entries);
  const payloadBytes = Buffer.byteLength(text);
  const record = Buffer.allocUnsafe(HEADER_BYTES + payloadBytes);
  record.write(text, HEADER_BYTES, 'utf8');
  frame(record, 0, payloadBytes, entries.length);
  return record;
}

/** A scratch buffer past this size is not kept after the append that needed it. */
const SCRATCH_KEPT_BYTES = 4 * 1024 ** 2;

function checksum(record: Buffer, payloadBytes: number): number {
  return crc32(record.subarray(HEADER_BYTES, HEADER_BYTES + payloadBytes), crc32(record.subarray(4, 12)));
}

/** The intact record at `offset` of `data`, or why there is none. */
function recordAt(data: Buffer, offset: number): { bytes: number; rows: number } | string {
  if (data.length - offset < HEADER_BYTES) return 'cut short in its header';
  if (data.readUInt32LE(offset) !== MAGIC) return 'no record marker';
  const payloadBytes = data.readUInt32LE(offset + 4);
  if (data.length - offset - HEADER_BYTES < payloadBytes) return `cut short (${payloadBytes} payload bytes announced)`;
  const record = data.subarray(offset, offset + HEADER_BYTES + payloadBytes);
  if (checksum(record, payloadBytes) !== data.readUInt32LE(offset + 12)) return 'checksum mismatch';
  return { bytes: HEADER_BYTES + payloadBytes, rows: data.readUInt32LE(offset + 8) };
}

const isDiskFull = (error: unknown) => ['ENOSPC', 'EDQUOT'].includes((error as NodeJS.ErrnoException).code ?? '');

export class Spool {
  private readonly dir: string;
  readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly logger?: Logger;
  private segments: Segment[] = [];
  private active: (Segment & { fd: number }) | null = null;
  private nextSeq = 1;
  private opened = false;
  private checkpointFd: number | null = null;
  private readonly checkpointIntervalMs: number;
  private readonly nowMs: () => number;
  /** When the checkpoint was last rewritten (nowMs). */
  private checkpointAtMs = -Infinity;
  /** Released rows not in the checkpoint on disk yet (written at the next rewrite or at close). */
  private checkpointDue: SpoolPosition | null = null;
  /** Checkpoint rewrites (one pwrite each). */
  checkpoints = 0;
  /** Where append() encodes its records. */
  private scratch = Buffer.allocUnsafe(0);
  /** Bytes of every segment on disk, released or not. */
  bytes = 0;
  /** Writes of records (one per group commit). */
  appends = 0;
  /** fdatasync/fsync calls made (appended data; the directory after segments were created or deleted). */
  syncs = 0;
  private unsynced = false;
  /** Records found cut short or damaged (reported and skipped). */
  tornRecords = 0;
  /** Lines of a record that could not be read back as rows. */
  unreadableRows = 0;

  constructor(options: SpoolOptions) {
    this.dir = path.resolve(options.dir);
    this.maxBytes = options.maxBytes ?? 1024 ** 3;
    this.segmentBytes = options.segmentBytes ?? Math.max(64 * 1024, Math.min(16 * 1024 ** 2, Math.floor(this.maxBytes / 16)));
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 0;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.logger = options.logger;
  }

  /**
   * Takes the directory and returns the unreleased records, oldest first (the first one may be
   * partly stored: `skipRows`). Damaged records are reported and left out; a damaged tail is cut off.
   * Throws SpoolUnavailableError, having taken nothing, when the directory cannot be created or written.
   */
  open(): { records: SpoolRecord[]; skipRows: number } {
    if (this.opened) throw new Error('spool: already open');
    try {
      mkdirSync(this.dir, { recursive: true });
    } catch (error) {
      // Not a reason to stop collecting: the writer holds rows in memory and tries again.
      throw this.unavailable(error, `creating the spool directory ${this.dir}`);
    }
    this.lock();
    this.segments = []; // an open() after close() reads the directory afresh
    this.bytes = 0;
    const checkpoint = this.readCheckpoint();
    const records: SpoolRecord[] = [];
    let skipRows = 0;
    const files = readdirSync(this.dir).sort();
    let unlinked = 0;
    for (const name of files) {
      const match = SEGMENT_FILE.exec(name);
      if (!match) continue;
      const seq = Number(match[1]);
      const file = path.join(this.dir, name);
      if (checkpoint && seq < checkpoint.seq) {
        unlinkSync(file); // released before the crash; its deletion had not happened yet
        unlinked++;
        continue;
      }
      const data = readFileSync(file);
      let offset = 0;
      let end = 0;
      while (offset < data.length) {
        const found = recordAt(data, offset);
        if (typeof found !== 'string') {
          const stored = checkpoint && seq === checkpoint.seq && offset < checkpoint.offset;
          if (!stored) {
            if (checkpoint && seq === checkpoint.seq && offset === checkpoint.offset) skipRows = Math.min(checkpoint.skipRows, found.rows);
            records.push({ seq, offset, bytes: found.bytes, rows: found.rows });
          }
          offset += found.bytes;
          end = offset;
          continue;
        }
        this.tornRecords++;
        const next = this.nextIntact(data, offset + 1);
        this.logger?.error(
          { file, offset, reason: found, skippedBytes: (next ?? data.length) - offset },
          next === undefined ? 'spool: last record cut short (a crash mid-append): skipped' : 'spool: damaged record skipped',
        );
        if (next === undefined) break;
        offset = next;
      }
      if (end < data.length) truncateSync(file, end); // appends after a damaged tail would be unreachable
      this.segments.push({ seq, file, bytes: end });
      this.bytes += end;
    }
    if (unlinked) this.fsyncDir();
    // Past the checkpoint's segment too: a new segment numbered below it would be taken for a
    // released one at the next open (a directory whose segments were all released and deleted).
    this.nextSeq = Math.max(this.segments.at(-1)?.seq ?? 0, checkpoint?.seq ?? 0) + 1;
    this.opened = true;
    // The first record kept must carry the skip; a checkpoint pointing past every record means none.
    if (records[0] && !(checkpoint && records[0].seq === checkpoint.seq && records[0].offset === checkpoint.offset)) skipRows = 0;
    for (const name of files) {
      if (!OLD_SEGMENT_FILE.test(name)) continue;
      try {
        records.push(...this.convertOld(path.join(this.dir, name)));
      } catch (error) {
        this.logger?.error({ file: name, error: (error as Error).message }, 'spool segment of an earlier version not taken over yet: tried again at the next start');
      }
    }
    return { records, skipRows };
  }

  /**
   * Appends each group as one record after everything spooled, in one write: from then on the rows
   * survive the process (a SIGKILL, a crash); sync() makes them survive the machine. Throws
   * SpoolUnavailableError (disk full, SPOOL_MAX_BYTES reached, a write error) with nothing appended.
   */
  append(groups: readonly (readonly Entry[])[]): SpoolRecord[] {
    if (!this.opened) throw new Error('spool: open() first');
    const { data, sizes } = this.encode(groups);
    const total = data.length;
    if (this.bytes + total > this.maxBytes) {
      throw new SpoolUnavailableError('at-limit', `spool: ${this.bytes + total} bytes would pass SPOOL_MAX_BYTES (${this.maxBytes})`);
    }
    let active: Segment & { fd: number };
    try {
      if (this.active && this.active.bytes >= this.segmentBytes) this.closeActive();
      active = this.active ?? this.startSegment();
    } catch (error) {
      throw this.unavailable(error, 'starting a segment');
    }
    const start = active.bytes;
    try {
      for (let done = 0; done < data.length; ) done += writeSync(active.fd, data, done, data.length - done, start + done);
      this.appends++;
      this.dirty = true;
    } catch (error) {
      try {
        ftruncateSync(active.fd, start); // no half record stays behind a failed append
      } catch {
        // the next open() cuts it off as a torn record
      }
      throw this.unavailable(error, 'appending');
    }
    const records: SpoolRecord[] = [];
    let offset = start;
    groups.forEach((group, i) => {
      const bytes = sizes[i] as number;
      records.push({ seq: active.seq, offset, bytes, rows: group.length });
      offset += bytes;
    });
    active.bytes += total;
    this.bytes += total;
    if (this.scratch.length > SCRATCH_KEPT_BYTES) this.scratch = Buffer.allocUnsafe(0);
    return records;
  }

  /**
   * The records of `groups`, one after the other in the scratch buffer (valid until the next
   * append). Each payload is written straight into it, room made for the longest UTF-8 a string
   * can need (3 bytes per UTF-16 unit), so no pass over the text measures it first.
   */
  private encode(groups: readonly (readonly Entry[])[]): { data: Buffer; sizes: number[] } {
    let end = 0;
    const sizes: number[] = [];
    for (const group of groups) {
      const text = encodeRows(group);
      const room = end + HEADER_BYTES + text.length * 3;
      if (room > this.scratch.length) {
        const bigger = Buffer.allocUnsafe(Math.max(room, 2 * this.scratch.length, 64 * 1024));
        this.scratch.copy(bigger, 0, 0, end);
        this.scratch = bigger;
      }
      const payloadBytes = this.scratch.write(text, end + HEADER_BYTES, 'utf8');
      frame(this.scratch, end, payloadBytes, group.length);
      sizes.push(HEADER_BYTES + payloadBytes);
      end += HEADER_BYTES + payloadBytes;
    }
    return { data: this.scratch.subarray(0, end), sizes };
  }

  /** Appended bytes not yet forced to disk. */
  get dirty(): boolean {
    return this.unsynced;
  }

  private set dirty(value: boolean) {
    this.unsynced = value;
  }

  /** One fdatasync for everything appended since the last one. */
  sync(): void {
    if (!this.unsynced) return;
    if (this.active) {
      fdatasyncSync(this.active.fd);
      this.syncs++;
    }
    this.unsynced = false;
  }

  /** What was appended since the last sync is stored in the database already: no sync needed for it. */
  markClean(): void {
    this.unsynced = false;
  }

  /** The rows of a record (read back after the writer let go of them, or after a restart). */
  read(record: SpoolRecord): Entry[] {
    const segment = this.segments.find((s) => s.seq === record.seq);
    if (!segment) throw new Error(`spool: segment ${record.seq} is gone`);
    const fd = openSync(segment.file, 'r');
    const data = Buffer.allocUnsafe(record.bytes);
    try {
      for (let done = 0; done < record.bytes; ) {
        const n = readSync(fd, data, done, record.bytes - done, record.offset + done);
        if (n === 0) throw new Error(`spool: segment ${record.seq} ends inside a record`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
    const found = recordAt(data, 0);
    if (typeof found === 'string') throw new Error(`spool: record at ${segment.file}:${record.offset} changed on disk (${found})`);
    const entries: Entry[] = [];
    for (const line of data.toString('utf8', HEADER_BYTES).split('\n')) {
      if (!line) continue;
      try {
        entries.push(decodeRow(line));
      } catch (error) {
        this.unreadableRows++;
        this.logger?.error({ file: segment.file, line: line.slice(0, 200), error: (error as Error).message }, 'unreadable spool row: dropped');
      }
    }
    return entries;
  }

  /**
   * Rows before `next` are stored (`null`: every row). Whole segments before it are deleted; the
   * checkpoint is rewritten without a sync, and at most once per checkpointIntervalMs (else at the
   * next release after it, or at close): if a crash loses it, a replay stores those rows again,
   * which the tables' keys make harmless. A deleted segment needs no checkpoint first: open()
   * replays every segment left at or after the checkpoint's.
   */
  release(next: SpoolPosition | null): void {
    if (!this.opened) return;
    // All stored and the open segment grown past a quarter of its size: it goes too (the next
    // group starts a new one), so released bytes never hold the spool at its bound.
    if (!next && this.active && this.active.bytes >= this.segmentBytes / 4) this.closeActive();
    const keepFrom = next?.seq ?? this.active?.seq ?? Infinity;
    let unlinked = 0;
    while (this.segments[0] && this.segments[0].seq < keepFrom) {
      const segment = this.segments[0];
      unlinkSync(segment.file);
      this.segments.shift();
      this.bytes -= segment.bytes;
      unlinked++;
    }
    // The deletions made durable too: after a crash the directory holds what this process last
    // saw, not segments released long ago (replayed again, and counted against SPOOL_MAX_BYTES).
    if (unlinked) this.fsyncDir();
    this.checkpointDue = next ?? (this.active ? { seq: this.active.seq, offset: this.active.bytes, skipRows: 0 } : { seq: this.nextSeq, offset: 0, skipRows: 0 });
    if (this.nowMs() - this.checkpointAtMs >= this.checkpointIntervalMs) this.writeCheckpoint();
  }

  /** The released position on disk: rewritten in place (one pwrite of a fixed-width line, no open/rename). */
  private writeCheckpoint(): void {
    const position = this.checkpointDue;
    if (!position) return;
    this.checkpointFd ??= openSync(path.join(this.dir, CHECKPOINT_FILE), 'w');
    writeSync(this.checkpointFd, `${position.seq} ${position.offset} ${position.skipRows}`.padEnd(CHECKPOINT_BYTES - 1) + '\n', 0);
    this.checkpointDue = null;
    this.checkpointAtMs = this.nowMs();
    this.checkpoints++;
  }

  /** Closes the open segment and releases the directory; with every row stored, the segments go too. */
  close(everyRowStored = false): void {
    if (!this.opened) return;
    this.closeActive();
    if (everyRowStored) this.release(null);
    try {
      this.writeCheckpoint();
    } catch (error) {
      this.logger?.warn({ error: (error as Error).message }, 'spool checkpoint not rewritten at close: the next start replays stored rows again (harmless)');
    }
    this.checkpointDue = null;
    if (this.checkpointFd !== null) closeSync(this.checkpointFd);
    this.checkpointFd = null;
    rmSync(path.join(this.dir, LOCK_FILE), { force: true });
    OPEN_DIRS.delete(this.dir);
    this.opened = false;
  }

  private nextIntact(data: Buffer, from: number): number | undefined {
    const marker = Buffer.allocUnsafe(4);
    marker.writeUInt32LE(MAGIC, 0);
    for (let at = data.indexOf(marker, from); at !== -1; at = data.indexOf(marker, at + 1)) {
      if (typeof recordAt(data, at) !== 'string') return at;
    }
    return undefined;
  }

  private readCheckpoint(): SpoolPosition | undefined {
    const file = path.join(this.dir, CHECKPOINT_FILE);
    if (!existsSync(file)) return undefined;
    const match = /^(\d+) (\d+) (\d+) *\n$/.exec(readFileSync(file, 'utf8'));
    if (!match) {
      this.logger?.warn({ file }, 'spool checkpoint unreadable: every record is replayed (the tables drop what is stored already)');
      return undefined;
    }
    return { seq: Number(match[1]), offset: Number(match[2]), skipRows: Number(match[3]) };
  }

  /** A JSON-lines segment of the earlier overflow spool becomes a record of this one. */
  private convertOld(file: string): SpoolRecord[] {
    const entries: Entry[] = [];
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.pop(); // '' or a line cut short
    for (const line of lines) {
      try {
        entries.push(revive(line));
      } catch {
        this.unreadableRows++;
      }
    }
    const records = entries.length ? this.append([entries]) : [];
    this.sync(); // the rows on disk in their new place before the old file goes
    unlinkSync(file);
    this.fsyncDir();
    this.logger?.info({ file, rows: entries.length }, 'spool segment of an earlier version taken over');
    return records;
  }

  private unavailable(error: unknown, doing: string): SpoolUnavailableError {
    const text = (error as Error).message ?? String(error);
    return new SpoolUnavailableError(isDiskFull(error) ? 'disk-full' : 'failing', `spool: ${doing} failed: ${text}`);
  }

  private startSegment(): Segment & { fd: number } {
    const seq = this.nextSeq;
    const file = path.join(this.dir, segmentName(seq));
    const fd = openSync(file, 'w');
    try {
      this.fsyncDir(); // the new file's directory entry must be durable too
    } catch (error) {
      closeSync(fd);
      rmSync(file, { force: true });
      throw error;
    }
    this.nextSeq++;
    const segment = { seq, file, bytes: 0, fd };
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private closeActive(): void {
    if (!this.active) return;
    if (this.unsynced) {
      try {
        this.sync(); // a closed segment is not synced later
      } catch (error) {
        this.logger?.error({ file: this.active.file, error: (error as Error).message }, 'spool segment could not be synced');
      }
    }
    closeSync(this.active.fd);
    const index = this.segments.indexOf(this.active);
    if (index !== -1) this.segments[index] = { seq: this.active.seq, file: this.active.file, bytes: this.active.bytes };
    this.active = null;
  }

  private fsyncDir(): void {
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
      this.syncs++;
    } finally {
      closeSync(fd);
    }
  }

  private lock(): void {
    if (OPEN_DIRS.has(this.dir)) throw new Error(`spool directory ${this.dir} is already open in this process`);
    const lockFile = path.join(this.dir, LOCK_FILE);
    if (existsSync(lockFile)) {
      const pid = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(`spool directory ${this.dir} is in use by process ${pid}; give each collector its own SPOOL_DIR`);
      }
      this.logger?.info({ dir: this.dir, previousPid: pid }, 'taking over the spool of a process that is gone');
    }
    try {
      writeFileSync(lockFile, `${process.pid}\n`);
    } catch (error) {
      // A directory that cannot be written (read-only, no permission) is one the writer tries again.
      if (!isDiskFull(error)) throw this.unavailable(error, `writing ${lockFile}`);
      // A full disk must not stop the collector: it runs, holding rows in memory until space returns.
      this.logger?.error({ dir: this.dir, error: (error as Error).message }, 'spool lock file not written: the disk is full');
    }
    OPEN_DIRS.add(this.dir);
  }
}

// The on-disk overflow of the writer: rows that do not fit in memory while the database is away.
// Segment files of JSON lines, append-only, fsynced when a segment is closed; read back oldest
// first and deleted only once every row of a segment is stored. One process owns a spool at a time.
import {
  closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { Logger, TableName } from '@dockpulse/common';
import type { Entry } from './store';
import { TABLE_SPECS } from './tables';

const SEGMENT_FILE = /^segment-(\d{12})\.jsonl$/;
const LOCK_FILE = 'spool.lock';
/** Spool directories open in this process: two writers on one spool would interleave segments. */
const OPEN_DIRS = new Set<string>();

interface Segment {
  seq: number;
  file: string;
  /** Complete lines in the file. */
  rows: number;
}

export interface SpoolOptions {
  dir: string;
  /** Rows per segment file before a new one is started (and the full one fsynced). */
  segmentRows?: number;
  logger?: Logger;
}

const segmentName = (seq: number) => `segment-${String(seq).padStart(12, '0')}.jsonl`;

function countLines(file: string): number {
  const data = readFileSync(file);
  let n = 0;
  for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) n++;
  return n;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Dates travel as ISO strings in JSON; the table spec says which fields to turn back. */
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

export class Spool {
  private readonly dir: string;
  private readonly segmentRows: number;
  private readonly logger?: Logger;
  private segments: Segment[] = [];
  private active: (Segment & { fd: number }) | null = null;
  private head: { entries: Entry[]; done: number } | null = null;
  private nextSeq = 1;
  private opened = false;
  /** Rows on disk not yet stored. */
  rows = 0;
  /** Lines that could not be read back (a torn last line after a crash, a damaged file). */
  unreadableRows = 0;

  constructor(options: SpoolOptions) {
    this.dir = path.resolve(options.dir);
    this.segmentRows = options.segmentRows ?? 5_000;
    this.logger = options.logger;
  }

  open(): void {
    if (this.opened) return;
    mkdirSync(this.dir, { recursive: true });
    this.lock();
    for (const file of readdirSync(this.dir).sort()) {
      const match = SEGMENT_FILE.exec(file);
      if (!match) continue;
      const rows = countLines(path.join(this.dir, file));
      this.segments.push({ seq: Number(match[1]), file: path.join(this.dir, file), rows });
      this.rows += rows;
    }
    this.nextSeq = (this.segments.at(-1)?.seq ?? 0) + 1;
    this.opened = true;
  }

  /** Appends rows after every row already spooled. */
  append(entries: readonly Entry[]): void {
    let i = 0;
    while (i < entries.length) {
      const active = this.active ?? this.startSegment();
      const take = Math.min(entries.length - i, this.segmentRows - active.rows);
      let text = '';
      for (let k = i; k < i + take; k++) {
        const entry = entries[k] as Entry;
        text += `${JSON.stringify({ t: entry.table, r: entry.row })}\n`;
      }
      writeSync(active.fd, text);
      active.rows += take;
      this.rows += take;
      i += take;
      if (active.rows >= this.segmentRows) this.rotate();
    }
  }

  /** Up to `count` of the oldest rows, without removing them. */
  peek(count: number): Entry[] {
    const head = this.loadHead();
    if (!head) return [];
    return head.entries.slice(head.done, head.done + count);
  }

  /** Marks the `count` oldest rows as stored; a segment whose rows are all stored is deleted. */
  consume(count: number): void {
    const head = this.head;
    const segment = this.segments[0];
    if (!head || !segment) throw new Error('spool: consume() without peek()');
    head.done += count;
    this.rows -= count;
    if (head.done >= head.entries.length) {
      unlinkSync(segment.file);
      this.segments.shift();
      this.head = null;
    }
  }

  /** Closes the open segment (fsynced) and releases the directory. */
  close(): void {
    if (!this.opened) return;
    this.rotate();
    rmSync(path.join(this.dir, LOCK_FILE), { force: true });
    OPEN_DIRS.delete(this.dir);
    this.opened = false;
  }

  private loadHead(): { entries: Entry[]; done: number } | null {
    if (this.head) return this.head;
    // The segment being appended to is closed first: from here on it is only read.
    if (this.active && this.segments[0] === this.active) this.rotate();
    const segment = this.segments[0];
    if (!segment) {
      this.rows = 0; // nothing left on disk, whatever the count said
      return null;
    }
    const lines = readFileSync(segment.file, 'utf8').split('\n');
    const torn = lines.pop(); // text after the last newline: '' or a line cut short by a crash
    if (torn) this.logger?.warn({ file: segment.file }, 'spool segment ends with an incomplete line: ignored');
    const entries: Entry[] = [];
    for (const line of lines) {
      try {
        entries.push(revive(line));
      } catch (error) {
        this.unreadableRows++;
        this.logger?.error({ file: segment.file, line: line.slice(0, 200), error: (error as Error).message }, 'unreadable spool line: dropped');
      }
    }
    this.rows -= segment.rows - entries.length;
    segment.rows = entries.length;
    if (entries.length === 0) {
      unlinkSync(segment.file);
      this.segments.shift();
      return this.loadHead();
    }
    this.head = { entries, done: 0 };
    return this.head;
  }

  private startSegment(): Segment & { fd: number } {
    if (!this.opened) throw new Error('spool: open() first');
    const seq = this.nextSeq++;
    const file = path.join(this.dir, segmentName(seq));
    const segment = { seq, file, rows: 0, fd: openSync(file, 'a') };
    this.segments.push(segment);
    this.active = segment;
    return segment;
  }

  private rotate(): void {
    if (!this.active) return;
    fsyncSync(this.active.fd);
    closeSync(this.active.fd);
    const index = this.segments.indexOf(this.active);
    if (index !== -1) this.segments[index] = { seq: this.active.seq, file: this.active.file, rows: this.active.rows };
    this.active = null;
    this.fsyncDir();
  }

  private fsyncDir(): void {
    // The new file's directory entry must be durable too, or a crash could forget the file.
    const fd = openSync(this.dir, 'r');
    try {
      fsyncSync(fd);
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
    writeFileSync(lockFile, `${process.pid}\n`);
    OPEN_DIRS.add(this.dir);
  }
}

// Docker log stream -> container_logs rows. Non-TTY containers send a multiplexed stream: frames of
// an 8-byte header (stream type, 3 zero bytes, big-endian payload length) and the payload; TTY
// containers send one raw stream. With `timestamps=true` each line starts with an RFC3339Nano time.
import type { ContainerLogRow, LogStream } from '@dockpulse/common';
import { EngineDataError } from './engine-types';

const HEADER_BYTES = 8;

export interface StreamChunk {
  stream: LogStream;
  data: Buffer;
}

/** Splits the multiplexed stream into per-stream payloads; a frame may span many chunks. */
export class FrameDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly tty: boolean) {}

  push(chunk: Buffer): StreamChunk[] {
    if (this.tty) return chunk.length ? [{ stream: 'stdout', data: chunk }] : [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: StreamChunk[] = [];
    while (this.pending.length >= HEADER_BYTES) {
      const type = this.pending[0];
      const size = this.pending.readUInt32BE(4);
      if (type !== 0 && type !== 1 && type !== 2) {
        // Not a frame header: the stream is not what we think it is. Drop what is buffered so
        // one bad byte cannot wedge the follower forever; the caller logs and counts it.
        this.pending = Buffer.alloc(0);
        throw new EngineDataError(`log stream has a frame header with unknown stream type ${type}`);
      }
      if (this.pending.length < HEADER_BYTES + size) break;
      const data = this.pending.subarray(HEADER_BYTES, HEADER_BYTES + size);
      // type 0 is stdin, which the engine only echoes for attached TTYs: treat as stdout.
      out.push({ stream: type === 2 ? 'stderr' : 'stdout', data });
      this.pending = this.pending.subarray(HEADER_BYTES + size);
    }
    return out;
  }
}

export interface RawLine {
  bytes: Buffer;
  /** Bytes cut off past the keep limit before the newline arrived. */
  droppedBytes: number;
}

/**
 * Joins payloads into lines. A line longer than keepBytes keeps its first keepBytes and counts the
 * rest, so a container printing without newlines cannot grow the collector's memory.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private keptBytes = 0;
  private droppedBytes = 0;

  constructor(private readonly keepBytes: number) {}

  push(data: Buffer): RawLine[] {
    const out: RawLine[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      const end = nl < 0 ? data.length : nl;
      this.append(data.subarray(start, end));
      if (nl < 0) break;
      out.push(this.take());
      start = nl + 1;
    }
    return out;
  }

  /** The unfinished last line, when the stream ends without a newline. */
  flush(): RawLine | undefined {
    return this.keptBytes || this.droppedBytes ? this.take() : undefined;
  }

  private append(piece: Buffer): void {
    const room = this.keepBytes - this.keptBytes;
    if (piece.length <= room) {
      if (piece.length) this.parts.push(piece);
      this.keptBytes += piece.length;
    } else {
      if (room > 0) this.parts.push(piece.subarray(0, room));
      this.keptBytes += Math.max(room, 0);
      this.droppedBytes += piece.length - Math.max(room, 0);
    }
  }

  private take(): RawLine {
    let bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    // TTY lines end in \r\n.
    if (this.droppedBytes === 0 && bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    const line = { bytes: Buffer.from(bytes), droppedBytes: this.droppedBytes };
    this.parts = [];
    this.keptBytes = 0;
    this.droppedBytes = 0;
    return line;
  }
}

/** Cuts UTF-8 text to at most maxBytes without splitting a character. */
export function cutUtf8(bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.length <= maxBytes) return bytes;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}

export const truncationMarker = (droppedBytes: number) => ` …[truncated ${droppedBytes} bytes]`;

export interface TimedLine {
  time: Date;
  /** The engine's timestamp text, nanoseconds included. */
  timestamp: string;
  message: string;
}

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2}) ?/;

/** Splits "<RFC3339Nano> <message>" and truncates the message to maxMessageBytes with a marker. */
export function parseTimedLine(line: RawLine, maxMessageBytes: number): TimedLine {
  const head = line.bytes.subarray(0, 48).toString('latin1');
  const match = TIMESTAMP.exec(head);
  if (!match) throw new EngineDataError(`log line without a timestamp: ${JSON.stringify(head.slice(0, 40))}`);
  const fraction = (match[2] ?? '.0').slice(1);
  // Date keeps milliseconds; the sub-millisecond rest is in `timestamp` for ordering.
  const ms = Date.parse(`${match[1]}.${fraction.padEnd(3, '0').slice(0, 3)}${match[3]}`);
  if (!Number.isFinite(ms)) throw new EngineDataError(`log line with an invalid timestamp ${JSON.stringify(match[0])}`);
  const body = line.bytes.subarray(match[0].length);
  const kept = cutUtf8(body, maxMessageBytes);
  const dropped = line.droppedBytes + (body.length - kept.length);
  const message = kept.toString('utf8') + (dropped > 0 ? truncationMarker(dropped) : '');
  return { time: new Date(ms), timestamp: match[0].trim(), message };
}

/** Where a container's stored logs end: the last time and, per stream, the last seq at that time. */
export interface LogResumePoint {
  timeMs: number;
  maxSeq: Partial<Record<LogStream, number>>;
}

/**
 * Numbers lines that share one millisecond (seq) and drops those already stored. The engine's
 * `since` is inclusive, so a restarted follower sees the last stored millisecond again; numbering
 * restarts identically there, and (time, seq) then says what was already stored.
 */
export class LogSequencer {
  private readonly last: Record<LogStream, { ms: number; seq: number }> = {
    stdout: { ms: Number.NaN, seq: -1 },
    stderr: { ms: Number.NaN, seq: -1 },
  };

  constructor(
    private readonly hostId: string,
    private readonly containerId: string,
    private resume: LogResumePoint | undefined,
  ) {}

  next(stream: LogStream, line: TimedLine): ContainerLogRow | null {
    const ms = line.time.getTime();
    const state = this.last[stream];
    const seq = ms === state.ms ? state.seq + 1 : 0;
    this.last[stream] = { ms, seq };
    const resume = this.resume;
    if (resume) {
      if (ms < resume.timeMs) return null;
      if (ms === resume.timeMs && seq <= (resume.maxSeq[stream] ?? -1)) return null;
    }
    return { time: line.time, host_id: this.hostId, container_id: this.containerId, stream, seq, message: line.message };
  }

  /** The point a follower restarted later should resume from. */
  position(): LogResumePoint | undefined {
    const times = (['stdout', 'stderr'] as const).filter((s) => !Number.isNaN(this.last[s].ms));
    if (times.length === 0) return this.resume;
    const timeMs = Math.max(...times.map((s) => this.last[s].ms));
    const maxSeq: Partial<Record<LogStream, number>> = {};
    for (const s of times) if (this.last[s].ms === timeMs) maxSeq[s] = this.last[s].seq;
    return { timeMs, maxSeq };
  }
}

/**
 * Token bucket: `ratePerSec` lines a second, bursts up to one second's worth. The clock is the
 * lines' own timestamps (what the container printed when), not when they reach the collector: a
 * backlog read after a collector restart or an engine reconnect arrives all at once but was printed
 * at the container's own pace, and is no burst. Timestamps going back (stdout and stderr
 * interleaved) count as no time passed.
 */
export class RateLimiter {
  private tokens: number;
  private lastMs: number | undefined;

  constructor(private readonly ratePerSec: number) {
    this.tokens = ratePerSec;
  }

  /** Whether a line printed at `printedAtMs` (epoch ms) is kept. */
  tryTake(printedAtMs: number): boolean {
    const elapsedMs = this.lastMs === undefined ? 0 : Math.max(0, printedAtMs - this.lastMs);
    this.tokens = Math.min(this.ratePerSec, this.tokens + (elapsedMs / 1000) * this.ratePerSec);
    this.lastMs = Math.max(this.lastMs ?? printedAtMs, printedAtMs);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Docker's `since` takes "seconds.nanoseconds". */
export function sinceParam(timeMs: number): string {
  const seconds = Math.floor(timeMs / 1000);
  return `${seconds}.${String((timeMs - seconds * 1000) * 1_000_000).padStart(9, '0')}`;
}

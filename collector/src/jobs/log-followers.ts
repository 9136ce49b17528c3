// Follows the logs of every running container, from where the stored logs end, into container_logs.
// One follower per container; it restarts when the container restarts and ends when it goes away.
import type { LogStream } from '@dockpulse/common';
import { EngineAnswerError, isNotFound } from '../docker/client';
import {
  FrameDemuxer,
  LineSplitter,
  LogSequencer,
  parseTimedLine,
  RateLimiter,
  sinceParam,
  type LogResumePoint,
} from '../docker/logs';
import type { JobContext } from './context';

export interface LogFollowerOptions {
  rateLimitLinesPerSec: number;
  maxLineBytes: number;
}

// Room for the timestamp prefix (RFC3339Nano + space) on top of the message limit.
const TIMESTAMP_ROOM_BYTES = 40;

interface Follower {
  stream?: NodeJS.ReadableStream & { destroy?: () => void };
  sequencer?: LogSequencer;
  stopped: boolean;
}

export class LogFollowers {
  private readonly followers = new Map<string, Follower>();
  /** Where each container's logs were read up to in this process (survives a container restart). */
  private readonly positions = new Map<string, LogResumePoint | undefined>();
  /** Lines dropped by the rate cap, per container followed in this process (gone with the container). */
  private readonly droppedLines = new Map<string, number>();
  private stopped = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly options: LogFollowerOptions,
  ) {}

  get active(): number {
    return this.followers.size;
  }

  /** Whether a container's logs are being followed now. */
  follows(containerId: string): boolean {
    return this.followers.has(containerId);
  }

  /** Lines of one container dropped by the rate cap in this process. */
  droppedLinesOf(containerId: string): number {
    return this.droppedLines.get(containerId) ?? 0;
  }

  /** Starts followers for running containers that have none (after start, reconnects and status passes). */
  async sync(): Promise<void> {
    const running = await this.ctx.engine.listContainers(false);
    for (const c of running) if (c.Id) this.ensure(c.Id);
  }

  /** Follows a container unless already followed. */
  ensure(containerId: string): void {
    if (this.stopped || this.followers.has(containerId)) return;
    const follower: Follower = { stopped: false };
    this.followers.set(containerId, follower);
    void this.follow(containerId, follower);
  }

  /** Stops following a container (it was destroyed). */
  forget(containerId: string): void {
    const f = this.followers.get(containerId);
    if (f) {
      f.stopped = true;
      f.stream?.destroy?.();
      this.followers.delete(containerId);
    }
    this.positions.delete(containerId);
    this.droppedLines.delete(containerId);
  }

  stopAll(): void {
    this.stopped = true;
    for (const [id, f] of this.followers) {
      f.stopped = true;
      f.stream?.destroy?.();
      if (f.sequencer) this.positions.set(id, f.sequencer.position());
    }
    this.followers.clear();
  }

  /** The stored end of a container's logs: max(time), and per stream the last seq at that time. */
  private async storedPosition(containerId: string): Promise<LogResumePoint | undefined> {
    const result = await this.ctx.pool.query<{ stream: LogStream; time: Date; seq: number }>(
      `SELECT stream, time, max(seq)::int AS seq FROM container_logs
        WHERE host_id = $1 AND container_id = $2
          AND time = (SELECT max(time) FROM container_logs WHERE host_id = $1 AND container_id = $2)
        GROUP BY stream, time`,
      [this.ctx.hostId, containerId],
    );
    const first = result.rows[0];
    if (!first) return undefined;
    const maxSeq: LogResumePoint['maxSeq'] = {};
    for (const r of result.rows) maxSeq[r.stream] = r.seq;
    return { timeMs: first.time.getTime(), maxSeq };
  }

  private async follow(containerId: string, follower: Follower): Promise<void> {
    const { engine, metrics, sink, hostId } = this.ctx;
    const done = (restart: boolean) => {
      if (follower.sequencer) this.positions.set(containerId, follower.sequencer.position());
      if (this.followers.get(containerId) === follower) this.followers.delete(containerId);
      if (restart && !follower.stopped && !this.stopped) void this.restartIfRunning(containerId);
    };
    try {
      const inspect = await engine.inspect(containerId);
      if (inspect.State?.Status !== 'running') return done(false);
      const resume = this.positions.has(containerId) ? this.positions.get(containerId) : await this.storedPosition(containerId);
      if (follower.stopped) return;
      const stream = (await engine.logs(containerId, {
        follow: true,
        since: resume ? sinceParam(resume.timeMs) : undefined,
      })) as Follower['stream'] & NodeJS.ReadableStream;
      if (follower.stopped) {
        stream.destroy?.();
        return;
      }
      follower.stream = stream;
      const sequencer = new LogSequencer(hostId, containerId, resume);
      follower.sequencer = sequencer;
      const demux = new FrameDemuxer(inspect.Config?.Tty === true);
      const keep = this.options.maxLineBytes + TIMESTAMP_ROOM_BYTES;
      const splitters: Record<LogStream, LineSplitter> = { stdout: new LineSplitter(keep), stderr: new LineSplitter(keep) };
      const limiter = new RateLimiter(this.options.rateLimitLinesPerSec);
      const emit = (streamName: LogStream, raw: ReturnType<LineSplitter['push']>[number]) => {
        try {
          const row = sequencer.next(streamName, parseTimedLine(raw, this.options.maxLineBytes));
          if (!row) return;
          if (!limiter.tryTake(row.time.getTime())) {
            metrics.droppedLogLine();
            this.droppedLines.set(containerId, this.droppedLinesOf(containerId) + 1);
            return;
          }
          sink.write('container_logs', row);
          metrics.logLine();
        } catch (error) {
          metrics.error('logs', error, { containerId }, 'log line skipped');
        }
      };
      stream.on('data', (chunk: Buffer) => {
        try {
          for (const part of demux.push(chunk)) for (const line of splitters[part.stream].push(part.data)) emit(part.stream, line);
        } catch (error) {
          metrics.error('logs', error, { containerId }, 'malformed log stream data skipped');
        }
      });
      const cause = await new Promise<Error | string>((resolve) => {
        stream.on('end', () => resolve('closed by the other side'));
        stream.on('close', () => resolve('closed by the other side'));
        // An open stream cut from outside (a proxy's idle timeout, the engine restarting) is an end
        // like any other: the follower resumes from its position. Failing to open one is an error.
        stream.on('error', (error: Error) => resolve(error));
      });
      if (cause instanceof EngineAnswerError && !isNotFound(cause)) {
        if (!follower.stopped) metrics.error('logs', cause, { containerId }, 'following logs failed');
      } else if (!follower.stopped) {
        metrics.streamEnded('logs');
        const text = cause instanceof Error ? cause.message : cause;
        this.ctx.logger.debug({ containerId, cause: text }, 'log stream ended; following again while the container runs');
      }
      for (const s of ['stdout', 'stderr'] as const) {
        const rest = splitters[s].flush();
        if (rest) emit(s, rest);
      }
      done(true);
    } catch (error) {
      if (!isNotFound(error)) metrics.error('logs', error, { containerId }, 'following logs failed');
      done(!isNotFound(error));
    }
  }

  /** A log stream ends when its container stops; a restart policy may bring it back at once. */
  private async restartIfRunning(containerId: string): Promise<void> {
    await new Promise((r) => setTimeout(r, 1000));
    if (this.stopped) return;
    try {
      const inspect = await this.ctx.engine.inspect(containerId);
      if (inspect.State?.Status === 'running') this.ensure(containerId);
    } catch {
      // Gone or engine away: the events stream's start/reconnect brings the follower back.
    }
  }
}

// Server-Sent Events plumbing shared by /stream/stats and /stream/logs: the cap on open streams,
// heartbeats that keep proxies from closing an idle stream, and cleanup when the client leaves.
import type { Request, Response } from 'express';
import type { Logger, StreamErrorEvent, StreamReadyEvent } from '@dockpulse/common';
import { ApiError } from '../http/errors';

export interface SseOptions {
  maxStreams: number;
  pollIntervalMs: number;
  heartbeatIntervalMs: number;
}

export interface SseStream {
  send(event: string, data: unknown, id?: string): void;
  readonly closed: boolean;
}

/**
 * Runs `poll` every pollIntervalMs (at once again when it says more rows are waiting) until the
 * client disconnects or the app closes. `poll` errors are reported to the client and logged; the
 * stream goes on, so a database blip does not end a live tail.
 */
export class SseHub {
  private readonly streams = new Set<() => void>();

  constructor(
    private readonly options: SseOptions,
    private readonly logger: Logger,
  ) {}

  get open(): number {
    return this.streams.size;
  }

  async serve(
    req: Request,
    res: Response,
    init: () => Promise<void>,
    poll: (stream: SseStream) => Promise<boolean>,
  ): Promise<void> {
    if (this.streams.size >= this.options.maxStreams) {
      throw new ApiError(503, 'too_many_streams', `at most ${this.options.maxStreams} streams may be open at once (SSE_MAX_STREAMS); try again later`);
    }
    let closed = false;
    let pollTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (closed) return;
      closed = true;
      clearTimeout(pollTimer);
      clearInterval(heartbeat);
      this.streams.delete(stop);
      if (!res.writableEnded) res.end();
    };
    this.streams.add(stop);
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), this.options.heartbeatIntervalMs);
    req.on('close', stop);
    res.on('close', stop);

    const stream: SseStream = {
      send: (event, data, id) => {
        if (closed) return;
        res.write(`${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      },
      get closed() {
        return closed;
      },
    };

    try {
      await init();
    } catch (error) {
      stop();
      throw error;
    }
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no'); // nginx would otherwise buffer the stream
    res.flushHeaders();
    res.write(`retry: ${this.options.pollIntervalMs}\n\n`);
    stream.send('ready', { pollIntervalMs: this.options.pollIntervalMs } satisfies StreamReadyEvent);

    const tick = async () => {
      if (closed) return;
      let more = false;
      try {
        more = await poll(stream);
      } catch (error) {
        this.logger.warn({ err: error }, 'stream poll failed; retrying');
        stream.send('error', { message: 'database query failed; retrying' } satisfies StreamErrorEvent);
      }
      if (!closed) pollTimer = setTimeout(tick, more ? 0 : this.options.pollIntervalMs);
    };
    pollTimer = setTimeout(tick, this.options.pollIntervalMs);
  }

  closeAll(): void {
    for (const stop of [...this.streams]) stop();
  }
}

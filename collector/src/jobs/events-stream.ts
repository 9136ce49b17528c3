// Follows the engine's container events: each becomes a container_events row and refreshes that
// container's container_info at once. An ended stream is reopened (failed attempts with capped
// backoff, counted as errors); after a reconnect a status pass fills whatever happened while the
// stream was down.
import { LineBuffer, mapEvent, parseEventLine, STATE_CHANGING_ACTIONS } from '../docker/events';
import type { ContainerEventRow } from '@dockpulse/common';
import type { JobContext } from './context';

export interface EventsStreamHooks {
  refresh(containerId: string): Promise<unknown>;
  /** Runs after every reconnect (not the first connect). */
  afterReconnect(): Promise<unknown>;
  onEvent?(row: ContainerEventRow): void;
}

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export class EventsStream {
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private attempt = 0;
  private connectedOnce = false;
  /** Seconds text of the last event seen; reconnects ask for events since then. */
  private lastEventSeconds: string | undefined;
  connected = false;

  constructor(
    private readonly ctx: JobContext,
    private readonly hooks: EventsStreamHooks,
    private readonly backoff: BackoffOptions = { initialMs: 500, maxMs: 30_000 },
  ) {}

  /**
   * Resumes from the last stored event, so what happened while the collector was down (and the
   * engine still remembers) is recorded too; replayed duplicates are dropped by the table's key.
   */
  async seedFromDatabase(sinceIfNoneMs?: number): Promise<void> {
    const r = await this.ctx.pool.query<{ nano: string | null }>(
      'SELECT max(time_nano)::text AS nano FROM container_events WHERE host_id = $1',
      [this.ctx.hostId],
    );
    const nano = r.rows[0]?.nano;
    if (nano) this.lastEventSeconds = (BigInt(nano) / 1_000_000_000n).toString();
    // None stored yet (a new host): from when collecting began, which may be well before this.
    else if (sinceIfNoneMs !== undefined) this.lastEventSeconds = String(Math.floor(sinceIfNoneMs / 1000));
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
    this.stream = undefined;
    s?.destroy?.();
    this.connected = false;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let stream: NodeJS.ReadableStream;
    try {
      stream = await this.ctx.engine.events(this.lastEventSeconds);
    } catch (error) {
      this.ctx.metrics.error('events', error, { attempt: this.attempt }, 'connecting to the events stream failed; retrying');
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      return;
    }
    this.stream = stream;
    this.connected = true;
    this.attempt = 0;
    const reconnected = this.connectedOnce;
    this.connectedOnce = true;
    this.ctx.logger.info({ reconnected }, 'events stream connected');
    const lines = new LineBuffer();
    stream.on('data', (chunk: Buffer) => {
      for (const line of lines.push(chunk)) this.handle(line);
    });
    let ended = false;
    const onEnd = (error?: Error) => {
      if (ended || this.stream !== stream) return;
      ended = true;
      this.stream = undefined;
      this.connected = false;
      if (this.stopped) return;
      // Not an error: a proxy cuts idle connections (the socket proxy's HAProxy after 10 minutes),
      // and an engine restart ends every stream. Reconnecting is the normal answer; a reconnect
      // that fails is what counts as an error.
      this.ctx.metrics.streamEnded('events');
      this.ctx.logger.info({ cause: error?.message ?? 'closed by the other side' }, 'events stream ended; reconnecting');
      this.scheduleReconnect();
    };
    stream.on('end', () => onEnd());
    stream.on('close', () => onEnd());
    stream.on('error', (error: Error) => onEnd(error));
    if (reconnected) {
      this.ctx.metrics.reconnect();
      // Whatever happened while the stream was down is only visible in the engine's current state.
      await this.hooks.afterReconnect().catch((error: unknown) =>
        this.ctx.metrics.error('events', error, {}, 'status pass after reconnect failed'),
      );
    }
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    // Jitter keeps a fleet of collectors from reconnecting in lockstep after an engine upgrade.
    this.timer = setTimeout(() => void this.connect(), delay * (0.75 + Math.random() * 0.5));
  }

  private handle(line: string): void {
    try {
      const event = parseEventLine(line);
      const row = mapEvent(event, this.ctx.hostId);
      if (!row) return;
      this.lastEventSeconds = (BigInt(row.time_nano) / 1_000_000_000n).toString();
      this.ctx.sink.write('container_events', row);
      this.ctx.metrics.event();
      this.hooks.onEvent?.(row);
      if (STATE_CHANGING_ACTIONS.has(row.action)) void this.hooks.refresh(row.container_id);
    } catch (error) {
      this.ctx.metrics.error('events', error, { line: line.slice(0, 300) }, 'malformed event skipped');
    }
  }
}

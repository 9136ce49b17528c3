// The test's own witness of the engine's container events: what the collector should have stored,
// and when each container ran. It reconnects after the engine restarts, asking for what it missed
// since its last event, like any client can; repeats of a reconnect are dropped by their key.
import type Docker from 'dockerode';
import { EVENT_ACTIONS } from '@dockpulse/common';
import { parseEventLine } from '@dockpulse/collector/docker/events';
import type { StateChange } from './invariants';

export interface ObservedEvent {
  containerId: string;
  action: string;
  timeNano: string;
}

export const eventKey = (e: ObservedEvent): string => `${e.containerId.slice(0, 12)} ${e.action} ${e.timeNano}`;

export class EventObserver {
  readonly events: ObservedEvent[] = [];
  private readonly keys = new Set<string>();
  private stream: NodeJS.ReadableStream | undefined;
  private stopped = false;
  private lastSeconds: string | undefined;

  constructor(private readonly docker: Docker) {}

  async start(): Promise<void> {
    await this.connect();
  }

  stop(): void {
    this.stopped = true;
    (this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
  }

  private async connect(): Promise<void> {
    const filters = { type: ['container' as const], event: [...EVENT_ACTIONS] };
    const stream = await this.docker.getEvents(this.lastSeconds ? { filters, since: this.lastSeconds as unknown as number } : { filters });
    this.stream = stream;
    let rest = '';
    stream.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.record(line);
    });
    let reconnecting = false;
    const reconnect = () => {
      if (reconnecting || this.stopped) return;
      reconnecting = true;
      void this.reconnectLoop();
    };
    stream.on('end', reconnect);
    stream.on('close', reconnect);
    stream.on('error', reconnect);
  }

  private async reconnectLoop(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.connect();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private record(line: string): void {
    const e = parseEventLine(line);
    const event = { containerId: e.containerId, action: e.action, timeNano: e.timeNano };
    const key = eventKey(event);
    this.lastSeconds = (BigInt(e.timeNano) / 1_000_000_000n).toString();
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.events.push(event);
  }

  /** Start and die events of one container, oldest first. */
  stateChanges(containerId: string): StateChange[] {
    return this.events
      .filter((e) => e.containerId === containerId && (e.action === 'start' || e.action === 'die'))
      .map((e) => ({ timeMs: Number(BigInt(e.timeNano) / 1_000_000n), running: e.action === 'start' }))
      .sort((a, b) => a.timeMs - b.timeMs);
  }

  /** Events whose engine time is in [fromMs, toMs]. */
  between(fromMs: number, toMs: number): ObservedEvent[] {
    return this.events.filter((e) => {
      const ms = Number(BigInt(e.timeNano) / 1_000_000n);
      return ms >= fromMs && ms <= toMs;
    });
  }
}

// Engine event lines -> container_events rows. timeNano exceeds 2^53, so it is cut from the raw
// text before JSON.parse can round it (Node 20's JSON.parse has no access to the source text).
import { EVENT_ACTIONS, type ContainerEventRow, type EventAction } from '@dockpulse/common';
import { StringDecoder } from 'node:string_decoder';
import { EngineDataError } from './engine-types';

// Actions worth a row (EVENT_ACTIONS, common/src/rows.ts); exec_* (every healthcheck run makes
// three) and the like are left out.
const RECORDED: ReadonlySet<string> = new Set(EVENT_ACTIONS);
const isRecorded = (action: string): action is EventAction => RECORDED.has(action);

/**
 * Other engines' words for recorded actions: Podman's Docker-compatible API says "remove" where
 * Docker says "destroy", and filters die events under its own word "died" (containers/podman#16857).
 * The events filter asks for these too (Docker accepts unknown names); rows use Docker's word.
 */
export const ACTION_ALIASES: Readonly<Record<string, EventAction>> = { died: 'die', remove: 'destroy' };

/** What the events call filters on: every recorded action, under every engine's name for it. */
export const EVENT_FILTER_ACTIONS: readonly string[] = [...EVENT_ACTIONS, ...Object.keys(ACTION_ALIASES)];

/** Actions after which the container's state differs, so container_info is refreshed. */
export const STATE_CHANGING_ACTIONS: ReadonlySet<string> = new Set([
  'create', 'start', 'restart', 'stop', 'die', 'kill', 'oom', 'pause', 'unpause', 'destroy', 'rename', 'update', 'health_status',
]);

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  time?: number;
  Actor?: { ID?: string; Attributes?: Record<string, string> | null };
}

export interface ParsedEvent {
  /** Exact decimal text of the engine's timeNano. */
  timeNano: string;
  type: string;
  /** The action word without its detail: "health_status: unhealthy" -> "health_status". */
  action: string;
  detail: string | null;
  containerId: string;
  attributes: Record<string, string>;
}

/** Reads `"timeNano": 1234...` from the raw text; undefined when the line has none. */
export function extractTimeNano(line: string): string | undefined {
  return /"timeNano"\s*:\s*(\d+)/.exec(line)?.[1];
}

/** Nanoseconds since the epoch as text -> Date (millisecond precision, exact integer arithmetic). */
export function nanosToDate(timeNano: string): Date {
  return new Date(Number(BigInt(timeNano) / 1_000_000n));
}

export function parseEventLine(line: string): ParsedEvent {
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch (error) {
    throw new EngineDataError(`event line is not JSON (${(error as Error).message}): ${line.slice(0, 200)}`);
  }
  const timeNano =
    extractTimeNano(line) ?? (typeof raw.time === 'number' ? (BigInt(Math.trunc(raw.time)) * 1_000_000_000n).toString() : undefined);
  if (!timeNano) throw new EngineDataError(`event without timeNano or time: ${line.slice(0, 200)}`);
  const fullAction = raw.Action ?? raw.status ?? '';
  const colon = fullAction.indexOf(':');
  const action = (colon >= 0 ? fullAction.slice(0, colon) : fullAction).trim();
  const detail = colon >= 0 ? fullAction.slice(colon + 1).trim() : null;
  const containerId = raw.Actor?.ID ?? raw.id ?? '';
  if (!action) throw new EngineDataError(`event without Action: ${line.slice(0, 200)}`);
  return {
    timeNano,
    type: raw.Type ?? 'container',
    action,
    detail,
    containerId,
    attributes: { ...(raw.Actor?.Attributes ?? {}) },
  };
}

/** A parsed event -> a container_events row; null for events that are not recorded. */
export function mapEvent(event: ParsedEvent, hostId: string): ContainerEventRow | null {
  const action = ACTION_ALIASES[event.action] ?? event.action;
  if (event.type !== 'container' || !isRecorded(action) || !event.containerId) return null;
  const attributes = { ...event.attributes };
  if (event.detail !== null) attributes[action] = event.detail;
  // Podman also writes containerExitCode on every event (0 before any exit): only a death's counts.
  const exit = attributes.exitCode ?? (action === 'die' ? attributes.containerExitCode : undefined);
  return {
    time: nanosToDate(event.timeNano),
    time_nano: event.timeNano,
    host_id: hostId,
    container_id: event.containerId,
    container_name: attributes.name ?? null,
    image: attributes.image ?? null,
    action,
    exit_code: exit !== undefined && /^-?\d+$/.test(exit) ? Number(exit) : null,
    attributes,
  };
}

/**
 * Splits the events stream (one JSON document per line) into lines; a line may arrive across
 * several chunks.
 */
export class LineBuffer {
  private pending = '';
  // Keeps a UTF-8 character that straddles two chunks whole.
  private readonly decoder = new StringDecoder('utf8');

  push(chunk: Buffer | string): string[] {
    this.pending += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = this.pending.split('\n');
    this.pending = parts.pop() ?? '';
    return parts.map((p) => p.trim()).filter((p) => p.length > 0);
  }
}

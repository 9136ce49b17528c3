// The keyset cursor of GET /logs: the sort key of the last line sent. Log times have microsecond
// precision, more than a JS Date holds, so the time travels as epoch microseconds in text.
import { z } from 'zod';
import { LOG_STREAMS, type LogStream } from '@dockpulse/common';
import { badRequest } from '../http/errors';

export interface LogKey {
  timeUs: string;
  hostId: string;
  containerId: string;
  stream: LogStream;
  seq: number;
}

const keySchema = z.object({
  t: z.string().regex(/^\d{1,17}$/),
  h: z.string().min(1).max(128),
  c: z.string().min(1).max(128),
  s: z.enum(LOG_STREAMS),
  q: z.number().int().min(0).max(2_147_483_647),
}).strict();

export function encodeCursor(key: LogKey): string {
  return Buffer.from(JSON.stringify({ t: key.timeUs, h: key.hostId, c: key.containerId, s: key.stream, q: key.seq })).toString('base64url');
}

export function decodeCursor(text: string): LogKey {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(text)) throw badRequest('cursor', 'malformed cursor: pass back the nextCursor of a previous answer unchanged');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor', 'malformed cursor: pass back the nextCursor of a previous answer unchanged');
  }
  const result = keySchema.safeParse(parsed);
  if (!result.success) throw badRequest('cursor', 'malformed cursor: pass back the nextCursor of a previous answer unchanged');
  const k = result.data;
  return { timeUs: k.t, hostId: k.h, containerId: k.c, stream: k.s, seq: k.q };
}

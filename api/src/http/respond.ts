import type { Response } from 'express';
import type { Cached } from '../cache';

/**
 * Sends a cached answer. `X-Cache` says where it came from; a stale copy (the database failed)
 * also carries `stale: true` in the body so clients that never see headers still know.
 */
export function sendCached<T extends object>(res: Response, cached: Cached<T>): void {
  res.setHeader('X-Cache', cached.source);
  if (cached.source === 'stale') res.json({ ...cached.value, stale: true });
  else res.type('application/json').send(cached.json);
}

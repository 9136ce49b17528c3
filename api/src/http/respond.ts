import type { Response } from 'express';
import type { Cached } from '../cache';

/**
 * Sends a cached answer. `X-Cache` says where it came from; a stale copy (the database failed)
 * also carries `stale: true` in the body so clients that never see headers still know.
 *
 * Anything else goes out as the stored bytes with the stored ETag: no JSON parse, no stringify,
 * no hashing per request (express' res.send would hash the body again for its ETag). A request
 * whose If-None-Match matches gets 304, as res.send would answer it.
 */
export function sendCached<T extends object>(res: Response, cached: Cached<T>): void {
  res.setHeader('X-Cache', cached.source);
  if (cached.source === 'stale') {
    res.json({ ...cached.value, stale: true });
    return;
  }
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('ETag', cached.etag);
  if (res.req.fresh) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Length', cached.body.length);
  res.end(cached.body);
}

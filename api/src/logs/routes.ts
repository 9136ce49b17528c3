import { Router } from 'express';
import { z } from 'zod';
import { CACHE_TTL_MS, cachedRange, listingGridMs, paramsKey } from '../cache';
import type { AppDeps } from '../deps';
import { sendCached } from '../http/respond';
import { LOG_STREAMS } from '@dockpulse/common';
import { containerRef, enumParam, hostRef, intParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { logsAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { decodeCursor, encodeCursor } from './cursor';
import { LogStore } from './store';

export const logsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  q: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').regex(/^[^\0]*$/, 'must not contain NUL').optional(),
  stream: enumParam(LOG_STREAMS).optional(),
  limit: intParam(1, 5000, 500),
  cursor: z.string().optional().describe('the nextCursor of the previous page'),
};

export const logDocs: RouteDoc[] = [
  { path: '/logs', summary: 'Log lines, newest first, a page at a time (default range: the last 7 days)', query: logsQuery, answer: { json: logsAnswer }, cached: true },
];

export function logRoutes(deps: AppDeps): Router {
  const store = new LogStore(deps.reads);
  const router = Router();
  router.get('/logs', async (req, res) => {
    const q = parseQuery(logsQuery, req.query);
    // Logs are kept 7 days by default: that is the natural default window.
    const nowMs = deps.cache.now();
    const asked = resolveRange(q.from, q.to, 7 * 86_400_000, nowMs);
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    // A range reaching the present is aligned so a live panel's refreshes share a key for a few
    // seconds (api/src/cache/range.ts); a page behind a cursor holds only older lines.
    const { fromMs, toMs, ttlMs } = cachedRange(asked.fromMs, asked.toMs, listingGridMs(asked.toMs - asked.fromMs), nowMs, CACHE_TTL_MS.logsOpen);
    const key = `logs:${paramsKey({ containers: q.containers?.join(','), host: q.host, fromMs, toMs, q: q.q, stream: q.stream, limit: q.limit, cursor: q.cursor })}`;
    const answer = await deps.cache.getOrLoad(key, ttlMs, async () => {
      // One line more than asked tells whether another page exists without a count.
      const lines = await store.query({ containers: q.containers, host: q.host, fromMs, toMs, q: q.q, stream: q.stream, limit: q.limit + 1, before });
      const page = lines.slice(0, q.limit);
      const last = page.at(-1);
      return {
        items: page,
        nextCursor: lines.length > q.limit && last ? encodeCursor({ timeUs: last.timeUs, hostId: last.hostId, containerId: last.containerId, stream: last.stream, seq: last.seq }) : null,
      };
    });
    sendCached(res, answer);
  });
  return router;
}

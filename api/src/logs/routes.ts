import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { containerRef, hostRef, intParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { decodeCursor, encodeCursor } from './cursor';
import { LogStore } from './store';

const logsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  q: z.string().min(1, 'must not be empty').max(256, 'must be at most 256 characters').regex(/^[^\0]*$/, 'must not contain NUL').optional(),
  stream: z.enum(['stdout', 'stderr'], { message: 'must be stdout or stderr' }).optional(),
  limit: intParam(1, 5000, 500),
  cursor: z.string().optional(),
};

export function logRoutes(deps: AppDeps): Router {
  const store = new LogStore(deps.reads);
  const router = Router();
  router.get('/logs', async (req, res) => {
    const q = parseQuery(logsQuery, req.query);
    // Logs are kept 7 days by default: that is the natural default window.
    const { fromMs, toMs } = resolveRange(q.from, q.to, 7 * 86_400_000);
    const before = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    // One line more than asked tells whether another page exists without a count.
    const lines = await store.query({ containers: q.containers, host: q.host, fromMs, toMs, q: q.q, stream: q.stream, limit: q.limit + 1, before });
    const page = lines.slice(0, q.limit);
    const last = page.at(-1);
    res.json({
      items: page,
      nextCursor: lines.length > q.limit && last ? encodeCursor({ timeUs: last.timeUs, hostId: last.hostId, containerId: last.containerId, stream: last.stream, seq: last.seq }) : null,
    });
  });
  return router;
}

import { Router } from 'express';
import { CACHE_TTL_MS, cachedRange, listingGridMs, paramsKey } from '../cache';
import type { AppDeps } from '../deps';
import { sendCached } from '../http/respond';
import { containerRef, enumParam, hostRef, intParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { EVENT_ACTIONS } from '@dockpulse/common';
import { eventsAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { EventStore } from './store';

export const eventsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  actions: listParam(enumParam(EVENT_ACTIONS), EVENT_ACTIONS.length).optional(),
  limit: intParam(1, 5000, 500),
};

export const eventDocs: RouteDoc[] = [
  { path: '/events', summary: 'Container events, newest first (default range: the last 24 hours)', query: eventsQuery, answer: { json: eventsAnswer }, cached: true },
];

export function eventRoutes(deps: AppDeps): Router {
  const store = new EventStore(deps.reads);
  const router = Router();
  router.get('/events', async (req, res) => {
    const q = parseQuery(eventsQuery, req.query);
    const nowMs = deps.cache.now();
    const asked = resolveRange(q.from, q.to, 86_400_000, nowMs);
    // A range reaching the present is aligned so dashboard refreshes share a key (api/src/cache/range.ts).
    const { fromMs, toMs, ttlMs } = cachedRange(asked.fromMs, asked.toMs, listingGridMs(asked.toMs - asked.fromMs), nowMs, CACHE_TTL_MS.eventsOpen);
    const key = `events:${paramsKey({ containers: q.containers?.join(','), host: q.host, fromMs, toMs, actions: q.actions?.join(','), limit: q.limit })}`;
    const query = { containers: q.containers, host: q.host, fromMs, toMs, actions: q.actions, limit: q.limit };
    sendCached(res, await deps.cache.getOrLoad(key, ttlMs, async () => ({ items: await store.query(query) })));
  });
  return router;
}

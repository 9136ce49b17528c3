import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { containerRef, hostRef, intParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { EVENT_ACTIONS } from '@dockpulse/common';
import { EventStore } from './store';

const eventsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  actions: listParam(z.enum(EVENT_ACTIONS, { message: `must be one of ${EVENT_ACTIONS.join(', ')}` }), EVENT_ACTIONS.length).optional(),
  limit: intParam(1, 5000, 500),
};

export function eventRoutes(deps: AppDeps): Router {
  const store = new EventStore(deps.reads);
  const router = Router();
  router.get('/events', async (req, res) => {
    const q = parseQuery(eventsQuery, req.query);
    const { fromMs, toMs } = resolveRange(q.from, q.to, 86_400_000);
    res.json({ items: await store.query({ containers: q.containers, host: q.host, fromMs, toMs, actions: q.actions, limit: q.limit }) });
  });
  return router;
}

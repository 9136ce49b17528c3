import { Router } from 'express';
import type { AppDeps } from '../deps';
import { parseQuery } from '../http/validation';
import { hostsAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { HostStore } from './store';

export const hostDocs: RouteDoc[] = [
  { path: '/hosts', summary: 'Hosts, with their collector heartbeat and running containers', query: {}, answer: { json: hostsAnswer } },
];

export function hostRoutes(deps: AppDeps): Router {
  const store = new HostStore(deps.reads);
  const router = Router();
  router.get('/hosts', async (req, res) => {
    parseQuery({}, req.query);
    res.json({ items: await store.list() });
  });
  return router;
}

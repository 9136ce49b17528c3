import { Router } from 'express';
import type { AppDeps } from '../deps';
import { parseQuery } from '../http/validation';
import { HostStore } from './store';

export function hostRoutes(deps: AppDeps): Router {
  const store = new HostStore(deps.reads);
  const router = Router();
  router.get('/hosts', async (req, res) => {
    parseQuery({}, req.query);
    res.json({ items: await store.list() });
  });
  return router;
}

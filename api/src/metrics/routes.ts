import { Router } from 'express';
import type { AppDeps } from '../deps';
import { parseQuery } from '../http/validation';
import { containerExposition } from './exposition';
import type { ApiMetrics } from './registry';
import { MetricsStore } from './store';

export function metricsRoutes(deps: AppDeps, metrics: ApiMetrics): Router {
  const store = new MetricsStore(deps.reads);
  const router = Router();
  router.get('/metrics', async (req, res) => {
    parseQuery({}, req.query);
    const [containers, own] = await Promise.all([store.latestOfRunning(), metrics.registry.metrics()]);
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(containerExposition(containers) + own);
  });
  return router;
}

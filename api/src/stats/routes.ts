import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { sendCached } from '../http/respond';
import { containerRef, hostRef, intParam, optionalIntParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { StatsService } from './service';
import { METRICS, StatsStore, type Metric } from './store';

const statsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  metrics: listParam(z.enum(METRICS, { message: `must be one of ${METRICS.join(', ')}` }), METRICS.length).optional(),
  resolution: z.enum(['auto', 'raw', 'hourly', 'daily'], { message: 'must be auto, raw, hourly or daily' }).default('auto'),
  intervalMs: optionalIntParam(1_000, 366 * 86_400_000),
  maxDataPoints: intParam(1, 10_000, 1_000),
};

export function statsRoutes(deps: AppDeps): Router {
  const service = new StatsService(new StatsStore(deps.pool), deps.cache, deps.config.resolution);
  const router = Router();
  router.get('/stats', async (req, res) => {
    const q = parseQuery(statsQuery, req.query);
    const { fromMs, toMs } = resolveRange(q.from, q.to, 3_600_000);
    const answer = await service.query({
      containers: q.containers,
      host: q.host,
      fromMs,
      toMs,
      metrics: (q.metrics ?? ['cpu_percent', 'mem_used_bytes']) as Metric[],
      resolution: q.resolution,
      intervalMs: q.intervalMs,
      maxDataPoints: q.maxDataPoints,
    });
    sendCached(res, answer);
  });
  return router;
}

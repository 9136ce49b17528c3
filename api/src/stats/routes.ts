import { Router } from 'express';
import { z } from 'zod';
import type { AppDeps } from '../deps';
import { sendCached } from '../http/respond';
import { badRequest } from '../http/errors';
import { containerRef, hostRef, intParam, optionalIntParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { StatsService } from './service';
import { GROUP_BYS, GROUP_COMBINE, METRICS, RANK_AGGS, StatsStore, type Metric } from './store';

const statsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  metrics: listParam(z.enum(METRICS, { message: `must be one of ${METRICS.join(', ')}` }), METRICS.length).optional(),
  resolution: z.enum(['auto', 'raw', 'hourly', 'daily'], { message: 'must be auto, raw, hourly or daily' }).default('auto'),
  intervalMs: optionalIntParam(1_000, 366 * 86_400_000),
  maxDataPoints: intParam(1, 10_000, 1_000),
  top: optionalIntParam(1, 10_000),
  by: z.enum(METRICS, { message: `must be one of ${METRICS.join(', ')}` }).optional(),
  agg: z.enum(RANK_AGGS, { message: 'must be avg or max' }).optional(),
  groupBy: z.enum(GROUP_BYS, { message: 'must be host or project' }).optional(),
};

/** Combinations the parameters allow but the metrics do not: each a 400 naming the parameter. */
function checkFleetParams(q: { top?: number; by?: Metric; agg?: string; groupBy?: string }, metrics: Metric[], maxSeries: number): void {
  if (q.top !== undefined && q.top > maxSeries) throw badRequest('top', `must be at most ${maxSeries} (STATS_MAX_SERIES)`);
  if (q.by !== undefined && q.top === undefined) throw badRequest('by', 'ranks the series of top=N: give top as well');
  if (q.agg !== undefined && q.top === undefined) throw badRequest('agg', 'says how top=N ranks: give top as well');
  if (q.groupBy !== undefined) {
    const ungroupable = metrics.find((m) => !GROUP_COMBINE[m]);
    if (ungroupable) {
      throw badRequest('groupBy', `${ungroupable} cannot be summed or averaged over containers (a container without a limit reports the host's memory); ask for it per container`);
    }
    if (q.by !== undefined && !GROUP_COMBINE[q.by]) throw badRequest('by', `${q.by} cannot rank groups: it cannot be combined over containers`);
  }
}

export function statsRoutes(deps: AppDeps): Router {
  const service = new StatsService(new StatsStore(deps.reads), deps.cache, deps.config.resolution, deps.config.statsMaxSeries);
  const router = Router();
  router.get('/stats', async (req, res) => {
    const q = parseQuery(statsQuery, req.query);
    const { fromMs, toMs } = resolveRange(q.from, q.to, 3_600_000);
    const metrics = (q.metrics ?? ['cpu_percent', 'mem_used_bytes']) as Metric[];
    checkFleetParams(q, metrics, deps.config.statsMaxSeries);
    const answer = await service.query({
      containers: q.containers,
      host: q.host,
      fromMs,
      toMs,
      metrics,
      resolution: q.resolution,
      intervalMs: q.intervalMs,
      maxDataPoints: q.maxDataPoints,
      top: q.top,
      by: q.by,
      agg: q.agg,
      groupBy: q.groupBy,
    });
    sendCached(res, answer);
  });
  return router;
}

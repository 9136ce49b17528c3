import { Router } from 'express';
import type { AppDeps } from '../deps';
import { sendCached } from '../http/respond';
import { badRequest } from '../http/errors';
import { containerRef, enumParam, hostRef, intParam, optionalIntParam, listParam, parseQuery, resolveRange, timeParam } from '../http/validation';
import { DEFAULT_STATS_METRICS, GROUP_BYS, METRICS, RANK_AGGS, RESOLUTION_REQUESTS, type Metric } from '@dockpulse/common';
import { statsAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { StatsService } from './service';
import { GROUP_COMBINE, StatsStore } from './store';

export const statsQuery = {
  containers: listParam(containerRef, 200).optional(),
  host: hostRef.optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  metrics: listParam(enumParam(METRICS), METRICS.length).optional(),
  resolution: enumParam(RESOLUTION_REQUESTS).default('auto'),
  intervalMs: optionalIntParam(1_000, 366 * 86_400_000),
  maxDataPoints: intParam(1, 10_000, 1_000),
  top: optionalIntParam(1, 10_000),
  by: enumParam(METRICS).optional(),
  agg: enumParam(RANK_AGGS).optional(),
  groupBy: enumParam(GROUP_BYS).optional(),
};

export const statsDocs: RouteDoc[] = [
  {
    path: '/stats',
    summary: 'Stats series, bucketed, from the raw, hourly or daily table (default range: the last hour)',
    description:
      'Without containers and without top, the answer holds at most STATS_MAX_SERIES series per metric (the highest by the first metric; truncated says so). top=N keeps the N highest (by, agg); groupBy gives one series per host or compose project.',
    query: statsQuery,
    answer: { json: statsAnswer },
    cached: true,
  },
];

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
    const metrics: Metric[] = q.metrics ?? [...DEFAULT_STATS_METRICS];
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

// The API's own metrics (prom-client), one registry per app so several apps in one process
// (tests) do not collide.
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  middleware: RequestHandler;
  cacheResults: Counter<'result'>;
  replicaFallbacks: Counter<'reason'>;
}

export function createApiMetrics(openStreams: () => number): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'dockpulse_api_' });
  // prom-client names these gauges *_total, which Prometheus' lint (promtool check metrics)
  // reserves for counters; the process metrics that matter (memory, CPU, event loop) stay.
  for (const name of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
    registry.removeSingleMetric(`dockpulse_api_nodejs_${name}`);
  }
  const requests = new Counter({
    name: 'dockpulse_api_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'dockpulse_api_http_request_duration_seconds',
    help: 'Time to answer an HTTP request (SSE streams: until the stream ends).',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const cacheResults = new Counter({
    name: 'dockpulse_api_cache_results_total',
    help: 'Cached routes by where the answer came from: hit, miss, stale or off.',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const replicaFallbacks = new Counter({
    name: 'dockpulse_api_replica_fallbacks_total',
    help: 'Reads the primary answered instead of the replica (DATABASE_READ_URL), by reason: unreachable, starting_up, recovery_conflict, timeout, schema_behind, marked_down.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'dockpulse_api_sse_streams_open',
    help: 'Server-Sent Events streams open now.',
    registers: [registry],
    collect() {
      this.set(openStreams());
    },
  });
  const middleware: RequestHandler = (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      // The route pattern, not the URL: ids in paths would explode the label set.
      const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      duration.observe({ method: req.method, route }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
  return { registry, middleware, cacheResults, replicaFallbacks };
}

// Builds the express app from injected dependencies; main.ts runs it, tests run it in-process.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import express, { Router, type Express, type RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { containerRoutes } from './containers/routes';
import type { AppDeps } from './deps';
import { eventRoutes } from './events/routes';
import { healthRoutes } from './health/routes';
import { hostRoutes } from './hosts/routes';
import { bearerAuth } from './http/auth';
import { ApiError, errorMiddleware } from './http/errors';
import { imageRoutes } from './images/routes';
import { logRoutes } from './logs/routes';
import { createApiMetrics } from './metrics/registry';
import { metricsRoutes } from './metrics/routes';
import { openApiRoutes } from './openapi/routes';
import { statsRoutes } from './stats/routes';
import { streamRoutes } from './stream/routes';

export interface BuiltApp {
  app: Express;
  /** Ends open SSE streams (their timers would otherwise keep the process alive). */
  close(): void;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createApp(deps: AppDeps): BuiltApp {
  const { config, logger } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple'); // flat strings only: no nested objects from a[b]=c
  app.set('trust proxy', config.trustProxy);

  const streams = streamRoutes(deps);
  const metrics = createApiMetrics(() => streams.hub.open);
  deps.cache.observe = (source) => metrics.cacheResults.inc({ result: source });
  deps.reads.observe = (reason) => metrics.replicaFallbacks.inc({ reason });

  // A caller's request id is kept (so a trace spans services) when it looks like one.
  app.use((req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    (req as { id?: string }).id = id;
    res.setHeader('X-Request-Id', id);
    next();
  });
  // Access lines are written at info. With the level above it (warn, error, silent) pino-http would
  // still make a child logger per request (serialising the request at once): a third of a cache
  // hit's CPU (bench/cache.bench.ts) for lines never written.
  if (logger.isLevelEnabled('info')) {
    app.use(
      pinoHttp({
        logger,
        genReqId: (req: IncomingMessage) => (req as { id?: string }).id ?? randomUUID(),
        // Failures are logged with their stack by the error middleware; the access line stays info.
        customLogLevel: () => 'info',
        serializers: {
          // No headers: they carry the bearer token.
          req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({ id: req.id, method: req.method, url: req.url, remoteAddress: req.remoteAddress }),
          res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
        },
      }),
    );
  }
  app.use(helmet());
  if (config.corsOrigins?.length) {
    app.use(cors({ origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins, exposedHeaders: ['X-Request-Id', 'X-Cache'] }));
  }
  if (config.rateLimitPerMinute > 0) {
    app.use(
      rateLimit({
        windowMs: 60_000,
        limit: config.rateLimitPerMinute,
        standardHeaders: 'draft-7',
        legacyHeaders: false,
        handler: (_req, _res, next) =>
          next(new ApiError(429, 'rate_limited', `more than ${config.rateLimitPerMinute} requests in a minute from this client (RATE_LIMIT_PER_MINUTE)`)),
      }),
    );
  }
  app.use(metrics.middleware);

  const auth: RequestHandler | undefined = config.auth.tokens.length ? bearerAuth(config.auth.tokens) : undefined;
  const maybe = (needed: boolean): RequestHandler[] => (auth && needed ? [auth] : []);

  // Health first and outside the token check unless AUTH_HEALTH asks for it (load balancers probe
  // it); the OpenAPI document with it (it describes the routes, it holds no data).
  const health = healthRoutes(deps);
  app.use('/api/v1', ...maybe(config.auth.health), health, openApiRoutes());
  app.use('/', ...maybe(config.auth.health), health);
  app.use('/', ...maybe(config.auth.metrics), metricsRoutes(deps, metrics));

  const v1 = Router();
  if (auth) v1.use(auth);
  v1.use(hostRoutes(deps));
  v1.use(containerRoutes(deps).router);
  v1.use(statsRoutes(deps));
  v1.use(imageRoutes(deps));
  v1.use(logRoutes(deps));
  v1.use(eventRoutes(deps));
  v1.use(streams.router);
  app.use('/api/v1', v1);

  app.use((req, _res, next) => next(new ApiError(404, 'not_found', `no route ${req.method} ${req.path}`)));
  app.use(errorMiddleware(logger));

  return { app, close: () => streams.hub.closeAll() };
}

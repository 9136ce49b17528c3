import { Router } from 'express';
import type { HealthAnswer } from '@dockpulse/common';
import type { AppDeps } from '../deps';
import { parseQuery } from '../http/validation';
import { healthAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { API_VERSION } from '../version';

export const healthDocs: RouteDoc[] = [
  {
    path: '/health',
    summary: 'The API, its database, replica and cache (also served at /health)',
    query: {},
    answer: { json: healthAnswer },
    answerStatuses: { 503: 'the primary database is down: status unavailable, same body' },
    authOptional: true,
  },
];

/**
 * GET /health: database (and its storage flavour), replica when DATABASE_READ_URL is set, cache,
 * version. 503 when the primary is down; a replica that is down only degrades it (reads fall back).
 */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/health', async (req, res) => {
    parseQuery({}, req.query);
    const started = Date.now();
    const [database, replica, cacheOk] = await Promise.all([
      // The schema version is the primary's: a replica may not have replayed the last migration.
      deps.pool
        .query<{ key: string; value: string }>("SELECT key, value FROM dockpulse_meta WHERE key IN ('storage_flavour', 'schema_version')")
        .then((r) => {
          const meta = Object.fromEntries(r.rows.map((row) => [row.key, row.value]));
          return { ok: true, flavour: meta.storage_flavour ?? null, schemaVersion: meta.schema_version ? Number(meta.schema_version) : null, latencyMs: Date.now() - started };
        })
        .catch((error: Error) => {
          deps.logger.error({ err: error }, 'health: database check failed');
          return { ok: false, error: 'database not reachable' };
        }),
      deps.reads.replicaState(),
      deps.cache.backend.ping(),
    ]);
    const cacheFine = cacheOk || !deps.cache.enabled;
    const replicaFine = !replica || (replica.ok && replica.inRecovery === true);
    const body: HealthAnswer = {
      status: database.ok ? (cacheFine && replicaFine ? 'ok' : 'degraded') : 'unavailable',
      version: API_VERSION,
      database,
      ...(replica ? { replica } : {}),
      cache: { backend: deps.cache.backend.kind, enabled: deps.cache.enabled, ok: cacheOk },
    };
    // A dead cache or replica only costs speed, so it degrades the status but keeps 200.
    res.status(database.ok ? 200 : 503).json(body);
  });
  return router;
}

import { Router } from 'express';
import type { AppDeps } from '../deps';
import { parseQuery } from '../http/validation';
import { API_VERSION } from '../version';

/** GET /health: database (and its storage flavour), cache, version. 503 when the database is down. */
export function healthRoutes(deps: AppDeps): Router {
  const router = Router();
  router.get('/health', async (req, res) => {
    parseQuery({}, req.query);
    const started = Date.now();
    const [database, cacheOk] = await Promise.all([
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
      deps.cache.backend.ping(),
    ]);
    const body = {
      status: database.ok ? (cacheOk || !deps.cache.enabled ? 'ok' : 'degraded') : 'unavailable',
      version: API_VERSION,
      database,
      cache: { backend: deps.cache.backend.kind, enabled: deps.cache.enabled, ok: cacheOk },
    };
    // A dead cache only costs speed, so it degrades the status but keeps 200.
    res.status(database.ok ? 200 : 503).json(body);
  });
  return router;
}

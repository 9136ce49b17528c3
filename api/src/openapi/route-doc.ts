// What a route says about itself for the OpenAPI document: the same zod shapes its handler
// validates with (so the document cannot describe other parameters than the route takes) and the
// answer schema of api/src/openapi/answers.ts. Each feature's routes.ts exports its list.
import type { ZodRawShape, ZodTypeAny } from 'zod';

/** Error statuses only some routes answer, with what they mean there. */
export type RouteErrors = Partial<Record<404 | 409, string>>;

export interface RouteDoc {
  /** Under /api/v1, with OpenAPI's `{id}` where express writes `:id`. */
  path: string;
  summary: string;
  description?: string;
  /** The shape given to parseQuery (api/src/http/validation.ts). */
  query?: ZodRawShape;
  /** Path parameters, with the schemas given to parsePathParam. */
  params?: ZodRawShape;
  /** The answer: JSON, or a text/event-stream whose events (by name) carry JSON data of a named component. */
  answer: { json: ZodTypeAny } | { events: Record<string, { component: string; schema: ZodTypeAny }> };
  errors?: RouteErrors;
  /** Statuses other than 200 whose body is the answer itself (GET /health's 503). */
  answerStatuses?: Record<number, string>;
  /** Outside the API_TOKENS check unless AUTH_HEALTH is set (GET /health, GET /openapi.json). */
  authOptional?: boolean;
  /** Served from the cache (api/src/cache): X-Cache header, ETag, `stale: true` on a stale copy. */
  cached?: boolean;
}

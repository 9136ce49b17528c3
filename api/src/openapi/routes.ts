import { Router } from 'express';
import { z } from 'zod';
import { containerDocs } from '../containers/routes';
import { eventDocs } from '../events/routes';
import { healthDocs } from '../health/routes';
import { hostDocs } from '../hosts/routes';
import { parseQuery } from '../http/validation';
import { imageDocs } from '../images/routes';
import { logDocs } from '../logs/routes';
import { statsDocs } from '../stats/routes';
import { streamDocs } from '../stream/routes';
import { API_VERSION } from '../version';
import { openApiDocument, type OpenApiDocument } from './document';
import type { RouteDoc } from './route-doc';

/** Every route under /api/v1, in the document's order; a route missing here is missing from the document. */
export const ROUTE_DOCS: readonly RouteDoc[] = [
  ...healthDocs,
  { path: '/openapi.json', summary: 'This document', query: {}, answer: { json: openApiJsonSchema() }, authOptional: true },
  ...hostDocs,
  ...containerDocs,
  ...statsDocs,
  ...imageDocs,
  ...logDocs,
  ...eventDocs,
  ...streamDocs,
];

function openApiJsonSchema() {
  // Not restated here: the document's own schema is OpenAPI 3.1's.
  return z.object({ openapi: z.literal('3.1.0') }).passthrough().describe('an OpenAPI 3.1 document (https://spec.openapis.org/oas/v3.1.0)');
}

let built: OpenApiDocument | undefined;

/** The document, generated once per process (routes do not change while it runs). */
export function apiDocument(): OpenApiDocument {
  built ??= openApiDocument(ROUTE_DOCS, API_VERSION);
  return built;
}

/** GET /openapi.json: mounted where /health is, with the same auth rule (AUTH_HEALTH). */
export function openApiRoutes(): Router {
  const router = Router();
  router.get('/openapi.json', (req, res) => {
    parseQuery({}, req.query);
    res.json(apiDocument());
  });
  return router;
}

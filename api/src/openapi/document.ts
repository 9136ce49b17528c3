// The OpenAPI 3.1 document of /api/v1, generated from the routes' own descriptions (RouteDoc):
// their query and path schemas and their answer schemas (api/src/openapi/answers.ts).
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { errorAnswer } from './answers';
import type { RouteDoc } from './route-doc';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** What every route may answer, whatever its parameters. */
const COMMON_ERRORS: Record<number, string> = {
  400: 'a parameter is malformed or unknown; error.details names it',
  401: 'API_TOKENS is set and the request has no bearer token',
  403: 'the bearer token is not one of API_TOKENS',
  429: 'more than RATE_LIMIT_PER_MINUTE requests in a minute from this client',
  500: 'internal error',
  503: 'the database is not reachable (and no cached copy exists)',
  504: 'the database query took longer than QUERY_TIMEOUT',
};

const DESCRIPTION = `Container history for Docker fleets: hosts, containers, stats, images, logs and events, read
from the database the collectors fill. Times are epoch milliseconds or RFC 3339 in parameters and
RFC 3339 (UTC) in answers. Lists are comma-separated. An unknown or malformed parameter is a 400
whose error names it. When API_TOKENS is set, every route needs \`Authorization: Bearer <token>\`
(GET /health and this document only when AUTH_HEALTH is set). The API's own Prometheus metrics and
the latest sample of every running container are at /metrics, outside /api/v1.`;

export function openApiDocument(routes: readonly RouteDoc[], version: string): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    description: 'one of API_TOKENS',
  });
  for (const route of routes) {
    const errors = Object.entries({ ...COMMON_ERRORS, ...route.errors }).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !(entry[0] in (route.answerStatuses ?? {})),
    );
    const answer =
      'json' in route.answer
        ? { 'application/json': { schema: route.answer.json } }
        : { 'text/event-stream': { schema: z.string() } };
    const ok = {
      description:
        'json' in route.answer
          ? route.cached
            ? 'the answer (X-Cache says hit, miss, stale or off; an ETag, and 304 to a matching If-None-Match)'
            : 'the answer'
          : `Server-Sent Events; each event's data is JSON: ${Object.entries(route.answer.events)
              .map(([event, data]) => `\`${event}\` events carry #/components/schemas/${data.component}`)
              .join('; ')}`,
      content: answer,
    };
    registry.registerPath({
      method: 'get',
      path: route.path,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      security: route.authOptional ? [{}, { [bearer.name]: [] }] : [{ [bearer.name]: [] }],
      request: {
        ...(route.params ? { params: z.object(route.params) } : {}),
        ...(route.query ? { query: z.object(route.query) } : {}),
      },
      responses: {
        200: ok,
        ...Object.fromEntries(Object.entries(route.answerStatuses ?? {}).map(([status, description]) => [status, { description, content: answer }])),
        ...Object.fromEntries(
          errors.map(([status, description]) => [status, { description, content: { 'application/json': { schema: errorAnswer } } }]),
        ),
      },
    });
    // The events' data schemas are named in prose only: register them so the document holds them.
    if ('events' in route.answer) for (const data of Object.values(route.answer.events)) registry.register(data.component, data.schema);
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Dockpulse API', version, description: DESCRIPTION, license: { name: 'Apache-2.0', identifier: 'Apache-2.0' } },
    servers: [{ url: '/api/v1' }],
  });
}

// The OpenAPI document of /api/v1, as the API generates it: valid OpenAPI 3.1 by a maintained
// validator, and naming the contract's lists (common/src/contract/lists.ts) where a parameter or
// an answer takes one of them. No server: the document is made from the route descriptions.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { CONTAINER_STATES, EVENT_ACTIONS, LOG_STREAMS, METRICS, RESOLUTION_REQUESTS } from '@dockpulse/common';
import { ACTION_ALIASES, EVENT_FILTER_ACTIONS, mapEvent } from '@dockpulse/collector/docker/events';
import { eventsQuery } from '@dockpulse/api/events/routes';
import { parseQuery } from '@dockpulse/api/http/validation';
import { apiDocument, ROUTE_DOCS } from '@dockpulse/api/openapi/routes';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const doc = apiDocument() as Json;
const parameter = (path: string, name: string): Json => (doc.paths[path].get.parameters as Json[]).find((p) => p.name === name)!;

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document (swagger-parser), every $ref resolving', async () => {
    const api = (await SwaggerParser.validate(structuredClone(doc) as never)) as Json;
    expect(api.openapi).toBe('3.1.0');
    expect(Object.keys(api.paths).sort()).toEqual(ROUTE_DOCS.map((r) => r.path).sort());
  });

  it('is refused by the same validator when broken (a dangling $ref, a response without a description)', async () => {
    const dangling = structuredClone(doc);
    dangling.paths['/hosts'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/NoSuchAnswer' };
    await expect(SwaggerParser.validate(dangling as never)).rejects.toThrow(/NoSuchAnswer/);
    const undescribed = structuredClone(doc);
    delete undescribed.paths['/hosts'].get.responses['200'].description;
    await expect(SwaggerParser.validate(undescribed as never)).rejects.toThrow(/description/);
  });

  it('describes each route with its parameters, a JSON or event-stream answer and the error answer', () => {
    for (const route of ROUTE_DOCS) {
      const op = doc.paths[route.path].get as Json;
      const names = ((op.parameters ?? []) as Json[]).map((p) => `${p.in}:${p.name}`).sort();
      const expected = [...Object.keys(route.query ?? {}).map((n) => `query:${n}`), ...Object.keys(route.params ?? {}).map((n) => `path:${n}`)].sort();
      expect({ path: route.path, names }).toEqual({ path: route.path, names: expected });
      expect(Object.keys(op.responses['200'].content)).toEqual(['json' in route.answer ? 'application/json' : 'text/event-stream']);
      expect(op.responses['400'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorAnswer' });
    }
    expect(doc.paths['/containers/{id}'].get.responses['409'].description).toMatch(/several containers/);
    expect(doc.paths['/health'].get.responses['503'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/HealthAnswer' });
  });

  it('makes every answer object strict (additionalProperties: false), so an undocumented field fails the contract test', () => {
    const loose: string[] = [];
    const walk = (schema: Json, where: string) => {
      if (!schema || typeof schema !== 'object') return;
      if (schema.type === 'object' && schema.properties && schema.additionalProperties !== false) loose.push(where);
      for (const [key, value] of Object.entries(schema)) if (value && typeof value === 'object') walk(value as Json, `${where}/${key}`);
    };
    for (const [name, schema] of Object.entries(doc.components.schemas as Json)) walk(schema as Json, name);
    expect(loose).toEqual([]);
  });

  it("takes the contract's lists for parameters and answers", () => {
    const schemas = doc.components.schemas as Json;
    expect(parameter('/containers', 'state').schema.enum).toEqual([...CONTAINER_STATES]);
    expect(schemas.ContainerItem.properties.state.enum).toEqual([...CONTAINER_STATES]);
    expect(parameter('/stats', 'resolution').schema.enum).toEqual([...RESOLUTION_REQUESTS]);
    expect(parameter('/stats', 'by').schema.enum).toEqual([...METRICS]);
    expect(parameter('/stats', 'metrics').description).toContain(METRICS.join(', '));
    expect(schemas.StatsSeries.properties.metric.enum).toEqual([...METRICS]);
    expect(parameter('/logs', 'stream').schema.enum).toEqual([...LOG_STREAMS]);
    expect(schemas.LogItem.properties.stream.enum).toEqual([...LOG_STREAMS]);
    expect(parameter('/events', 'actions').description).toContain(EVENT_ACTIONS.join(', '));
  });

  // The drift issue 12 found: the collector recorded rename and update, the API's own list lacked
  // them, and GET /events?actions=rename was a 400 although such rows existed.
  it('accepts, as an events filter and in an event answer, every action the collector records', () => {
    const recorded = EVENT_FILTER_ACTIONS.flatMap((engineWord) => {
      const row = mapEvent({ timeNano: '1700000000000000000', type: 'container', action: engineWord, detail: null, containerId: 'c'.repeat(64), attributes: {} }, 'h1');
      return row ? [row.action] : [];
    });
    expect(recorded).toEqual(expect.arrayContaining(['rename', 'update', ...Object.values(ACTION_ALIASES)]));
    const documented = (doc.components.schemas as Json).EventItem.properties.action.enum as string[];
    for (const action of new Set(recorded)) {
      expect(documented).toContain(action);
      expect(parseQuery(eventsQuery, { actions: action }).actions).toEqual([action]);
    }
  });

  it("restates none of the contract's lists in api/src (they come from common/src/contract/lists.ts)", () => {
    const wordsOf = (literal: string) => [...literal.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).sort().join(',');
    const root = path.resolve(__dirname, '..', '..');
    const lists = new Map(
      [...readFileSync(path.join(root, 'common/src/contract/lists.ts'), 'utf8').matchAll(/export const (\w+) = (\[[^\]]*\])/g)].map((m) => [wordsOf(m[2]!), m[1]]),
    );
    expect([...lists.values()]).toEqual(expect.arrayContaining(['METRICS', 'CONTAINER_STATES', 'EVENT_ACTIONS', 'LOG_STREAMS']));
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const restated = sources(path.join(root, 'api/src')).flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/\[\s*('[a-z_]+',\s*)+'[a-z_]+',?\s*\]/g)]
        .filter((m) => lists.has(wordsOf(m[0])))
        .map((m) => `${path.relative(root, file)}: ${lists.get(wordsOf(m[0]))}`),
    );
    expect(restated).toEqual([]);
  });
});

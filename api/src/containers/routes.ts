import { Router } from 'express';
import { z } from 'zod';
import { CONTAINER_STATES } from '@dockpulse/common';
import { sendCached } from '../http/respond';
import { containerRef, enumParam, hostRef, intParam, parsePathParam, parseQuery } from '../http/validation';
import type { AppDeps } from '../deps';
import { containerDetailAnswer, containerLatestAnswer, containersAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { ContainerService } from './service';
import { ContainerStore } from './store';

const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).regex(/^[^\0]*$/, 'must not contain NUL');

const listQuery = {
  host: hostRef.optional(),
  state: enumParam(CONTAINER_STATES).optional(),
  name: text(128).optional(),
  image: text(256).optional(),
  label: text(512)
    .regex(/^[^=]+(=.*)?$/, 'must be key or key=value')
    .transform((v) => {
      const at = v.indexOf('=');
      return at < 0 ? { key: v } : { key: v.slice(0, at), value: v.slice(at + 1) };
    })
    .optional(),
  composeProject: text(256).optional(),
  composeService: text(256).optional(),
  limit: intParam(1, 1000, 50),
  offset: intParam(0, 1_000_000, 0),
};

const oneQuery = { host: hostRef.optional().describe('the host, when a name or id prefix is on several') };
const idParam = { id: containerRef.describe('full id, unambiguous id prefix (4+ hex digits) or unique name') };
const whichContainer = { 404: 'no container with that id, id prefix or name', 409: 'the reference matches several containers; error.details lists them' };

export const containerDocs: RouteDoc[] = [
  { path: '/containers', summary: 'Containers, filtered and paged (ordered by name, host, id)', query: listQuery, answer: { json: containersAnswer }, cached: true },
  { path: '/containers/{id}', summary: 'One container with its newest stats sample', params: idParam, query: oneQuery, answer: { json: containerDetailAnswer }, errors: whichContainer },
  { path: '/containers/{id}/stats/latest', summary: "One container's newest stats sample", params: idParam, query: oneQuery, answer: { json: containerLatestAnswer }, errors: whichContainer, cached: true },
];

export function containerRoutes(deps: AppDeps): { router: Router; service: ContainerService } {
  const service = new ContainerService(new ContainerStore(deps.reads), deps.cache);
  const router = Router();

  router.get('/containers', async (req, res) => {
    const { limit, offset, ...filter } = parseQuery(listQuery, req.query);
    sendCached(res, await service.list(filter, limit, offset));
  });

  router.get('/containers/:id', async (req, res) => {
    const id = parsePathParam('id', idParam.id, req.params.id);
    const { host } = parseQuery(oneQuery, req.query);
    res.json(await service.get(id, host));
  });

  router.get('/containers/:id/stats/latest', async (req, res) => {
    const id = parsePathParam('id', idParam.id, req.params.id);
    const { host } = parseQuery(oneQuery, req.query);
    sendCached(res, await service.latest(id, host));
  });

  return { router, service };
}

import { Router } from 'express';
import { z } from 'zod';
import { sendCached } from '../http/respond';
import { containerRef, hostRef, intParam, parsePathParam, parseQuery } from '../http/validation';
import type { AppDeps } from '../deps';
import { ContainerService } from './service';
import { ContainerStore } from './store';

const STATES = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead', 'removed'] as const;
const text = (max: number) => z.string().max(max, `must be at most ${max} characters`).regex(/^[^\0]*$/, 'must not contain NUL');

const listQuery = {
  host: hostRef.optional(),
  state: z.enum(STATES, { message: `must be one of ${STATES.join(', ')}` }).optional(),
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

export function containerRoutes(deps: AppDeps): { router: Router; service: ContainerService } {
  const service = new ContainerService(new ContainerStore(deps.reads), deps.cache);
  const router = Router();

  router.get('/containers', async (req, res) => {
    const { limit, offset, ...filter } = parseQuery(listQuery, req.query);
    sendCached(res, await service.list(filter, limit, offset));
  });

  router.get('/containers/:id', async (req, res) => {
    const id = parsePathParam('id', containerRef, req.params.id);
    const { host } = parseQuery({ host: hostRef.optional() }, req.query);
    res.json(await service.get(id, host));
  });

  router.get('/containers/:id/stats/latest', async (req, res) => {
    const id = parsePathParam('id', containerRef, req.params.id);
    const { host } = parseQuery({ host: hostRef.optional() }, req.query);
    sendCached(res, await service.latest(id, host));
  });

  return { router, service };
}

import { Router } from 'express';
import { z } from 'zod';
import { CACHE_TTL_MS, cachedRange, listingGridMs, paramsKey } from '../cache';
import type { AppDeps } from '../deps';
import { badRequest } from '../http/errors';
import { sendCached } from '../http/respond';
import { boolParam, hostRef, intParam, parsePathParam, parseQuery, timeParam } from '../http/validation';
import { imageDetailAnswer, imagesAnswer, imageVersionsAnswer, imageVersionsOfImageAnswer } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { ImageService } from './service';
import { ImageStore } from './store';

const imageRef = z
  .string()
  .regex(/^(sha256:)?[0-9a-f]{4,64}$/, 'must be an image id ("sha256:" and 64 hex digits) or a hex prefix of at least 4 digits');
const repository = z.string().regex(/^[a-z0-9][a-z0-9._\-/:]{0,254}$/, 'must be a repository name such as nginx or ghcr.io/org/app');
const tag = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a tag such as latest or 1.25.3');

const imagesQuery = { host: hostRef.optional(), repository: repository.optional(), includeRemoved: boolParam(false), limit: intParam(1, 1000, 100), offset: intParam(0, 1_000_000, 0) };
const idParam = { id: imageRef };
const versionsQuery = { repository: repository.optional(), tag: tag.optional(), host: hostRef.optional(), from: timeParam.optional(), to: timeParam.optional(), limit: intParam(1, 5000, 500) };
const whichImage = { 404: 'no image with that id or id prefix', 409: 'the prefix matches several images; error.details lists them' };

export const imageDocs: RouteDoc[] = [
  { path: '/images', summary: 'Images on the hosts, newest seen first', query: imagesQuery, answer: { json: imagesAnswer } },
  { path: '/images/{id}', summary: "One image id, with each host's copy", params: idParam, query: {}, answer: { json: imageDetailAnswer }, errors: whichImage, cached: true },
  { path: '/images/{id}/versions', summary: 'When tags started or stopped pointing at this image', params: idParam, query: {}, answer: { json: imageVersionsOfImageAnswer }, errors: whichImage },
  { path: '/image-versions', summary: 'When tags started pointing at another image (deploys), newest first', query: versionsQuery, answer: { json: imageVersionsAnswer }, cached: true },
];

export function imageRoutes(deps: AppDeps): Router {
  const service = new ImageService(new ImageStore(deps.reads), deps.cache);
  const store = new ImageStore(deps.reads);
  const router = Router();

  router.get('/images', async (req, res) => {
    const q = parseQuery(imagesQuery, req.query);
    res.json(await service.list({ host: q.host, repository: q.repository, includeRemoved: q.includeRemoved }, q.limit, q.offset));
  });

  router.get('/images/:id', async (req, res) => {
    parseQuery({}, req.query);
    sendCached(res, await service.get(parsePathParam('id', idParam.id, req.params.id)));
  });

  router.get('/images/:id/versions', async (req, res) => {
    parseQuery({}, req.query);
    res.json(await service.versions(parsePathParam('id', idParam.id, req.params.id)));
  });

  router.get('/image-versions', async (req, res) => {
    const q = parseQuery(versionsQuery, req.query);
    if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw badRequest('from', 'must be earlier than "to"');
    // Both ends given (as a dashboard's deploy annotations give them): aligned like events (api/src/cache/range.ts).
    const range =
      q.from !== undefined && q.to !== undefined
        ? cachedRange(q.from, q.to, listingGridMs(q.to - q.from), deps.cache.now(), CACHE_TTL_MS.eventsOpen)
        : { fromMs: q.from, toMs: q.to, ttlMs: CACHE_TTL_MS.eventsOpen };
    const filter = { repository: q.repository, tag: q.tag, host: q.host, fromMs: range.fromMs, toMs: range.toMs };
    const key = `image-versions:${paramsKey({ ...filter, limit: q.limit })}`;
    sendCached(res, await deps.cache.getOrLoad(key, range.ttlMs, async () => ({ items: await store.versions(filter, q.limit) })));
  });

  return router;
}

import type { ContainerDetailAnswer, ContainerItem, ContainerLatestAnswer, ContainersAnswer } from '@dockpulse/common';
import { CACHE_TTL_MS, paramsKey, type Cache, type Cached } from '../cache';
import { ApiError, notFound } from '../http/errors';
import { ContainerStore, type ContainerFilter } from './store';

export class ContainerService {
  constructor(
    private readonly store: ContainerStore,
    private readonly cache: Cache,
  ) {}

  list(filter: ContainerFilter, limit: number, offset: number): Promise<Cached<ContainersAnswer>> {
    const key = `containers:list:${paramsKey({ ...filter, label: filter.label ? `${filter.label.key}=${filter.label.value ?? ''}` : undefined, limit, offset })}`;
    return this.cache.getOrLoad(key, CACHE_TTL_MS.containersList, async () => ({ ...(await this.store.list(filter, limit, offset)), limit, offset }));
  }

  /** Full id, then unambiguous id prefix, then unique name; anything else is 404 or 409. */
  async resolve(ref: string, host?: string): Promise<ContainerItem> {
    const candidates = await this.store.findByRef(ref, host);
    const where = host ? ` on host "${host}"` : '';
    if (candidates.length === 0) throw notFound(`no container with id, id prefix or name "${ref}"${where}`);
    for (const kind of ['id', 'prefix', 'name'] as const) {
      const matches = candidates.filter((c) => c.match === kind);
      if (matches.length === 1) return (matches[0] as { row: ContainerItem }).row;
      if (matches.length > 1) {
        throw new ApiError(
          409,
          'ambiguous_container',
          `"${ref}" matches ${matches.length} containers${where}; use a longer id or add host=`,
          matches.map((m) => ({ hostId: m.row.hostId, containerId: m.row.containerId, name: m.row.name })),
        );
      }
    }
    throw notFound(`no container with id, id prefix or name "${ref}"${where}`);
  }

  async get(ref: string, host?: string): Promise<ContainerDetailAnswer> {
    const container = await this.resolve(ref, host);
    return { ...container, latest: await this.store.latestSample(container.hostId, container.containerId) };
  }

  /** Keyed by the reference as given, so a hit costs no query at all (not even the id lookup). */
  latest(ref: string, host?: string): Promise<Cached<ContainerLatestAnswer>> {
    const key = `stats:container:{${host ? `${host}/` : ''}${ref}}:latest`;
    return this.cache.getOrLoad(key, CACHE_TTL_MS.containerLatest, async () => {
      const c = await this.resolve(ref, host);
      return { hostId: c.hostId, containerId: c.containerId, name: c.name, sample: await this.store.latestSample(c.hostId, c.containerId) };
    });
  }
}

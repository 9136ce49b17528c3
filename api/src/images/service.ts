import type { ImageDetailAnswer, ImagesAnswer, ImageVersionsOfImageAnswer } from '@dockpulse/common';
import { CACHE_TTL_MS, type Cache, type Cached } from '../cache';
import { ApiError, notFound } from '../http/errors';
import type { ImageStore } from './store';

export class ImageService {
  constructor(
    private readonly store: ImageStore,
    private readonly cache: Cache,
  ) {}

  list(filter: { host?: string; repository?: string; includeRemoved: boolean }, limit: number, offset: number): Promise<ImagesAnswer> {
    return this.store.list(filter, limit, offset).then((page) => ({ ...page, limit, offset }));
  }

  /**
   * One image id can exist on several hosts: the answer lists each host's copy. A prefix that
   * matches different image ids is ambiguous (409).
   */
  get(ref: string): Promise<Cached<ImageDetailAnswer>> {
    return this.cache.getOrLoad(`image:{${ref}}`, CACHE_TTL_MS.image, async () => {
      const found = await this.store.find(ref);
      const ids = [...new Set(found.map((i) => i.imageId))];
      if (ids.length === 0) throw notFound(`no image with id or id prefix "${ref}"`);
      if (ids.length > 1) throw new ApiError(409, 'ambiguous_image', `"${ref}" matches ${ids.length} images; use a longer id`, ids);
      return { imageId: ids[0] as string, hosts: found };
    });
  }

  async versions(ref: string): Promise<ImageVersionsOfImageAnswer> {
    const { value } = await this.get(ref);
    return { imageId: value.imageId, items: await this.store.versionsOfImage([value.imageId]) };
  }
}

import type { Logger } from '@dockpulse/common';
import type { ApiConfig } from '../config';
import { MemoryBackend, RedisBackend } from './backend';
import { Cache } from './cache';

export * from './backend';
export * from './cache';
export * from './range';

export function createCache(config: ApiConfig, logger: Logger): Cache {
  const backend = config.redisUrl ? new RedisBackend({ url: config.redisUrl, logger }) : new MemoryBackend();
  return new Cache(backend, config.cache, logger);
}

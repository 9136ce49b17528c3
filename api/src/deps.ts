import type { Pool } from 'pg';
import type { Logger } from '@dockpulse/common';
import type { Cache } from './cache';
import type { ApiConfig } from './config';

/** What the app is built from; tests inject their own (a test database, a throwaway Redis). */
export interface AppDeps {
  pool: Pool;
  cache: Cache;
  config: ApiConfig;
  logger: Logger;
}

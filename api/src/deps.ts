import type { Pool } from 'pg';
import type { Logger } from '@dockpulse/common';
import type { Cache } from './cache';
import type { ApiConfig } from './config';
import type { ReadPool } from './db/read-pool';

/** What the app is built from; tests inject their own (a test database, a throwaway Redis). */
export interface AppDeps {
  /** The primary (DATABASE_URL): what must see the newest state, such as the schema version. */
  pool: Pool;
  /** Every other read: the replica (DATABASE_READ_URL) with the primary behind it, or the primary. */
  reads: ReadPool;
  cache: Cache;
  config: ApiConfig;
  logger: Logger;
}

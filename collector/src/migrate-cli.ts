#!/usr/bin/env node
// `npm run migrate`: brings the schema up to date (under the advisory lock) and exits.
import { z } from 'zod';
import {
  ConfigError,
  createLogger,
  createPool,
  databaseUrlSetting,
  databaseWaitSetting,
  logLevelSetting,
  migrate,
  parseEnv,
  redactUrl,
  storageSetting,
  waitForDatabase,
} from '@dockpulse/common';

async function main(): Promise<void> {
  const s = parseEnv({
    DATABASE_URL: databaseUrlSetting,
    DATABASE_WAIT_TIMEOUT: databaseWaitSetting,
    DOCKPULSE_STORAGE: storageSetting,
    DOCKPULSE_READER_ROLE: z.string().default('dockpulse_reader'),
    LOG_LEVEL: logLevelSetting,
  });
  const logger = createLogger('migrate', s.LOG_LEVEL);
  const pool = createPool({ connectionString: s.DATABASE_URL, applicationName: 'dockpulse-migrate', max: 1 });
  try {
    // Started with the database (compose, a restart of both): wait for it rather than fail at once.
    await waitForDatabase(pool, { timeoutMs: s.DATABASE_WAIT_TIMEOUT, logger, target: redactUrl(s.DATABASE_URL) });
    const result = await migrate(pool, { storage: s.DOCKPULSE_STORAGE, logger, readerRole: s.DOCKPULSE_READER_ROLE });
    logger.info(result, 'schema up to date');
  } finally {
    await pool.end();
  }
}

main().catch((error: unknown) => {
  console.error(`dockpulse migrate: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});

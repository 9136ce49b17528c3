#!/usr/bin/env node
// `npm run migrate`: brings the schema up to date (under the advisory lock) and exits.
import { z } from 'zod';
import { ConfigError, createLogger, createPool, databaseUrlSetting, logLevelSetting, migrate, parseEnv, storageSetting } from '@dockpulse/common';

async function main(): Promise<void> {
  const s = parseEnv({
    DATABASE_URL: databaseUrlSetting,
    DOCKPULSE_STORAGE: storageSetting,
    DOCKPULSE_READER_ROLE: z.string().default('dockpulse_reader'),
    LOG_LEVEL: logLevelSetting,
  });
  const logger = createLogger('migrate', s.LOG_LEVEL);
  const pool = createPool({ connectionString: s.DATABASE_URL, applicationName: 'dockpulse-migrate', max: 1 });
  try {
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

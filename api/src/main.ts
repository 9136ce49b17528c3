// Runs the API: settings from the environment, PostgreSQL pool, cache, HTTP server, clean stop.
import { ConfigError, createLogger, createPool, redactUrl } from '@dockpulse/common';
import { createApp } from './app';
import { createCache } from './cache';
import { loadConfig, type ApiConfig } from './config';
import { createReadPool } from './db/read-pool';

function settings(): ApiConfig {
  try {
    return loadConfig();
  } catch (error) {
    // Before the logger exists: plain stderr, with the variable names, and a non-zero exit.
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = settings();
  const logger = createLogger('dockpulse-api', config.logLevel);
  const pool = createPool({
    connectionString: config.databaseUrl,
    max: config.dbPoolMax,
    statementTimeoutMs: config.queryTimeoutMs,
    applicationName: 'dockpulse-api',
    connectionTimeoutMillis: 3_000,
  });
  const reads = createReadPool(config, pool, logger);
  const cache = createCache(config, logger);
  const built = createApp({ pool, reads, cache, config, logger });
  const server = built.app.listen(config.port, config.host, () => {
    const address = server.address();
    logger.info(
      { port: typeof address === 'object' && address ? address.port : config.port, database: redactUrl(config.databaseUrl), reads: config.databaseReadUrl ? redactUrl(config.databaseReadUrl) : 'primary', cache: config.redisUrl ? redactUrl(config.redisUrl) : 'memory' },
      'dockpulse api listening',
    );
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    built.close();
    server.close(() => {
      void Promise.allSettled([pool.end(), reads.end(), cache.close()]).then(() => process.exit(0));
    });
    // Keep-alive connections would hold server.close() open; give requests in flight 5 s.
    setTimeout(() => server.closeAllConnections(), 5_000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();

#!/usr/bin/env node
// The collector process: config, database (migrated under the advisory lock), the batch writer,
// then the jobs. SIGTERM/SIGINT stop the jobs, flush the writer and end the pool.
import type { Server } from 'node:http';
import { ConfigError, createLogger, createPool, migrate, redactUrl, waitForDatabase } from '@dockpulse/common';
import { Collector } from './collector';
import { loadConfig } from './config';
import { DockerEngine } from './docker/client';
import { startMetricsServer } from './metrics-server';
import { COLLECTOR_VERSION } from './version';
import { BatchWriter } from './writer';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`dockpulse collector: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger('collector', config.logLevel);
  logger.info({ database: redactUrl(config.databaseUrl), docker: config.docker, version: COLLECTOR_VERSION }, 'collector starting');

  const pool = createPool({ connectionString: config.databaseUrl, applicationName: 'dockpulse-collector', max: 5 });
  await waitForDatabase(pool, { timeoutMs: config.databaseWaitTimeoutMs, logger, target: redactUrl(config.databaseUrl) });
  const { flavour } = await migrate(pool, { storage: config.storage, readerRole: config.readerRole, logger });
  const writer = new BatchWriter({
    pool,
    flavour,
    batchSize: config.writer.batchSize,
    flushIntervalMs: config.writer.flushIntervalMs,
    maxBufferedRows: config.writer.maxBufferedRows,
    spoolDir: config.writer.spoolDir,
    backoff: config.writer.backoff,
    logger: logger.child({ component: 'writer' }),
  });
  await writer.start();

  const collector = new Collector({
    engine: new DockerEngine(config.docker, config.dockerTimeoutMs),
    sink: writer,
    pool,
    logger,
    hostId: config.hostId,
    schedules: config.schedules,
    statsConcurrency: config.statsConcurrency,
    statsSampler: config.statsSampler,
    collectLogs: config.collectLogs,
    logRateLimitLinesPerSec: config.logRateLimitLinesPerSec,
    logMaxLineBytes: config.logMaxLineBytes,
    partitionsAheadDays: config.partitionsAheadDays,
    retentionMs: config.retentionMs,
    version: COLLECTOR_VERSION,
    writerState: () => writer.state(),
  });
  await collector.start();
  let metricsServer: Server | undefined;
  if (config.metricsPort > 0) {
    metricsServer = await startMetricsServer(collector.metrics.registry, config.metricsPort);
    logger.info({ port: config.metricsPort }, 'serving /metrics');
  }
  logger.info({ hostId: collector.hostId, flavour, schedules: config.schedules }, 'collector running');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: jobs, then a final flush of the writer');
    // A shutdown that hangs (database gone for good) must still end; the spool keeps the rows.
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 30 s; exiting');
      process.exit(1);
    }, 30_000);
    force.unref();
    try {
      await collector.stop();
      await writer.close();
      metricsServer?.close();
      await pool.end();
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while stopping');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error: unknown) => {
  console.error('dockpulse collector failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});

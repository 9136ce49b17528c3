#!/usr/bin/env node
// The collector process: config, the batch writer (its spool), the engine-side jobs at once, and in
// the background the database: reached with backoff, migrated under the advisory lock, the spool
// replayed, then the jobs that resume from stored positions. SIGTERM/SIGINT stop the jobs, flush
// the writer and end the pool.
import type { Server } from 'node:http';
import type { Pool } from 'pg';
import { backoffDelayMs, ConfigError, createLogger, createPool, migrate, redactUrl, type Logger } from '@dockpulse/common';
import { Collector } from './collector';
import { loadConfig, type CollectorConfig } from './config';
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
  const writer = new BatchWriter({
    pool,
    batchSize: config.writer.batchSize,
    flushIntervalMs: config.writer.flushIntervalMs,
    maxBufferedRows: config.writer.maxBufferedRows,
    spoolDir: config.writer.spoolDir,
    spoolMaxBytes: config.writer.spoolMaxBytes,
    spoolSyncDelayMs: config.writer.spoolSyncDelayMs,
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
  collector.metrics.watchWriter(() => writer.state());
  await collector.startCollecting();
  let stopping = false;
  const reaching = reachDatabase({ pool, config, logger, writer, collector, stopping: () => stopping });
  let metricsServer: Server | undefined;
  if (config.metricsPort > 0) {
    metricsServer = await startMetricsServer(collector.metrics.registry, config.metricsPort);
    logger.info({ port: config.metricsPort }, 'serving /metrics');
  }
  logger.info({ hostId: collector.hostId, schedules: config.schedules }, 'collector collecting');

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
      // A database answering right now gets the final flush; one still away leaves the rows in the spool.
      if (!writer.attached) await Promise.race([reaching, sleep(10_000)]);
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Until it succeeds (or the process stops): the database, retried with backoff; migrations; the
 * writer attached, which replays the spool; then the jobs that resume from stored positions (so
 * they see what the spool held). Past DATABASE_WAIT_TIMEOUT it says so at error level once, and
 * goes on trying: rows keep going to the spool meanwhile.
 */
async function reachDatabase(o: {
  pool: Pool;
  config: CollectorConfig;
  logger: Logger;
  writer: BatchWriter;
  collector: Collector;
  stopping: () => boolean;
}): Promise<void> {
  const target = redactUrl(o.config.databaseUrl);
  const startedMs = Date.now();
  let warnedLong = false;
  for (let attempt = 0; !o.stopping(); attempt++) {
    try {
      if (!o.writer.attached) {
        await o.pool.query('SELECT 1');
        const { flavour } = await migrate(o.pool, { storage: o.config.storage, readerRole: o.config.readerRole, logger: o.logger });
        o.writer.attach(flavour);
        o.logger.info({ flavour, attempts: attempt + 1, ...o.writer.state() }, `${target} reached and migrated: storing the spool`);
      }
      await o.writer.flush();
      await o.collector.startDatabaseJobs();
      o.logger.info({ hostId: o.collector.hostId }, 'collector running: spool replayed, jobs resumed from stored positions');
      return;
    } catch (error) {
      const delayMs = Math.max(50, backoffDelayMs(attempt, o.config.writer.backoff));
      const long = Date.now() - startedMs > o.config.databaseWaitTimeoutMs;
      const context = { attempt: attempt + 1, retryInMs: delayMs, error: (error as Error).message, spooledRows: o.writer.state().spooledRows };
      if (long && !warnedLong) {
        warnedLong = true;
        o.logger.error(context, `${target} not reached within DATABASE_WAIT_TIMEOUT: still collecting into the spool, still trying`);
      } else {
        o.logger.warn(context, `${target} not reached yet: collecting into the spool meanwhile`);
      }
      if (o.stopping()) return;
      await sleep(delayMs);
    }
  }
}

main().catch((error: unknown) => {
  console.error('dockpulse collector failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});

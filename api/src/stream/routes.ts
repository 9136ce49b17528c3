import { Router } from 'express';
import type { StreamStatsSample } from '@dockpulse/common';
import type { AppDeps } from '../deps';
import { containerRef, hostRef, listParam, parseQuery } from '../http/validation';
import type { LogKey } from '../logs/cursor';
import { logsQuery } from '../logs/routes';
import { LogStore } from '../logs/store';
import { logItem, streamErrorEvent, streamReadyEvent, streamStatsSample } from '../openapi/answers';
import type { RouteDoc } from '../openapi/route-doc';
import { SseHub } from './sse';

const BATCH_ROWS = 500;

const streamLogsQuery = { containers: logsQuery.containers, host: logsQuery.host, stream: logsQuery.stream, q: logsQuery.q };
const streamStatsQuery = { containers: listParam(containerRef, 200).optional(), host: hostRef.optional() };

/** What every stream sends besides its data (api/src/stream/sse.ts). */
const streamEvents = {
  ready: { component: 'StreamReadyEvent', schema: streamReadyEvent },
  error: { component: 'StreamErrorEvent', schema: streamErrorEvent },
};

export const streamDocs: RouteDoc[] = [
  {
    path: '/stream/logs',
    summary: 'Log lines as they are stored, from now on',
    query: streamLogsQuery,
    answer: { events: { ...streamEvents, log: { component: 'LogItem', schema: logItem } } },
  },
  {
    path: '/stream/stats',
    summary: 'Stats samples as they are stored, from a few poll intervals ago on',
    query: streamStatsQuery,
    answer: { events: { ...streamEvents, stats: { component: 'StreamStatsSample', schema: streamStatsSample } } },
  },
];

export function streamRoutes(deps: AppDeps): { router: Router; hub: SseHub } {
  const hub = new SseHub(deps.config.sse, deps.logger);
  const logs = new LogStore(deps.reads);
  const router = Router();

  router.get('/stream/logs', async (req, res) => {
    const q = parseQuery(streamLogsQuery, req.query);
    // Starts after the newest stored line: the stream carries what is written from now on.
    let cursor: LogKey = { timeUs: '0', hostId: '', containerId: '', stream: 'stderr', seq: 0 };
    await hub.serve(
      req,
      res,
      async () => {
        cursor = (await logs.newestKey()) ?? cursor;
      },
      async (stream) => {
        const lines = await logs.query({
          containers: q.containers,
          host: q.host,
          stream: q.stream,
          q: q.q,
          // The lower bound only lets PostgreSQL skip old partitions; the cursor does the filtering.
          fromMs: Math.floor(Number(cursor.timeUs) / 1000) - 1,
          toMs: Date.now() + 365 * 86_400_000,
          limit: BATCH_ROWS,
          after: cursor,
        });
        for (const line of lines) {
          cursor = { timeUs: line.timeUs, hostId: line.hostId, containerId: line.containerId, stream: line.stream, seq: line.seq };
          stream.send('log', line);
        }
        return lines.length === BATCH_ROWS;
      },
    );
  });

  router.get('/stream/stats', async (req, res) => {
    const q = parseQuery(streamStatsQuery, req.query);
    // Each container's newest sample (container_stats_latest, sql/0010: the history keeps no
    // counters), keyed by (time, host, container); the stream starts a little in the past so a
    // client sees the current values at once, then follows newer ones. A container's every sample
    // is seen while polls come more often than its stats cycle (2 s against 5 s by default); a
    // sample replayed late from a spool is older than the newest and not streamed.
    let cursor = { timeUs: '0', hostId: '', containerId: '' };
    await hub.serve(
      req,
      res,
      async () => {
        const { rows } = await deps.reads.query<{ us: string }>(
          `SELECT ((extract(epoch FROM now()) * 1000000)::bigint - $1::bigint * 1000)::text AS us`,
          [deps.config.sse.pollIntervalMs * 3],
        );
        cursor = { timeUs: rows[0]?.us ?? '0', hostId: '', containerId: '' };
      },
      async (stream) => {
        const { rows } = await deps.reads.query(
          `SELECT (extract(epoch FROM s.time) * 1000000)::bigint::text AS time_us, s.*, ci.name
             FROM container_stats_latest s LEFT JOIN container_info ci USING (host_id, container_id)
            WHERE s.time >= to_timestamp($1::float8 / 1000000) - interval '1 second'
              AND (s.time, s.host_id, s.container_id) >
                  ('epoch'::timestamptz + ($1::bigint / 1000000) * interval '1 second' + ($1::bigint % 1000000) * interval '1 microsecond', $2::text, $3::text)
              AND ($4::text[] IS NULL OR s.container_id = ANY ($4) OR ci.name = ANY ($4))
              AND ($5::text IS NULL OR s.host_id = $5)
            ORDER BY s.time, s.host_id, s.container_id
            LIMIT ${BATCH_ROWS}`,
          [cursor.timeUs, cursor.hostId, cursor.containerId, q.containers ?? null, q.host ?? null],
        );
        for (const r of rows) {
          cursor = { timeUs: r.time_us, hostId: r.host_id, containerId: r.container_id };
          const sample: StreamStatsSample = {
            time: (r.time as Date).toISOString(),
            hostId: r.host_id,
            containerId: r.container_id,
            containerName: r.name,
            cpuPercent: r.cpu_percent,
            memUsedBytes: r.mem_used_bytes,
            memLimitBytes: r.mem_limit_bytes,
            memPercent: r.mem_percent,
            netRxBytes: r.net_rx_bytes,
            netTxBytes: r.net_tx_bytes,
            blkReadBytes: r.blk_read_bytes,
            blkWriteBytes: r.blk_write_bytes,
            pids: r.pids,
          };
          stream.send('stats', sample);
        }
        return rows.length === BATCH_ROWS;
      },
    );
  });

  return { router, hub };
}

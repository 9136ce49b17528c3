// The answers of /api/v1 as zod schemas, for the OpenAPI document. Each is checked at compile time
// to describe exactly its contract type (common/src/contract/answers.ts): a field added to or
// dropped from either side fails `npx tsc -b`. Objects are strict, so the document says
// additionalProperties: false and the contract test (api/test/openapi-contract.test.ts) fails on
// a field the API sends but the document does not name.
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  CACHE_BACKENDS,
  CONTAINER_STATES,
  EVENT_ACTIONS,
  GROUP_BYS,
  HEALTH_STATUSES,
  LOG_STREAMS,
  METRICS,
  RANK_AGGS,
  RESOLUTIONS,
  type ContainerDetailAnswer,
  type ContainerItem,
  type ContainerLatestAnswer,
  type ContainersAnswer,
  type ErrorAnswer,
  type EventItem,
  type EventsAnswer,
  type HealthAnswer,
  type HostItem,
  type HostsAnswer,
  type ImageDetailAnswer,
  type ImageItem,
  type ImagesAnswer,
  type ImageVersionItem,
  type ImageVersionsAnswer,
  type ImageVersionsOfImageAnswer,
  type LatestSample,
  type LogItem,
  type LogsAnswer,
  type StatsAnswer,
  type StatsSeries,
  type StreamErrorEvent,
  type StreamReadyEvent,
  type StreamStatsSample,
} from '@dockpulse/common';

// .openapi(name) below: each answer becomes a named component of the document.
extendZodWithOpenApi(z);

/** Both ways assignable: the schema's output is the contract type, no field more or less. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/**
 * `answerOf<T>()(schema)` compiles only when the schema's output is exactly T; otherwise the call
 * asks for a second argument of type never ("Expected 2 arguments").
 */
const answerOf =
  <T>() =>
  <S extends z.ZodTypeAny>(schema: S, ..._exact: Same<z.output<S>, T> extends true ? [] : [never]): S =>
    schema;

const time = z.string().describe('RFC 3339, UTC');
const nullableTime = time.nullable();
const count = z.number().int().min(0);
const labels = z.record(z.string(), z.string());
/** Added to cached answers: the database failed and the last good copy answered. */
const stale = { stale: z.boolean().optional().describe('true: the database failed and this is the last good copy') };

export const errorAnswer = answerOf<ErrorAnswer>()(
  z
    .object({
      error: z
        .object({
          code: z
            .string()
            .describe('invalid_parameter, not_found, ambiguous_container, ambiguous_image, unauthorized, forbidden, rate_limited, too_many_streams, database_unavailable, query_timeout, internal_error'),
          message: z.string(),
          details: z.unknown().optional().describe('invalid_parameter: [{ parameter, message }]; ambiguous_*: what matched'),
        })
        .strict(),
    })
    .strict()
    .openapi('ErrorAnswer'),
);

export const hostItem = answerOf<HostItem>()(
  z
    .object({
      hostId: z.string(),
      name: z.string(),
      engineVersion: z.string().nullable(),
      apiVersion: z.string().nullable(),
      os: z.string().nullable(),
      kernel: z.string().nullable(),
      cpus: z.number().int().nullable(),
      memTotalBytes: z.number().int().nullable(),
      cgroupVersion: z.number().int().nullable(),
      firstSeen: time,
      lastSeen: time,
      collector: z
        .object({
          version: z.string(),
          lastBeat: time,
          containersSeen: count,
          bufferedRows: count,
          spooledRows: count,
          lastError: z.string().nullable(),
        })
        .strict()
        .nullable(),
      containersRunning: count,
    })
    .strict()
    .openapi('HostItem'),
);

export const hostsAnswer = answerOf<HostsAnswer>()(z.object({ items: z.array(hostItem) }).strict().openapi('HostsAnswer'));

const containerFields = {
  hostId: z.string(),
  containerId: z.string(),
  name: z.string(),
  image: z.string().nullable(),
  imageId: z.string().nullable(),
  command: z.string().nullable(),
  createdAt: nullableTime,
  startedAt: nullableTime,
  finishedAt: nullableTime,
  state: z.enum(CONTAINER_STATES),
  status: z.string().nullable(),
  health: z.string().nullable(),
  restartCount: count,
  exitCode: z.number().int().nullable(),
  oomKilled: z.boolean(),
  labels,
  composeProject: z.string().nullable(),
  composeService: z.string().nullable(),
  cpuLimitCores: z.number().nullable(),
  memLimitBytes: z.number().int().nullable(),
  firstSeen: time,
  lastSeen: time,
  removedAt: nullableTime,
};

export const containerItem = answerOf<ContainerItem>()(z.object(containerFields).strict().openapi('ContainerItem'));

const page = { total: count, limit: count, offset: count };

export const containersAnswer = answerOf<ContainersAnswer>()(
  z
    .object({ items: z.array(containerItem), ...page, ...stale })
    .strict()
    .openapi('ContainersAnswer'),
);

export const latestSample = answerOf<LatestSample>()(
  z
    .object({
      time,
      cpuPercent: z.number().nullable(),
      memUsedBytes: z.number().nullable(),
      memUsageBytes: z.number().nullable(),
      memLimitBytes: z.number().nullable(),
      memPercent: z.number().nullable(),
      netRxBytes: z.number().nullable().describe('cumulative'),
      netTxBytes: z.number().nullable().describe('cumulative'),
      blkReadBytes: z.number().nullable().describe('cumulative'),
      blkWriteBytes: z.number().nullable().describe('cumulative'),
      pids: z.number().int().nullable(),
    })
    .strict()
    .openapi('LatestSample'),
);

export const containerDetailAnswer = answerOf<ContainerDetailAnswer>()(
  z
    .object({ ...containerFields, latest: latestSample.nullable() })
    .strict()
    .openapi('ContainerDetailAnswer'),
);

export const containerLatestAnswer = answerOf<ContainerLatestAnswer>()(
  z
    .object({ hostId: z.string(), containerId: z.string(), name: z.string(), sample: latestSample.nullable(), ...stale })
    .strict()
    .openapi('ContainerLatestAnswer'),
);

export const statsSeries = answerOf<StatsSeries>()(
  z
    .object({
      containerId: z.string().nullable(),
      containerName: z.string().nullable(),
      hostId: z.string().nullable(),
      group: z.object({ by: z.enum(GROUP_BYS), key: z.string().nullable(), name: z.string().nullable() }).strict().optional(),
      metric: z.enum(METRICS),
      points: z.array(z.tuple([z.number().int().describe('bucket start, epoch ms'), z.number().nullable()])),
    })
    .strict()
    .openapi('StatsSeries'),
);

export const statsAnswer = answerOf<StatsAnswer>()(
  z
    .object({
      resolution: z.enum(RESOLUTIONS),
      table: z.string(),
      intervalMs: z.number().int().positive(),
      fromMs: z.number().int(),
      toMs: z.number().int(),
      groupBy: z.enum(GROUP_BYS).optional(),
      ranking: z.object({ by: z.enum(METRICS), agg: z.enum(RANK_AGGS), top: z.number().int().positive(), candidates: count }).strict().optional(),
      truncated: z.boolean(),
      series: z.array(statsSeries),
      ...stale,
    })
    .strict()
    .openapi('StatsAnswer'),
);

export const imageItem = answerOf<ImageItem>()(
  z
    .object({
      hostId: z.string(),
      imageId: z.string(),
      repoTags: z.array(z.string()),
      repoDigests: z.array(z.string()),
      sizeBytes: z.number().int().nullable(),
      createdAt: nullableTime,
      labels,
      firstSeen: time,
      lastSeen: time,
      removedAt: nullableTime,
      containers: count,
    })
    .strict()
    .openapi('ImageItem'),
);

export const imagesAnswer = answerOf<ImagesAnswer>()(z.object({ items: z.array(imageItem), ...page }).strict().openapi('ImagesAnswer'));

export const imageDetailAnswer = answerOf<ImageDetailAnswer>()(
  z
    .object({ imageId: z.string(), hosts: z.array(imageItem), ...stale })
    .strict()
    .openapi('ImageDetailAnswer'),
);

export const imageVersionItem = answerOf<ImageVersionItem>()(
  z
    .object({
      time,
      hostId: z.string(),
      repository: z.string(),
      tag: z.string(),
      imageId: z.string(),
      digest: z.string().nullable(),
      previousImageId: z.string().nullable(),
    })
    .strict()
    .openapi('ImageVersionItem'),
);

export const imageVersionsOfImageAnswer = answerOf<ImageVersionsOfImageAnswer>()(
  z.object({ imageId: z.string(), items: z.array(imageVersionItem) }).strict().openapi('ImageVersionsOfImageAnswer'),
);

export const imageVersionsAnswer = answerOf<ImageVersionsAnswer>()(
  z
    .object({ items: z.array(imageVersionItem), ...stale })
    .strict()
    .openapi('ImageVersionsAnswer'),
);

export const logItem = answerOf<LogItem>()(
  z
    .object({
      time: z.string().describe('RFC 3339 with microseconds, UTC'),
      timeUs: z.string().regex(/^\d+$/).describe('epoch microseconds'),
      hostId: z.string(),
      containerId: z.string(),
      containerName: z.string().nullable(),
      stream: z.enum(LOG_STREAMS),
      seq: count,
      message: z.string(),
    })
    .strict()
    .openapi('LogItem'),
);

export const logsAnswer = answerOf<LogsAnswer>()(
  z
    .object({ items: z.array(logItem), nextCursor: z.string().nullable().describe('pass back as cursor= for the next, older page'), ...stale })
    .strict()
    .openapi('LogsAnswer'),
);

export const eventItem = answerOf<EventItem>()(
  z
    .object({
      time,
      timeNano: z.string().regex(/^\d+$/).describe("the engine's timeNano (beyond 2^53, so text)"),
      hostId: z.string(),
      containerId: z.string(),
      containerName: z.string().nullable(),
      image: z.string().nullable(),
      action: z.enum(EVENT_ACTIONS),
      exitCode: z.number().int().nullable(),
      attributes: labels,
    })
    .strict()
    .openapi('EventItem'),
);

export const eventsAnswer = answerOf<EventsAnswer>()(z.object({ items: z.array(eventItem), ...stale }).strict().openapi('EventsAnswer'));

export const streamStatsSample = answerOf<StreamStatsSample>()(
  z
    .object({
      time,
      hostId: z.string(),
      containerId: z.string(),
      containerName: z.string().nullable(),
      cpuPercent: z.number().nullable(),
      memUsedBytes: z.number().nullable(),
      memLimitBytes: z.number().nullable(),
      memPercent: z.number().nullable(),
      netRxBytes: z.number().nullable(),
      netTxBytes: z.number().nullable(),
      blkReadBytes: z.number().nullable(),
      blkWriteBytes: z.number().nullable(),
      pids: z.number().int().nullable(),
    })
    .strict()
    .openapi('StreamStatsSample'),
);

export const streamReadyEvent = answerOf<StreamReadyEvent>()(z.object({ pollIntervalMs: z.number().int().positive() }).strict().openapi('StreamReadyEvent'));

export const streamErrorEvent = answerOf<StreamErrorEvent>()(z.object({ message: z.string() }).strict().openapi('StreamErrorEvent'));

export const healthAnswer = answerOf<HealthAnswer>()(
  z
    .object({
      status: z.enum(HEALTH_STATUSES),
      version: z.string(),
      database: z
        .object({
          ok: z.boolean(),
          flavour: z.string().nullable().optional(),
          schemaVersion: z.number().int().nullable().optional(),
          latencyMs: z.number().optional(),
          error: z.string().optional(),
        })
        .strict(),
      replica: z
        .object({
          ok: z.boolean(),
          inRecovery: z.boolean().optional(),
          replayLagSeconds: z.number().nullable().optional(),
          replayedAllReceived: z.boolean().optional(),
          latencyMs: z.number().optional(),
          error: z.string().optional(),
        })
        .strict()
        .optional()
        .describe('only when the API reads from a replica (DATABASE_READ_URL)'),
      cache: z.object({ backend: z.enum(CACHE_BACKENDS), enabled: z.boolean(), ok: z.boolean() }).strict(),
    })
    .strict()
    .openapi('HealthAnswer'),
);

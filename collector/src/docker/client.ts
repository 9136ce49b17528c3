// The engine calls the collector makes, each under a timeout that says what timed out. Jobs use
// this interface, so a test can hand them a fake engine.
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import type {
  EngineContainerSummary,
  EngineImageSummary,
  EngineInfo,
  EngineInspect,
  EngineStats,
} from './engine-types';
import { EVENT_FILTER_ACTIONS } from './events';
import { StatsRequester } from './stats-request';
import type { DockerTarget } from './target';

export type { DockerTarget } from './target';

/** The engine refused a call (an HTTP error answer); `statusCode` and the message are the engine's. */
export class EngineAnswerError extends Error {
  readonly statusCode: number | undefined;
  constructor(what: string, cause: unknown) {
    super(`${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'EngineAnswerError';
    this.statusCode = (cause as { statusCode?: number } | undefined)?.statusCode;
  }
}

export class EngineTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: the Docker engine did not answer within ${timeoutMs} ms`);
    this.name = 'EngineTimeoutError';
  }
}

/** Runs fn with an abort signal that fires after timeoutMs, and rejects in words when it does. */
export async function withTimeout<T>(what: string, timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new EngineTimeoutError(what, timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([fn(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The engine's "no such container/image". Docker answers 404; Podman 4.x answers 500 with
 * "no such container" for a container removed a moment ago (seen inspecting one right after
 * `podman rm`), which is the same fact, not an engine fault.
 */
export function isNotFound(error: unknown): boolean {
  const e = error as { statusCode?: number; message?: string } | undefined;
  if (e?.statusCode === 404) return true;
  return e?.statusCode === 500 && /no such (container|image)/i.test(e.message ?? '');
}

export interface LogsOptions {
  since?: string;
  follow: boolean;
}

export interface Engine {
  info(): Promise<EngineInfo>;
  apiVersion(): Promise<string | null>;
  listContainers(all: boolean): Promise<EngineContainerSummary[]>;
  inspect(id: string): Promise<EngineInspect>;
  /** One sample: stream=false, one-shot=true (no wait for a second engine tick). */
  stats(id: string): Promise<EngineStats>;
  listImages(): Promise<EngineImageSummary[]>;
  /** The container events stream, newline-delimited JSON; `since` in seconds. */
  events(since?: string): Promise<NodeJS.ReadableStream>;
  logs(id: string, options: LogsOptions): Promise<NodeJS.ReadableStream>;
}

export class DockerEngine implements Engine {
  readonly docker: Docker;
  private readonly statsRequester: StatsRequester;

  constructor(
    target: DockerTarget,
    private readonly timeoutMs: number,
  ) {
    this.docker = new Docker(target);
    this.statsRequester = new StatsRequester(target);
  }

  info(): Promise<EngineInfo> {
    return withTimeout('GET /info', this.timeoutMs, () => this.docker.info() as Promise<EngineInfo>);
  }

  async apiVersion(): Promise<string | null> {
    const v = await withTimeout('GET /version', this.timeoutMs, () => this.docker.version());
    return v.ApiVersion ?? null;
  }

  listContainers(all: boolean): Promise<EngineContainerSummary[]> {
    return withTimeout('GET /containers/json', this.timeoutMs, (abortSignal) =>
      this.docker.listContainers({ all, abortSignal } as Docker.ContainerListOptions) as Promise<EngineContainerSummary[]>,
    );
  }

  inspect(id: string): Promise<EngineInspect> {
    return withTimeout(`inspect of container ${id.slice(0, 12)}`, this.timeoutMs, (abortSignal) =>
      this.docker.getContainer(id).inspect({ abortSignal } as object) as Promise<EngineInspect>,
    );
  }

  stats(id: string): Promise<EngineStats> {
    return withTimeout(`stats of container ${id.slice(0, 12)}`, this.timeoutMs, (abortSignal) =>
      this.statsRequester.stats(id, abortSignal),
    );
  }

  listImages(): Promise<EngineImageSummary[]> {
    return withTimeout('GET /images/json', this.timeoutMs, (abortSignal) =>
      this.docker.listImages({ abortSignal } as object) as Promise<EngineImageSummary[]>,
    );
  }

  events(since?: string): Promise<NodeJS.ReadableStream> {
    // Asking the engine for recorded actions only keeps healthcheck exec_* noise off the wire.
    const filters = { type: ['container' as const], event: [...EVENT_FILTER_ACTIONS] };
    return withTimeout('GET /events', this.timeoutMs, () =>
      this.docker.getEvents(since ? { filters, since: since as unknown as number } : { filters }),
    );
  }

  /**
   * A follow stream, handed back at once. Podman before 5.2.2 sends no HTTP headers until a follow
   * stream's first data (containers/podman#23712), so waiting for them would time out on every quiet
   * container; Docker sends them at once either way. The request goes on behind the stream: its
   * refusal (an EngineAnswerError, e.g. no such container) arrives as the stream's error, and
   * destroying the stream aborts it.
   */
  logs(id: string, options: LogsOptions): Promise<NodeJS.ReadableStream> {
    const out = new PassThrough();
    const controller = new AbortController();
    out.once('close', () => controller.abort());
    this.docker
      .getContainer(id)
      .logs({
        follow: true as const,
        stdout: true,
        stderr: true,
        timestamps: true,
        abortSignal: controller.signal,
        ...(options.since ? { since: options.since as unknown as number } : {}),
      } as Docker.ContainerLogsOptions & { follow: true })
      .then(
        (stream) => {
          const source = stream as NodeJS.ReadableStream & { destroy?: (error?: Error) => void };
          if (out.destroyed) return source.destroy?.();
          source.on('error', (error: Error) => out.destroy(error));
          out.once('close', () => source.destroy?.());
          source.pipe(out);
        },
        (error: unknown) => {
          if (!controller.signal.aborted) out.destroy(new EngineAnswerError(`logs of container ${id.slice(0, 12)}`, error));
        },
      );
    return Promise.resolve(out);
  }
}

// The stats call without dockerode: it runs for every container every cycle, and dockerode's
// request machinery (docker-modem) costs about as much CPU again as the HTTP exchange itself
// (bench/README.md: ~109 ms per 50-container cycle through dockerode). Connections are kept
// alive between cycles, one per container in flight, so a cycle opens no new sockets.
import http from 'node:http';
import https from 'node:https';
import type { DockerTarget } from './target';
import type { EngineStats } from './engine-types';

/** An engine answer that was not 200; statusCode 404 means the container is gone. */
export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineHttpError';
  }
}

export class StatsRequester {
  private readonly agent: http.Agent;
  private readonly base: http.RequestOptions;
  private readonly transport: typeof http | typeof https;

  constructor(target: DockerTarget) {
    const secure = target.protocol === 'https';
    this.transport = secure ? https : http;
    this.agent = new (secure ? https.Agent : http.Agent)({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
    this.base = target.socketPath
      ? { socketPath: target.socketPath, headers: { host: 'docker' } }
      : { host: target.host, port: target.port ?? (secure ? 2376 : 2375) };
  }

  /** One sample: stream=false and one-shot=true (API >= 1.41 answers at once, without precpu). */
  stats(id: string, signal: AbortSignal): Promise<EngineStats> {
    return new Promise((resolve, reject) => {
      const request = this.transport.request(
        { ...this.base, agent: this.agent, method: 'GET', path: `/containers/${encodeURIComponent(id)}/stats?stream=false&one-shot=true`, signal },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (response.statusCode !== 200) {
              const message = /"message"\s*:\s*"([^"]*)"/.exec(text)?.[1] ?? text.slice(0, 200);
              reject(new EngineHttpError(response.statusCode ?? 0, `(HTTP code ${response.statusCode}) ${message}`));
              return;
            }
            try {
              resolve(JSON.parse(text) as EngineStats);
            } catch (error) {
              reject(new Error(`the engine's stats answer is not JSON: ${(error as Error).message}`));
            }
          });
        },
      );
      request.on('error', reject);
      request.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

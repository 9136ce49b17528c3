// The API in the bench's own process, as bench/fleet.bench.ts and bench/fleet/logs-kept.ts measure it.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createLogger, createPool } from '@dockpulse/common';
import { createApp } from '../../api/src/app';
import { Cache, MemoryBackend } from '../../api/src/cache';
import { testConfig, type ApiConfig } from '../../api/src/config';
import { createReadPool } from '../../api/src/db/read-pool';

export interface Api { base: string; close(): Promise<void> }

/** The API in this process on 127.0.0.1 port 0, cache off, as the read-only role. */
export async function startApi(databaseUrl: string, overrides: Partial<ApiConfig> = {}): Promise<Api> {
  const config = testConfig({ databaseUrl, cache: { enabled: false, keyPrefix: 'bench:', staleTtlMs: 3_600_000 }, ...overrides });
  const logger = createLogger('fleet-bench', 'silent');
  const pool = createPool({ connectionString: databaseUrl, max: 5, statementTimeoutMs: config.queryTimeoutMs });
  const built = createApp({ pool, reads: createReadPool(config, pool, logger), cache: new Cache(new MemoryBackend(), config.cache, logger), config, logger });
  const server = await new Promise<Server>((resolve) => {
    const srv = built.app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}

/** GET `path` `runs` times: the median milliseconds, the answer's size and status. */
export async function timedRuns(h: Api, path: string, runs: number): Promise<{ ms: number; bytes: number; status: number }> {
  const times: number[] = [];
  let bytes = 0;
  let status = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(h.base + path);
    const text = await res.text();
    times.push(performance.now() - t);
    bytes = Buffer.byteLength(text);
    status = res.status;
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)]!, bytes, status };
}

// The socket proxy's allowlist in docker-compose.yml against what the collector really asks the
// engine. A recording proxy on a unix socket of this test's own sits between the collector's engine
// client and the real engine: every request the collector makes in a run that covers each job
// (stats through the engine, status, images, the events stream, followed logs, the host row) is
// checked against the compose file's patterns, matched the way wollomatic/socket-proxy matches
// them (the whole path, anchored at both ends, query string excluded; a method with no pattern is
// refused). The patterns must also refuse the calls a reader of the socket must never make.
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Pool } from 'pg';
import { parse } from 'yaml';
import { createTestDatabase, type TestDatabase } from '@dockpulse/common/testing';
import { DockerEngine } from '@dockpulse/collector/docker/client';
import { engineMissing, removeRunContainers, startCollector, startContainer, tempDir, testPool, waitFor } from './support';

jest.setTimeout(90_000);

const COMPOSE_FILE = path.resolve(__dirname, '..', '..', '..', 'docker-compose.yml');

type Allowlist = Map<string, RegExp[]>;

/** The proxy's -allow<METHOD>=<regex> flags from the compose file, compiled as the proxy does. */
function composeAllowlist(): Allowlist {
  const compose = parse(readFileSync(COMPOSE_FILE, 'utf8')) as {
    services: Record<string, { command?: string[] }>;
  };
  const command = compose.services['docker-socket-proxy']?.command ?? [];
  const allow: Allowlist = new Map();
  for (const arg of command) {
    const m = /^-allow([A-Z]+)=(.+)$/.exec(arg);
    if (!m) continue;
    const [, method, pattern] = m as unknown as [string, string, string];
    allow.set(method, [...(allow.get(method) ?? []), new RegExp(`^${pattern}$`)]);
  }
  return allow;
}

/** What the proxy answers: 405 for a method with no pattern, 403 for a path none matches. */
function verdict(allow: Allowlist, method: string, url: string): 'allowed' | 405 | 403 {
  const patterns = allow.get(method);
  if (!patterns) return 405;
  const pathOnly = url.split('?')[0] as string;
  return patterns.some((p) => p.test(pathOnly)) ? 'allowed' : 403;
}

interface Recorded {
  method: string;
  url: string;
}

/** A pass-through proxy on a unix socket that records every request line. */
function startRecorder(socket: string, engineSocket: string): Promise<{ requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '' });
    const upstream = http.request({ socketPath: engineSocket, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502).end(String(error));
      else res.destroy();
    });
    // A followed stream (events, logs) ends when the collector lets go of it.
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () =>
      resolve({
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** The endpoint a request is for, with ids taken out: "GET /containers/{id}/stats". */
const endpoint = (r: Recorded) =>
  `${r.method} ${(r.url.split('?')[0] as string).replace(/^\/v1\.[0-9]+/, '').replace(/\/[0-9a-f]{64}(?=\/|$)/g, '/{id}')}`;

const allow = composeAllowlist();
const ID = 'a'.repeat(64);

describe('the socket proxy allowlist in docker-compose.yml', () => {
  it('names only GET and HEAD', () => {
    expect([...allow.keys()].sort()).toEqual(['GET', 'HEAD']);
  });

  it.each([
    ['GET', `/containers/${ID}/archive?path=/etc`],
    ['HEAD', `/containers/${ID}/archive?path=/etc`],
    ['PUT', `/containers/${ID}/archive?path=/tmp`],
    ['GET', `/containers/${ID}/export`],
    ['GET', `/v1.41/containers/${ID}/export`],
    ['POST', `/containers/${ID}/exec`],
    ['POST', `/exec/${ID}/start`],
    ['POST', `/containers/${ID}/attach?stream=1`],
    ['GET', `/containers/${ID}/attach/ws`],
    ['GET', `/containers/${ID}/top`],
    ['GET', `/containers/${ID}/changes`],
    ['GET', `/containers/${ID}/json/../../../volumes`],
    ['GET', '/containers/json/../../volumes'],
    ['POST', '/containers/create'],
    ['POST', `/containers/${ID}/kill`],
    ['DELETE', `/containers/${ID}?force=1`],
    ['GET', `/images/${ID}/get`],
    ['GET', '/images/get?names=busybox'],
    ['POST', '/images/create?fromImage=busybox'],
    ['POST', '/build'],
    ['GET', '/volumes'],
    ['GET', '/networks'],
    ['GET', '/secrets'],
    ['GET', '/swarm'],
    ['GET', '/system/df'],
    ['GET', '/plugins'],
    ['POST', '/_ping'],
  ])('refuses %s %s', (method, url) => {
    expect(verdict(allow, method, url)).not.toBe('allowed');
  });

  it.each([
    ['GET', '/_ping'],
    ['HEAD', '/_ping'],
    ['GET', '/v1.41/version'],
    ['GET', `/containers/${ID}/logs?follow=1`],
    ['GET', `/images/sha256:${ID}/json`],
  ])('lets %s %s through', (method, url) => {
    expect(verdict(allow, method, url)).toBe('allowed');
  });
});

describe('every request the collector makes', () => {
  const runId = randomBytes(4).toString('hex');
  const dir = tempDir('dp-allowlist-');
  let missing: string | undefined;
  let db: TestDatabase | undefined;
  let pool: Pool | undefined;

  beforeAll(async () => {
    missing = await engineMissing();
    if (missing) return;
    db = await createTestDatabase();
    pool = testPool(db.url);
  });

  afterAll(async () => {
    await removeRunContainers(runId);
    await pool?.end();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is one the proxy lets through', async () => {
    if (missing) return console.warn(`skipped: ${missing}`);
    const recorder = await startRecorder(path.join(dir, 'engine.sock'), '/var/run/docker.sock');
    const running = await startCollector(
      pool as Pool,
      path.join(dir, 'spool'),
      { stats: '* * * * * *', status: '* * * * * *', images: '*/2 * * * * *', maintenance: '*/2 * * * * *' },
      {
        engine: new DockerEngine({ socketPath: path.join(dir, 'engine.sock') }, 10_000),
        hostId: `allowlist-${runId}`,
        // The engine's stats endpoint, not the cgroup files: the sampler that asks the engine most.
        statsSampler: { mode: 'engine' },
      },
    );
    try {
      const talker = await startContainer({ name: 'allow-talker', runId, cmd: ['sh', '-c', 'while :; do echo line; sleep 0.2; done'] });
      // exits and is restarted by the engine: die and start events, a new inspect
      await startContainer({ name: 'allow-restarter', runId, cmd: ['sh', '-c', 'sleep 1; exit 3'], restart: 'on-failure' });
      const kinds = () => new Set(recorder.requests.map(endpoint));
      const expected = [
        'GET /info',
        'GET /version',
        'GET /containers/json',
        'GET /containers/{id}/json',
        'GET /containers/{id}/stats',
        'GET /containers/{id}/logs',
        'GET /images/json',
        'GET /events',
      ];
      await waitFor('a request of every kind the collector makes', async () => expected.every((k) => kinds().has(k)), 45_000);
      await waitFor(
        "the talker's log lines in the database",
        async () => ((await (pool as Pool).query('SELECT 1 FROM container_logs WHERE container_id = $1 LIMIT 1', [talker.id])).rowCount ?? 0) > 0,
        20_000,
      );
    } finally {
      await running.stop();
      await recorder.close();
    }
    const refused = recorder.requests.filter((r) => verdict(allow, r.method, r.url) !== 'allowed').map((r) => `${r.method} ${r.url}`);
    console.log(`[allowlist] ${recorder.requests.length} engine requests of ${kinds(recorder.requests).join(', ')}`);
    expect(refused).toEqual([]);
  });
});

function kinds(requests: Recorded[]): string[] {
  return [...new Set(requests.map(endpoint))].sort();
}

// The cache as dashboards use it (issue 14 part 4). Figures are printed, never asserted. Run:
//   npx tsc -b && npx tsx bench/cache.bench.ts [--minutes=30] [--watched=1,3] [--viewers=10] [--refresh-s=30] [--duration-s=10] [--rounds=3] [--parts=refresh,throughput]
// Needs PostgreSQL and Redis of scripts/start-services.sh.
//
// (a) refresh: the panels of the bundled fleet overview and container detail dashboards
//     (plugin/src/dashboards/*.json, read here), as the datasource turns them into API requests,
//     from `viewers` browsers refreshing every `refresh-s` seconds over their default range
//     (now-6h .. now), each opened at a random moment, with its own screen width (so its own
//     maxDataPoints and intervalMs); all on the same container detail (--watched=1), then spread
//     over three containers (--watched=3: viewer i on container i mod 3).
//     Time is simulated: the API runs in this process over HTTP with the Cache and its in-process
//     backend on an injected clock (Redis expires by its own clock, which cannot be simulated), on
//     a real test database. Printed: hits / requests of the API as it is (X-Cache), of the naive
//     keying it replaced (every from/to its own key, /stats 5 s, /containers 10 s, events, logs and
//     image versions not cached), and of a reference that keys like ours but keeps an answer until
//     its bucket ends (the most sharing alignment allows, serving the open bucket up to a bucket old).
// (b) throughput: autocannon, 10 connections, GET /containers?limit=50, against the API (child
//     process, Redis cache, a warm key), the API with its cache off, and a bare express route (its own
//     child process) sending the same bytes with the same content type, in one run, alternating.
//     Besides req/s (which on a shared 2-core machine moves with everything else running), each
//     server's own CPU per request (/proc/<pid>/stat over the run): the cost a hit has.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createLogger, createPool } from '@dockpulse/common';
import { createTestDatabase } from '../common/src/testing';
import { freePort } from '../common/src/testing-postgres';
import { createApp } from '../api/src/app';
import { Cache, MemoryBackend, listingGridMs } from '../api/src/cache';
import { testConfig } from '../api/src/config';
import { createReadPool } from '../api/src/db/read-pool';
import { seedRows, startApiProcess } from './api-common';
import { makeFleet, rng } from './fleet/generate';

const flags = Object.fromEntries(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=') as [string, string]));
const MINUTES = Number(flags.minutes ?? 30);
const VIEWERS = Number(flags.viewers ?? 10);
const REFRESH_MS = Number(flags['refresh-s'] ?? 30) * 1000;
const DURATION_S = Number(flags['duration-s'] ?? 10);
const ROUNDS = Number(flags.rounds ?? 3);
const PARTS = (flags.parts ?? 'refresh,throughput').split(',');
/** Simulations to run: how many different containers the viewers' container-detail dashboards show. */
const WATCHED = (flags.watched ?? '1,3').split(',').map(Number);
const RANGE_MS = 6 * 3_600_000;

// --- the dashboards' queries -------------------------------------------------------------------

interface Target { queryType?: string; metrics?: string[]; host?: string; containers?: string[]; resolution?: string; top?: number; by?: string; agg?: string; groupBy?: string; limit?: number; includeDeploys?: boolean; stream?: string }
interface Panel { title: string; type: string; gridPos: { w: number }; targets?: Target[] }

function dashboardPanels(name: string): Panel[] {
  const file = path.resolve(__dirname, '..', 'plugin', 'src', 'dashboards', `${name}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { panels: Panel[] }).panels;
}

/** Grafana's interval for a panel: range / maxDataPoints, rounded up to a round step. */
const ROUND_STEPS_MS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400].map((s) => s * 1000);
function grafanaIntervalMs(rangeMs: number, maxDataPoints: number): number {
  const raw = rangeMs / maxDataPoints;
  return ROUND_STEPS_MS.find((s) => s >= raw) ?? raw;
}

/** What the datasource asks for one target (plugin/src/datasource/datasource.ts runQuery), with $host = All. */
function requestsOf(target: Target, vars: { container?: string }, fromMs: number, toMs: number, widthPx: number): string[] {
  const containers = target.containers?.includes('$container') && vars.container ? vars.container : undefined;
  const q = (params: Record<string, string | number | undefined>) =>
    Object.entries(params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
      .join('&');
  switch (target.queryType ?? 'stats') {
    case 'stats':
      return [
        `/api/v1/stats?${q({
          containers,
          from: fromMs,
          to: toMs,
          metrics: (target.metrics ?? []).join(','),
          resolution: 'auto',
          intervalMs: Math.max(1000, grafanaIntervalMs(toMs - fromMs, widthPx)),
          maxDataPoints: widthPx,
          top: target.top,
          by: target.top ? target.by : undefined,
          agg: target.top ? target.agg : undefined,
          groupBy: target.groupBy,
        })}`,
      ];
    case 'containers':
      return [`/api/v1/containers?${q({ limit: target.limit })}`];
    case 'events':
      return [`/api/v1/events?${q({ containers, from: fromMs, to: toMs })}`, ...(target.includeDeploys ? [`/api/v1/image-versions?${q({ from: fromMs, to: toMs })}`] : [])];
    case 'logs':
      return [`/api/v1/logs?${q({ containers, from: fromMs, to: toMs, limit: Math.min(5000, target.limit ?? 500) })}`];
    default:
      throw new Error(`no mapping for query type ${target.queryType}`);
  }
}

// --- keys of the naive cache and of the reference, from the request and the answer ---------------

function naiveTtlMs(route: string): number | undefined {
  return route === '/api/v1/stats' ? 5_000 : route === '/api/v1/containers' ? 10_000 : undefined;
}

/** The reference: our alignment, kept until the aligned range's end (or 10 s for what has none). */
function referenceKey(url: URL, answer: { fromMs?: number; toMs?: number; intervalMs?: number }, nowMs: number): { key: string; expiresAtMs: number } {
  const params = new URLSearchParams(url.searchParams);
  for (const p of ['from', 'to', 'maxDataPoints', 'intervalMs']) params.delete(p);
  const from = Number(url.searchParams.get('from'));
  const to = Number(url.searchParams.get('to'));
  if (answer.intervalMs !== undefined && answer.toMs !== undefined) {
    return { key: `${url.pathname}?${params}&${answer.fromMs}-${answer.toMs}/${answer.intervalMs}`, expiresAtMs: answer.toMs };
  }
  if (url.searchParams.has('from')) {
    const grid = listingGridMs(to - from);
    const end = Math.ceil(to / grid) * grid;
    return { key: `${url.pathname}?${params}&${Math.floor(from / grid) * grid}-${end}`, expiresAtMs: end };
  }
  return { key: `${url.pathname}?${params}`, expiresAtMs: nowMs + 10_000 };
}

interface Tally { requests: number; ours: number; naive: number; reference: number }
const tally = (): Tally => ({ requests: 0, ours: 0, naive: 0, reference: 0 });

async function refreshSimulations(): Promise<void> {
  const db = await createTestDatabase();
  const writer = createPool({ connectionString: db.url, max: 4 });
  const fleet = makeFleet(4, 25);
  await seedRows(writer, (write) => {
    for (const h of fleet.hosts) write('hosts', h);
    for (const c of fleet.containers) write('container_info', c);
  });
  await writer.end();
  try {
    for (const watched of WATCHED) await refreshSimulation(db.readerUrl, fleet.containers.slice(0, watched).map((c) => c.name));
  } finally {
    await db.drop();
  }
}

/** One simulation: viewer i watches the container detail of watched[i % watched.length]. */
async function refreshSimulation(databaseUrl: string, watched: string[]): Promise<void> {
  const startMs = Date.now();
  let nowMs = startMs;
  const clock = () => nowMs;
  const logger = createLogger('cache-bench', 'silent');
  const config = testConfig({ databaseUrl, cache: { enabled: true, keyPrefix: 'bench:', staleTtlMs: 3_600_000 } });
  const pool = createPool({ connectionString: databaseUrl, max: 5, statementTimeoutMs: config.queryTimeoutMs });
  const cache = new Cache(new MemoryBackend({ clock }), config.cache, logger, clock);
  const built = createApp({ pool, reads: createReadPool(config, pool, logger), cache, config, logger });
  const server = await new Promise<Server>((resolve) => {
    const s = built.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const random = rng(14);
  const screens = [1366, 1536, 1920, 2560];
  const viewers = Array.from({ length: VIEWERS }, (_, i) => ({
    // Opened at a random moment of the first refresh period; panels of half the screen's width.
    phaseMs: Math.floor(random() * REFRESH_MS),
    widthPx: Math.round(screens[Math.floor(random() * screens.length)]! / 2 - 40),
    container: watched[i % watched.length]!,
  }));
  const dashboards = { 'fleet overview': dashboardPanels('fleet-overview'), 'container detail': dashboardPanels('container-detail') };

  const naive = new Map<string, number>();
  const reference = new Map<string, number>();
  const byDashboard: Record<string, Tally> = {};
  const byRoute: Record<string, Tally> = {};
  // Every refresh of every viewer, in time order.
  const refreshes: { atMs: number; viewer: (typeof viewers)[number] }[] = [];
  for (const viewer of viewers) for (let t = viewer.phaseMs; t < MINUTES * 60_000; t += REFRESH_MS) refreshes.push({ atMs: startMs + t, viewer });
  refreshes.sort((x, y) => x.atMs - y.atMs);

  for (const { atMs, viewer } of refreshes) {
    for (const [name, panels] of Object.entries(dashboards)) {
      for (const panel of panels) {
        for (const target of panel.targets ?? []) {
          // Grafana sends a panel's maxDataPoints as its width; tables are the full width.
          const widthPx = panel.gridPos.w === 24 ? viewer.widthPx * 2 : viewer.widthPx;
          for (const requestPath of requestsOf(target, { container: name === 'container detail' ? viewer.container : undefined }, atMs - RANGE_MS, atMs, widthPx)) {
            nowMs = atMs;
            const res = await fetch(base + requestPath);
            const answer = (await res.json()) as { fromMs?: number; toMs?: number; intervalMs?: number; error?: unknown };
            if (!res.ok) throw new Error(`${requestPath}: ${res.status} ${JSON.stringify(answer.error)}`);
            const url = new URL(base + requestPath);
            const naiveTtl = naiveTtlMs(url.pathname);
            const naiveHit = naiveTtl !== undefined && (naive.get(requestPath) ?? 0) > atMs;
            if (naiveTtl !== undefined && !naiveHit) naive.set(requestPath, atMs + naiveTtl);
            const ref = referenceKey(url, answer, atMs);
            const referenceHit = (reference.get(ref.key) ?? 0) > atMs;
            if (!referenceHit) reference.set(ref.key, ref.expiresAtMs);
            for (const t of [(byDashboard[name] ??= tally()), (byRoute[url.pathname] ??= tally())]) {
              t.requests++;
              if (res.headers.get('x-cache') === 'hit') t.ours++;
              if (naiveHit) t.naive++;
              if (referenceHit) t.reference++;
            }
          }
        }
      }
    }
  }
  built.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pool.end();

  const pct = (n: number, d: number) => `${((100 * n) / d).toFixed(1)} %`;
  console.log(
    `\n(a) hit rate: ${VIEWERS} viewers, ${REFRESH_MS / 1000} s refresh, ${MINUTES} simulated minutes, now-6h..now, fleet overview + container detail of ${watched.length === 1 ? 'one container (all viewers)' : `one of ${watched.length} containers (viewer i: container i mod ${watched.length})`}\n`,
  );
  console.log('| requests of | requests | ours | naive (exact from/to) | reference (kept to bucket end) | ours / naive | ours / reference |\n|---|---:|---:|---:|---:|---:|---:|');
  const all = tally();
  const row = (label: string, t: Tally) =>
    console.log(`| ${label} | ${t.requests} | ${pct(t.ours, t.requests)} | ${pct(t.naive, t.requests)} | ${pct(t.reference, t.requests)} | ${t.naive ? (t.ours / t.naive).toFixed(1) + 'x' : '-'} | ${(t.ours / t.reference).toFixed(2)}x |`);
  for (const [name, t] of Object.entries(byDashboard)) {
    row(name, t);
    for (const k of ['requests', 'ours', 'naive', 'reference'] as const) all[k] += t[k];
  }
  for (const [route, t] of Object.entries(byRoute)) row(`\`${route.replace('/api/v1', '')}\``, t);
  row('**all**', all);
  console.log(`\nhit rate ${pct(all.ours, all.requests)} (target >= 80 %); naive ${pct(all.naive, all.requests)}; reference ${pct(all.reference, all.requests)}`);
}

// --- throughput ----------------------------------------------------------------------------------

/** CPU (user + system) a process has used, in ms: what a request costs the server whatever else the machine runs. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
}

async function load(url: string, durationS: number, pid: number): Promise<{ rps: number; p50: number; p99: number; errors: number; bytes: number; cpuUsPerRequest: number }> {
  const before = cpuMs(pid);
  const r = await autocannon({ url, connections: 10, duration: durationS });
  const cpuUsPerRequest = ((cpuMs(pid) - before) * 1000) / Math.max(1, r.requests.total);
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx, bytes: r.throughput.average / Math.max(1, r.requests.average), cpuUsPerRequest };
}

async function startBareServer(bodyFile: string, contentType: string): Promise<{ base: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  // Plain express, as a route of any app would send stored bytes: res.send (which adds the ETag).
  const code = `
    const express = require('express');
    const body = require('fs').readFileSync(${JSON.stringify(bodyFile)});
    const app = express();
    app.get('/api/v1/containers', (req, res) => { res.type(${JSON.stringify(contentType)}).send(body); });
    app.listen(${port}, '127.0.0.1');`;
  const child = spawn(process.execPath, ['-e', code], { cwd: path.resolve(__dirname, '..'), stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; !(await fetch(`${base}/api/v1/containers`).then((r) => r.ok, () => false)); i++) {
    if (i > 100) throw new Error('the bare express server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, pid: child.pid!, stop: () => new Promise((resolve) => (child.once('exit', () => resolve()), child.kill('SIGTERM'))) };
}

async function throughput(): Promise<void> {
  const db = await createTestDatabase();
  const writer = createPool({ connectionString: db.url, max: 4 });
  const fleet = makeFleet(2, 50);
  await seedRows(writer, (write) => {
    for (const h of fleet.hosts) write('hosts', h);
    for (const c of fleet.containers) write('container_info', { ...c, labels: { 'com.docker.compose.project': c.compose_project ?? 'solo', 'com.docker.compose.service': c.compose_service ?? c.name } });
  });
  await writer.end();

  const path50 = '/api/v1/containers?limit=50';
  const prefix = `bench${Date.now()}:`;
  const cached = await startApiProcess({ DATABASE_URL: db.readerUrl, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', CACHE_KEY_PREFIX: prefix });
  const uncached = await startApiProcess({ DATABASE_URL: db.readerUrl, CACHE_ENABLED: 'false' });
  const sample = await fetch(cached.base + path50);
  const bytes = Buffer.from(await sample.arrayBuffer());
  const dir = mkdtempSync(path.join(tmpdir(), 'cache-bench-'));
  writeFileSync(path.join(dir, 'body.json'), bytes);
  const bare = await startBareServer(path.join(dir, 'body.json'), sample.headers.get('content-type') ?? 'application/json');
  const bareBytes = Buffer.from(await (await fetch(bare.base + path50)).arrayBuffer());
  if (!bareBytes.equals(bytes)) throw new Error('the bare route does not send the bytes the API sends');

  const rows: string[] = [];
  const ratios: string[] = [];
  try {
    const servers = [
      ['bare express route, same bytes (reference)', bare.base, bare.pid],
      ['API, Redis cache hit (ours)', cached.base, cached.child.pid!],
      ['API, cache off (naive)', uncached.base, uncached.child.pid!],
    ] as const;
    for (const [, base, pid] of servers) await load(base + path50, 5, pid); // warm-up: JIT, pools, the cached key
    for (let round = 1; round <= ROUNDS; round++) {
      const rps: number[] = [];
      const cpu: number[] = [];
      for (const [name, base, pid] of servers) {
        const r = await load(base + path50, DURATION_S, pid);
        rps.push(r.rps);
        cpu.push(r.cpuUsPerRequest);
        rows.push(`| ${round} | ${name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.bytes.toFixed(0)} | ${r.cpuUsPerRequest.toFixed(0)} |`);
      }
      const [ref, ours, naive] = rps as [number, number, number];
      const [refCpu, oursCpu, naiveCpu] = cpu as [number, number, number];
      ratios.push(
        `round ${round}: ours / reference = ${(ours / ref).toFixed(2)}x req/s (target >= 0.5x), ${(refCpu / oursCpu).toFixed(2)}x by server CPU per request; ours / naive = ${(ours / naive).toFixed(1)}x req/s, ${(naiveCpu / oursCpu).toFixed(1)}x by CPU`,
      );
    }
  } finally {
    await Promise.all([cached.stop(), uncached.stop(), bare.stop()]);
    rmSync(dir, { recursive: true, force: true });
    await db.drop();
  }
  console.log(`\n(b) GET ${path50} (${bytes.length} bytes), autocannon 10 connections, ${DURATION_S} s per run\n`);
  console.log('| round | server | req/s | p50 ms | p99 ms | errors | bytes/response | server CPU µs/request |\n|---:|---|---:|---:|---:|---:|---:|---:|');
  console.log(rows.join('\n'));
  console.log(`\n${ratios.join('\n')}`);
}

async function main(): Promise<void> {
  console.log(`load average at start: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
  if (PARTS.includes('refresh')) await refreshSimulations();
  if (PARTS.includes('throughput')) await throughput();
  console.log(`\nload average at end: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});


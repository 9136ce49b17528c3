import { execFileSync, execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/provisioning';

const run = promisify(execFile);
const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
const envExample = path.join(REPO_ROOT, '.env.example');
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');

interface ComposeService {
  build?: { context: string; target?: string };
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  healthcheck?: unknown;
  restart?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

const documented = new Set(
  readFileSync(envExample, 'utf8')
    .split('\n')
    .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => Boolean(name)),
);

describe('docker-compose.yml', () => {
  let config: ComposeFile;

  beforeAll(async () => {
    // docker-compose (Debian's 1.29) resolves variables, anchors and the file format for us.
    const { stdout } = await run('docker-compose', ['-f', composeFile, '--env-file', envExample, 'config'], {
      cwd: REPO_ROOT,
    });
    config = parse(stdout) as ComposeFile;
  });

  it('parses with docker-compose config and has the whole stack', () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ['api', 'collector', 'docker-socket-proxy', 'grafana', 'migrate', 'redis', 'timescaledb'].sort(),
    );
  });

  it('builds every service of ours from a target the Dockerfile defines', () => {
    const targets = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    for (const [name, service] of Object.entries(config.services)) {
      if (service.build) expect([name, targets.includes(service.build.target ?? '')]).toEqual([name, true]);
    }
  });

  it('declares every named volume it mounts', () => {
    for (const service of Object.values(config.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (!source.startsWith('/') && !source.startsWith('.')) expect(Object.keys(config.volumes)).toContain(source);
      }
    }
  });

  it('documents in .env.example every variable the file reads', () => {
    const raw = readFileSync(composeFile, 'utf8');
    const used = new Set([...raw.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1] as string));
    const undocumented = [...used].filter((name) => !documented.has(name));
    expect(undocumented).toEqual([]);
  });

  it('keeps the collector off the Docker socket and the API on the read-only role', () => {
    const collector = config.services.collector as ComposeService;
    expect(collector.volumes?.some((v) => v.includes('docker.sock')) ?? false).toBe(false);
    expect(collector.environment?.DOCKER_HOST).toBe('tcp://docker-socket-proxy:2375');
    const proxy = config.services['docker-socket-proxy'] as ComposeService;
    expect(String(proxy.environment?.POST)).toBe('0');
    expect(proxy.volumes).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro']);
    expect(config.services.api?.environment?.DATABASE_URL).toMatch(/^postgres:\/\/dockpulse_reader:/);
  });

  it('starts services only after what they need is healthy or done', () => {
    const deps = (name: string) => config.services[name]?.depends_on ?? {};
    expect(deps('migrate').timescaledb?.condition).toBe('service_healthy');
    expect(deps('collector').migrate?.condition).toBe('service_completed_successfully');
    expect(deps('api').migrate?.condition).toBe('service_completed_successfully');
    expect(deps('api').redis?.condition).toBe('service_healthy');
    expect(deps('grafana').api?.condition).toBe('service_healthy');
    for (const name of ['timescaledb', 'redis']) expect(config.services[name]?.healthcheck).toBeDefined();
  });

  it('refuses to start without the passwords', async () => {
    const emptyEnv = path.join(mkdtempSync(path.join(tmpdir(), 'dp-env-')), '.env');
    writeFileSync(emptyEnv, '');
    const failure = await run('docker-compose', ['-f', composeFile, '--env-file', emptyEnv, 'config'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH },
    }).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(failure).toMatch(/set POSTGRES_PASSWORD in \.env/);
  });
});

describe('Dockerfile', () => {
  it('passes the dockerfile-utils linter without errors or warnings', async () => {
    const { validate } = await import('dockerfile-utils');
    const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('bakes in a Grafana that satisfies both plugin.json grafanaDependency ranges', () => {
    const version = /^ARG GRAFANA_IMAGE=grafana\/grafana:(\d+)\.(\d+)\.(\d+)$/m.exec(dockerfile);
    expect(version).not.toBeNull();
    const [major, minor, patch] = (version as RegExpExecArray).slice(1).map(Number) as [number, number, number];
    for (const file of ['plugin/src/plugin.json', 'plugin/src/datasource/plugin.json']) {
      const range = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')).dependencies.grafanaDependency as string;
      const min = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(range);
      expect([file, min !== null]).toEqual([file, true]);
      const [a, b, c] = (min as RegExpExecArray).slice(1).map(Number) as [number, number, number];
      const atLeast = major !== a ? major > a : minor !== b ? minor > b : patch >= c;
      expect([file, range, `${major}.${minor}.${patch}`, atLeast]).toEqual([file, range, `${major}.${minor}.${patch}`, true]);
    }
  });

  // No registry can be reached here, so the build runs only where the engine already has the base image.
  const baseImage = 'node:20-bookworm-slim';
  const hasBase = (() => {
    try {
      execFileSync('docker', ['image', 'inspect', baseImage], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (hasBase ? it : it.skip)(
    hasBase ? 'builds the api target' : `builds the api target — skipped: no ${baseImage} image on this engine and no registry to pull it from`,
    async () => {
      await run('docker', ['build', '--target', 'api', '-t', 'dockpulse/api:test', REPO_ROOT], { timeout: 600_000 });
    },
    600_000,
  );
});

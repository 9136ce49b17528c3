import { execFileSync, execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { parse } from 'yaml';
import { TEST_DATABASE_URL } from '@dockpulse/common/testing';
import { POSTGRES_BIN_DIR, startThrowawayPostgres, throwawayPostgresUnavailable } from '@dockpulse/common/testing-postgres';
import { PROVISIONING_DIR, REPO_ROOT, alertGroups, readYaml, yamlFiles } from './support/provisioning';

const run = promisify(execFile);
const composeFile = path.join(REPO_ROOT, 'docker-compose.yml');
const envExample = path.join(REPO_ROOT, '.env.example');
const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
const appPluginJson = path.join(REPO_ROOT, 'plugin', 'src', 'plugin.json');

/** Whether version X.Y.Z is in a range of the forms plugin.json files use here ("op X.Y.Z" comparators; sets joined by "||"). */
function satisfiesRange(version: string, range: string): boolean {
  const parse = (v: string) => v.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => a.map((x, i) => x - (b[i] as number)).find((d) => d !== 0) ?? 0;
  const v = parse(version);
  return range.split('||').some((set) =>
    set.trim().split(/\s+/).every((comparator) => {
      const m = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(comparator);
      if (!m) {
        throw new Error(`unsupported comparator ${comparator} in ${range}`);
      }
      const d = cmp(v, parse(m[2] as string));
      return { '>=': d >= 0, '<=': d <= 0, '>': d > 0, '<': d < 0, '=': d === 0 }[(m[1] ?? '=') as '>=' | '<=' | '>' | '<' | '='];
    })
  );
}

interface PortMapping {
  host_ip?: string;
  published?: string | number;
  target?: number;
}
interface ComposeService {
  build?: { context: string; target?: string };
  image?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: (string | PortMapping)[];
  healthcheck?: { test: string[] };
  restart?: string;
  command?: string[];
  read_only?: boolean;
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

/** `docker-compose config` (Debian's 1.29) resolves variables, anchors and the file format for us. */
async function composeConfig(envFile = envExample): Promise<ComposeFile> {
  const { stdout } = await run('docker-compose', ['-f', composeFile, '--env-file', envFile, 'config'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH },
  });
  // `config` prints a literal `$` as `$$` so that its output reads back the same.
  return parse(stdout.replace(/\$\$/g, '$')) as ComposeFile;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** A copy of .env.example with some settings replaced, as a user's .env. */
function envFileWith(overrides: Record<string, string>): string {
  const lines = readFileSync(envExample, 'utf8')
    .split('\n')
    .filter((line) => !Object.keys(overrides).some((name) => line.startsWith(`${name}=`)));
  const file = path.join(tempDir('dp-env-'), '.env');
  writeFileSync(file, [...lines, ...Object.entries(overrides).map(([k, v]) => `${k}=${v}`), ''].join('\n'));
  return file;
}

function hostBindings(service: ComposeService): { hostIp: string; published: string; target: string }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port !== 'string') {
      return { hostIp: port.host_ip ?? '', published: String(port.published ?? ''), target: String(port.target ?? '') };
    }
    // [host_ip:]published:target[/protocol]
    const parts = port.replace(/\/(tcp|udp)$/, '').split(':');
    const target = parts.pop() as string;
    const published = parts.pop() ?? '';
    return { hostIp: parts.join(':'), published, target };
  });
}

/** The Dockerfile's stages in file order, each with its base and its instructions. */
function dockerfileStages(): { name: string; from: string; body: string[] }[] {
  const stages: { name: string; from: string; body: string[] }[] = [];
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ name: from[2] ?? String(stages.length), from: from[1] as string, body: [] });
    else if (stages.length > 0 && line.trim() && !line.startsWith('#')) stages[stages.length - 1]?.body.push(line.trim());
  }
  return stages;
}

const dockerAvailable = (() => {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
})();

describe('docker-compose.yml', () => {
  let config: ComposeFile;

  beforeAll(async () => {
    config = await composeConfig();
  });

  it('parses with docker-compose config and has the whole stack', () => {
    expect(Object.keys(config.services).sort()).toEqual(
      ['api', 'collector', 'docker-socket-proxy', 'grafana', 'migrate', 'redis', 'timescaledb'].sort(),
    );
  });

  it('pins TimescaleDB on PostgreSQL 17 to a version the README lists as run, and .env.example names the same image', () => {
    const image = config.services.timescaledb?.image ?? '';
    const version = /^timescale\/timescaledb:(\d+\.\d+\.\d+)-pg17$/.exec(image)?.[1];
    expect({ image, pinned: version !== undefined }).toEqual({ image, pinned: true });
    expect(readFileSync(envExample, 'utf8')).toMatch(new RegExp(`^# TIMESCALEDB_IMAGE=${image.replace(/[.]/g, '\\.')}$`, 'm'));
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme).toMatch(new RegExp(`^\\| TimescaleDB ${(version ?? '').replace(/[.]/g, '\\.')} \\| PostgreSQL 17\\.\\d+ \\|`, 'm'));
  });

  it('builds every service of ours from a target the Dockerfile defines', () => {
    const targets = dockerfileStages().map((s) => s.name);
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
    // Only GET and HEAD patterns (the allowlist itself: collector/test/integration/engine-allowlist.test.ts)
    expect((proxy.command ?? []).filter((a) => a.startsWith('-allow') && !a.startsWith('-allowfrom')).map((a) => a.split('=')[0])).toEqual([
      '-allowGET',
      '-allowHEAD',
    ]);
    expect(proxy.command).toContain('-allowfrom=collector');
    expect(proxy.read_only).toBe(true);
    expect(proxy.volumes).toEqual(['/var/run/docker.sock:/var/run/docker.sock:ro']);
    expect(new URL(config.services.api?.environment?.DATABASE_URL ?? '').username).toBe('dockpulse_reader');
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
    const emptyEnv = path.join(tempDir('dp-env-'), '.env');
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

  it('gives the API the same stats retention as the collector, from one place', async () => {
    const retention = ['RETENTION_RAW', 'RETENTION_HOURLY', 'RETENTION_DAILY'];
    const custom = await composeConfig(envFileWith({ RETENTION_RAW: '14d', RETENTION_HOURLY: '120d', RETENTION_DAILY: '5y' }));
    for (const cfg of [config, custom]) {
      const pick = (service: string) => Object.fromEntries(retention.map((n) => [n, cfg.services[service]?.environment?.[n]]));
      expect(pick('api')).toEqual(pick('collector'));
    }
    expect(Object.fromEntries(retention.map((n) => [n, custom.services.api?.environment?.[n]]))).toEqual({
      RETENTION_RAW: '14d',
      RETENTION_HOURLY: '120d',
      RETENTION_DAILY: '5y',
    });
    // Written once (a YAML anchor both services merge), so an edit cannot reach only one of them.
    const raw = readFileSync(composeFile, 'utf8');
    for (const name of retention) expect([name, raw.match(new RegExp(`^\\s+${name}:`, 'gm'))?.length]).toEqual([name, 1]);
  });

  it('publishes the API on the loopback only unless API_BIND says otherwise; Grafana uses the compose network', async () => {
    const published = Object.entries(config.services).flatMap(([name, s]) => hostBindings(s).map((b) => ({ name, ...b })));
    expect(published.filter((b) => b.name === 'api')).toEqual([{ name: 'api', hostIp: '127.0.0.1', published: '8080', target: '8080' }]);
    // Nothing else but Grafana's login page is on the host's interfaces.
    expect([...new Set(published.map((b) => b.name))].sort()).toEqual(['api', 'grafana']);
    const open = await composeConfig(envFileWith({ API_BIND: '0.0.0.0', API_PORT: '18080' }));
    expect(hostBindings(open.services.api as ComposeService)).toEqual([{ hostIp: '0.0.0.0', published: '18080', target: '8080' }]);
    expect(config.services.grafana?.environment?.DOCKPULSE_API_URL).toBe('http://api:8080');
  });

  it('mounts no volume over the directory the Grafana image installs the plugin in', () => {
    const grafana = dockerfileStages().find((s) => s.name === 'grafana');
    const pluginsDir = grafana?.body.map((l) => /^ENV GF_PATHS_PLUGINS=(\S+)$/.exec(l)?.[1]).find(Boolean);
    expect(pluginsDir).toBeDefined();
    expect(grafana?.body).toContain(`COPY --from=plugin-build /src/plugin/dist ${pluginsDir}/dockpulse-containers-app`);
    const mounts = (config.services.grafana?.volumes ?? []).map((v) => v.split(':')[1] as string);
    expect(mounts.length).toBeGreaterThan(0);
    for (const target of mounts) {
      const covers = `${pluginsDir}/`.startsWith(`${target.replace(/\/$/, '')}/`);
      expect([target, covers]).toEqual([target, false]);
    }
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(path.join(PROVISIONING_DIR, 'dashboards', 'dockpulse.yaml'));
    expect(provider.providers.map((p) => p.options.path)).toEqual([`${pluginsDir}/dockpulse-containers-app/dashboards`]);
  });
});

describe('TimescaleDB healthcheck', () => {
  // The postgres image's first init runs a temporary server that listens on the Unix socket only
  // (listen_addresses=''), then restarts it on TCP. The services connect over TCP, so "healthy"
  // must mean TCP answers. This replays both phases with the compose file's own check command.
  const unavailable = throwawayPostgresUnavailable();
  (unavailable ? it.skip : it)(
    unavailable ? `probes over TCP — skipped: ${unavailable}` : 'fails while the server listens on the Unix socket only, passes once TCP is up',
    async () => {
      const config = await composeConfig();
      const test = config.services.timescaledb?.healthcheck?.test ?? [];
      expect(test[0]).toBe('CMD-SHELL');
      const command = test[1] as string;
      expect(command).toMatch(/pg_isready\b.*\s-h\s+127\.0\.0\.1\b/);

      const server = await startThrowawayPostgres({ database: 'postgres', settings: { listen_addresses: "''" } });
      try {
        const socketDir = path.dirname(server.dataDir);
        const check = (cmd: string) =>
          run('sh', ['-c', cmd], {
            // Where the image's check would find the socket and port: its defaults, here the throwaway's.
            env: { PATH: `${POSTGRES_BIN_DIR}:${process.env.PATH}`, PGHOST: socketDir, PGPORT: String(server.port) },
          }).then(
            () => 0,
            (error: { code?: number }) => error.code ?? -1,
          );
        expect(await check(command)).not.toBe(0);
        // What the old check (no -h) said at that moment: ready, although TCP was refused.
        expect(await check(command.replace(/\s-h\s+127\.0\.0\.1/, ''))).toBe(0);

        await server.stop();
        const auto = path.join(server.dataDir, 'postgresql.auto.conf');
        writeFileSync(auto, readFileSync(auto, 'utf8').replace("listen_addresses = ''", "listen_addresses = '127.0.0.1'"));
        await server.start();
        expect(await check(command)).toBe(0);
      } finally {
        await server.destroy();
      }
    },
    60_000,
  );
});

describe('database passwords', () => {
  // Everything a password may hold that breaks a URL (@ : / ? # %) or that Compose would expand ($).
  const writerPassword = `w@r:i/t?e#r%$1 $$x&y=`;
  const readerPassword = `r#e@a:d/e?r%$USER$$`;
  const roles = { writer: `dp_pwtest_w_${process.pid}`, reader: `dp_pwtest_r_${process.pid}` };
  const admin = new Client({ connectionString: TEST_DATABASE_URL });

  beforeAll(async () => {
    await admin.connect();
    for (const [kind, role] of Object.entries(roles)) {
      const password = kind === 'writer' ? writerPassword : readerPassword;
      await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(role)}`);
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    }
  });
  afterAll(async () => {
    for (const role of Object.values(roles)) await admin.query(`DROP ROLE IF EXISTS ${admin.escapeIdentifier(role)}`);
    await admin.end();
  });

  /** Connects the way a service's process would: its DATABASE_URL (pointed at the test server) and its environment. */
  async function connectAs(url: string, env: Record<string, string>): Promise<string> {
    const script = `
      const { Client } = require('pg');
      const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 5000 });
      client.connect()
        .then(() => client.query('SELECT current_user AS u'))
        .then((r) => { console.log(r.rows[0].u); return client.end(); })
        .catch((e) => { console.error(e.message); process.exit(1); });`;
    const { stdout } = await run(process.execPath, ['-e', script, url], {
      cwd: __dirname,
      env: { PATH: process.env.PATH, ...env },
      timeout: 20_000,
    });
    return stdout.trim();
  }

  function atTestServer(serviceUrl: string, role: string): string {
    const target = new URL(TEST_DATABASE_URL);
    const url = new URL(serviceUrl);
    url.hostname = target.hostname;
    url.port = target.port;
    url.username = role;
    return url.toString();
  }

  it('reach every service intact, single-quoted in .env as documented, and log in', async () => {
    const config = await composeConfig(
      envFileWith({ DOCKPULSE_WRITER_PASSWORD: `'${writerPassword}'`, DOCKPULSE_READER_PASSWORD: `'${readerPassword}'` }),
    );
    const cases = [
      { service: 'migrate', role: roles.writer, password: writerPassword },
      { service: 'collector', role: roles.writer, password: writerPassword },
      { service: 'api', role: roles.reader, password: readerPassword },
    ];
    for (const { service, role, password } of cases) {
      const env = config.services[service]?.environment ?? {};
      const url = new URL(env.DATABASE_URL ?? '');
      expect([service, url.password, env.PGPASSWORD]).toEqual([service, '', password]);
      expect([service, await connectAs(atTestServer(url.toString(), role), { PGPASSWORD: env.PGPASSWORD ?? '' })]).toEqual([
        service,
        role,
      ]);
    }
  });

  it('would not survive inside the URL (what the stack did before)', () => {
    for (const password of [writerPassword, readerPassword]) {
      const raw = `postgres://dockpulse_writer:${password}@timescaledb:5432/dockpulse`;
      const parsed = (() => {
        try {
          return new URL(raw);
        } catch {
          return undefined;
        }
      })();
      const intact = parsed !== undefined && decodeURIComponent(parsed.password) === password && parsed.hostname === 'timescaledb';
      expect([password, intact]).toEqual([password, false]);
    }
  });
});

describe('Grafana provisioning: one Dockpulse folder', () => {
  const providers = yamlFiles(path.join(PROVISIONING_DIR, 'dashboards')).flatMap(
    (file) => readYaml<{ providers: Record<string, unknown>[] }>(file).providers.map((p) => ({ file, provider: p })),
  );

  it('dashboards and every alert rule group name the same folder title', () => {
    const titles = new Set([...providers.map((p) => p.provider.folder), ...alertGroups().map((g) => g.folder)]);
    expect([...titles]).toEqual(['Dockpulse']);
  });

  it('no dashboard provider pins a folder uid (alert rules cannot, so the provider must find the folder by title)', () => {
    for (const { file, provider } of providers) {
      const pinned = Object.keys(provider).filter((key) => key.toLowerCase() === 'folderuid');
      expect([path.relative(REPO_ROOT, file), pinned]).toEqual([path.relative(REPO_ROOT, file), []]);
    }
  });
});

describe('dashboards are managed once in the stack', () => {
  it("the stack's copy of the app has no dashboard includes, and keeps everything else", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dp-plugin-'));
    try {
      const copy = path.join(dir, 'plugin.json');
      copyFileSync(appPluginJson, copy);
      await run(process.execPath, [path.join(REPO_ROOT, 'deploy', 'grafana', 'without-dashboard-includes.js'), copy]);
      const before = JSON.parse(readFileSync(appPluginJson, 'utf8')) as { includes: { type: string }[] };
      const after = JSON.parse(readFileSync(copy, 'utf8')) as { includes: { type: string }[] };
      expect(before.includes.some((i) => i.type === 'dashboard')).toBe(true);
      expect(after.includes).toEqual(before.includes.filter((i) => i.type !== 'dashboard'));
      expect({ ...after, includes: [] }).toEqual({ ...before, includes: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the image applies it to the plugin build it installs, and the file provider covers every bundled dashboard', () => {
    const build = dockerfileStages().find((s) => s.name === 'plugin-build')?.body ?? [];
    const buildAt = build.indexOf('RUN npm run build -w plugin');
    const stripAt = build.indexOf('RUN node deploy/grafana/without-dashboard-includes.js plugin/dist/plugin.json');
    expect([buildAt >= 0, stripAt > buildAt]).toEqual([true, true]);
    const includes = (JSON.parse(readFileSync(appPluginJson, 'utf8')) as { includes: { type: string; path?: string }[] }).includes
      .filter((i) => i.type === 'dashboard')
      .map((i) => path.posix.dirname(i.path ?? ''));
    const provider = readYaml<{ providers: { options: { path: string } }[] }>(path.join(PROVISIONING_DIR, 'dashboards', 'dockpulse.yaml'));
    for (const dir of new Set(includes)) {
      expect(provider.providers.some((p) => p.options.path.endsWith(`/dockpulse-containers-app/${dir}`))).toBe(true);
    }
  });
});

describe('Dockerfile', () => {
  it('passes the dockerfile-utils linter without errors or warnings', async () => {
    const { validate } = await import('dockerfile-utils');
    const problems = validate(dockerfile).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(problems).toEqual([]);
  });

  it('builds the server targets without the plugin, before it in file order (the classic builder builds every stage above the target)', () => {
    const stages = dockerfileStages();
    const index = (name: string) => stages.findIndex((s) => s.name === name);
    for (const server of ['collector', 'api']) {
      expect([server, index(server) >= 0, index(server) < index('plugin-build')]).toEqual([server, true, true]);
      // Everything the target is built from, through FROM and COPY --from.
      const needed = new Set<string>();
      const visit = (name: string) => {
        const stage = stages.find((s) => s.name === name);
        if (!stage || needed.has(name)) return;
        needed.add(name);
        visit(stage.from);
        for (const line of stage.body) for (const m of line.matchAll(/--from=(\S+)/g)) visit(m[1] as string);
      };
      visit(server);
      expect([server, needed.has('plugin-build')]).toEqual([server, false]);
    }
    // BuildKit pulls a `# syntax=` frontend image before it builds anything.
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it("gives each server image its workspaces' own node_modules (npm nests a dependency there when the hoisted one is another version)", () => {
    const stages = dockerfileStages();
    const chain = (name: string): string[] => {
      const stage = stages.find((s) => s.name === name);
      return stage ? [...chain(stage.from), ...stage.body] : [];
    };
    for (const [target, workspaces] of Object.entries({ collector: ['common', 'collector'], api: ['common', 'api'] })) {
      for (const ws of workspaces) {
        const copied = chain(target).includes(`COPY --from=prod-deps /app/${ws}/node_modules ${ws}/node_modules`);
        expect([target, ws, copied]).toEqual([target, ws, true]);
      }
    }
  });

  it('bakes in a Grafana that satisfies both plugin.json grafanaDependency ranges', () => {
    const version = /^ARG GRAFANA_IMAGE=grafana\/grafana:(\d+\.\d+\.\d+)$/m.exec(dockerfile);
    expect(version).not.toBeNull();
    const baked = (version as RegExpExecArray)[1] as string;
    for (const file of ['plugin/src/plugin.json', 'plugin/src/datasource/plugin.json']) {
      const range = JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')).dependencies.grafanaDependency as string;
      expect([file, range, baked, satisfiesRange(baked, range)]).toEqual([file, range, baked, true]);
    }
  });

  it('reads grafanaDependency ranges as semver does: comparator sets joined by ||', () => {
    const range = '>=12.4.0 <12.5.0 || >=13.2.0 <13.3.0';
    expect(['12.4.0', '12.4.2', '13.2.3', '12.3.9', '12.5.0', '13.1.0', '13.3.0'].map((v) => satisfiesRange(v, range))).toEqual([
      true, true, true, false, false, false, false,
    ]);
    expect(satisfiesRange('12.4.2', '>=12.4.0')).toBe(true);
    expect(() => satisfiesRange('12.4.2', '^12.4.0')).toThrow();
  });

  // No registry can be reached here, so the build runs only where the engine already has the base
  // image (deploy/stack/run.sh builds the targets against stand-in images instead).
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

describe('.dockerignore', () => {
  // What the engine really receives: a context laid out like this checkout (every file git knows,
  // empty) plus what a working checkout also holds, sent through a real `docker build`.
  const leftovers = [
    '.env',
    '.env.local',
    '.git/HEAD',
    'node_modules/pg/index.js',
    'plugin/node_modules/react/index.js',
    'collector/dist/main.js',
    'plugin/dist/module.js',
    'common/dist/.tsbuildinfo',
    'plugin/test-results/containers.png',
    '.spool/000001.ndjson',
    'collector/.spool/000001.ndjson',
    'coverage/lcov.info',
    'bench/results/api.json',
  ];

  (dockerAvailable ? it : it.skip)(
    dockerAvailable
      ? 'keeps .env, node_modules, .git, build output and test leftovers out of the build context, and everything the Dockerfile copies in'
      : 'filters the build context — skipped: no Docker engine answers `docker info`',
    async () => {
      const { stdout: listed } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT });
      const sources = listed.split('\n').filter(Boolean);
      const dir = mkdtempSync(path.join(tmpdir(), 'dp-ctx-'));
      const context = path.join(dir, 'context');
      const tag = `dockpulse/context-probe:${process.pid}`;
      const container = `dp-context-probe-${process.pid}`;
      try {
        for (const file of [...sources, ...leftovers]) {
          mkdirSync(path.dirname(path.join(context, file)), { recursive: true });
          writeFileSync(path.join(context, file), '');
        }
        copyFileSync(path.join(REPO_ROOT, '.dockerignore'), path.join(context, '.dockerignore'));
        writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /context/\n');
        await run('docker', ['build', '-q', '-f', path.join(dir, 'Dockerfile'), '-t', tag, context], { timeout: 120_000 });
        await run('docker', ['create', '--name', container, tag, '/none']);
        const { stdout: tar } = await run('sh', ['-c', `docker export ${container} | tar -t`], { maxBuffer: 16 * 1024 * 1024 });
        const received = new Set(
          tar
            .split('\n')
            .filter((p) => p.startsWith('context/') && !p.endsWith('/'))
            .map((p) => p.slice('context/'.length)),
        );
        expect(leftovers.filter((file) => received.has(file))).toEqual([]);
        expect(sources.filter((file) => !received.has(file))).toEqual([]);
        // Each source of a COPY from the context (not --from a stage) arrives.
        const copied = dockerfile
          .split('\n')
          .filter((line) => /^COPY\s/.test(line) && !/--from=/.test(line))
          .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
          .filter((src) => src !== '.');
        expect(copied.length).toBeGreaterThan(5);
        for (const src of copied) {
          expect([src, [...received].some((file) => file === src || file.startsWith(`${src}/`))]).toEqual([src, true]);
        }
      } finally {
        await run('docker', ['rm', '-f', container]).catch(() => undefined);
        await run('docker', ['rmi', '-f', tag]).catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
    },
    180_000,
  );
});

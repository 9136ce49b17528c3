// `migrate` (and the collector's start) started before its database: it waits with backoff and
// migrates once the server answers, as under compose, where both start together. Against a
// throwaway PostgreSQL this test stops and starts itself, with the stack's writer role.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createTestDatabase, withClient } from '@dockpulse/common/testing';
import { startThrowawayPostgres, throwawayPostgresUnavailable, type ThrowawayPostgres } from '@dockpulse/common/testing-postgres';

const MIGRATE = path.resolve(__dirname, '..', 'dist', 'migrate-cli.js');
const missing = throwawayPostgresUnavailable() ?? (existsSync(MIGRATE) ? undefined : `${MIGRATE} is not built (npx tsc -b)`);

function startMigrate(databaseUrl: string, env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MIGRATE], {
    env: { ...process.env, DATABASE_URL: databaseUrl, DATABASE_WAIT_TIMEOUT: '90s', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return { output: () => output, exited };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; !ok(); i++) {
    if (i > 600) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

(missing ? describe.skip : describe)(`migrate started before its database${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let pg: ThrowawayPostgres;
  let writerUrl = '';
  beforeAll(async () => {
    pg = await startThrowawayPostgres({ settings: { fsync: 'off' } });
    writerUrl = (await createTestDatabase({ migrated: false, serverUrl: pg.url })).url;
  }, 120_000);
  afterAll(async () => {
    await pg?.destroy();
  });

  it('waits while the server refuses connections, then migrates as the writer and exits 0', async () => {
    await pg.stop();
    const migrate = startMigrate(writerUrl);
    await until('migrate to report the refused connection', () => /is not reachable yet: waiting/.test(migrate.output()));
    await pg.start();
    expect(await migrate.exited).toBe(0);
    expect(migrate.output()).toMatch(/answers/);
    const flavour = await withClient(writerUrl, (c) => c.query("SELECT value FROM dockpulse_meta WHERE key = 'storage_flavour'"));
    expect(flavour.rows[0]?.value).toBe('postgres');
  });

  it('fails at once, with status 1 and the reason, on a wrong password', async () => {
    const wrong = new URL(writerUrl);
    wrong.password = 'not-the-password';
    const migrate = startMigrate(wrong.toString());
    expect(await migrate.exited).toBe(1);
    expect(migrate.output()).toMatch(/refused the connection: password authentication failed for user "dockpulse_writer"/);
    expect(migrate.output()).not.toMatch(/waiting/);
  });
});

// Browser test: the app's pages rendered by the real @grafana/ui in Debian's chromium, driven by
// playwright-core (Playwright's own browser downloads cannot be fetched here). The page is a bundle
// of test/browser/harness.tsx built with webpack at the start; the API answers come from the unit
// tests' fixtures. What jsdom cannot show is checked here: layout-dependent widgets (the Combobox
// menu's virtual list), real timers for the live tail, and that nothing throws in a real browser.
import { execFileSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import type { AddressInfo } from 'net';
import path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ContainerLogRow, DockerImageRow } from '@dockpulse/common';
import { startWithDatabase, type Harness } from '../../../api/test/helpers/harness';
import { container, host, imageId, samples, seed } from '../../../api/test/helpers/seed';

const pluginRoot = path.join(__dirname, '..', '..');
const outDir = path.join(pluginRoot, 'test-results', 'browser-harness');
const CHROMIUM =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));

let browser: Browser;
let page: Page;
let server: http.Server;
let base = '';
const errors: string[] = [];
/** Where the /proxy route forwards (the real API), like Grafana's data proxy for the `dockpulse` route. */
let apiBase = '';

/** @grafana/ui fetches its icons from Grafana's public/build/img; they ship in @grafana/ui's dist/public. */
const iconsDir = path.join(path.dirname(require.resolve('@grafana/ui/package.json')), 'dist', 'public', 'img');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.svg': 'image/svg+xml' };

/** The harness and the icons over HTTP (file:// pages may not fetch the icons), on 127.0.0.1 port 0. */
function serve(): Promise<string> {
  server = http.createServer((req, res) => {
    const full = new URL(req.url ?? '/', 'http://x');
    const url = full.pathname;
    if (url.startsWith('/proxy/dockpulse/') && apiBase) {
      http
        .get(`${apiBase}${url.slice('/proxy/dockpulse'.length)}${full.search}`, (upstream) => {
          res.writeHead(upstream.statusCode ?? 502, { 'content-type': upstream.headers['content-type'] ?? 'application/json' });
          upstream.pipe(res);
        })
        .on('error', () => res.writeHead(502).end());
      return;
    }
    const file = url.startsWith('/public/build/img/')
      ? path.join(iconsDir, url.slice('/public/build/img/'.length))
      : path.join(outDir, url === '/' ? 'index.html' : url);
    const inside = file.startsWith(iconsDir) || file.startsWith(outDir);
    if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  );
}

// CI installs chromium (.ci/run) and must run this test; elsewhere a missing chromium skips it, loudly.
const describeInBrowser = CHROMIUM || process.env.CI ? describe : describe.skip;
if (!CHROMIUM) {
  const message = "No chromium: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH";
  if (process.env.CI) {
    throw new Error(message);
  }
  console.warn(`${message}; the browser test is skipped.`);
}

beforeAll(async () => {
  if (!CHROMIUM) {
    return;
  }
  execFileSync(process.execPath, [require.resolve('webpack-cli/bin/cli.js'), '-c', 'test/browser/webpack.harness.ts'], {
    cwd: pluginRoot,
    stdio: 'pipe',
  });
  fs.writeFileSync(
    path.join(outDir, 'index.html'),
    '<!doctype html><html><head><meta charset="utf-8"><title>Dockpulse pages</title><style>*,*::before,*::after{box-sizing:border-box}</style></head>' +
      '<body style="margin:0;padding:16px;background:#111217;color:#ccccdc;font-family:Inter,Helvetica,Arial,sans-serif;font-size:14px"><div id="root"></div><script src="harness.js"></script></body></html>'
  );
  base = await serve();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

beforeEach(async () => {
  errors.length = 0;
  if (!browser) {
    return;
  }
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(10_000);
  page.on('pageerror', (e) => errors.push(e.message));
});

afterEach(async () => {
  await page?.close();
  expect(errors).toEqual([]);
});

const open = (name: string, api: 'fixtures' | 'real' = 'fixtures') =>
  page.goto(`${base}/index.html?page=${name}${api === 'real' ? '&api=real' : ''}`);
/** A picture of what a person sees, kept as a CI artifact. */
const screenshot = (name: string) => page.screenshot({ path: path.join(pluginRoot, 'test-results', `${name}.png`), fullPage: true });
const apiCalls = () =>
  page.evaluate(() => (window as unknown as { apiCalls: Array<{ method: string; args: any }> }).apiCalls);

describeInBrowser('app pages in chromium', () => {
  it('containers overview: rows with links, latest CPU and memory; the state filter asks the API', async () => {
    await open('containers');
    const web = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'web', exact: true }) });
    await web.waitFor();
    expect(await web.getByRole('link').getAttribute('href')).toBe(
      '/d/dockpulse-container/dockpulse-container-detail?var-host=h1&var-container=web'
    );
    expect(await web.innerText()).toContain('2.3%');
    expect(await web.innerText()).toContain('3 MiB / 512 MiB (0.6%)');

    await page.getByRole('combobox', { name: 'State' }).click();
    await page.getByRole('option', { name: 'exited' }).click();
    await page.waitForFunction(() =>
      (window as unknown as { apiCalls: Array<{ method: string; args: any }> }).apiCalls.some(
        (c) => c.method === 'containers' && c.args?.state === 'exited'
      )
    );
  });

  it('image browser: expanding a row shows the version history', async () => {
    await open('images');
    const row = page.getByRole('row').filter({ hasText: 'nginx:1.25, nginx:latest' });
    await row.getByRole('button').click();
    const history = page.getByRole('table', { name: 'Versions of aaaaaaaaaaaa' });
    await history.waitFor();
    expect(await history.innerText()).toContain('nginx:latest');
  });

  it('log viewer: lines, and live tail polls the API', async () => {
    await open('logs');
    await page.getByText('GET /missing 404').waitFor();
    const before = (await apiCalls()).filter((c) => c.method === 'logs').length;
    // The switch's checkbox sits under its drawn label: click the field's label, as a user may.
    await page.getByText('Live tail', { exact: true }).click();
    expect(await page.getByLabel('Live tail').isChecked()).toBe(true);
    await page.waitForTimeout(2500);
    const after = (await apiCalls()).filter((c) => c.method === 'logs').length;
    expect(after).toBeGreaterThan(before);
  });
});

describeInBrowser('app pages in chromium against the real API', () => {
  let api: Harness;
  const now = Date.now();
  const shopImage = imageId('shop/web:2.4.1');

  beforeAll(async () => {
    api = await startWithDatabase({ cache: 'memory' });
    apiBase = api.base;
    const web = container('prod-1', 'shop-web', { image: 'shop/web:2.4.1', image_id: shopImage, mem_limit_bytes: 512 * 2 ** 20 });
    const worker = container('prod-1', 'shop-worker', { image: 'shop/worker:1.0.0', image_id: imageId('shop/worker:1.0.0') });
    const image: DockerImageRow = {
      host_id: 'prod-1', image_id: shopImage, repo_tags: ['shop/web:2.4.1', 'shop/web:latest'], repo_digests: [],
      size_bytes: 123_456_789, created_at: new Date(now - 86_400_000), labels: {}, last_seen: new Date(), removed_at: null,
    };
    const lines: ContainerLogRow[] = ['listening on :8080', 'GET /checkout 200 12ms', 'payment gateway timeout after 3000ms'].map(
      (message, i) => ({ time: new Date(now - 60_000 + i * 1000), host_id: 'prod-1', container_id: web.container_id,
        stream: i === 2 ? 'stderr' : 'stdout', seq: 0, message })
    );
    await seed(api.writerPool, (write) => {
      write('hosts', host('prod-1', 'prod-1'));
      write('container_info', web);
      write('container_info', worker);
      write('docker_images', image);
      for (const row of samples('prod-1', web.container_id, 3, now - 120_000, 20)) write('container_stats', row);
      for (const line of lines) write('container_logs', line);
    });
  }, 120_000);

  afterAll(async () => {
    apiBase = '';
    await api?.close();
  });

  it('containers overview shows the stored containers and their images', async () => {
    await open('containers', 'real');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'shop-web', exact: true }) });
    await row.waitFor();
    expect(await row.innerText()).toContain('shop/web:2.4.1');
    await page.getByRole('link', { name: 'shop-worker', exact: true }).waitFor();
    await screenshot('containers-real-api');
  });

  it('image browser shows the stored image with its tags', async () => {
    await open('images', 'real');
    await page.getByText('shop/web:2.4.1, shop/web:latest').waitFor();
    await screenshot('images-real-api');
  });

  it('query editor: the containers picker offers the stored containers and picking one changes the query', async () => {
    await open('query-editor', 'real');
    await page.getByRole('combobox', { name: 'Containers' }).click();
    await page.getByRole('option', { name: 'shop-worker' }).click();
    await page.waitForFunction(() =>
      ((window as unknown as { lastQuery: { containers?: string[] } }).lastQuery.containers ?? []).includes('shop-worker')
    );
    await screenshot('query-editor-real-api');
  });

  it('log viewer shows the stored log lines', async () => {
    await open('logs', 'real');
    await page.getByText('payment gateway timeout after 3000ms').waitFor();
    await page.getByText('GET /checkout 200 12ms').waitFor();
    await screenshot('logs-real-api');
  });
});

import path from 'path';
import fs from 'fs';
// semver ships no types here; a plain require keeps typecheck quiet.
const semver = require('semver');
const { findPluginJsons, validateFile } = require('../scripts/validate-plugin-json');

const root = path.join(__dirname, '..');
const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(root, rel), 'utf8'));

describe('plugin.json files', () => {
  const files: string[] = findPluginJsons(path.join(root, 'src'));

  it('are the app and the nested datasource', () => {
    expect(files.map((f) => path.relative(root, f))).toEqual(['src/datasource/plugin.json', 'src/plugin.json']);
  });

  it.each(['src/plugin.json', 'src/datasource/plugin.json'])("%s validates against Grafana's schema", (rel) => {
    expect(validateFile(path.join(root, rel))).toEqual([]);
  });

  it('a broken plugin.json is reported, so the check can fail', () => {
    const tmp = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'pj-')), 'plugin.json');
    fs.writeFileSync(tmp, JSON.stringify({ type: 'app', id: 'x' }));
    expect(validateFile(tmp).length).toBeGreaterThan(0);
  });

  it('both require exactly the Grafana versions the plugin is tested against, the installed set among them', () => {
    // Two sets are tested: the workspace's (package.json) and compat/grafana13's (jest.grafana13.config.js).
    const sets = [read('package.json'), read('compat/grafana13/package.json')].map((p) => p.dependencies['@grafana/data']);
    const range = sets.map((v) => `>=${semver.major(v)}.${semver.minor(v)}.0 <${semver.major(v)}.${semver.minor(v) + 1}.0`).join(' || ');
    for (const rel of ['src/plugin.json', 'src/datasource/plugin.json']) {
      expect(read(rel).dependencies.grafanaDependency).toBe(range);
    }
    const installed: string = require('@grafana/data/package.json').version;
    expect(sets).toContain(installed);
    expect(semver.satisfies(installed, range)).toBe(true);
  });

  it('the app declares the datasource and routes to the API through the data proxy with the secret token', () => {
    const ds = read('src/datasource/plugin.json');
    expect(ds.id).toBe('dockpulse-containers-datasource');
    expect(ds.routes).toEqual([
      {
        path: 'dockpulse',
        url: '{{ .JsonData.apiUrl }}',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      },
    ]);
    const app = read('src/plugin.json');
    expect(app.id).toBe('dockpulse-containers-app');
    expect(app.includes).toContainEqual({ type: 'datasource', name: 'Dockpulse' });
  });
});

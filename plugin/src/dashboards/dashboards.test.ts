import fs from 'fs';
import path from 'path';
import { METRICS, QUERY_TYPES } from '../datasource/types';
import { CONTAINER_DASHBOARD_LINK } from '../datasource/frames';
import { CONTAINER_DASHBOARD_URL } from '../constants';

// The dashboards' one source is this folder: webpack copies it to dist/dashboards, the app's
// plugin.json bundles the files (includes) and provisioning/dashboards/dockpulse.yaml loads the same
// files from where the Grafana image installs dist/.
const here = __dirname;
const pluginRoot = path.join(here, '..', '..');
const repoRoot = path.join(pluginRoot, '..');
const files = fs
  .readdirSync(here)
  .filter((f) => f.endsWith('.json'))
  .sort();
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(here, f), 'utf8'));
const appJson = JSON.parse(fs.readFileSync(path.join(here, '..', 'plugin.json'), 'utf8'));

const EXPECTED_UIDS: Record<string, string> = {
  'fleet-overview.json': 'dockpulse-overview',
  'container-detail.json': 'dockpulse-container',
  'images.json': 'dockpulse-images',
  'logs.json': 'dockpulse-logs',
  'collector-health.json': 'dockpulse-collector',
};

/** Every panel, including those nested in rows. */
function panels(dashboard: { panels?: any[] }): any[] {
  return (dashboard.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);
}

describe('bundled dashboards', () => {
  it('are the five dashboards, each with its stable uid', () => {
    expect(Object.fromEntries(files.map((f) => [f, load(f).uid]))).toEqual(EXPECTED_UIDS);
  });

  it('are all listed in the app plugin.json includes, and nothing else is', () => {
    const included = appJson.includes
      .filter((i: { type: string }) => i.type === 'dashboard')
      .map((i: { path: string }) => i.path);
    expect(included.sort()).toEqual(files.map((f) => `dashboards/${f}`));
  });

  it('are provisioned from the directory where the Grafana image installs the plugin build', () => {
    // The image copies dist/ to <GF_PATHS_PLUGINS>/<app id>, outside the grafana-data volume.
    const dockerfile = fs.readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
    const pluginsDir = /^ENV GF_PATHS_PLUGINS=(\S+)$/m.exec(dockerfile)?.[1];
    expect(pluginsDir).toBeDefined();
    expect(pluginsDir).not.toMatch(/^\/var\/lib\/grafana(\/|$)/);
    expect(dockerfile).toMatch(new RegExp(`^COPY --from=\\S+ /src/plugin/dist ${pluginsDir}/${appJson.id}$`, 'm'));
    const yaml = fs.readFileSync(path.join(repoRoot, 'provisioning', 'dashboards', 'dockpulse.yaml'), 'utf8');
    expect(yaml).toContain(`\n      path: ${pluginsDir}/${appJson.id}/dashboards\n`);
    expect(yaml).toMatch(/^\s+type: file$/m);
  });

  it.each(files)(
    '%s: every panel and query uses the Dockpulse datasource by uid (collector health: PostgreSQL)',
    (file) => {
      const allowed = file === 'collector-health.json' ? ['dockpulse-postgres', 'dockpulse-api'] : ['dockpulse-api'];
      for (const panel of panels(load(file))) {
        if (panel.type === 'row') {
          continue;
        }
        expect([panel.title, panel.datasource?.uid]).toEqual([
          panel.title,
          expect.stringMatching(new RegExp(`^(${allowed.join('|')})$`)),
        ]);
        for (const target of panel.targets ?? []) {
          expect(target.datasource.uid).toBe(panel.datasource.uid);
        }
      }
    }
  );

  it.each(files)('%s: queries use known query types and metrics, and variables they reference exist', (file) => {
    const dashboard = load(file);
    const variables = new Set((dashboard.templating?.list ?? []).map((v: { name: string }) => v.name));
    const builtIn = new Set(['__timeFilter', '__timeGroupAlias', '__interval', '__all']);
    const types = QUERY_TYPES.map((t) => t.value);
    for (const panel of panels(dashboard)) {
      for (const target of panel.targets ?? []) {
        if (target.datasource.uid === 'dockpulse-api') {
          expect(types).toContain(target.queryType);
          for (const metric of target.metrics ?? []) {
            expect(METRICS).toContain(metric);
          }
        }
        const used = [...JSON.stringify(target).matchAll(/\$\{?(\w+)/g)].map((m) => m[1]);
        for (const name of used) {
          if (!builtIn.has(name)) {
            expect([file, panel.title, name, variables.has(name)]).toEqual([file, panel.title, name, true]);
          }
        }
      }
    }
  });

  it('the fleet overview draws a bounded number of series: the top 10 containers, or one per host for the busiest 40 hosts', () => {
    const stats = panels(load('fleet-overview.json'))
      .flatMap((p) => p.targets ?? [])
      .filter((t) => t.queryType === 'stats');
    expect(stats.length).toBeGreaterThan(0);
    for (const t of stats) {
      expect((t.groupBy === 'host' && t.top === 40) || t.top === 10).toBe(true);
      expect(t.by).toBe(t.metrics[0]);
    }
    const metrics = (pick: (t: any) => boolean) => stats.filter(pick).map((t) => t.metrics[0]);
    expect(metrics((t) => t.groupBy === 'host')).toEqual(metrics((t) => t.top === 10));
    // Per-host buckets of whole minutes: the API reads them from its per-minute tier (api/src/stats/tiers.ts).
    const perHost = panels(load('fleet-overview.json')).filter((p) => (p.targets ?? []).some((t: any) => t.groupBy === 'host'));
    expect(perHost.map((p) => [p.title, p.interval])).toEqual(perHost.map((p) => [p.title, '1m']));
  });

  it('the container detail dashboard has the $container variable the overview and table links set', () => {
    const detail = load('container-detail.json');
    const names = detail.templating.list.map((v: { name: string }) => v.name);
    expect(names).toEqual(expect.arrayContaining(['host', 'container']));
    expect(CONTAINER_DASHBOARD_LINK.url).toContain(`/d/${detail.uid}/`);
    expect(CONTAINER_DASHBOARD_URL).toContain(`/d/${detail.uid}/`);
  });

  it('the collector health dashboard reads the collector_status table', () => {
    const sql = panels(load('collector-health.json')).flatMap((p) =>
      p.targets.map((t: { rawSql: string }) => t.rawSql)
    );
    expect(sql.some((s) => /FROM collector_status/.test(s))).toBe(true);
  });
});

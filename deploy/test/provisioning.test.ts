import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PROVISIONING_DIR, REPO_ROOT, provisionedDatasourceUids, readYaml, yamlFiles } from './support/provisioning';

const grafanaEnv = (() => {
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { grafana: { environment: Record<string, string> } };
  };
  return Object.keys(compose.services.grafana.environment);
})();

describe('Grafana provisioning files', () => {
  const files = yamlFiles(PROVISIONING_DIR);

  it('every YAML file parses and declares apiVersion 1', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const file of files) {
      const doc = readYaml<{ apiVersion?: number }>(file);
      expect([path.relative(REPO_ROOT, file), doc.apiVersion]).toEqual([path.relative(REPO_ROOT, file), 1]);
    }
  });

  it('provisions the API and PostgreSQL datasources with fixed uids', () => {
    expect(provisionedDatasourceUids().sort()).toEqual(['dockpulse-api', 'dockpulse-postgres']);
  });

  it('reads only environment variables that docker-compose gives Grafana', () => {
    for (const file of files) {
      const used = [...readFileSync(file, 'utf8').matchAll(/\$\{([A-Z][A-Z0-9_]*)\}/g)].map((m) => m[1] as string);
      const missing = used.filter((name) => !grafanaEnv.includes(name));
      expect([path.relative(REPO_ROOT, file), missing]).toEqual([path.relative(REPO_ROOT, file), []]);
    }
  });

  it('routes alerts to a contact point that exists', () => {
    const points = readYaml<{ contactPoints: { name: string }[] }>(path.join(PROVISIONING_DIR, 'alerting', 'contact-points.yaml'));
    const policies = readYaml<{ policies: { receiver: string; routes?: { receiver: string }[] }[] }>(
      path.join(PROVISIONING_DIR, 'alerting', 'notification-policies.yaml'),
    );
    const names = points.contactPoints.map((p) => p.name);
    for (const policy of policies.policies) {
      expect(names).toContain(policy.receiver);
      for (const route of policy.routes ?? []) expect(names).toContain(route.receiver);
    }
  });

  it('enables the Dockpulse app', () => {
    const apps = readYaml<{ apps: { type: string; disabled: boolean }[] }>(path.join(PROVISIONING_DIR, 'plugins', 'dockpulse-app.yaml'));
    expect(apps.apps).toEqual([expect.objectContaining({ type: 'dockpulse-containers-app', disabled: false })]);
  });
});

// Every file under provisioning/ against schemas written from Grafana's provisioning types, plus
// what Grafana checks across a file (unique uids, a condition that names a query). One malformed
// file stops all of Grafana's provisioning at start, so a typo must fail here first.
import path from 'node:path';
import { PROVISIONING_DIR, REPO_ROOT, readYaml, yamlFiles } from './support/provisioning';
import { provisioningProblems } from './support/provisioning-schema';

const files = yamlFiles(PROVISIONING_DIR).map((file) => ({
  file,
  name: path.relative(REPO_ROOT, file),
  folder: path.relative(PROVISIONING_DIR, file).split(path.sep)[0] as string,
}));
const rulesFile = path.join(PROVISIONING_DIR, 'alerting', 'dockpulse-rules.yaml');

interface RulesDoc {
  groups: { name: string; rules: { uid?: string; title: string; condition: string; data: Record<string, unknown>[] }[] }[];
}
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('provisioning files against Grafana\'s provisioning types', () => {
  it.each(files.map((f) => [f.name, f] as const))('%s is valid', (_name, f) => {
    expect(provisioningProblems(f.folder, readYaml(f.file))).toEqual([]);
  });

  it('every rule uid is unique and every condition names one of its queries', () => {
    const rules = readYaml<RulesDoc>(rulesFile).groups.flatMap((g) => g.rules);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    for (const rule of rules) expect([rule.uid, rule.data.map((d) => d.refId)]).toEqual([rule.uid, expect.arrayContaining([rule.condition])]);
  });

  it('has at most one default datasource per organization (Grafana refuses two)', () => {
    const defaults = files
      .filter((f) => f.folder === 'datasources')
      .flatMap((f) => readYaml<{ datasources?: { orgId?: number; isDefault?: boolean }[] }>(f.file).datasources ?? [])
      .filter((d) => d.isDefault)
      .map((d) => d.orgId ?? 1);
    expect(defaults.length).toBe(new Set(defaults).size);
  });

  describe('refuses what would stop Grafana\'s provisioning', () => {
    const rules = readYaml<RulesDoc>(rulesFile);

    it('a rule without uid', () => {
      const broken = clone(rules);
      delete broken.groups[0]!.rules[1]!.uid;
      expect(provisioningProblems('alerting', broken)).toEqual(["/groups/0/rules/1: must have required property 'uid'"]);
    });

    it('a misspelt datasourceUid', () => {
      const broken = clone(rules);
      const query = broken.groups[1]!.rules[0]!.data[0]!;
      query.datasourceUID = query.datasourceUid;
      delete query.datasourceUid;
      expect(provisioningProblems('alerting', broken).sort()).toEqual([
        "/groups/1/rules/0/data/0: must have required property 'datasourceUid'",
        '/groups/1/rules/0/data/0: unknown key "datasourceUID"',
      ]);
    });

    it('a bad duration, an unknown no-data state, a reduce without reducer', () => {
      const broken = clone(rules);
      const rule = broken.groups[0]!.rules[0]! as unknown as Record<string, unknown> & { data: { model: Record<string, unknown> }[] };
      rule.for = '5 minutes';
      rule.noDataState = 'Ok';
      delete rule.data[1]!.model.reducer;
      expect(provisioningProblems('alerting', broken)).toEqual(
        expect.arrayContaining([
          '/groups/0/rules/0/for: must match pattern "^(0|([0-9]+(ms|[smhdwy]))+)$"',
          '/groups/0/rules/0/noDataState: must be equal to one of the allowed values',
          "/groups/0/rules/0/data/1/model: must have required property 'reducer'",
        ]),
      );
    });

    it('a datasource without a type, a dashboard provider without a path, a folder no schema covers', () => {
      const ds = clone(readYaml<{ datasources: Record<string, unknown>[] }>(path.join(PROVISIONING_DIR, 'datasources', 'dockpulse.yaml')));
      delete ds.datasources[0]!.type;
      expect(provisioningProblems('datasources', ds)).toEqual(["/datasources/0: must have required property 'type'"]);
      expect(provisioningProblems('dashboards', { apiVersion: 1, providers: [{ name: 'x', options: {} }] })).toEqual([
        "/providers/0/options: must have required property 'path'",
      ]);
      expect(provisioningProblems('notifiers', { apiVersion: 1 })).toEqual(['no schema for provisioning/notifiers: Grafana reads it, so add one']);
    });
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const PROVISIONING_DIR = path.join(REPO_ROOT, 'provisioning');

export function readYaml<T = unknown>(file: string): T {
  return parse(readFileSync(file, 'utf8')) as T;
}

export function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return yamlFiles(full);
    return /\.ya?ml$/.test(entry.name) ? [full] : [];
  });
}

export interface RuleQuery {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: {
    refId: string;
    type?: string;
    expression?: string;
    reducer?: string;
    rawSql?: string;
    format?: string;
    conditions?: { evaluator: { type: string; params: number[] } }[];
  };
}

export interface AlertRule {
  uid: string;
  title: string;
  condition: string;
  data: RuleQuery[];
  for: string;
  noDataState: string;
  execErrState: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

export function alertRules(): AlertRule[] {
  const doc = readYaml<{ groups: RuleGroup[] }>(path.join(PROVISIONING_DIR, 'alerting', 'dockpulse-rules.yaml'));
  return doc.groups.flatMap((g) => g.rules);
}

export function alertGroups(): RuleGroup[] {
  return readYaml<{ groups: RuleGroup[] }>(path.join(PROVISIONING_DIR, 'alerting', 'dockpulse-rules.yaml')).groups;
}

export function provisionedDatasourceUids(): string[] {
  return yamlFiles(path.join(PROVISIONING_DIR, 'datasources')).flatMap(
    (file) => readYaml<{ datasources?: { uid: string }[] }>(file).datasources?.map((d) => d.uid) ?? [],
  );
}

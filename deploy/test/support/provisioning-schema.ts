// Checks Grafana provisioning documents against schemas written from Grafana's own Go types
// (deploy/schemas/grafana-provisioning/, each names its source file). Grafana reads a folder of
// provisioning/ per kind, so the folder decides the schema.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { REPO_ROOT } from './provisioning';

export const SCHEMA_DIR = path.join(REPO_ROOT, 'deploy', 'schemas', 'grafana-provisioning');

/** provisioning/<folder> -> schema file; a folder Grafana reads that is not here is not checked, so the test refuses it. */
export const SCHEMA_BY_FOLDER: Record<string, string> = {
  alerting: 'alerting.schema.json',
  dashboards: 'dashboards.schema.json',
  datasources: 'datasources.schema.json',
  plugins: 'plugins.schema.json',
};

function compile(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), 'utf8')) as object, file);
  }
  return new Map(Object.values(SCHEMA_BY_FOLDER).map((file) => [file, ajv.getSchema(file) as ValidateFunction]));
}

let validators: Map<string, ValidateFunction> | undefined;

function describeError(e: ErrorObject): string {
  const where = e.instancePath || '(top)';
  if (e.keyword === 'additionalProperties') return `${where}: unknown key "${(e.params as { additionalProperty: string }).additionalProperty}"`;
  if (e.keyword === 'propertyNames') return `${where}: unknown key "${(e.params as { propertyName: string }).propertyName}"`;
  return `${where}: ${e.message ?? e.keyword}`;
}

/** The problems of one document of the given folder's kind, as "path: what", none when it is valid. */
export function provisioningProblems(folder: string, doc: unknown): string[] {
  const schema = SCHEMA_BY_FOLDER[folder];
  if (!schema) return [`no schema for provisioning/${folder}: Grafana reads it, so add one`];
  validators ??= compile();
  const validate = validators.get(schema) as ValidateFunction;
  if (validate(doc)) return [];
  // if/then and anyOf add a summary line for each nested failure; the nested lines say what is wrong.
  const errors = (validate.errors ?? []).filter((e) => !['if', 'anyOf', 'allOf'].includes(e.keyword) || (validate.errors ?? []).length === 1);
  return [...new Set(errors.map(describeError))];
}

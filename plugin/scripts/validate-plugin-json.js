#!/usr/bin/env node
// Validates plugin.json files against Grafana's plugin.json schema (schema/plugin.schema.json, a copy
// of Grafana's docs/sources/developers/plugins/plugin.schema.json). Used by the jest test on src/
// and after every build on dist/:  node scripts/validate-plugin-json.js dist
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const addFormats = require('ajv-formats');

const schema = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'schema', 'plugin.schema.json'), 'utf8'));
// The schema is draft-07 with Grafana's own keywords (strict mode would reject those) and patterns
// such as \- that are valid ECMAScript but not under the u flag Ajv uses by default.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

/** @returns {string[]} every plugin.json below dir */
function findPluginJsons(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules') {
      found.push(...findPluginJsons(full));
    } else if (entry.name === 'plugin.json') {
      found.push(full);
    }
  }
  return found.sort();
}

/**
 * @returns {string[]} the problems of one file, empty when it is valid: schema errors, and logos or
 * bundled dashboards (includes of type dashboard) missing next to it, as in an incomplete dist/.
 */
function validateFile(file) {
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  const problems = validate(json)
    ? []
    : validate.errors.map((e) => `${file}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  for (const logo of new Set(Object.values((json.info && json.info.logos) || {}))) {
    if (!fs.existsSync(path.join(path.dirname(file), logo))) {
      problems.push(`${file}: logo ${logo} is not there`);
    }
  }
  for (const include of json.includes || []) {
    if (include.type === 'dashboard' && !fs.existsSync(path.join(path.dirname(file), include.path))) {
      problems.push(`${file}: includes dashboard ${include.path}, which is not there`);
    }
  }
  return problems;
}

module.exports = { findPluginJsons, validateFile };

if (require.main === module) {
  const dir = process.argv[2] || 'dist';
  const files = findPluginJsons(dir);
  if (files.length < 2) {
    console.error(`expected the app's and the datasource's plugin.json below ${dir}, found ${files.length}`);
    process.exit(1);
  }
  const errors = files.flatMap(validateFile);
  if (errors.length) {
    console.error(errors.join('\n'));
    process.exit(1);
  }
  console.error(`plugin.json valid: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

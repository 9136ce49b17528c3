#!/usr/bin/env node
// Rewrites a built plugin.json (plugin/dist) for the stack's Grafana image: the same app, minus its
// `includes` of type dashboard. Grafana imports an app's included dashboards by itself whenever the
// app is enabled in an organization (and again when the app's version changes), into the General
// folder and under the dashboards' own uids. The stack provisions those same files, under the same
// uids, into the Dockpulse folder, so with both each start would make them change hands. The
// dashboard JSON files stay in dashboards/, which the file provider reads.
// Usage: node without-dashboard-includes.js <path/to/plugin.json>
'use strict';
const fs = require('node:fs');

const file = process.argv[2];
if (!file) {
  console.error('usage: without-dashboard-includes.js <path/to/plugin.json>');
  process.exit(2);
}
const plugin = JSON.parse(fs.readFileSync(file, 'utf8'));
if (!Array.isArray(plugin.includes)) {
  console.error(`${file}: no "includes" array, is this an app plugin.json?`);
  process.exit(1);
}
const before = plugin.includes.length;
plugin.includes = plugin.includes.filter((include) => include.type !== 'dashboard');
fs.writeFileSync(file, `${JSON.stringify(plugin, null, 2)}\n`);
console.log(`${file}: ${before - plugin.includes.length} dashboard includes removed, ${plugin.includes.length} kept`);

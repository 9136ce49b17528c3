// The unit and browser projects of jest.config.js a second time, against the @grafana/* 13.x set
// with React 19 installed on its own in compat/grafana13 (npm ci --prefix plugin/compat/grafana13;
// not a workspace, so the workspace's 12.x/React 18 install stays as it is):
//   npx jest -c jest.grafana13.config.js --ci   (in plugin/; both projects; the browser one needs chromium and DATABASE_URL)
// Every import of React, react-dom, @grafana/* and testing-library, from the plugin and from the
// packages in the root node_modules alike (react-router-dom, @emotion/*), resolves from that install
// (compat/grafana13/same-copy.js), so one copy of React runs.
const path = require('path');
const { grafanaESModules, nodeModulesToTransform } = require('./.config/jest/utils');
const base = require('./jest.config');

const compat = path.join(__dirname, 'compat', 'grafana13');
const modules = path.join(compat, 'node_modules');
if (!require('fs').existsSync(path.join(modules, '@grafana', 'ui', 'package.json'))) {
  throw new Error('The Grafana 13 set is not installed: npm ci --prefix plugin/compat/grafana13');
}

// Read by test/browser/webpack.harness.ts, which the browser test runs to bundle its page.
process.env.DOCKPULSE_GRAFANA_COMPAT = compat;

// ESM-only packages that @grafana/* 13 pull in (on top of the scaffold's list), and .mjs builds
// (d3-interpolate 3.0.2, d3-color 3.1.1) that the scaffold's transform pattern does not name.
const esm = [...grafanaESModules, '@react-hookz', '@ver0'];
const swc = base.projects[0].transform['^.+\\.(t|j)sx?$'];
const transform = { '^.+\\.(t|j)sx?$': swc, '^.+\\.mjs$': swc };

const project = (name) => {
  const p = base.projects.find((x) => x.displayName === name);
  return {
    ...p,
    displayName: `${name} (grafana 13)`,
    transform,
    transformIgnorePatterns: [nodeModulesToTransform(esm)],
    setupFiles: [...(p.setupFiles ?? []), path.join(compat, 'jest-setup.js')],
    resolver: path.join(compat, 'jest-resolver.js'),
    // A cache of its own, apart from the 12.x runs'.
    cacheDirectory: path.join(require('os').tmpdir(), 'jest-dockpulse-grafana13'),
  };
};

module.exports = {
  // jest.config.js's 30 s, doubled: the slowest editor test (several Combobox picks with user-event)
  // takes 10-15 s on either set here, and twice that while other jobs load the 2 cores.
  testTimeout: 2 * base.testTimeout,
  projects: [project('unit'), project('browser')],
};

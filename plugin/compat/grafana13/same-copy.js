// The packages that must be one copy when the plugin runs against this set: React and everything
// that holds React state or context (@grafana/*, testing-library, and react-router, whose router
// context @grafana/ui's links read through react-router-dom-v5-compat; in Grafana, react-router is
// shared with plugins too). Their imports from outside this folder, by the plugin's code and by the
// root node_modules' packages alike (react-router-dom 6, @emotion/*), are resolved from this folder,
// as if made here; imports inside this folder and everything else resolve as usual.
// Used by jest-resolver.js (jest.grafana13.config.js) and by test/browser/webpack.harness.ts.
const path = require('path');

const dir = __dirname;
const names = [
  'react',
  'react-dom',
  '@grafana/data',
  '@grafana/ui',
  '@grafana/runtime',
  '@grafana/schema',
  '@grafana/i18n',
  '@grafana/e2e-selectors',
  '@testing-library/react',
  '@testing-library/dom',
  'react-router',
];

/** Whether a bare import (`react`, `react/jsx-runtime`, `@grafana/data/unstable`) is one of them. */
const matches = (request) => names.some((name) => request === name || request.startsWith(`${name}/`));

module.exports = { dir, modules: path.join(dir, 'node_modules'), names, matches };

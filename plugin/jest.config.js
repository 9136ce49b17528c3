// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

const path = require('path');
const base = require('./.config/jest.config');
const repo = path.join(__dirname, '..');

module.exports = {
  // Editor tests drive @grafana/ui's Combobox with user-event in jsdom; on a 2-core CI machine a
  // test that picks a few options takes several seconds, and on a loaded one (seen: the shifted-
  // clock step beside other jobs) over 30 s. A bound for a hung test, not a speed check.
  testTimeout: 120_000,
  projects: [
    // Unit tests: jest configuration provided by Grafana scaffolding.
    { ...base, displayName: 'unit', rootDir: __dirname },
    // Contract test: the datasource against the real API (api/src) in-process. The datasource
    // module loads @grafana/ui (its editors), which needs a DOM to load, so jsdom; but the API's
    // packages (pg, pino, express) must resolve to their node builds, not the browser ones.
    {
      displayName: 'contract',
      rootDir: __dirname,
      testEnvironment: 'jest-environment-jsdom',
      testEnvironmentOptions: { customExportConditions: ['node', 'node-addons'] },
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/contract/setup.js'],
      setupFilesAfterEnv: base.setupFilesAfterEnv,
      transform: base.transform,
      transformIgnorePatterns: base.transformIgnorePatterns,
      moduleNameMapper: {
        ...base.moduleNameMapper,
        '^@dockpulse/common$': path.join(repo, 'common/src/index.ts'),
        '^@dockpulse/common/(.*)$': path.join(repo, 'common/src/$1'),
        '^@dockpulse/api/(.*)$': path.join(repo, 'api/src/$1'),
        '^@dockpulse/collector/(.*)$': path.join(repo, 'collector/src/$1'),
      },
    },
    // Browser test: the pages in Debian's chromium through playwright-core (node drives the browser).
    {
      displayName: 'browser',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/browser/**/*.browser.test.ts'],
      transform: base.transform,
      transformIgnorePatterns: base.transformIgnorePatterns,
      // The real-API part starts api/src in-process, seeded through the collector's writer.
      moduleNameMapper: {
        '^@dockpulse/common$': path.join(repo, 'common/src/index.ts'),
        '^@dockpulse/common/(.*)$': path.join(repo, 'common/src/$1'),
        '^@dockpulse/api/(.*)$': path.join(repo, 'api/src/$1'),
        '^@dockpulse/collector/(.*)$': path.join(repo, 'collector/src/$1'),
      },
    },
  ],
};

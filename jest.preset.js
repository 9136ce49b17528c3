// Shared jest settings for the node workspaces. Type checking is `npm run typecheck`'s job, so
// ts-jest only transpiles (isolatedModules) and tests start fast.
const path = require('node:path');

/** @param {string} dir the workspace directory */
module.exports = (dir) => ({
  rootDir: dir,
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test'].filter((p) =>
    require('node:fs').existsSync(p.replace('<rootDir>', dir)),
  ),
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: path.join(__dirname, 'tsconfig.jest.json') }],
  },
  moduleNameMapper: {
    '^@dockpulse/common$': path.join(__dirname, 'common/src/index.ts'),
    '^@dockpulse/common/(.*)$': path.join(__dirname, 'common/src/$1'),
    '^@dockpulse/api/(.*)$': path.join(__dirname, 'api/src/$1'),
    '^@dockpulse/collector/(.*)$': path.join(__dirname, 'collector/src/$1'),
  },
  testMatch: ['**/*.test.ts'],
  // Integration tests share one PostgreSQL and one Docker engine on a 2-core machine.
  maxWorkers: 2,
  testTimeout: 60_000,
});

// Shared jest setup: TypeScript through swc as ESM, workspace packages resolved to their sources
// so a test never runs against a stale dist/ of a sibling package.
const path = require('node:path');
const root = __dirname;
module.exports = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', {
      jsc: { target: 'es2022', parser: { syntax: 'typescript' } },
      module: { type: 'es6' },
      sourceMaps: 'inline',
    }],
  },
  transformIgnorePatterns: ['/node_modules/'],
  moduleNameMapper: {
    '^@llmspell/cli$': path.join(root, 'apps/cli/src/index.ts'),
    '^@llmspell/([a-z0-9-]+)$': path.join(root, 'packages/$1/src/index.ts'),
    '^@llmspell/([a-z0-9-]+)/internal$': path.join(root, 'packages/$1/src/internal.ts'),
    '^@llmspell/([a-z0-9-]+)/testing$': path.join(root, 'packages/$1/src/testing/index.ts'),
    // light entry points (`@llmspell/core/errors`, `@llmspell/runtime/isolation`): a file or a folder's index
    '^@llmspell/([a-z0-9-]+)/([a-z0-9-]+)$': path.join(root, 'packages/$1/src/$2'),
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 30000,
};

// CLI tests run the built binary in child processes: give them room on a loaded 2-core machine.
// Their scratch folders live in one temp directory the teardown checks is empty again.
module.exports = {
  ...require('../../jest.preset.cjs'),
  testTimeout: 120000,
  globalSetup: '<rootDir>/test/temp-guard-setup.cjs',
  globalTeardown: '<rootDir>/test/temp-guard-teardown.cjs',
};

// CLI tests run the built binary in child processes: give them room on a loaded 2-core machine.
module.exports = { ...require('../../jest.preset.cjs'), testTimeout: 120000 };

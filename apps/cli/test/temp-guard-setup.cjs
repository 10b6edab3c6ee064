// The CLI suite's temp directory: every test's scratch folder is made in it (TMPDIR), so the
// teardown can prove the tests removed what they made.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-cli-suite-'));
  // as /tmp: other users reach what a test hands them (PostgreSQL's data dir, run as postgres)
  fs.chmodSync(dir, 0o755);
  process.env.LLMSPELL_CLI_SUITE_TMP = dir;
  process.env.TMPDIR = dir;
};

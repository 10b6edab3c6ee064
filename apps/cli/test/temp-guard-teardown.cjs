// Fails the run when a test left anything in the suite's temp directory (and removes it either way).
const fs = require('node:fs');

module.exports = async function teardown() {
  const dir = process.env.LLMSPELL_CLI_SUITE_TMP;
  if (!dir || !fs.existsSync(dir)) return;
  const left = fs.readdirSync(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  if (left.length > 0) throw new Error(`the CLI tests left ${left.length} temp folder(s) behind: ${left.join(', ')}`);
};

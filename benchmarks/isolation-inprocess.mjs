// The CLI's run path without the script host: compose the runtime in this process and run
// the script here, as `llmspell run` did before scripts ran isolated. The baseline of
// isolation.bench.mjs. Usage: node isolation-inprocess.mjs <script>
import fs from 'node:fs';
import path from 'node:path';

// the CLI's modules as tsc builds them (lib/; dist/ is the bundle, which exports no internals)
const cli = new URL('../apps/cli/lib/', import.meta.url);
const file = process.argv[2];
const { composeRuntime } = await import(new URL('compose-runtime.js', cli).href);
const { chooseEngine, loadEngine, preloadEngine } = await import(new URL('engines.js', cli).href);
const { formatResult } = await import(new URL('format-output.js', cli).href);
const { processIo } = await import(new URL('io.js', cli).href);
const flags = { output: 'text', verbose: false, quiet: false, help: false, version: false };
const engineName = chooseEngine(undefined, file, 'lua');
preloadEngine(engineName);
const { runtime } = await composeRuntime(flags, processIo);
try {
  const result = await runtime.runScript(await loadEngine(engineName), fs.readFileSync(file, 'utf8'), {
    filename: path.basename(file),
    args: { positional: [], named: {} },
    output: { stdout: (t) => process.stdout.write(runtime.policy.redact(t) + '\n'), stderr: (t) => process.stderr.write(runtime.policy.redact(t) + '\n') },
  });
  const text = formatResult(runtime.policy.redactValue(result), 'text', { engine: engineName, elapsedMs: 0 });
  if (text !== null) process.stdout.write(text + '\n');
} finally {
  await runtime.close();
}

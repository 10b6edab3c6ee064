import path from 'node:path';
import { configuredEngine, loadCliConfig } from '../compose-runtime.js';
import { sayConfigWarnings } from '../config-warnings.js';
import { defaultEngineOf, engineFor, loadEngine } from '../engines.js';
import { readScriptFile } from '../script-file.js';
import type { CliIo } from '../io.js';
import type { ParsedArgs } from '../parse-args.js';

export async function validateCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) {
    // Without a script, validate the configuration (what rs-llmspell's `validate` did).
    const loaded = loadCliConfig(args.flags, io);
    // an engine llmspell does not have is refused here, not at the first script that would need it
    defaultEngineOf(loaded);
    if (args.flags.output === 'json') io.stdout(JSON.stringify({ valid: true, config_file: loaded.source, warnings: loaded.warnings }, null, 2) + '\n');
    else {
      io.stdout(`${loaded.source ?? 'built-in defaults'}: configuration is valid\n`);
      sayConfigWarnings(loaded, args.flags, io, true);
    }
    return 0;
  }
  const { source } = readScriptFile(io.cwd, file);
  const engineName = engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, file) ?? configuredEngine(args.flags, io);
  const engine = await loadEngine(engineName);
  const context = await engine.createContext({ globals: {}, limits: { memoryBytes: 64 * 1024 * 1024, timeoutMs: 10_000 }, output: { stdout() {}, stderr() {} } });
  try {
    const problem = await context.checkSyntax(source, path.basename(file));
    if (args.flags.output === 'json') {
      io.stdout(JSON.stringify({ valid: problem === null, file, engine: engineName, error: problem }, null, 2) + '\n');
    } else if (problem) {
      io.stderr(`${problem.file}${problem.line ? `:${problem.line}` : ''}: ${problem.message}\n`);
    } else {
      io.stdout(`${file}: ok (${engineName})\n`);
    }
    return problem ? 1 : 0;
  } finally {
    context.dispose();
  }
}

import { execCommand, runCommand } from './commands/run-script.js';
import { jsonEnvelope } from './format-output.js';
import { processIo, type CliIo } from './io.js';
import { parseArgs, type ParsedArgs } from './parse-args.js';
import { UsageError } from './usage-error.js';
import { errorJson, reportError } from './report-error.js';

/** `--output json` asked for, read without the parser (for when the parser is what failed). */
function asksForJson(argv: string[]): boolean {
  return argv.some((a, i) => a === '--output=json' || (a === '--output' && argv[i + 1] === 'json'));
}

/**
 * `llmspell run` and `llmspell exec` without loading the rest of the CLI: this process only
 * supervises the script host, which loads the runtime, engines and tools itself. Resolves
 * undefined for anything else (other commands, help, usage errors), which `main` handles.
 * With `--output json` every failure, a usage error included, is the one JSON document on stdout.
 */
export async function scriptMain(argv: string[], io: CliIo = processIo): Promise<number | undefined> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    const command = argv.find((a) => a === 'run' || a === 'exec');
    if (!command || !asksForJson(argv)) return undefined;
    io.stdout(jsonEnvelope({ ok: false, error: errorJson(error) }, [], false) + '\n');
    return 2;
  }
  const command = args.positionals[0];
  if ((command !== 'run' && command !== 'exec') || args.flags.help || args.flags.version) return undefined;
  try {
    return await (command === 'run' ? runCommand(args, io) : execCommand(args, io));
  } catch (error) {
    if (args.flags.output === 'json') io.stdout(jsonEnvelope({ ok: false, error: errorJson(error, args.flags.verbose) }, [], false) + '\n');
    else reportError(error, args, io);
    return error instanceof UsageError ? 2 : 1;
  }
}

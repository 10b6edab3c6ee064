import { execCommand, runCommand } from './commands/run-script.js';
import { processIo, type CliIo } from './io.js';
import { parseArgs, UsageError } from './parse-args.js';
import { reportError } from './report-error.js';

/**
 * `llmspell run` and `llmspell exec` without loading the rest of the CLI: this process only
 * supervises the script host, which loads the runtime, engines and tools itself. Resolves
 * undefined for anything else (other commands, help, usage errors), which `main` handles.
 */
export async function scriptMain(argv: string[], io: CliIo = processIo): Promise<number | undefined> {
  let args;
  try {
    args = parseArgs(argv);
  } catch {
    return undefined;
  }
  const command = args.positionals[0];
  if ((command !== 'run' && command !== 'exec') || args.flags.help || args.flags.version) return undefined;
  try {
    return await (command === 'run' ? runCommand(args, io) : execCommand(args, io));
  } catch (error) {
    reportError(error, args, io);
    return error instanceof UsageError ? 2 : 1;
  }
}

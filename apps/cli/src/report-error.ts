import { isLlmspellError } from '@llmspell/core/errors';
import type { CliIo } from './io.js';
import type { ParsedArgs } from './parse-args.js';

/** An error as JSON: `{code, message, …details}` (file, line, traceback for a script error). */
export function errorJson(error: unknown, verbose = false): Record<string, unknown> {
  if (isLlmspellError(error)) return { code: error.code, message: error.message, ...error.details };
  const text = error instanceof Error ? (verbose ? error.stack ?? error.message : error.message) : String(error);
  return { code: 'INTERNAL', message: text };
}

/**
 * Prints a command's failure on stderr: `CODE: message` (for a script error `CODE: file:line:
 * message`, and with -v the script's traceback after it), JSON with --output json.
 */
export function reportError(error: unknown, args: ParsedArgs | undefined, io: CliIo): void {
  const verbose = args?.flags.verbose ?? false;
  if (args?.flags.output === 'json') {
    io.stderr(JSON.stringify({ error: errorJson(error, verbose) }) + '\n');
    return;
  }
  if (isLlmspellError(error)) {
    const traceback = verbose && typeof error.details.traceback === 'string' ? `\n${error.details.traceback}` : '';
    io.stderr(`${error.message}${traceback}\n`);
    return;
  }
  const text = error instanceof Error ? (verbose ? error.stack ?? error.message : error.message) : String(error);
  io.stderr(`llmspell: internal error: ${text}\n`);
}

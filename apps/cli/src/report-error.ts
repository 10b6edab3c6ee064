import { isLlmspellError } from '@llmspell/core/errors';
import type { CliIo } from './io.js';
import type { ParsedArgs } from './parse-args.js';

/** Prints a command's failure: `CODE: message` (or `file:line: message` for a plain script error), JSON with --output json. */
export function reportError(error: unknown, args: ParsedArgs | undefined, io: CliIo): void {
  const json = args?.flags.output === 'json';
  if (isLlmspellError(error)) {
    if (json) io.stderr(JSON.stringify({ error: { code: error.code, message: error.message, ...error.details } }) + '\n');
    // A plain script error reads like Lua's and Node's own: `file:line: message`.
    else io.stderr(`${error.code === 'SCRIPT_ERROR' && error.details.file ? error.detail : error.message}\n`);
    return;
  }
  const text = error instanceof Error ? (args?.flags.verbose ? error.stack ?? error.message : error.message) : String(error);
  if (json) io.stderr(JSON.stringify({ error: { code: 'INTERNAL', message: text } }) + '\n');
  else io.stderr(`llmspell: internal error: ${text}\n`);
}

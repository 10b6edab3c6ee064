import fs from 'node:fs';
import path from 'node:path';
import { LlmspellError } from '@llmspell/core/errors';

/**
 * The text of the script `file` names (relative to `cwd`), with an error that says what is wrong
 * with the path: missing, a directory, or unreadable, not "not found" for all three.
 */
export function readScriptFile(cwd: string, file: string): { full: string; source: string } {
  const full = path.resolve(cwd, file);
  try {
    return { full, source: fs.readFileSync(full, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LlmspellError('NOT_FOUND', `Script file not found: ${file}`, { details: { file } });
    if (code === 'EISDIR') throw new LlmspellError('INVALID_ARGUMENT', `${file} is a directory, not a script file`, { details: { file } });
    throw new LlmspellError('IO_ERROR', `cannot read the script ${file}: ${(error as Error).message}`, { details: { file, errno: code } });
  }
}

import fs from 'node:fs';
import { type ExecutionContext, LlmspellError, toLlmspellError } from '@llmspell/core';

export { emptyTableAsList, isInside, missingParameter as missing, normaliseOperation } from '@llmspell/core';

/** The per-file size cap: the policy's limit, lowered by a tool setting `max_file_size` if given. */
export function maxFileBytes(ctx: ExecutionContext): number {
  const setting = ctx.settings.max_file_size;
  const limit = ctx.policy.maxFileBytes;
  return typeof setting === 'number' && setting > 0 ? Math.min(setting, limit) : limit;
}

export function errnoCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as NodeJS.ErrnoException).code : undefined;
}

/** Maps a node fs error to an LlmspellError with a stable code and the user's path. */
export function fsError(error: unknown, what: string): LlmspellError {
  if (error instanceof LlmspellError) return error;
  switch (errnoCode(error)) {
    case 'ENOENT':
      return new LlmspellError('NOT_FOUND', `${what}: no such file or directory`, { cause: error });
    case 'EEXIST':
      return new LlmspellError('ALREADY_EXISTS', `${what}: already exists`, { cause: error });
    case 'ENOTEMPTY':
      return new LlmspellError('IO_ERROR', `${what}: directory not empty (use recursive = true)`, { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new LlmspellError('IO_ERROR', `${what}: permission denied`, { cause: error });
    case 'EISDIR':
      return new LlmspellError('INVALID_ARGUMENT', `${what}: is a directory`, { cause: error });
    case 'ENOTDIR':
      return new LlmspellError('INVALID_ARGUMENT', `${what}: not a directory`, { cause: error });
    case 'ELOOP':
      return new LlmspellError('PATH_NOT_ALLOWED', `${what}: a symbolic link appeared where a file or directory was checked; refused`, { cause: error });
    default:
      return toLlmspellError(error, 'IO_ERROR', what);
  }
}

/** Runs an fs action, turning node errors into LlmspellErrors that name `what`. */
export async function io<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw fsError(error, what);
  }
}

export function throwIfAborted(ctx: ExecutionContext, what: string): void {
  if (ctx.signal.aborted) {
    const reason = ctx.signal.reason;
    if (reason instanceof LlmspellError) throw reason;
    throw new LlmspellError('CANCELLED', `${what}: cancelled`);
  }
}

export function statType(st: fs.Stats): 'file' | 'directory' | 'symlink' | 'other' {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isDirectory()) return 'directory';
  if (st.isFile()) return 'file';
  return 'other';
}

/** Accepts a string or an array of strings (the reference takes both for list params). */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(value)) return value.map(String).filter((s) => s.length > 0);
  return [];
}


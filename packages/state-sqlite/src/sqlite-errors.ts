import { LlmspellError } from '@llmspell/core';

/** Turns a better-sqlite3 / file-system error into an LlmspellError with a code a user can act on. */
export function toStateError(error: unknown, path: string, action: string): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const text = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  const where = `${action} ${path}`;
  if (code.startsWith('SQLITE_READONLY') || code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new LlmspellError('STATE_READ_ONLY', `${where}: the state database is read-only (${text})`, { cause: error, details: { path } });
  }
  if (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LlmspellError('STATE_ERROR', `${where}: the database stayed locked by another process past the busy timeout (${text})`, { cause: error, details: { path } });
  }
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
    return new LlmspellError('STATE_ERROR', `${where}: the file is corrupt or not a SQLite database (${text})`, { cause: error, details: { path } });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_PERM' || /^E[A-Z]+$/.test(code)) {
    return new LlmspellError('IO_ERROR', `${where}: ${text}`, { cause: error, details: { path } });
  }
  return new LlmspellError('STATE_ERROR', `${where}: ${text}`, { cause: error, details: { path } });
}

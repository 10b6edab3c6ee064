import { LlmspellError, isLlmspellError, toLlmspellError, type ErrorCode } from '@llmspell/core';

const LUA_IDSIZE = 60;
export const MEMORY_MESSAGE = 'not enough memory';

/** Lua's `short_src` for chunk name "@<filename>" (luaO_chunkid): long names keep their tail. */
export function shortSource(filename: string): string {
  const max = LUA_IDSIZE - 1;
  return filename.length <= max ? filename : '...' + filename.slice(filename.length - (max - 3));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Splits "file:12: text" when `file` is the script's own short source. */
export function splitPosition(message: string, filename: string): { line: number | null; text: string } {
  const match = new RegExp(`^(?:${escapeRegExp(shortSource(filename))}|${escapeRegExp(filename)}):(\\d+): ?`).exec(message);
  if (!match) return { line: null, text: message };
  return { line: Number(match[1]), text: message.slice(match[0].length) };
}

/** Shows the full file name where Lua shortened it (tracebacks, messages). */
export function expandSource(text: string, filename: string): string {
  const short = shortSource(filename);
  return short === filename ? text : text.split(short + ':').join(filename + ':');
}

/** The script's frames only: the bridge's runner frames (chunk "llmspell") are noise to users. */
function cleanTraceback(traceback: string, filename: string): string {
  const lines = traceback.replace(/^\n/, '').split('\n').filter((line) => !/^\s*(llmspell:\d+:|\[C\]: in upvalue 'raw_xpcall')/.test(line));
  return expandSource(lines.join('\n'), filename);
}

export interface ScriptFailure {
  /** The error value as text (position prefix included when Lua added one). */
  message: string;
  /** Where the handler found the failing script line, when it could. */
  source?: string | null;
  line?: number | null;
  traceback?: string;
}

/** Emscripten implements Lua's longjmp (errors, yields) as a thrown number: never swallow it. */
export function isLongjmp(error: unknown): boolean {
  return typeof error === 'number';
}

export function hostErrorOf(error: unknown): LlmspellError {
  return isLlmspellError(error) ? error : toLlmspellError(error, 'INTERNAL');
}

export interface HostErrorRecord {
  message: string;
  error: LlmspellError;
}

/**
 * Maps an uncaught Lua error to the LlmspellError `run()` rejects with:
 * `<file>:<line>: <message>`, keeping the code of a host error that reached the top.
 */
export function scriptError(failure: ScriptFailure, filename: string, hostError?: HostErrorRecord): LlmspellError {
  const { line: messageLine, text } = splitPosition(failure.message, filename);
  const handlerLine = failure.source === shortSource(filename) ? (failure.line ?? null) : null;
  const line = messageLine ?? (handlerLine !== null && handlerLine > 0 ? handlerLine : null);
  let code: ErrorCode = 'SCRIPT_ERROR';
  let cause: unknown;
  let detail = text;
  if (hostError && (text === hostError.message || failure.message === hostError.message)) {
    // the message already starts with the code: keep the host's code, not a second prefix
    code = hostError.error.code;
    cause = hostError.error;
    detail = hostError.error.detail;
  } else if (/(^|: )(C )?stack overflow/.test(text) || text === 'error in error handling' && /stack overflow/.test(failure.traceback ?? '')) {
    code = 'SCRIPT_STACK_OVERFLOW';
  } else if (text === MEMORY_MESSAGE) {
    code = 'SCRIPT_MEMORY_LIMIT';
  }
  const where = line === null ? filename : `${filename}:${line}`;
  // an error from a callback of this script already says where it happened
  const inner = splitPosition(detail, filename);
  if (inner.line !== null) return new LlmspellError(code, detail, { details: { file: filename, line: inner.line }, cause });
  const details: Record<string, unknown> = { file: filename, line };
  if (failure.traceback) details.traceback = cleanTraceback(failure.traceback, filename);
  return new LlmspellError(code, `${where}: ${detail}`, { details, cause });
}

export function syntaxError(message: string, filename: string): LlmspellError {
  if (message === MEMORY_MESSAGE) {
    return new LlmspellError('SCRIPT_MEMORY_LIMIT', `${filename}: ${message}`, { details: { file: filename, line: null } });
  }
  const { line, text } = splitPosition(message, filename);
  const where = line === null ? filename : `${filename}:${line}`;
  return new LlmspellError('SCRIPT_SYNTAX_ERROR', `${where}: ${text}`, { details: { file: filename, line } });
}

export function limitError(code: 'SCRIPT_TIMEOUT' | 'CANCELLED' | 'SCRIPT_MEMORY_LIMIT', filename: string, text: string): LlmspellError {
  return new LlmspellError(code, `${filename}: ${text}`, { details: { file: filename, line: null } });
}

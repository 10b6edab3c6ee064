import { ErrorCodes, LlmspellError, type ErrorCode } from '@llmspell/core';

/** What the bridge reads from a QuickJS exception value. */
export interface ErrorInfo {
  isError: boolean;
  name: string;
  message: string;
  stack: string;
  code: string | null;
  lineNumber: number | null;
  fileName: string | null;
}

const CODES = new Set<string>(ErrorCodes);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && CODES.has(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The script line of the innermost stack frame in `file` (QuickJS: `at f (file.js:3:5)`). */
export function lineFromStack(stack: string, file: string): number | null {
  if (!stack) return null;
  const match = new RegExp(`${escapeRegExp(file)}:(\\d+)`).exec(stack);
  return match ? Number(match[1]) : null;
}

/** Drops a leading `CODE: ` so a host error's code is not repeated in the message. */
export function stripCodePrefix(message: string, code: string): string {
  return message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message;
}

export function scriptError(code: ErrorCode, file: string, line: number | null, text: string, cause?: unknown, traceback?: string): LlmspellError {
  const where = line === null ? file : `${file}:${line}`;
  return new LlmspellError(code, `${where}: ${text}`, { details: traceback ? { file, line, traceback } : { file, line }, cause });
}

/**
 * The stack of a script error as `stack traceback:` lines like Lua's, script frames only: the
 * bridge's own prelude frames say nothing to the script's author.
 */
export function scriptTraceback(stack: string): string | undefined {
  const frames = stack.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('at ') && !/\(<?(?:llmspell|prelude|native)[^)]*\)?$/.test(l));
  return frames.length ? `stack traceback:\n${frames.map((f) => `\t${f}`).join('\n')}` : undefined;
}

export function isStackOverflow(info: ErrorInfo): boolean {
  return (info.name === 'InternalError' && /stack overflow/i.test(info.message)) ||
    (info.name === 'RangeError' && /call stack/i.test(info.message));
}

export function isOutOfMemory(info: ErrorInfo): boolean {
  return info.name === 'InternalError' && /out of memory/i.test(info.message);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

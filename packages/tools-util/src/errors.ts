import { LlmspellError, type ErrorCode } from '@llmspell/core';

/** Throws the package's standard hard-failure error: `<tool>: parameter '<name>': <why>`. */
export function paramError(tool: string, parameter: string, why: string, code: ErrorCode = 'INVALID_ARGUMENT', details: Record<string, unknown> = {}): never {
  throw new LlmspellError(code, `${tool}: parameter '${parameter}': ${why}`, { details: { tool, parameter, ...details } });
}

/** Returns `value`, or throws naming the missing parameter. */
export function required<T>(tool: string, parameter: string, value: T | undefined | null, why = 'is required'): T {
  if (value === undefined || value === null || (typeof value === 'string' && value.length === 0 && why === 'is required')) {
    paramError(tool, parameter, why);
  }
  return value;
}

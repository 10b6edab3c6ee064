import { LlmspellError, type ErrorCode } from '@llmspell/core';

/** Throws the package's standard hard-failure error: `<tool>: parameter '<name>': <why>`. */
export function paramError(tool: string, parameter: string, why: string, code: ErrorCode = 'INVALID_ARGUMENT', details: Record<string, unknown> = {}): never {
  throw new LlmspellError(code, `${tool}: parameter '${parameter}': ${why}`, { details: { tool, parameter, ...details } });
}

import { compileScriptRegex, type ExecutionContext, LlmspellError, type ScriptRegex } from '@llmspell/core';

export { emptyTableAsList, missingParameter as missing, normaliseOperation } from '@llmspell/core';

export function numberSetting(ctx: ExecutionContext, key: string, fallback: number): number {
  const v = ctx.settings[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

/**
 * A glob on names: `*` any run, `?` one character; everything else literal. Matched in linear time:
 * `*a*a*a…` as a backtracking regex is polynomial in the name's length.
 */
export function globToRegExp(glob: string, caseInsensitive = false, parameter = 'pattern'): ScriptRegex {
  const body = glob.replace(/[.+^${}()|[\]\\/-]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return compileScriptRegex(`^${body}$`, { parameter, flags: caseInsensitive ? 'i' : '' });
}

export function cancelledError(ctx: ExecutionContext, what: string): LlmspellError {
  const reason = ctx.signal.reason;
  return reason instanceof LlmspellError ? reason : new LlmspellError('CANCELLED', `${what}: cancelled`);
}

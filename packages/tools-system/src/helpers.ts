import { type ExecutionContext, LlmspellError } from '@llmspell/core';

export { emptyTableAsList, missingParameter as missing, normaliseOperation } from '@llmspell/core';

export function numberSetting(ctx: ExecutionContext, key: string, fallback: number): number {
  const v = ctx.settings[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

export function cancelledError(ctx: ExecutionContext, what: string): LlmspellError {
  const reason = ctx.signal.reason;
  return reason instanceof LlmspellError ? reason : new LlmspellError('CANCELLED', `${what}: cancelled`);
}

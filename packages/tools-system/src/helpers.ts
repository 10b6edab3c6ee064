import { type ExecutionContext, LlmspellError } from '@llmspell/core';

/** Normalises an operation name through an alias table; names the parameter on failure. */
export function normaliseOperation(tool: string, raw: string, table: Record<string, string>): string {
  const op = table[raw.trim().toLowerCase()];
  if (!op) {
    const names = [...new Set(Object.values(table))];
    throw new LlmspellError('INVALID_ARGUMENT', `${tool}: parameter 'operation': unknown operation '${raw}' (expected one of ${names.join(', ')})`, {
      details: { tool, parameter: 'operation', value: raw },
    });
  }
  return op;
}

export function missing(tool: string, parameter: string, operation?: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `${tool}: parameter '${parameter}' is required${operation ? ` for operation '${operation}'` : ''}`, {
    details: { tool, parameter },
  });
}

export function numberSetting(ctx: ExecutionContext, key: string, fallback: number): number {
  const v = ctx.settings[key];
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

/** A glob on names: `*` any run, `?` one character; everything else literal. */
export function globToRegExp(glob: string, caseInsensitive = false): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, caseInsensitive ? 'i' : '');
}

export function cancelledError(ctx: ExecutionContext, what: string): LlmspellError {
  const reason = ctx.signal.reason;
  return reason instanceof LlmspellError ? reason : new LlmspellError('CANCELLED', `${what}: cancelled`);
}

/** Lua's empty table arrives as `{}`; for list parameters it means an empty list. */
export function emptyTableAsList(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0 ? [] : value;
}

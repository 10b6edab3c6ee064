import { LlmspellError, type ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

/**
 * `JSON.parse` / `JSON.stringify` for Lua. JavaScript scripts keep the engine's own JSON,
 * which has the same two functions.
 */
export function createJsonGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  if (scope.language === 'javascript') return {};
  return {
    JSON: {
      parse: (text: ScriptValue) => {
        if (typeof text !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `JSON parse error: expected a string, got ${text === null || text === undefined ? 'nil' : typeof text}`);
        try {
          return JSON.parse(text) as ScriptValue;
        } catch (error) {
          throw new LlmspellError('INVALID_ARGUMENT', `JSON parse error: ${(error as Error).message}`);
        }
      },
      stringify: (value: ScriptValue, pretty?: ScriptValue) => {
        try {
          const text = JSON.stringify(value ?? null, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), pretty ? 2 : undefined);
          return text ?? 'null';
        } catch (error) {
          throw new LlmspellError('INVALID_ARGUMENT', `JSON stringify error: ${(error as Error).message}`);
        }
      },
    },
  };
}

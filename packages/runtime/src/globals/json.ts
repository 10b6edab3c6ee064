import { LlmspellError, isScriptCallback, type ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

/**
 * `JSON.parse` / `JSON.stringify`, declared for every engine. Where the language has its own
 * JSON (JavaScript) the bridge keeps that one, which has the same two functions and more: a
 * bridge never lets a host global replace a language built-in.
 */
export function createJsonGlobal(_scope: GlobalScope): Record<string, ScriptValue> {
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
          // undefined for a value JSON cannot hold (a function), whatever lib's type says
          const text = JSON.stringify(value ?? null, (k, v) => {
            if (typeof v === 'number' && !Number.isFinite(v)) return null;
            // a function has no JSON form: an error, as the reference's conversion raised
            if (isScriptCallback(v)) throw new Error(`a function cannot be written as JSON${k ? ` (at key '${k}')` : ''}`);
            return v;
          }, pretty ? 2 : undefined) as string | undefined;
          return text ?? 'null';
        } catch (error) {
          throw new LlmspellError('INVALID_ARGUMENT', `JSON stringify error: ${(error as Error).message}`);
        }
      },
    },
  };
}

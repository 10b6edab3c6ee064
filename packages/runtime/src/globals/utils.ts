import { createHash, randomUUID } from 'node:crypto';
import { abortableDelay, isScriptCallback, LlmspellError, stableJson, type ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

const HASHES = new Set(['md5', 'sha1', 'sha256', 'sha512']);

/** `Utils.uuid()`, `Utils.timestamp()`, `Utils.hash(data, algorithm?)`, `Utils.sleep(seconds)`. */
export function createUtilsGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  return {
    Utils: {
      uuid: () => randomUUID(),
      /** Unix time in seconds, with millisecond fraction. */
      timestamp: () => Date.now() / 1000,
      hash: (data: ScriptValue, algorithm?: ScriptValue) => {
        const algo = typeof algorithm === 'string' ? algorithm.toLowerCase() : 'sha256';
        if (!HASHES.has(algo)) throw new LlmspellError('INVALID_ARGUMENT', `Utils.hash: unknown algorithm '${algo}' (md5, sha1, sha256, sha512)`);
        if (isScriptCallback(data)) throw new LlmspellError('INVALID_ARGUMENT', "Utils.hash: parameter 'data' is a function, which has no content to hash", { details: { parameter: 'data' } });
        // Key order does not change the hash: tables are written with their keys sorted.
        const text = typeof data === 'string' ? data : stableJson(data ?? null);
        return createHash(algo).update(text, 'utf8').digest('hex');
      },
      sleep: (seconds: ScriptValue) => {
        const s = Number(seconds);
        if (!Number.isFinite(s) || s < 0) throw new LlmspellError('INVALID_ARGUMENT', 'Utils.sleep: seconds must be a non-negative number');
        return abortableDelay(s * 1000, scope.signal, 'Utils.sleep cancelled').then(() => null);
      },
    },
  };
}

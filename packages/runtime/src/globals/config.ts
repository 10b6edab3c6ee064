import type { ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

function lookup(root: unknown, path: string): { found: boolean; value: unknown } {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.prototype.hasOwnProperty.call(node, part)) return { found: false, value: undefined };
    node = (node as Record<string, unknown>)[part];
  }
  return { found: true, value: node };
}

/**
 * `Config.get(path, default?)` and `Config.has(path)`: read-only access to the merged
 * configuration by dotted path (`"runtime.script_timeout_seconds"`). Secrets are masked.
 */
export function createConfigGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const masked = scope.runtime.policy.redactValue(structuredClone(scope.runtime.config));
  return {
    Config: {
      get: (path: ScriptValue, fallback?: ScriptValue) => {
        if (typeof path !== 'string' || path === '') return (masked as unknown as ScriptValue) ?? null;
        const { found, value } = lookup(masked, path);
        return found && value !== undefined ? (structuredClone(value) as ScriptValue) : (fallback ?? null);
      },
      has: (path: ScriptValue) => typeof path === 'string' && lookup(masked, path).found,
    },
  };
}

import type { ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

/** `Logger.debug/info/warn/error(message, data?)`, written to the runtime's logger (stderr). */
export function createLoggerGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const logger = scope.runtime.logger;
  const make = (level: 'debug' | 'info' | 'warn' | 'error') => (message: ScriptValue, data?: ScriptValue) => {
    const text = typeof message === 'string' ? message : JSON.stringify(message ?? null);
    const extra = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : data === undefined || data === null ? undefined : { data };
    logger[level](text, extra ? scope.runtime.policy.redactValue(extra) : undefined);
    return null;
  };
  return { Logger: { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') } };
}

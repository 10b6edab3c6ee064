import { isScriptCallback, type ScriptValue } from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

/** A script's function in logged data reads as one, not as the host object behind it. */
const functionsNamed = (_key: string, value: unknown) => (isScriptCallback(value) ? '[function]' : value);

function loggable(data: ScriptValue): ScriptValue {
  try {
    return JSON.parse(JSON.stringify(data, functionsNamed)) as ScriptValue;
  } catch {
    return data; // what JSON cannot write (a bigint) is the logger's to show as it can
  }
}

/** `Logger.debug/info/warn/error(message, data?)`, written to the runtime's logger (stderr). */
export function createLoggerGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const logger = scope.runtime.logger;
  const make = (level: 'debug' | 'info' | 'warn' | 'error') => (message: ScriptValue, data?: ScriptValue) => {
    const text = typeof message === 'string' ? message : JSON.stringify(message ?? null, functionsNamed);
    const plain = typeof data === 'object' && data !== null ? loggable(data) : data;
    const extra = plain && typeof plain === 'object' && !Array.isArray(plain) ? (plain as Record<string, unknown>) : plain === undefined || plain === null ? undefined : { data: plain };
    logger[level](text, extra ? scope.runtime.policy.redactValue(extra) : undefined);
    return null;
  };
  return { Logger: { debug: make('debug'), info: make('info'), warn: make('warn'), error: make('error') } };
}

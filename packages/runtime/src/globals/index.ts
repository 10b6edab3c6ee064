import type { ScriptValue } from '@llmspell/core';
import type { GlobalScope, ScriptArgs } from '../global-scope.js';
import { createConfigGlobal } from './config.js';
import { createJsonGlobal } from './json.js';
import { createLoggerGlobal } from './logger.js';
import { createToolGlobal } from './tool.js';
import { createUtilsGlobal } from './utils.js';

/**
 * `ARGS`: positional arguments as an array (Lua `ARGS[1]`, JS `ARGS[0]`) that also
 * carries `--name value` pairs as named fields (`ARGS.name`).
 */
export function createArgs(args: ScriptArgs): ScriptValue {
  const list: string[] = [...args.positional];
  return Object.assign(list, args.named) as unknown as ScriptValue;
}

/** The globals every engine gets, in the reference's registration order. */
export function coreGlobals(scope: GlobalScope, args: ScriptArgs): Record<string, ScriptValue> {
  return {
    ...createJsonGlobal(scope),
    ...createLoggerGlobal(scope),
    ...createConfigGlobal(scope),
    ...createUtilsGlobal(scope),
    ...createToolGlobal(scope),
    ARGS: createArgs(args),
  };
}

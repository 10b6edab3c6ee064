import { LlmspellError, type ScriptContext, type ScriptContextOptions, type ScriptEngine } from '@llmspell/core';
import { LuaContext, type LuaContextTuning } from './lua-context.js';

export type LuaEngineOptions = LuaContextTuning;

/** The "lua" ScriptEngine: Lua 5.4 (wasmoon) with the llmspell sandbox and limits. */
export class LuaEngine implements ScriptEngine {
  readonly name = 'lua';
  readonly aliases: readonly string[] = ['lua'];
  readonly fileExtensions: readonly string[] = ['.lua'];

  constructor(private readonly options: LuaEngineOptions = {}) {
    const every = options.instructionsPerCheck;
    if (every !== undefined && !(Number.isInteger(every) && every > 0)) {
      throw new LlmspellError('INVALID_ARGUMENT', `createLuaEngine: parameter 'instructionsPerCheck': expected a positive integer, got ${String(every)}`);
    }
  }

  createContext(options: ScriptContextOptions): Promise<ScriptContext> {
    return LuaContext.create(options, this.options);
  }
}

export function createLuaEngine(options: LuaEngineOptions = {}): LuaEngine {
  return new LuaEngine(options);
}

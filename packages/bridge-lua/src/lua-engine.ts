import type { ScriptContext, ScriptContextOptions, ScriptEngine } from '@llmspell/core';
import { LuaContext, type LuaContextTuning } from './lua-context.js';

export type LuaEngineOptions = LuaContextTuning;

/** The "lua" ScriptEngine: Lua 5.4 (wasmoon) with the llmspell sandbox and limits. */
export class LuaEngine implements ScriptEngine {
  readonly name = 'lua';
  readonly aliases: readonly string[] = ['lua'];
  readonly fileExtensions: readonly string[] = ['.lua'];

  constructor(private readonly options: LuaEngineOptions = {}) {}

  createContext(options: ScriptContextOptions): Promise<ScriptContext> {
    return LuaContext.create(options, this.options);
  }
}

export function createLuaEngine(options: LuaEngineOptions = {}): LuaEngine {
  return new LuaEngine(options);
}

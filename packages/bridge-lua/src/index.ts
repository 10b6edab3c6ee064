export { LuaEngine, createLuaEngine } from './lua-engine.js';
export type { LuaEngineOptions } from './lua-engine.js';
export { LuaContext } from './lua-context.js';
export type { LuaContextTuning } from './lua-context.js';
export { warmUpLua } from './lua-module.js';

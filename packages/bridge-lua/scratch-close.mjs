import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';
import { createLuaEngine } from './dist/index.js';
const output = { stdout: (l) => console.log(l), stderr: (l) => console.log('ERR', l) };
const ctx = await createLuaEngine().createContext({ globals: { slow: () => new Promise((r) => setTimeout(() => r(1), 10000).unref()) }, limits: DEFAULT_SCRIPT_LIMITS, output });
console.log('start');
try {
  await ctx.run(`local guard <close> = setmetatable({}, { __close = function() print("closing") while true do end end })
  return slow()`, { filename: 'c.lua', timeoutMs: 100 });
} catch (e) { console.log('err', e.code) }
console.log('after');
ctx.dispose();
const ctx2 = await createLuaEngine().createContext({ globals: { slow: () => new Promise((r) => setTimeout(() => r(1), 10000).unref()) }, limits: DEFAULT_SCRIPT_LIMITS, output });
try {
  await ctx2.run(`local guard <close> = setmetatable({}, { __close = function() while true do end end })
  return slow()`, { filename: 'c.lua', timeoutMs: 100 });
} catch (e) { console.log('err', e.code) }
console.log('b');
try { await ctx2.run('setmetatable({}, { __gc = function() while true do end end })', { filename: 'gc.lua' }); } catch (e) { console.log('err', e.message) }
console.log('c');
console.log(await ctx2.run('return "alive"', { filename: 'a.lua' }));
ctx2.dispose();
console.log('done');

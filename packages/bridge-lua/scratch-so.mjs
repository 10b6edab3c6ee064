import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';
import { createLuaEngine } from './dist/index.js';
const output = { stdout: (l) => console.log(l), stderr: () => {} };
const engine = createLuaEngine();
for (const src of [
  'local function f(n) local t = {f(n+1)} return t end f(1)',
  'local t = setmetatable({}, {__index = function(t, k) return t[k] end}) return t[1]',
  'local function f(s) return (s:gsub(".", function(c) return f(c) end)) end return f("ab")',
  'local function f() return tostring(setmetatable({}, {__tostring = f})) end return f()',
  'local function f(n) return pcall(f, n) end return f(1)',
  'local s = string.rep("(", 300) .. "1" .. string.rep(")", 300) return load("return " .. s)',
  'local t = {} local cur = t for i = 1, 1e5 do cur[1] = {} cur = cur[1] end return t',
]) {
  const ctx = await engine.createContext({ globals: {}, limits: DEFAULT_SCRIPT_LIMITS, output });
  try { const r = await ctx.run(src, { filename: 's.lua', timeoutMs: 3000 }); console.log('OK', JSON.stringify(r)?.slice(0, 100)); }
  catch (e) { console.log(e.code, e.message.slice(0, 150)); }
  try { console.log('  after:', await ctx.run('return 1', { filename: 'n.lua' })); } catch (e) { console.log('  after failed', e.message); }
  ctx.dispose();
}

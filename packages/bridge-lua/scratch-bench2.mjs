import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from './dist/index.js';
const engine = createLuaEngine();
const runtime = await LlmspellRuntime.create();
const output = { stdout: () => {}, stderr: () => {} };
const globals = runtime.buildGlobals({ language: 'lua', output });
let t = performance.now();
(await engine.createContext({ globals, limits: DEFAULT_SCRIPT_LIMITS, output })).dispose();
console.log('first createContext (WASM compile) ms', (performance.now() - t).toFixed(1));
for (let i = 0; i < 300; i++) (await engine.createContext({ globals, limits: DEFAULT_SCRIPT_LIMITS, output })).dispose();
const N = 500;
const times = [];
for (let i = 0; i < N; i++) { const s = performance.now(); const c = await engine.createContext({ globals, limits: DEFAULT_SCRIPT_LIMITS, output }); times.push(performance.now() - s); c.dispose(); }
times.sort((a, b) => a - b);
console.log('warm createContext ms: median', times[N / 2].toFixed(3), 'p90', times[Math.floor(N * 0.9)].toFixed(3));
const empty = [];
for (let i = 0; i < N; i++) { const s = performance.now(); const c = await engine.createContext({ globals: {}, limits: DEFAULT_SCRIPT_LIMITS, output }); empty.push(performance.now() - s); c.dispose(); }
empty.sort((a, b) => a - b);
console.log('warm createContext with no globals ms: median', empty[N / 2].toFixed(3));
const ctx = await engine.createContext({ globals: { ...globals, noop: (x) => x, later: (x) => Promise.resolve(x) }, limits: DEFAULT_SCRIPT_LIMITS, output });
for (const [label, src, n] of [
  ['sync host round trip', 'noop(i)', 200000],
  ['async host round trip (resolved promise)', 'later(i)', 50000],
  ['Utils.uuid()', 'Utils.uuid()', 100000],
]) {
  await ctx.run(`for i = 1, 5000 do ${src} end`, { filename: 'w.lua' });
  t = performance.now();
  await ctx.run(`for i = 1, ${n} do ${src} end`, { filename: 'b.lua' });
  console.log(label, 'us/call', ((performance.now() - t) * 1000 / n).toFixed(3));
}
ctx.dispose();
await runtime.close();

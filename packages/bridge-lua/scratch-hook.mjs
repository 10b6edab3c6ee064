import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';
import { createLuaEngine } from './dist/index.js';
const output = { stdout: () => {}, stderr: () => {} };
for (const n of [1000, 10000, 100000, 1e9]) {
  const ctx = await createLuaEngine({ instructionsPerCheck: n }).createContext({ globals: {}, limits: DEFAULT_SCRIPT_LIMITS, output });
  await ctx.run(`local s = 0 for i = 1, 2e6 do s = s + i end return s`, { filename: 'cpu.lua' });
  const t = performance.now();
  await ctx.run(`local s = 0 for i = 1, 2e7 do s = s + i end return s`, { filename: 'cpu.lua' });
  console.log(n, (performance.now() - t).toFixed(1));
  ctx.dispose();
}

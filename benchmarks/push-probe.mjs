import { createLuaEngine } from '@llmspell/bridge-lua';
import { LlmspellRuntime } from '@llmspell/runtime';
import { DEFAULT_SCRIPT_LIMITS } from '@llmspell/core';
function stepsResult(n) {
  const outputs = {}; const records = [];
  for (let i = 1; i <= n; i++) { outputs[`s${i}`] = i; records.push({ attempts: 1, duration_ms: i / 7, output: i, step_name: `s${i}`, success: true }); }
  return { success: true, data: { step_outputs: outputs, steps_executed: n }, metadata: { extra: { step_results: records } } };
}
const N = Number(process.argv[2] ?? 5000);
const rt = await LlmspellRuntime.create({ tools: [] });
const output = { stdout() {}, stderr() {} };
const r = stepsResult(N);
const globals = { ...rt.buildGlobals({ language: 'lua', output, signal: new AbortController().signal }), big: () => r };
const engine = createLuaEngine();
const ctx = await engine.createContext({ globals, limits: DEFAULT_SCRIPT_LIMITS, output });
const flt = async () => Number((await import('node:fs')).readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[7]);
for (let round = 0; round < Number(process.argv[3] ?? 1); round++) {
  const f0 = await flt(); const c0 = process.cpuUsage();
  const t = performance.now();
  await ctx.run(process.env.SRC ?? 'local x = big() return 1', { filename: 'p.lua' });
  const el = performance.now() - t; const c = process.cpuUsage(c0);
  console.log('push', N, el.toFixed(1), 'ms', 'cpu', ((c.user + c.system) / 1000).toFixed(0), 'faults', (await flt()) - f0);
}
ctx.dispose(); await rt.close();

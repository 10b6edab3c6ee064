// Issue: foundation. Script context cold/warm, whole-process hello.lua vs `node -e 0`,
// and the script → tool → script round trip in Lua and JS.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineTool, z } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { createJsEngine } from '@llmspell/bridge-js';

export const title = 'Foundation: engines, globals, process start, tool round trip';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function timeProcess(cmd, args, runs = 15) {
  const samples = [];
  for (let i = 0; i < runs + 2; i++) {
    const t = performance.now();
    execFileSync(cmd, args, { cwd: root, stdio: 'ignore', env: { ...process.env, LLMSPELL_STATE_BACKEND: 'memory' } });
    if (i >= 2) samples.push(performance.now() - t);
  }
  return samples.sort((a, b) => a - b);
}

export async function run({ measure, percentile }) {
  const rows = [];
  const noop = defineTool({ name: 'noop', description: 'does nothing', category: 'utility', securityLevel: 'safe', parameters: z.object({}).loose(), execute: () => ({ result: null }) });
  const runtime = await LlmspellRuntime.create({ tools: [noop] });
  const output = { stdout() {}, stderr() {} };
  const limits = runtime.scriptLimits;
  for (const [label, make] of [['lua', createLuaEngine], ['javascript', createJsEngine]]) {
    const t0 = performance.now();
    const engine = make();
    const first = await engine.createContext({ globals: runtime.buildGlobals({ language: engine.name, output }), limits, output });
    const cold = performance.now() - t0;
    first.dispose();
    const warm = await measure(async () => {
      const ctx = await engine.createContext({ globals: runtime.buildGlobals({ language: engine.name, output }), limits, output });
      ctx.dispose();
    }, { iterations: 200, warmup: 20 });
    rows.push({ name: `${label}: context ready, cold (first, incl. WASM compile)`, value: cold, unit: 'ms' });
    rows.push({ name: `${label}: context ready, warm p50`, value: percentile(warm, 50), unit: 'ms', goal: '≤ 2 ms' });
    // Round trip: a loop inside the script calling a trivial host tool N times.
    const n = 20000;
    const ctx = await engine.createContext({ globals: runtime.buildGlobals({ language: engine.name, output }), limits, output });
    const exists = label === 'lua'
      ? `local e = Tool.exists for i = 1, ${n} do e("noop") end`
      : `{ const e = Tool.exists; for (let i = 0; i < ${n}; i++) e("noop"); }`;
    const empty = label === 'lua' ? `for i = 1, ${n} do end` : `{ for (let i = 0; i < ${n}; i++) {} }`;
    const invoke = label === 'lua'
      ? `for i = 1, 2000 do Tool.invoke("noop", {}) end`
      : `for (let i = 0; i < 2000; i++) await Tool.invoke("noop", {});`;
    const time = async (src, file) => {
      const t = performance.now();
      await ctx.run(src, { filename: file });
      return performance.now() - t;
    };
    await time(exists, 'warm');
    const base = await time(empty, 'empty');
    const sync = await time(exists, 'rt');
    const asyncTotal = await time(invoke, 'invoke');
    ctx.dispose();
    rows.push({ name: `${label}: script → host function → script (sync call)`, value: ((sync - base) / n) * 1000, unit: 'µs', goal: label === 'lua' ? '≤ 20 µs' : '≤ 40 µs' });
    rows.push({ name: `${label}: script → Tool.invoke(noop) → script (full tool path, async)`, value: (asyncTotal / 2000) * 1000, unit: 'µs', note: 'validation, hooks/events checks, result shaping, promise await' });
  }
  await runtime.close();
  const bin = path.join(root, 'apps/cli/dist/bin.cjs');
  const node = timeProcess(process.execPath, ['-e', '0']);
  const version = timeProcess(process.execPath, [bin, '--version']);
  const hello = timeProcess(process.execPath, [bin, 'run', 'examples/hello.lua']);
  const helloJs = timeProcess(process.execPath, [bin, 'run', 'examples/hello.js']);
  const n50 = percentile(node, 50);
  rows.push({ name: 'process: node -e 0 (baseline)', value: n50, unit: 'ms' });
  rows.push({ name: 'process: llmspell --version', value: percentile(version, 50), unit: 'ms', baseline: n50, ratio: percentile(version, 50) / n50, goal: '≤ 2×' });
  rows.push({ name: 'process: llmspell run examples/hello.lua', value: percentile(hello, 50), unit: 'ms', baseline: n50, ratio: percentile(hello, 50) / n50, goal: '≤ 3×' });
  rows.push({ name: 'process: llmspell run examples/hello.js', value: percentile(helloJs, 50), unit: 'ms', baseline: n50, ratio: percentile(helloJs, 50) / n50 });
  return { rows, notes: ['Process figures are medians of 15 runs after 2 warm-ups, state backend memory.', 'Round trips are measured inside one script (a loop of N calls minus an empty loop).'] };
}

// Issue: tools. Per-tool latency for the local tools, script → tool → script, in Lua and JS,
// next to the same tool called directly from TypeScript (the baseline).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExecutionContext, executeComponent } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { createJsEngine } from '@llmspell/bridge-js';
import { utilTools } from '@llmspell/tools-util';
import { dataTools } from '@llmspell/tools-data';
import { fsTools } from '@llmspell/tools-fs';

export const title = 'Tools: per-call latency through the script API (p50)';

export async function run({ measure, percentile }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-bench-tools-'));
  fs.writeFileSync(path.join(dir, 'note.txt'), 'hello world\n'.repeat(20));
  const cases = [
    ['calculator', { input: '2 + 3 * 4 ^ 2' }],
    ['uuid_generator', { operation: 'generate' }],
    ['base64_encoder', { operation: 'encode', input: 'hello llmspell' }],
    ['hash_calculator', { operation: 'hash', algorithm: 'sha256', input: 'hello' }],
    ['text_manipulator', { operation: 'snake_case', input: 'Hello Big World' }],
    ['date_time_handler', { operation: 'parse', input: '2024-03-01T12:00:00Z' }],
    ['diff_calculator', { old_text: 'a\nb\nc\n', new_text: 'a\nB\nc\n' }],
    ['data_validation', { input: { name: 'Ada', age: 36 }, rules: { rules: [{ type: 'required', field: 'name' }] } }],
    ['template_engine', { input: 'Hello {{ name }}!', context: { name: 'Ada' } }],
    ['json_processor', { operation: 'query', input: { items: [{ v: 1 }, { v: 5 }, { v: 9 }] }, query: '[.items[] | select(.v > 2) | .v] | add' }],
    ['csv_analyzer', { operation: 'analyze', input: 'a,b\n1,2\n3,4\n5,6\n' }],
    ['file_operations', { operation: 'read', path: path.join(dir, 'note.txt') }],
  ];
  const tools = [...utilTools, ...dataTools, ...fsTools];
  const runtime = await LlmspellRuntime.create({ tools, cwd: dir, config: { runtime: { security: { allowed_paths: [dir] } } } });
  const output = { stdout() {}, stderr() {} };
  const lua = await createLuaEngine().createContext({ globals: runtime.buildGlobals({ language: 'lua', output }), limits: runtime.scriptLimits, output });
  const js = await createJsEngine().createContext({ globals: runtime.buildGlobals({ language: 'javascript', output }), limits: runtime.scriptLimits, output });
  const rows = [];
  const ctx = runtime.createContext();
  for (const [name, params] of cases) {
    const tool = runtime.tools.get(name);
    const direct = await measure(() => executeComponent(tool, params, ctx), { iterations: 300, warmup: 30 });
    // The script runs a loop of calls so the chunk compile is paid once; p50 from per-chunk timing of 1 call.
    const luaParams = JSON.stringify(params);
    await lua.run(`P = JSON.parse(${JSON.stringify(luaParams)})`, { filename: 'setup.lua' });
    const luaT = await measure(() => lua.run(`local r = Tool.invoke("${name}", P)`, { filename: 'b.lua' }), { iterations: 300, warmup: 30 });
    await js.run(`globalThis.P = ${luaParams};`, { filename: 'setup.js' });
    const jsT = await measure(() => js.run(`await Tool.invoke("${name}", globalThis.P);`, { filename: 'b.js' }), { iterations: 300, warmup: 30 });
    const d = percentile(direct, 50);
    const l = percentile(luaT, 50);
    const j = percentile(jsT, 50);
    rows.push({ name: `${name}: direct executeComponent`, value: d * 1000, unit: 'µs' });
    rows.push({ name: `${name}: Lua Tool.invoke`, value: l * 1000, unit: 'µs', baseline: d * 1000, ratio: l / d, goal: '≤ 1000 µs' });
    rows.push({ name: `${name}: JS await Tool.invoke`, value: j * 1000, unit: 'µs', baseline: d * 1000, ratio: j / d, goal: '≤ 1000 µs' });
  }
  lua.dispose();
  js.dispose();
  await runtime.close();
  return {
    rows,
    notes: [
      'Script figures include running one tiny chunk per call (compile + call + result conversion); p50 of 300 calls after 30 warm-ups.',
      "rs-llmspell claims 0.5–2.1 ms per tool call (docs/technical/README.md, not measured the same way).",
    ],
  };
}

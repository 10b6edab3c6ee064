// Child process of telemetry.bench.mjs: one in-process measurement, with or without the
// telemetry feature, printed as JSON. Each runs in a fresh process (AsyncLocalStorage, once
// used, keeps promise hooks on for the whole process), alternating with the other kind.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineTool, z } from '@llmspell/core';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { LlmspellRuntime, builtinFeatures } from '@llmspell/runtime';
import { MemoryStateStore } from '@llmspell/state-memory';
import { openSqliteStateStore } from '@llmspell/state-sqlite';
import { telemetryFeature } from '@llmspell/telemetry';
import { utilTools } from '@llmspell/tools-util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CALLS = Number(process.env.TELEMETRY_BENCH_CALLS ?? 2000);
const p10 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];

const noop = defineTool({
  name: 'noop', description: 'does nothing', category: 'utility', securityLevel: 'safe',
  parameters: z.object({}).passthrough(),
  execute: () => ({ result: null }),
});

/** µs per Tool.invoke(noop) from a Lua loop, median of rounds. */
async function perCall(features) {
  const rt = await LlmspellRuntime.create({ tools: [noop], stateStore: new MemoryStateStore(), features });
  const lua = createLuaEngine();
  const rounds = [];
  try {
    for (let r = 0; r < 11; r++) {
      const t = performance.now();
      await rt.runScript(lua, `for i = 1, ${CALLS} do Tool.invoke("noop", {}) end`, { filename: 'loop.lua', output: { stdout() {}, stderr() {} } });
      if (r > 0) rounds.push(((performance.now() - t) * 1000) / CALLS);
    }
  } finally {
    await rt.close();
  }
  return p10(rounds);
}

/**
 * ms per run of examples/hello.lua in one process on a SQLite store, from runScript to the
 * history written: the script's own cost plus, with the feature, its spans and the write.
 */
async function helloInProcess(features, telemetry) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-hello-'));
  const source = fs.readFileSync(path.join(root, 'examples/hello.lua'), 'utf8');
  const rt = await LlmspellRuntime.create({ tools: utilTools, stateStore: openSqliteStateStore({ path: path.join(dir, 'state.db') }), features });
  const lua = createLuaEngine();
  const times = [];
  try {
    for (let i = 0; i < 45; i++) {
      const t = performance.now();
      await rt.runScript(lua, source, { filename: 'hello.lua', output: { stdout() {}, stderr() {} } });
      if (telemetry) await rt.service('telemetry').flush();
      if (i >= 15) times.push(performance.now() - t);
    }
  } finally {
    await rt.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return p10(times);
}

const traced = process.argv[2] === 'traced';
const features = traced ? [...builtinFeatures, telemetryFeature({ env: {} })] : builtinFeatures;
const hello = await helloInProcess(features, traced);
const call = await perCall(features);
process.stdout.write(JSON.stringify({ hello, call }));

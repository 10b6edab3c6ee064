/**
 * The run history on a real SQLite file: retention, lookups, the off switch, live records of
 * a run still going, and that scripts can neither see nor touch it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { defineTool, z } from '@llmspell/core';
import { createLuaEngine } from '@llmspell/bridge-lua';
import { LlmspellRuntime, builtinFeatures } from '@llmspell/runtime';
import { openSqliteStateStore } from '@llmspell/state-sqlite';
import { utilTools } from '@llmspell/tools-util';
import { RunHistory, type RunSummary } from './run-history.js';
import { TELEMETRY_SERVICE, telemetryFeature } from './telemetry-feature.js';
import type { Telemetry } from './telemetry.js';

const lua = createLuaEngine();

function dbFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-history-')), 'state.db');
}

async function runIn(file: string, source: string, observability: Record<string, unknown> = {}, filename = 'job.lua', extraTools = [] as typeof utilTools): Promise<unknown> {
  const rt = await LlmspellRuntime.create({
    tools: [...utilTools, ...extraTools],
    stateStore: openSqliteStateStore({ path: file }),
    config: { observability },
    features: [...builtinFeatures, telemetryFeature({ env: {} })],
  });
  try {
    return await rt.runScript(lua, source, { filename, output: { stdout() {}, stderr() {} } });
  } catch (error) {
    return error;
  } finally {
    await rt.close();
  }
}

async function history(file: string, keep = 100): Promise<{ h: RunHistory; close(): Promise<void> }> {
  const store = openSqliteStateStore({ path: file });
  return { h: new RunHistory(store, keep), close: () => store.close() };
}

test('every run is kept across processes, newest first, with its totals; old runs beyond history_runs are dropped', async () => {
  const file = dbFile();
  await runIn(file, 'return Tool.invoke("calculator", { input = "1+1" }).result.result', { history_runs: 3 }, 'one.lua');
  await runIn(file, 'error("boom")', { history_runs: 3 }, 'two.lua');
  await runIn(file, 'return 3', { history_runs: 3 }, 'three.lua');
  await runIn(file, 'return 4', { history_runs: 3 }, 'four.lua');
  const { h, close } = await history(file);
  try {
    const runs = await h.list();
    expect(runs.map((r) => r.script)).toEqual(['four.lua', 'three.lua', 'two.lua']);
    expect(runs[2]).toMatchObject({ status: 'error', error_code: 'SCRIPT_ERROR' });
    expect(runs[2].error).toContain('boom');
    expect((await h.list({ status: 'error' })).map((r) => r.script)).toEqual(['two.lua']);
    expect((await h.list({ script: 'THREE' })).map((r) => r.script)).toEqual(['three.lua']);
    expect(await h.list({ limit: 1 })).toHaveLength(1);
    // Lookups: the full id, a unique prefix, "latest".
    const latest = await h.get('latest');
    expect(latest?.script).toBe('four.lua');
    expect((await h.get(runs[1].id))?.script).toBe('three.lua');
    expect((await h.get(runs[1].id.slice(0, 11)))?.id).toBe(runs[1].id);
    expect(await h.get('zzzzzzzz')).toBeUndefined();
    await expect(h.get('../etc')).rejects.toThrow(/INVALID_ARGUMENT/);
    await expect(h.get(runs[0].id.slice(0, 2))).rejects.toThrow(/matches 3 runs/);
  } finally {
    await close();
  }
});

test('history_runs = 0 records nothing', async () => {
  const file = dbFile();
  await runIn(file, 'return Tool.invoke("calculator", { input = "1+1" }).result.result', { history_runs: 0 });
  const { h, close } = await history(file);
  try {
    expect(await h.list()).toEqual([]);
  } finally {
    await close();
  }
});

test('scripts cannot see or change the history: it is outside the state namespace', async () => {
  const file = dbFile();
  await runIn(file, 'return 1');
  const result = await runIn(file, `
    local scopes = {}
    for _, k in ipairs(State.list_keys("global")) do scopes[#scopes + 1] = k end
    local ok, err = pcall(State.save, "global", "__llmspell:runs:s:x", "y")
    return { keys = #scopes, refused = not ok and tostring(err):match("STATE_INVALID_KEY") ~= nil }`);
  const { h, close } = await history(file);
  try {
    expect(result).toEqual({ keys: 0, refused: true });
    const runs = await h.list();
    expect(runs).toHaveLength(2);
    expect(runs.every((r) => /^[a-z0-9]+$/.test(r.id))).toBe(true);
  } finally {
    await close();
  }
});

test('a run still going is visible as running with the spans so far; a dead process shows as interrupted', async () => {
  const file = dbFile();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const wait = defineTool({
    name: 'wait_for_test', description: 'Waits until the test lets it go', category: 'utility', securityLevel: 'safe',
    parameters: z.object({}),
    execute: async () => {
      await gate;
      return { result: 'released' };
    },
  });
  const running = runIn(file, `
    Tool.invoke("calculator", { input = "1+1" })
    return Tool.invoke("wait_for_test", {}).result`, {}, 'long.lua', [wait]);
  const { h, close } = await history(file);
  try {
    let seen: RunSummary | undefined;
    for (let i = 0; i < 200 && !seen; i++) {
      seen = (await h.list()).find((r) => r.status === 'running');
      if (!seen) await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toMatchObject({ script: 'long.lua', status: 'running', pid: process.pid });
    const live = await h.get(seen!.id);
    expect(live!.span_tree.map((s) => s.name)).toEqual(expect.arrayContaining(['run long.lua', 'execute_tool calculator', 'execute_tool wait_for_test']));
    expect(live!.span_tree.find((s) => s.name === 'execute_tool wait_for_test')!.end).toBeUndefined();
    release();
    expect(await running).toBe('released');
    expect(await h.get(seen!.id)).toMatchObject({ status: 'ok', tool_calls: 2 });
    // A record left "running" by a process that is gone reads as interrupted.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    await h.save({ ...seen!, id: 'zzzzzzzzzzzz', status: 'running', pid: Number(dead) }, []);
    expect(await h.get('zzzzzzzzzzzz')).toMatchObject({ status: 'interrupted' });
  } finally {
    release();
    await close();
  }
});

test('the cost at the end of a run is one batch (plus the key listing for retention)', async () => {
  const file = dbFile();
  const store = openSqliteStateStore({ path: file });
  const calls: string[] = [];
  const counted = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && (String(args[0] ?? '').startsWith('__llmspell:runs:') || prop === 'batch')) calls.push(prop);
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const rt = await LlmspellRuntime.create({ tools: utilTools, stateStore: counted, config: {}, features: [...builtinFeatures, telemetryFeature({ env: {} })] });
  await rt.runScript(lua, 'return Tool.invoke("calculator", { input = "1+1" }).result.result', { filename: 'x.lua', output: { stdout() {}, stderr() {} } });
  await rt.service<Telemetry>(TELEMETRY_SERVICE)!.flush();
  expect(calls).toEqual(['keys', 'batch']);
  await rt.close();
});

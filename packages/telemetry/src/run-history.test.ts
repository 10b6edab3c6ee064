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
  let entered!: () => void;
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const wait = defineTool({
    name: 'wait_for_test', description: 'Waits until the test lets it go', category: 'utility', securityLevel: 'safe',
    parameters: z.object({}),
    execute: async () => {
      entered();
      await gate;
      return { result: 'released' };
    },
  });
  const running = runIn(file, `
    Tool.invoke("calculator", { input = "1+1" })
    return Tool.invoke("wait_for_test", {}).result`, {}, 'long.lua', [wait]);
  const { h, close } = await history(file);
  try {
    await inside;
    // On record from the start, before any live rewrite.
    expect((await h.list()).map((r) => r.status)).toEqual(['running']);
    let seen: RunSummary | undefined;
    let live: Awaited<ReturnType<RunHistory['get']>>;
    // The record is there from the start; the live rewrites (every second) add the spans so far.
    for (let i = 0; i < 200 && !live?.span_tree.some((s) => s.name === 'execute_tool wait_for_test'); i++) {
      seen = (await h.list()).find((r) => r.status === 'running');
      live = seen && (await h.get(seen.id));
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(seen).toMatchObject({ script: 'long.lua', status: 'running', pid: process.pid });
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

test('a run whose process was stopped from outside is ended by endStopped: failed with the code, open spans unfinished', async () => {
  const file = dbFile();
  const { h, close } = await history(file);
  try {
    await runIn(file, 'return 1', {}, 'base.lua');
    const base = (await h.list())[0];
    const start = Date.parse(base.started_at);
    // What a host killed inside a tool call of a step leaves behind: the record as last written.
    await h.save({ ...base, id: 'zzzzzzzzzzzz', script: 'killed.lua', status: 'running', pid: process.pid }, [
      { id: 'a'.repeat(16), name: 'run killed.lua', kind: 'run', start, status: 'unset', attributes: {}, events: [] },
      { id: 'b'.repeat(16), parent: 'a'.repeat(16), name: 'step fine', kind: 'step', start: start + 1, end: start + 2, status: 'ok', attributes: {}, events: [] },
      { id: 'c'.repeat(16), parent: 'a'.repeat(16), name: 'step stuck', kind: 'step', start: start + 3, status: 'unset', attributes: {}, events: [] },
    ]);
    expect((await h.get('zzzzzzzzzzzz'))?.status).toBe('running');
    await expect(h.endStopped('zzzzzzzzzzzz', { code: 'CANCELLED', message: 'killed.lua: interrupted (Ctrl-C)' }, start + 2500)).resolves.toBe(true);
    const ended = await h.get('zzzzzzzzzzzz');
    expect(ended).toMatchObject({ status: 'error', error_code: 'CANCELLED', error: 'killed.lua: interrupted (Ctrl-C)', duration_ms: 2500, errors: 0 });
    const byName = Object.fromEntries(ended!.span_tree.map((s) => [s.name, s]));
    expect(byName['run killed.lua']).toMatchObject({ end: start + 2500, status: 'error', error: { code: 'CANCELLED' } });
    expect(byName['step stuck']).toMatchObject({ end: start + 2500, status: 'ok', attributes: { 'llmspell.incomplete': true } });
    expect(byName['step fine']).toMatchObject({ end: start + 2, status: 'ok', attributes: {} });
    // Once only, and never over a run that ended on its own or one not in the history.
    await expect(h.endStopped('zzzzzzzzzzzz', { code: 'SCRIPT_TIMEOUT', message: 'late' })).resolves.toBe(false);
    expect((await h.get('zzzzzzzzzzzz'))?.error_code).toBe('CANCELLED');
    await expect(h.endStopped(base.id, { code: 'CANCELLED', message: 'no' })).resolves.toBe(false);
    expect((await h.get(base.id))?.status).toBe('ok');
    await expect(h.endStopped('yyyyyyyyyyyy', { code: 'CANCELLED', message: 'no' })).resolves.toBe(false);
  } finally {
    await close();
  }
});

test('a run costs its record at the start and one batch at the end (plus the key listing for retention)', async () => {
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
  // The first write lands before the script starts, so a host killed mid-run leaves a record.
  expect(calls).toEqual(['batch', 'keys', 'batch']);
  await rt.close();
});

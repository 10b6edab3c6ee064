// Issue 15: the script boundary and the cold start, measured through the CLI as a user runs
// it. Each per-operation figure is (a big run − a tiny run of the same script) / (count − 1),
// both `llmspell run` processes, in one run of this file; next to it, its floor measured here
// in-process in the same run (the same work without the engine boundary). Wall time is what
// the issue states; CPU time (the children's user + system time from /proc/self/stat) is
// given too, since other processes on a shared machine disturb it less.
//
// Cold start: `node -e 0`, `llmspell --version`, `llmspell run hello.lua` and `hello.js`,
// medians of 15 interleaved rounds after 2 warm-ups; also the host without its bundle
// (LLMSPELL_HOST_BUNDLE=0, the module graph) and without setpriv (LLMSPELL_NO_SETPRIV=1, the
// watchdog thread), so the effect of each is visible in the same run.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { childrenCpuMs } from './process-cpu.mjs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createExecutionContext, executeComponent } from '@llmspell/core';
import { EventBus } from '@llmspell/hooks';
import { LlmspellRuntime } from '@llmspell/runtime';
import { createStateManager } from '@llmspell/state';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import { utilTools } from '@llmspell/tools-util';
import { createWorkflowFromConfig, executeWorkflow } from '@llmspell/workflows';

export const title = 'Script boundary and cold start through the CLI (issue 15)';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.cjs');
/** The A/B build's CLI: its launcher, or bin.js for a build from before there was one. */
function abBin() {
  const launcher = path.join(path.resolve(AB_ROOT), 'apps/cli/dist/bin.cjs');
  return fs.existsSync(launcher) ? launcher : path.join(path.resolve(AB_ROOT), 'apps/cli/dist/bin.js');
}
const ROUNDS = Number(process.env.BOUNDARY_BENCH_ROUNDS ?? 3);
// BOUNDARY_BENCH_ONLY=js: only the JS Tool.invoke row, its floor and its profile note;
// BOUNDARY_BENCH_ONLY=lua: only the Lua Tool.invoke, State and Event rows, their floors and
// the Lua call's profile note. BOUNDARY_BENCH_AB=<another checkout, built>: with =lua or
// =js, the same rows of that checkout's CLI too, each round run right after this one's (an A/B).
const JS_ONLY = process.env.BOUNDARY_BENCH_ONLY === 'js';
const LUA_ONLY = process.env.BOUNDARY_BENCH_ONLY === 'lua';
const AB_ROOT = process.env.BOUNDARY_BENCH_AB;
// BOUNDARY_BENCH_ONLY=callbacks: only the host → script rows (workflow step, Lua hook), their floor and profile note
// (with BOUNDARY_BENCH_AB, each row against the other build, interleaved)
const CALLBACKS_ONLY = process.env.BOUNDARY_BENCH_ONLY === 'callbacks';
const START_ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 15);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function cli(args, env, cliBin = bin) {
  const cpu0 = childrenCpuMs();
  const t = performance.now();
  const r = spawnSync(process.execPath, [cliBin, ...args], { cwd: root, env, encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`llmspell ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, cpu: childrenCpuMs() - cpu0, stdout: r.stdout };
}

/** Per-operation µs of `script` (wall and CPU): (big − tiny) / (count − 1), median of rounds. */
function perOperation(script, count, env, extra = [], bins = [bin]) {
  const runs = bins.map(() => ({ wall: [], cpu: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < bins.length; k++) {
      // interleaved, and each build first in turn
      const i = (k + r) % bins.length;
      const tiny = cli(['run', script, '--', '1', ...extra], env, bins[i]);
      const big = cli(['run', script, '--', String(count), ...extra], env, bins[i]);
      runs[i].wall.push(((big.ms - tiny.ms) / (count - 1)) * 1000);
      runs[i].cpu.push(((big.cpu - tiny.cpu) / (count - 1)) * 1000);
    }
  }
  const out = runs.map((m) => ({ wall: median(m.wall), cpu: median(m.cpu) }));
  return bins.length === 1 ? out[0] : out;
}

/** µs per call of `fn` (awaited), median of 5 batches after a warm-up. */
async function floor(fn, count) {
  for (let i = 0; i < Math.min(count, 2000); i++) await fn(i);
  const per = [];
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    for (let i = 0; i < count; i++) await fn(i);
    per.push(((performance.now() - t) / count) * 1000);
  }
  return median(per);
}

const SCRIPTS = {
  'tool.lua': `local n = tonumber(ARGS[1])
for i = 1, n do Tool.invoke("text_manipulator", { operation = "uppercase", input = "x" }) end
return n`,
  'tool.js': `const n = Number(ARGS[0]);
for (let i = 0; i < n; i++) await Tool.invoke('text_manipulator', { operation: 'uppercase', input: 'x' });
export default n;`,
  'state.lua': `local n = tonumber(ARGS[1])
for i = 1, n do State.save("custom:bench", "k", i); State.load("custom:bench", "k") end
return n`,
  'workflow.lua': `local n = tonumber(ARGS[1])
local steps = {}
for i = 1, n do steps[i] = { name = "s" .. i, type = "custom", execute = function(ctx) return i end } end
return Workflow.sequential({ name = "bench", steps = steps }):execute({}).success`,
  'event.lua': `local n = tonumber(ARGS[1])
for i = 1, n do Event.publish("bench.tick", { i = i }) end
return n`,
  'hooks.lua': `local n = tonumber(ARGS[1])
for h = 1, tonumber(ARGS[2]) do Hook.register("BeforeToolExecution", function(ctx) return nil end) end
for i = 1, n do Tool.invoke("text_manipulator", { operation = "uppercase", input = "x" }) end
return n`,
};

/** Self time per node id and the tree of a V8 .cpuprofile. */
function readProfile(file) {
  const p = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const totals = new Map();
  const total = (id) => {
    if (totals.has(id)) return totals.get(id);
    let t = self.get(id) ?? 0;
    for (const c of byId.get(id).children ?? []) t += total(c);
    totals.set(id, t);
    return t;
  };
  // inclusive time per function name, each path counted once (recursion not twice)
  const inclusive = new Map();
  const walk = (id, active) => {
    const name = byId.get(id).callFrame.functionName;
    const counted = name !== '' && !active.has(name);
    if (counted) {
      inclusive.set(name, (inclusive.get(name) ?? 0) + total(id));
      active.add(name);
    }
    for (const c of byId.get(id).children ?? []) walk(c, active);
    if (counted) active.delete(name);
  };
  walk(p.nodes[0].id, new Set());
  const idle = [...self].filter(([id]) => byId.get(id).callFrame.functionName === '(idle)').reduce((n, [, us]) => n + us, 0);
  return { byId, self, inclusive, busyUs: p.endTime - p.startTime - idle };
}

/**
 * Runs the CLI under `--cpu-prof` with the host in a worker thread (so one profile directory
 * holds the CLI's thread and the host's; the host's code is the same as in a child process)
 * and returns the profile of the host thread (the busier one) and of the CLI's.
 */
function profileRun(args, env) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-prof-'));
  try {
    const r = spawnSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, bin, ...args], { cwd: root, env: { ...env, LLMSPELL_ISOLATION: 'worker' }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`profiled llmspell ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const profiles = fs.readdirSync(dir).map((f) => readProfile(path.join(dir, f))).sort((a, b) => b.busyUs - a.busyUs);
    return { host: profiles[0], cli: profiles[1] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Where a profile's busy time went, by kind of work (self time). */
function startBreakdown(profile) {
  const kinds = new Map();
  for (const [id, us] of profile.self) {
    const { functionName: fn, url } = profile.byId.get(id).callFrame;
    let kind;
    if (fn === '(idle)') continue;
    else if (fn === '(garbage collector)') kind = 'garbage collection';
    else if (url.startsWith('wasm://')) kind = 'WASM (engine start, compile)';
    else if (/^node:internal\/(modules|bootstrap)/.test(url) || /compile|^\(program\)$/.test(fn) || fn === 'internalBinding') kind = 'loading and compiling modules, Node bootstrap';
    else if (url.includes('/dist/host/') || url.includes('/packages/') || url.includes('/apps/')) kind = 'llmspell code (config, tools, runtime, engine setup)';
    else if (url.includes('node_modules')) kind = 'dependencies';
    else kind = 'other Node internals (fs, streams, timers, IPC)';
    kinds.set(kind, (kinds.get(kind) ?? 0) + us);
  }
  const busy = [...kinds.values()].reduce((a, b) => a + b, 0);
  return [...kinds].sort((a, b) => b[1] - a[1]).map(([k, us]) => `${k} ${(us / 1000).toFixed(0)} ms (${((us / busy) * 100).toFixed(0)} %)`).join(', ');
}

/** µs per step of a sequential workflow of 5,000 TypeScript custom steps, in this process (median of 5 runs). */
async function workflowStepFloor() {
  const steps = 5000;
  const per = [];
  for (let r = 0; r < 5; r++) {
    const wf = createWorkflowFromConfig('sequential', { name: 'floor', steps: Array.from({ length: steps }, (_, i) => ({ name: `s${i}`, type: 'custom', execute: async () => i })) });
    const t = performance.now();
    await executeWorkflow(wf, { input: {} }, createExecutionContext());
    per.push(((performance.now() - t) / steps) * 1000);
  }
  return median(per);
}

/** Where a Lua hook's time goes, from a --cpu-prof of the host (µs per hook call, inclusive). */
function hookProfileNote(profile, toolCalls, hooksPerCall) {
  const hooks = toolCalls * hooksPerCall;
  const per = (name) => (profile.inclusive.get(name) ?? 0) / hooks;
  const call = per('callCallbackNow');
  const push = per('protect') - per('outcome');
  const part = (label, us) => `${label} ${us.toFixed(1)} µs (${((us / call) * 100).toFixed(0)} %)`;
  return `Where a Lua hook's time goes (--cpu-prof of ${toolCalls.toLocaleString('en')} tool calls with ${hooksPerCall} no-op BeforeToolExecution hooks, host in a worker thread; profiled µs run ~2× the unprofiled ones, the shares hold): the bridge's call of one hook (callCallbackNow, a nested resume within the tool call) ${call.toFixed(1)} µs, of which ` + [
    part('pushing the hook context into Lua (a table that fills itself on first use, in a protected call)', push),
    part('running the Lua function (the resume)', per('driveNow')),
    part('reading its result', per('outcome')),
  ].join(', ') + `; beside it, per hook, the context as plain data (toScriptContext) ${per('toScriptContext').toFixed(1)} µs and telemetry's hook span (runHooks without the hook executor's runFrom) ${(per('runHooks') - per('runFrom')).toFixed(1)} µs.`;
}

/** Where a JS `await Tool.invoke`'s time goes, from a --cpu-prof of the host (µs per call, inclusive). */
function jsProfileNote(profile, calls) {
  const per = (name) => (profile.inclusive.get(name) ?? 0) / calls;
  const busy = profile.busyUs / calls;
  const jobs = per('executePendingJobs');
  const host = per('callHost');
  const part = (label, us) => `${label} ${us.toFixed(1)} µs (${((us / busy) * 100).toFixed(0)} %)`;
  return `Where a JS await Tool.invoke's time goes (--cpu-prof of ${calls.toLocaleString('en')} calls, host in a worker thread; profiled µs run ~2× the unprofiled ones, the shares hold): the host thread ${busy.toFixed(1)} µs busy per call, of which ` + [
    part('the engine running the script and its promise jobs, host calls excluded', jobs - host),
    part('the host function (callHost: the arguments, the tool, the answer)', host),
    part('– reading the arguments (readPlain: the engine writes them in its binary format, the host reads that)', per('readPlain')),
    part('– executeComponentNow (validation, hooks and telemetry spans, the tool)', per('executeComponentNow')),
    part('– redacting the result (redactValue)', per('redactValue')),
    part('– the answer into the engine (newPlain: written in the engine\'s binary format, read in one engine call)', per('newPlain')),
    part('settling the script\'s promise when a host promise settles later (deliver; 0 when the tool answered at once)', per('deliver')),
    part('garbage collection', per('(garbage collector)')),
  ].join(', ') + '.';
}

/** Where a Lua Tool.invoke's time goes, from a --cpu-prof of the host (µs per call, inclusive). */
function luaProfileNote(profile, calls) {
  const per = (name) => (profile.inclusive.get(name) ?? 0) / calls;
  const hostSide = per('callHost');
  const part = (label, us) => `${label} ${us.toFixed(1)} µs (${((us / hostSide) * 100).toFixed(0)} %)`;
  return `Where a Lua Tool.invoke's time goes (--cpu-prof of ${calls.toLocaleString('en')} calls, host in a worker thread; profiled µs run ~2× the unprofiled ones, the shares hold): ` +
    `the host side of a call (callHost) ${hostSide.toFixed(1)} µs, of which ` +
    [
      part('reading the Lua arguments (readTable)', per('readTable')),
      part('executeComponentNow', per('executeComponentNow')),
      part('– argument checks (validate: unknown keys, zod)', per('validate')),
      part('– the tool itself with its result record (runNow, toToolResult with its JSON text)', per('runNow')),
      part('– telemetry: the call\'s span opened at the Before point (traceCall)', per('traceCall')),
      part('– telemetry: the span made current, given the outcome and ended (its ComponentCall\'s started, returned, completed)', per('started') + per('returned') + per('completed')),
      part('redacting the result (redactValue)', per('redactValue')),
      part('building the Lua result table (pushResult)', per('pushResult')),
    ].join(', ') +
    '; what a call costs beyond callHost is the Lua VM running the loop and the WASM crossings into the host.';
}

export async function run() {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-boundary-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  for (const [name, text] of Object.entries(SCRIPTS)) fs.writeFileSync(path.join(home, name), text);
  const script = (name) => path.join(home, name);
  const rows = [];
  const notes = [];
  const loadBefore = os.loadavg()[0];
  try {
    // ---- floors, in this process
    const runtime = await LlmspellRuntime.create({ tools: utilTools });
    const tool = runtime.tools.get('text_manipulator');
    const toolFloor = await floor(async () => runtime.policy.redactValue(await executeComponent(tool, { operation: 'uppercase', input: 'x' }, runtime.createContext({ language: 'lua' }))), 20_000);
    if (JS_ONLY) {
      await runtime.close();
      const bins = AB_ROOT ? [bin, abBin()] : [bin];
      const measured = perOperation(script('tool.js'), 20_000, env, [], bins);
      const [js, jsB] = AB_ROOT ? measured : [measured];
      const ab = jsB ? `; A/B: ${path.resolve(AB_ROOT)} in the same rounds ${jsB.wall.toFixed(1)} µs wall / ${jsB.cpu.toFixed(1)} µs CPU (this build ${(jsB.cpu / js.cpu).toFixed(2)}× less CPU)` : '';
      rows.push({ name: 'floor: executeComponent(text_manipulator) + redaction, in-process', value: toolFloor, unit: 'µs' });
      rows.push({ name: 'JS await Tool.invoke(text_manipulator) through the CLI', value: js.wall, unit: 'µs', baseline: toolFloor, ratio: js.wall / toolFloor, goal: '≤ 40 µs', note: `CPU ${js.cpu.toFixed(1)} µs (${(js.cpu / toolFloor).toFixed(2)}× the floor); 20,000 calls${ab}` });
      notes.push(jsProfileNote(profileRun(['run', script('tool.js'), '--', '20000'], env).host, 20_000));
      return { rows, notes };
    }
    if (CALLBACKS_ONLY) {
      await runtime.close();
      const workflowFloor = await workflowStepFloor();
      // with BOUNDARY_BENCH_AB, each row also runs the other build in the same rounds, interleaved
      const bins = AB_ROOT ? [bin, abBin()] : [bin];
      const measured = (name, count, extra) => {
        const m = perOperation(script(name), count, env, extra, bins);
        return AB_ROOT ? m : [m];
      };
      const ab = (m, other) => (other ? `; A/B: ${path.resolve(AB_ROOT)} in the same rounds ${other.wall.toFixed(1)} µs wall / ${other.cpu.toFixed(1)} µs CPU (this build ${(other.cpu / m.cpu).toFixed(2)}× less CPU)` : '');
      const [workflow, workflowB] = measured('workflow.lua', 5_000, []);
      const hooks5 = measured('hooks.lua', 5_000, ['5']);
      const hooks0 = measured('hooks.lua', 5_000, ['0']);
      const [perHook, perHookB] = hooks5.map((h5, i) => ({ wall: (h5.wall - hooks0[i].wall) / 5, cpu: (h5.cpu - hooks0[i].cpu) / 5 }));
      rows.push({ name: 'floor: workflow step (TypeScript custom step), in-process', value: workflowFloor, unit: 'µs' });
      rows.push({ name: 'workflow step of a Lua function through the CLI', value: workflow.wall, unit: 'µs', baseline: workflowFloor, ratio: workflow.wall / workflowFloor, goal: '≤ 20 µs', note: `CPU ${workflow.cpu.toFixed(1)} µs (${(workflow.cpu / workflowFloor).toFixed(2)}× the floor); 5,000 steps, building the workflow included${ab(workflow, workflowB)}` });
      rows.push({ name: 'Lua hook call (host → script callback) through the CLI', value: perHook.wall, unit: 'µs', goal: '≤ 10 µs', note: `CPU ${perHook.cpu.toFixed(1)} µs; (5 BeforeToolExecution hooks − none) / 5 per tool call, 5,000 calls${ab(perHook, perHookB)}` });
      rows.push({ name: '5 Lua hooks as a share of a 1 ms step', value: (perHook.wall * 5) / 10, unit: '%', goal: '< 1 %', note: `CPU ${((perHook.cpu * 5) / 10).toFixed(1)} %` });
      notes.push(hookProfileNote(profileRun(['run', script('hooks.lua'), '--', '5000', '5'], env).host, 5_000, 5));
      return { rows, notes };
    }
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-boundary-state-'));
    const store = new SqliteStateStore({ path: path.join(stateDir, 'state.db') });
    const manager = createStateManager(store, { backup_enabled: false });
    const stateFloor = await floor(async (i) => {
      await manager.set('custom:bench', 'k', i);
      await manager.get('custom:bench', 'k');
    }, 20_000);
    await store.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
    const workflowFloor = await workflowStepFloor();
    const bus = new EventBus();
    const eventFloor = await floor((i) => bus.publish('bench.tick', { i }), 100_000);
    await runtime.close();

    if (LUA_ONLY) {
      const bins = AB_ROOT ? [bin, abBin()] : [bin];
      const measured = (name, count) => {
        const m = perOperation(script(name), count, env, [], bins);
        return AB_ROOT ? m : [m];
      };
      const [tool, toolB] = measured('tool.lua', 20_000);
      const [state, stateB] = measured('state.lua', 20_000);
      const [event, eventB] = measured('event.lua', 100_000);
      const ab = (m, other) => (other ? `; A/B: ${path.resolve(AB_ROOT)} in the same rounds ${other.wall.toFixed(1)} µs wall / ${other.cpu.toFixed(1)} µs CPU (this build ${(other.cpu / m.cpu).toFixed(2)}× less CPU)` : '');
      const row = (name, m, base, goal, note, other) => rows.push({
        name, value: m.wall, unit: 'µs', baseline: base, ratio: m.wall / base, goal,
        note: `CPU ${m.cpu.toFixed(1)} µs (${(m.cpu / base).toFixed(2)}× the floor); ${note}${ab(m, other)}`,
      });
      rows.push({ name: 'floor: executeComponent(text_manipulator) + redaction, in-process', value: toolFloor, unit: 'µs' });
      row('Lua Tool.invoke(text_manipulator) through the CLI', tool, toolFloor, '≤ 20 µs', '20,000 calls', toolB);
      rows.push({ name: 'floor: StateManager set+get on SQLite, in-process', value: stateFloor, unit: 'µs' });
      row('Lua State.save+State.load on SQLite through the CLI', state, stateFloor, '≤ 50 µs', '20,000 pairs, the CLI default backend', stateB);
      rows.push({ name: 'floor: EventBus.publish, in-process', value: eventFloor, unit: 'µs' });
      row('Lua Event.publish through the CLI', event, eventFloor, '≤ 5 µs', '100,000 publishes', eventB);
      notes.push(luaProfileNote(profileRun(['run', script('tool.lua'), '--', '20000'], env).host, 20_000));
      notes.push(`Load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} CPUs; median of ${ROUNDS} rounds.`);
      return { rows, notes };
    }

    // ---- through the CLI
    const luaTool = perOperation(script('tool.lua'), 20_000, env);
    const jsTool = perOperation(script('tool.js'), 20_000, env);
    const state = perOperation(script('state.lua'), 20_000, env);
    const workflow = perOperation(script('workflow.lua'), 5_000, env);
    const event = perOperation(script('event.lua'), 100_000, env);
    const hooks5 = perOperation(script('hooks.lua'), 5_000, env, ['5']);
    const hooks0 = perOperation(script('hooks.lua'), 5_000, env, ['0']);
    const perHook = { wall: (hooks5.wall - hooks0.wall) / 5, cpu: (hooks5.cpu - hooks0.cpu) / 5 };
    const row = (name, m, base, goal, note = '') => rows.push({
      name, value: m.wall, unit: 'µs', baseline: base, ratio: base ? m.wall / base : undefined, goal,
      note: `CPU ${m.cpu.toFixed(1)} µs${base ? ` (${(m.cpu / base).toFixed(2)}× the floor)` : ''}${note ? `; ${note}` : ''}`,
    });
    rows.push({ name: 'floor: executeComponent(text_manipulator) + redaction, in-process', value: toolFloor, unit: 'µs' });
    row('Lua Tool.invoke(text_manipulator) through the CLI', luaTool, toolFloor, '≤ 20 µs', '20,000 calls');
    row('JS await Tool.invoke(text_manipulator) through the CLI', jsTool, toolFloor, '≤ 40 µs', '20,000 calls');
    rows.push({ name: 'floor: StateManager set+get on SQLite, in-process', value: stateFloor, unit: 'µs' });
    row('Lua State.save+State.load on SQLite through the CLI', state, stateFloor, '≤ 50 µs', '20,000 pairs, the CLI default backend');
    rows.push({ name: 'floor: workflow step (TypeScript custom step), in-process', value: workflowFloor, unit: 'µs' });
    row('workflow step of a Lua function through the CLI', workflow, workflowFloor, '≤ 20 µs', '5,000 steps, building the workflow included');
    rows.push({ name: 'floor: EventBus.publish, in-process', value: eventFloor, unit: 'µs' });
    row('Lua Event.publish through the CLI', event, eventFloor, '≤ 5 µs', '100,000 publishes');
    rows.push({ name: 'Lua hook call (host → script callback) through the CLI', value: perHook.wall, unit: 'µs', goal: '≤ 10 µs', note: `CPU ${perHook.cpu.toFixed(1)} µs; (5 BeforeToolExecution hooks − none) / 5 per tool call, 5,000 calls` });
    rows.push({ name: '5 Lua hooks as a share of a 1 ms step', value: (perHook.wall * 5) / 10, unit: '%', goal: '< 1 %', note: `CPU ${((perHook.cpu * 5) / 10).toFixed(1)} %` });

    // ---- cold start
    const commands = [
      { name: 'node -e 0', args: ['-e', '0'], node: true },
      { name: 'llmspell --version', args: ['--version'] },
      { name: 'llmspell run examples/hello.lua', args: ['run', 'examples/hello.lua'] },
      { name: 'llmspell run examples/hello.js', args: ['run', 'examples/hello.js'] },
      { name: 'llmspell run examples/hello.lua, host as a module graph (LLMSPELL_HOST_BUNDLE=0)', args: ['run', 'examples/hello.lua'], env: { LLMSPELL_HOST_BUNDLE: '0' } },
      { name: 'llmspell run examples/hello.lua, watchdog thread (LLMSPELL_NO_SETPRIV=1)', args: ['run', 'examples/hello.lua'], env: { LLMSPELL_NO_SETPRIV: '1' } },
    ];
    const wall = commands.map(() => []);
    const cpu = commands.map(() => []);
    for (let round = 0; round < START_ROUNDS + 2; round++) {
      for (let k = 0; k < commands.length; k++) {
        const i = (k + round) % commands.length;
        const c = commands[i];
        const cpu0 = childrenCpuMs();
        const t = performance.now();
        const r = spawnSync(process.execPath, c.node ? c.args : [bin, ...c.args], { cwd: root, env: { ...env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] });
        const ms = performance.now() - t;
        if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
        if (round >= 2) {
          wall[i].push(ms);
          cpu[i].push(childrenCpuMs() - cpu0);
        }
      }
    }
    const nodeMs = median(wall[0]);
    const nodeCpu = median(cpu[0]);
    commands.forEach((c, i) => {
      const ms = median(wall[i]);
      const goal = i === 1 ? '≤ 2×' : i === 2 ? '≤ 3×' : '';
      rows.push({
        name: `process: ${c.name}`, value: ms, unit: 'ms', baseline: i === 0 ? undefined : nodeMs, ratio: i === 0 ? undefined : ms / nodeMs, goal,
        note: `CPU ${median(cpu[i]).toFixed(0)} ms${i === 0 ? '' : ` (${(median(cpu[i]) / nodeCpu).toFixed(2)}× node's)`}`,
      });
    });
    // ---- where the time goes (--cpu-prof)
    const calls = 20_000;
    notes.push(luaProfileNote(profileRun(['run', script('tool.lua'), '--', String(calls)], env).host, calls));
    notes.push(hookProfileNote(profileRun(['run', script('hooks.lua'), '--', '5000', '5'], env).host, 5_000, 5));
    const start = profileRun(['run', 'examples/hello.lua'], env);
    notes.push(
      `Where a cold start's time goes (--cpu-prof of \`llmspell run examples/hello.lua\`, host in a worker thread): the script host ${(start.host.busyUs / 1000).toFixed(0)} ms busy: ${startBreakdown(start.host)}; the CLI's own thread ${(start.cli.busyUs / 1000).toFixed(0)} ms: ${startBreakdown(start.cli)}. A child-process host (the default) adds a second Node start (about \`node -e 0\`'s CPU).`,
    );

    notes.push(
      'Changed on the call branch (issue 15): the SQLite state table is a rowid table (a file of an earlier version is rebuilt on open). In the old WITHOUT ROWID table every key lookup read through each large row it passed, and the run history (a span tree of about 1.5 MB per long run, kept in the same file) made a State.save+State.load pair cost milliseconds from the second run on. Telemetry no longer makes calls asynchronous: its hook executor answers within the call (HookExecutor.executeNow) and each component call runs in an async scope of its own (scopesCalls), so a synchronous tool answers within Tool.invoke again; and its event recorder excepts the events it ignores, so state.changed is not built (nor the old value read) for it.',
      'What the rest of a call is (--cpu-prof, same scripts): of a Lua Tool.invoke, telemetry\'s span for the call (opening at the Before point, the started/completed events, redaction of its attributes) is about a quarter of the host side, redacting the result and building the Lua result table another third, the tool with its JSON text and argument checks the rest; of a State pair, the SQLite write (a WAL commit) about 40 %; of a workflow step of a Lua function through the CLI (luacb branch), the Lua callback with its step context about a third, telemetry\'s events and spans for the step (workflow.step.started/completed, the stage hooks) about a third, garbage collection a quarter, and building the 5,000-step workflow from its Lua table and handing back its result (5,000 step results) the rest; a Lua hook no longer makes the calling thread yield: its cost is mostly building the hook context table in Lua (see the hook note).',
      'Changed on the luacb branch (issue 15): a Lua function the host calls back from inside a host call (a hook fired by Tool.invoke, a step of a workflow the script runs) runs as a nested lua_resume on a thread of its own and answers within the call, so the calling Lua thread no longer yields (a longjmp, a thrown JS exception in this WASM build) nor waits for a promise; only a callback that itself waits for the host falls back to a promise. The hook executor (HookExecutor.executeNow), telemetry\'s hook span and the workflow step runner (runStepNow, a step component with RUN_NOW) answer at once when every callback did, so a tool call with Lua hooks and a sequence of Lua steps stay synchronous end to end. Object keys cross into Lua as kept C strings (lua_setfield, found by address in Lua\'s string cache) and a run\'s step contexts share one __index metatable instead of a new host function each. Limits hold for nested callbacks: the count hook and the memory cap stop them, a time limit or cancel inside one ends the calling run even when a hook executor swallows the error, and nesting through the host stops at MAX_NESTED_CALLBACKS (32) with SCRIPT_STACK_OVERFLOW.',
      `Per-operation rows: (a run of N operations − a run of 1) / (N − 1), each an \`llmspell run\` of a script written to a scratch HOME (default config, SQLite state there); median of ${ROUNDS} rounds. Floors are measured in this process in the same run: the same host work without a script engine (µs per call, median of 5 batches).`,
      'The Lua hook row is the extra cost per hook of a tool call with 5 Lua BeforeToolExecution hooks (each a no-op function) over the same call with none; the share row is 5 such calls against a 1 ms step.',
      `Cold starts: medians of ${START_ROUNDS} interleaved rounds after 2 warm-ups; CPU is the children's user + system time (10 ms ticks of /proc/self/stat), the parent CLI and its script host together.`,
      `Load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} CPUs: wall figures on a loaded machine carry the other processes' share; compare ratios from the same run.`,
    );
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  return { rows, notes };
}

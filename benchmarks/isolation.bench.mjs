// Issue 12: scripts run in a supervised child process (or a worker thread), so that time
// and memory limits hold against anything a script causes. What that costs:
//  - cold start of `llmspell run examples/hello.lua` / `.js`: in-process (the CLI's old path,
//    isolation-inprocess.mjs) vs the child process (default) vs a worker thread, next to
//    `node -e 0`, rotating order per round, medians after 2 warm-up rounds;
//  - per host call: a script times 2000 Tool.invoke("calculator") calls itself, in-process
//    and isolated; the script and its tools share one thread either way, so a call never
//    crosses the isolation boundary.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const title = 'Isolation: the script host\'s start-up and per-call cost';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.cjs');
const inProcess = path.join(root, 'benchmarks/isolation-inprocess.mjs');
const ROUNDS = Number(process.env.CLI_BENCH_ROUNDS ?? 15);

function rounds(commands, env) {
  const samples = commands.map(() => []);
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      const t = performance.now();
      const r = spawnSync(process.execPath, commands[i].args, { cwd: root, env: { ...env, ...commands[i].env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = performance.now() - t;
      if (r.status !== 0) throw new Error(`${commands[i].name} exited ${r.status}: ${r.stderr}`);
      if (round >= 2) samples[i].push({ ms, stdout: String(r.stdout) });
    }
  }
  return samples;
}

export async function run({ percentile }) {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-home-'));
  const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
  const calls = path.join(home, 'calls.lua');
  fs.writeFileSync(calls, 'local t = os.clock()\nfor i = 1, 2000 do Tool.invoke("calculator", { input = "6*7" }) end\nreturn os.clock() - t');
  const rows = [];
  const notes = [];
  try {
    const median = (s) => percentile(s.map((x) => x.ms).sort((a, b) => a - b), 50);
    const [node, luaIn, luaProcess, luaWorker, jsIn, jsProcess] = rounds([
      { name: 'node -e 0', args: ['-e', '0'] },
      { name: 'hello.lua in-process', args: [inProcess, 'examples/hello.lua'] },
      { name: 'hello.lua process', args: [bin, 'run', 'examples/hello.lua'] },
      { name: 'hello.lua worker', args: [bin, 'run', 'examples/hello.lua'], env: { LLMSPELL_ISOLATION: 'worker' } },
      { name: 'hello.js in-process', args: [inProcess, 'examples/hello.js'] },
      { name: 'hello.js process', args: [bin, 'run', 'examples/hello.js'] },
    ], env).map((s) => s);
    const n = median(node);
    rows.push({ name: 'node -e 0 (baseline)', value: n, unit: 'ms' });
    const base = median(luaIn);
    rows.push({ name: 'run hello.lua in-process (before isolation)', value: base, unit: 'ms', baseline: n, ratio: base / n });
    rows.push({ name: 'llmspell run hello.lua, child process (default)', value: median(luaProcess), unit: 'ms', baseline: base, ratio: median(luaProcess) / base, note: `+${(median(luaProcess) - base).toFixed(0)} ms; ${(median(luaProcess) / n).toFixed(2)}× node -e 0` });
    rows.push({ name: 'llmspell run hello.lua, worker thread', value: median(luaWorker), unit: 'ms', baseline: base, ratio: median(luaWorker) / base, note: `+${(median(luaWorker) - base).toFixed(0)} ms` });
    const jsBase = median(jsIn);
    rows.push({ name: 'run hello.js in-process (before isolation)', value: jsBase, unit: 'ms', baseline: n, ratio: jsBase / n });
    rows.push({ name: 'llmspell run hello.js, child process (default)', value: median(jsProcess), unit: 'ms', baseline: jsBase, ratio: median(jsProcess) / jsBase, note: `+${(median(jsProcess) - jsBase).toFixed(0)} ms` });

    const [callsIn, callsIsolated] = rounds([
      { name: 'calls in-process', args: [inProcess, calls] },
      { name: 'calls isolated', args: [bin, 'run', calls] },
    ], env);
    const perCall = (s) => percentile(s.map((x) => (Number(x.stdout.trim()) * 1000) / 2000).sort((a, b) => a - b), 50);
    rows.push({ name: 'Tool.invoke round trip (Lua, calculator), in-process', value: perCall(callsIn) * 1000, unit: 'µs' });
    rows.push({ name: 'Tool.invoke round trip (Lua, calculator), isolated', value: perCall(callsIsolated) * 1000, unit: 'µs', baseline: perCall(callsIn) * 1000, ratio: perCall(callsIsolated) / perCall(callsIn) });
    notes.push(`Medians of ${ROUNDS} rounds after 2 warm-up rounds, commands in rotating order; load average (1 min) ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs. Per-call figures are CPU time (os.clock) of the script's own loop of 2000 calls.`);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
  return { rows, notes };
}

// Issue 17: what the run history (on by default) and OTLP export cost.
// - `llmspell run examples/hello.lua` with the history on (default), off (history_runs = 0)
//   and exporting to a local OTLP collector, in interleaved rounds: wall and CPU time.
// - Loading @llmspell/telemetry in a fresh process (the CLI imports it for every run).
// - In one process: examples/hello.lua with and without the feature (spans + the history
//   write), a Lua loop of Tool.invoke(noop) (the per-call cost of a span), and the
//   end-of-run history write (one batch) on SQLite.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStateStore } from '@llmspell/state-sqlite';
import { RunHistory } from '@llmspell/telemetry';

export const title = 'Telemetry: run history and OTLP export overhead';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.cjs');
const ROUNDS = Number(process.env.TELEMETRY_BENCH_ROUNDS ?? 20);
const CALLS = Number(process.env.TELEMETRY_BENCH_CALLS ?? 2000);

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** The 10th percentile: on a machine shared with other work, closer to the code's own cost than the median. */
const p10 = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 10)];

/** A loopback server that accepts OTLP JSON and counts the spans. */
async function collector() {
  let spans = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      try {
        for (const rs of JSON.parse(body).resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
      } catch {
        // counted as nothing
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, spans: () => spans, close: () => new Promise((r) => server.close(r)) };
}

const TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * One CLI run; async, so the collector in this process can answer meanwhile. Resolves with
 * its wall time and, where /usr/bin/time exists, its CPU time (user + system): on a shared
 * machine the CPU time moves less with the load than the wall time.
 */
function runOnce(command) {
  return new Promise((resolve, reject) => {
    const argv = [process.execPath, bin, ...command.args];
    const t = performance.now();
    const child = TIME
      ? spawn(TIME, ['-f', '@cpu %U %S', ...argv], { cwd: root, env: command.env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(argv[0], argv.slice(1), { cwd: root, env: command.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = performance.now() - t;
      if (code !== 0) return reject(new Error(`${command.name} exited ${code}: ${err}`));
      const m = /@cpu ([\d.]+) ([\d.]+)/.exec(err);
      resolve({ wall, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN });
    });
  });
}

async function coldStarts(commands) {
  const samples = commands.map(() => ({ wall: [], cpu: [] }));
  for (let round = 0; round < ROUNDS + 2; round++) {
    for (let k = 0; k < commands.length; k++) {
      const i = (k + round) % commands.length;
      const r = await runOnce(commands[i]);
      if (round >= 2) {
        samples[i].wall.push(r.wall);
        samples[i].cpu.push(r.cpu);
      }
    }
  }
  return samples.map((s) => ({ wall: p10(s.wall), cpu: p10(s.cpu) }));
}

/** ms to import @llmspell/telemetry in a fresh process that has loaded the runtime already. */
async function importCost() {
  const code = "await import('@llmspell/runtime'); const t = performance.now(); await import('@llmspell/telemetry'); process.stdout.write(String(performance.now() - t));";
  const times = [];
  for (let i = 0; i < 12; i++) {
    const out = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', code], { cwd: path.join(root, 'benchmarks'), stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('close', () => resolve(Number(text)));
    });
    if (i >= 2) times.push(out);
  }
  return p10(times);
}

/** ms for the end-of-run write of a run of `n` spans on SQLite. */
async function historyWrite(n) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-hist-'));
  const store = openSqliteStateStore({ path: path.join(dir, 'state.db') });
  const history = new RunHistory(store, 100);
  const spans = Array.from({ length: n }, (_, i) => ({
    id: i.toString(16).padStart(16, '0'), parent: i ? '0'.repeat(16) : undefined, name: `execute_tool calculator`, kind: 'tool',
    start: 1e12 + i, end: 1e12 + i + 0.5, status: 'ok', attributes: { 'gen_ai.tool.name': 'calculator', 'llmspell.tool.outcome': 'success' }, events: [],
  }));
  const times = [];
  try {
    for (let i = 0; i < 150; i++) {
      const summary = { id: `r${String(i).padStart(8, '0')}`, trace_id: '0'.repeat(32), script: 'x.lua', status: 'ok', started_at: new Date().toISOString(), duration_ms: 1, steps: 0, tool_calls: n, agent_calls: 0, errors: 0, tokens: { input: 0, output: 0, total: 0 }, cost_usd: null, spans: n, dropped_spans: 0, exported: false, content_captured: false, updated_at: new Date().toISOString(), host: 'h', pid: 1 };
      const t = performance.now();
      await history.save(summary, spans);
      if (i >= 110) times.push(performance.now() - t);
    }
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return median(times);
}

export async function run() {
  const rows = [];
  const notes = [];
  const loadBefore = os.loadavg()[0];
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-home-'));
  const c = await collector();
  try {
    const off = path.join(home, 'off.toml');
    fs.writeFileSync(off, '[observability]\nhistory_runs = 0\n');
    const on = path.join(home, 'on.toml');
    fs.writeFileSync(on, '# defaults: history on\n');
    const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(home, '.data'), XDG_CONFIG_HOME: path.join(home, '.config'), NO_COLOR: '1' };
    const [histOff, histOn, otlp] = await coldStarts([
      { name: 'history off', args: ['-c', off, 'run', 'examples/hello.lua'], env },
      { name: 'history on', args: ['-c', on, 'run', 'examples/hello.lua'], env },
      { name: 'history on + OTLP', args: ['-c', on, 'run', 'examples/hello.lua'], env: { ...env, OTEL_EXPORTER_OTLP_ENDPOINT: c.url } },
    ]);
    rows.push({ name: 'process: run examples/hello.lua, history off (history_runs = 0)', value: histOff.wall, unit: 'ms' });
    rows.push({ name: 'process: the same, history on (default)', value: histOn.wall, unit: 'ms', baseline: histOff.wall, ratio: histOn.wall / histOff.wall, note: `${(histOn.wall - histOff.wall).toFixed(1)} ms added` });
    rows.push({ name: 'process: the same, history on and OTLP export to a local collector', value: otlp.wall, unit: 'ms', baseline: histOff.wall, ratio: otlp.wall / histOff.wall, note: `${(otlp.wall - histOff.wall).toFixed(1)} ms added; ${c.spans()} spans received` });
    if (Number.isFinite(histOff.cpu)) {
      rows.push({ name: 'process CPU (user+sys): run examples/hello.lua, history off', value: histOff.cpu, unit: 'ms' });
      rows.push({ name: 'process CPU: the same, history on (default)', value: histOn.cpu, unit: 'ms', baseline: histOff.cpu, ratio: histOn.cpu / histOff.cpu, note: `${(histOn.cpu - histOff.cpu).toFixed(1)} ms added` });
      rows.push({ name: 'process CPU: the same, history on and OTLP export', value: otlp.cpu, unit: 'ms', baseline: histOff.cpu, ratio: otlp.cpu / histOff.cpu, note: `${(otlp.cpu - histOff.cpu).toFixed(1)} ms added` });
    }
    notes.push(`Cold starts: 10th percentiles of ${ROUNDS} interleaved rounds after 2 warm-up rounds, SQLite state in a scratch HOME (the history is written there). In-process figures: in 6 fresh processes of each kind, alternating, the 10th percentile of 30 runs (hello.lua) or 10 rounds of ${CALLS} calls; the median of those.`);
  } finally {
    await c.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
  rows.push({ name: 'process: importing @llmspell/telemetry after the runtime (no OpenTelemetry module)', value: await importCost(), unit: 'ms' });
  // Each measurement in its own process, alternating, so machine load falls on both alike.
  const inproc = { plain: [], traced: [] };
  for (let i = 0; i < 6; i++) {
    for (const kind of i % 2 ? ['plain', 'traced'] : ['traced', 'plain']) {
      const out = await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, 'benchmarks/telemetry-inproc.mjs'), kind], { cwd: path.join(root, 'benchmarks'), stdio: ['ignore', 'pipe', 'inherit'] });
        let text = '';
        child.stdout.on('data', (d) => (text += d));
        child.on('error', reject);
        child.on('close', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`telemetry-inproc.mjs ${kind} exited ${code}`))));
      });
      inproc[kind].push(out);
    }
  }
  const helloPlain = median(inproc.plain.map((r) => r.hello));
  const helloTraced = median(inproc.traced.map((r) => r.hello));
  const plain = median(inproc.plain.map((r) => r.call));
  const traced = median(inproc.traced.map((r) => r.call));
  rows.push({ name: 'in process: run examples/hello.lua, no telemetry feature', value: helloPlain, unit: 'ms' });
  rows.push({ name: 'in process: the same with telemetry (spans + history written to SQLite)', value: helloTraced, unit: 'ms', baseline: helloPlain, ratio: helloTraced / helloPlain, note: `${(helloTraced - helloPlain).toFixed(2)} ms added per run` });
  rows.push({ name: 'lua: Tool.invoke(noop) round trip, no telemetry feature', value: plain, unit: 'µs' });
  rows.push({ name: 'lua: the same with the telemetry feature (a span per call)', value: traced, unit: 'µs', baseline: plain, ratio: traced / plain, note: `${(traced - plain).toFixed(1)} µs per call` });
  for (const n of [10, 500]) {
    rows.push({ name: `history: end-of-run write of a run with ${n} spans (SQLite, one batch + key listing, 100 runs kept)`, value: await historyWrite(n), unit: 'ms' });
  }
  notes.push(`Load average (1 min) ${loadBefore.toFixed(1)} before, ${os.loadavg()[0].toFixed(1)} after, on ${os.cpus().length} CPUs: wall times on a loaded machine move with the load; the CPU times and the in-process figures less so.`);
  return { rows, notes };
}

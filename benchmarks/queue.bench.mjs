// Issue 13: scale-out. Jobs/s and per-job overhead of `llmspell worker` processes (1, 2 and 4)
// taking jobs from BullMQ on Redis, against running the same scripts one after another in one
// process through the same code path (`runScriptJob`, which every worker job goes through);
// and state save+load latency on PostgreSQL next to SQLite, all in the same run.
//
// Two job kinds: an I/O-bound one (a 250 ms wait in a workflow step, standing in for a model
// call: the job waits without using a core) and a CPU-light one (a loop and a state write).
// Redis and PostgreSQL are Debian's, started on loopback ports for the run; state is in
// PostgreSQL for both the workers and the in-process baseline. Workers are started and
// warmed up (one job each) before timing; a batch is timed from its submission to the last
// job's end as the submitter sees it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPgBin, redisSkipReason, startPostgres, startRedis } from '@llmspell/core/testing';
import { JobQueue, QUEUE_DEFAULTS } from '@llmspell/queue';
import { StateManager, openStateStore } from '@llmspell/state';

export const title = 'Queue: workers on Redis vs one process, state on PostgreSQL vs SQLite';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'apps/cli/dist/bin.cjs');
const WORKER_COUNTS = [1, 2, 4];
const ROUNDS = Number(process.env.QUEUE_BENCH_ROUNDS ?? 3);

const JOBS = {
  io: {
    label: 'I/O-bound job (250 ms wait)',
    count: 24,
    source: `
local wf = Workflow.sequential({ name = "call", steps = { { name = "model", type = "custom", ["function"] = "delay", parameters = { ms = 250 } } } })
wf:execute({})
State.save("global", "io:" .. ARGS.n, { n = tonumber(ARGS.n) })
return tonumber(ARGS.n)
`,
  },
  cpu: {
    label: 'CPU-light job (loop + state write)',
    count: 60,
    source: `
local n, s = tonumber(ARGS.n), 0
for i = 1, 20000 do s = s + (i * n) % 7 end
State.save("global", "cpu:" .. ARGS.n, { n = n, s = s })
return s
`,
  },
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const us = (ms) => ms * 1000;

function startWorker(dir, env, name) {
  const child = spawn(process.execPath, [bin, 'worker', '--name', name], { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      if (/ready:/.test(log)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`worker ${name} exited (${code}): ${log}`)));
  });
  return { child, ready };
}

async function stopWorkers(workers) {
  await Promise.all(workers.map((w) => new Promise((resolve) => {
    if (w.child.exitCode !== null) return resolve();
    w.child.once('exit', resolve);
    w.child.kill('SIGKILL');
  })));
}

async function runBatch(queue, kind, count, tag) {
  const payloads = Array.from({ length: count }, (_, i) => ({
    script: { source: JOBS[kind].source, filename: `${kind}.lua`, engine: 'lua' },
    args: { positional: [], named: { n: String(i + 1), tag } },
  }));
  const started = performance.now();
  const ids = await queue.submitMany(payloads, { attempts: 1 });
  let done = 0;
  for await (const info of queue.watch(ids)) {
    if (info.status !== 'completed') throw new Error(`job ${info.id} ${info.status}: ${info.error}`);
    done++;
  }
  if (done !== count) throw new Error(`${done} of ${count} jobs finished`);
  return performance.now() - started;
}

async function inProcess(kind, count, env) {
  const { runScriptJob } = await import(path.join(root, 'apps/cli/lib/script-job.js'));
  const io = { stdout() {}, stderr() {}, isTTY: false, env, cwd: os.tmpdir() };
  const flags = { output: 'text', verbose: false, quiet: true, help: false, version: false };
  const run = (n) => runScriptJob({ source: JOBS[kind].source, filename: `${kind}.lua`, engine: 'lua', args: { positional: [], named: { n: String(n) } } }, flags, io, { output: { stdout() {}, stderr() {} } });
  await run(0); // warm-up: engine and modules loaded once, as in a worker
  const started = performance.now();
  for (let i = 1; i <= count; i++) await run(i);
  return performance.now() - started;
}

async function stateLatency(rows, pgUrl, measure, percentile) {
  const value = { role: 'assistant', content: 'x'.repeat(200), tokens: 42, tags: ['a', 'b'], meta: { ok: true } };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-qbench-'));
  const results = {};
  try {
    for (const backend of ['sqlite', 'postgres']) {
      const store = await openStateStore(backend === 'sqlite' ? { backend_type: 'sqlite', path: path.join(dir, 'state.db') } : { backend_type: 'postgres', url: pgUrl, table: 'bench_state' }, {});
      const manager = new StateManager({ store });
      const samples = await measure(async (i) => {
        await manager.set('agent:bench', `k${i % 500}`, value);
        await manager.get('agent:bench', `k${i % 500}`);
      }, { iterations: 2000, warmup: 200 });
      const inc = await measure((i) => manager.increment('global', `c${i % 10}`, 1), { iterations: 1000, warmup: 100 });
      results[backend] = { p50: us(percentile(samples, 50)), p99: us(percentile(samples, 99)), inc: us(percentile(inc, 50)) };
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const base = results.sqlite;
  rows.push({ name: 'SQLite (file): save+load through StateManager, p50 (baseline)', value: base.p50, unit: 'µs', note: `p99 ${base.p99.toFixed(0)} µs` });
  rows.push({ name: 'PostgreSQL (loopback): save+load through StateManager, p50', value: results.postgres.p50, unit: 'µs', baseline: base.p50, ratio: results.postgres.p50 / base.p50, note: `p99 ${results.postgres.p99.toFixed(0)} µs; two round trips to the server` });
  rows.push({ name: 'SQLite: atomic increment, p50 (baseline)', value: base.inc, unit: 'µs' });
  rows.push({ name: 'PostgreSQL: atomic increment (row-locked transaction), p50', value: results.postgres.inc, unit: 'µs', baseline: base.inc, ratio: results.postgres.inc / base.inc, note: 'BEGIN, SELECT … FOR UPDATE, UPDATE, COMMIT' });
}

export async function run({ measure, percentile }) {
  const rows = [];
  const notes = [];
  const skip = redisSkipReason() ?? (findPgBin() ? undefined : 'PostgreSQL binaries are not installed');
  if (skip) return { rows, notes: [`skipped: ${skip}`] };
  const [pg, redis] = await Promise.all([startPostgres(), startRedis()]);
  const workers = [];
  try {
    await stateLatency(rows, pg.url, measure, percentile);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-qbench-'));
    const env = {
      PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), XDG_CONFIG_HOME: path.join(dir, '.config'), NO_COLOR: '1',
      LLMSPELL_STATE_BACKEND: 'postgres', LLMSPELL_STATE_URL: pg.url, LLMSPELL_QUEUE_URL: redis.url,
    };
    fs.writeFileSync(path.join(dir, 'llmspell.toml'), '[queue]\nname = "bench"\n');
    const queue = await JobQueue.open({ ...QUEUE_DEFAULTS, url: redis.url, name: 'bench' });
    await queue.listen();
    try {
      for (const kind of Object.keys(JOBS)) {
        const { count, label } = JOBS[kind];
        // The baseline and one worker alternate over ROUNDS rounds (medians), so the load of a
        // shared machine falls on both alike; 2 and 4 workers run once each after that.
        const baselines = [];
        const singles = [];
        workers.push(startWorker(dir, env, 'bench-1'));
        await workers[0].ready;
        await runBatch(queue, kind, 2, 'warm-up');
        for (let round = 0; round < ROUNDS; round++) {
          baselines.push(await inProcess(kind, count, env));
          singles.push(await runBatch(queue, kind, count, `r${round}`));
        }
        const baseline = median(baselines);
        const baseRate = (count / baseline) * 1000;
        const perJobBase = baseline / count;
        rows.push({ name: `${label}: ${count} one after another in one process (baseline)`, value: baseRate, unit: 'jobs/s', note: `${perJobBase.toFixed(1)} ms per job` });
        for (const n of WORKER_COUNTS) {
          while (workers.length < n) workers.push(startWorker(dir, env, `bench-${workers.length + 1}`));
          await Promise.all(workers.map((w) => w.ready));
          if (n > 1) await runBatch(queue, kind, n * 2, 'warm-up');
          const wall = n === 1 ? median(singles) : await runBatch(queue, kind, count, `n${n}`);
          const rate = (count / wall) * 1000;
          const row = { name: `${label}: ${count} jobs on ${n} worker${n === 1 ? '' : 's'}`, value: rate, unit: 'jobs/s', baseline: baseRate, ratio: rate / baseRate };
          if (n === 1) row.note = `${(wall / count - perJobBase).toFixed(1)} ms per job over the in-process run (medians of ${ROUNDS} alternating rounds): submit, Redis round trips, lock, progress, result`;
          rows.push(row);
        }
        await stopWorkers(workers.splice(0));
      }
    } finally {
      await queue.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    await stopWorkers(workers);
    pg.stop();
    await redis.stop();
  }
  const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
  notes.push(
    `Load average at the end of the run: ${load} (1, 5, 15 min) on ${os.cpus().length} cores: when other work shares the machine, the CPU-bound rows move most between runs (a negative per-job overhead is such noise).`,
    `This machine has ${os.cpus().length} cores: workers beyond that share them, so the CPU-light batch cannot scale past it, while the I/O-bound batch (jobs mostly waiting, as on a model call) keeps scaling with workers.`,
    'Each job runs as `llmspell run` runs a script: in a supervised script host process started for it (the sandbox), which composes a fresh runtime (config, tools, a state connection); the in-process baseline calls the same `runScriptJob`, so it pays the same and the ratios isolate the queue. Starting that host is most of a job's cost here and is CPU work, which is why even the I/O-bound batch stops scaling at the cores of a loaded machine; a worker reusing warm hosts would move the I/O-bound rows towards the number of workers.',
    'Ratios above 1 are speed-ups over running the jobs one after another in one process.',
  );
  return { rows, notes };
}

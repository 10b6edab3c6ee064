import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import {
  hasProgram, postgresSkipReason, redisSkipReason, startPostgres, startRedis, waitForProcessExit, type PgCluster, type RedisServer,
} from '@llmspell/core/testing';
import { bin, cli, killAll, scratch, write } from './helpers.js';

/*
 * Scale-out as a user runs it: Redis and PostgreSQL on loopback ports, `llmspell worker`
 * processes, `llmspell submit`, `llmspell jobs`, and the shared state read back by yet
 * another process. Workers find the state through LLMSPELL_STATE_BACKEND / LLMSPELL_STATE_URL
 * and the queue through --queue; submit and jobs through LLMSPELL_QUEUE_URL.
 */
const skip = postgresSkipReason() ?? redisSkipReason();
const suite = skip ? describe.skip : describe;
const skipped = skip ? ` (skipped: ${skip})` : '';

let pg: PgCluster;
let redis: RedisServer;
let queues = 0;

/** Short locks, so a killed worker's jobs come back in about a second; quick retries. */
const CONFIG = `
[queue]
lock_duration_ms = 1000
stalled_interval_ms = 500
backoff_ms = 50
rate_limit_delay_ms = 50
`;

interface Project {
  dir: string;
  queue: string;
  env: Record<string, string>;
}

/** A project directory with its own queue name (so tests never see each other's jobs). */
function project(extraConfig = ''): Project {
  const dir = scratch();
  const queue = `e2e-${process.pid}-${++queues}`;
  write(dir, 'llmspell.toml', `${CONFIG}name = "${queue}"\n${extraConfig}`);
  return {
    dir,
    queue,
    env: {
      LLMSPELL_STATE_BACKEND: 'postgres', LLMSPELL_STATE_URL: pg.url, LLMSPELL_QUEUE_URL: redis.url,
      HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), XDG_CONFIG_HOME: path.join(dir, '.config'), PATH: process.env.PATH ?? '', NO_COLOR: '1',
    },
  };
}

interface RunningWorker {
  child: ChildProcess;
  /** Everything it wrote to stderr so far. */
  log(): string;
  /** Resolves once its stderr matches. */
  seen(pattern: RegExp, what: string): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

function startWorker(p: Project, name: string, extra: string[] = [], env: Record<string, string> = {}, queueUrl = redis.url): RunningWorker {
  const child = spawn(process.execPath, [bin, 'worker', '--queue', queueUrl, '--name', name, ...extra], {
    cwd: p.dir, env: { ...p.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  child.stderr!.on('data', (d: Buffer) => {
    text += d.toString();
    wake();
  });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    resolve(code);
    wake();
  }));
  const seen = (pattern: RegExp, what: string) => new Promise<RegExpMatchArray>((resolve, reject) => {
    const check = () => {
      const m = pattern.exec(text);
      if (m) return resolve(m);
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`worker ${name} exited before ${what}:\n${text}`));
      waiters.push(check);
    };
    check();
  });
  workers.push(child);
  return { child, log: () => text, seen, exited };
}

const workers: ChildProcess[] = [];

/** `llmspell submit … --wait` output: one JSON line per job. */
function outcomes(stdout: string): Array<{ id: string; status: string; result?: any; error?: string }> {
  return stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

suite(`scale-out: workers, submit and jobs on Redis with state in PostgreSQL${skipped}`, () => {
  beforeAll(async () => {
    // whichever started is stopped in afterAll, also when the other did not
    const [pgStart, redisStart] = await Promise.allSettled([startPostgres(), startRedis()]);
    if (pgStart.status === 'fulfilled') pg = pgStart.value;
    if (redisStart.status === 'fulfilled') redis = redisStart.value;
    for (const r of [pgStart, redisStart]) if (r.status === 'rejected') throw r.reason;
  }, 60_000);
  afterEach(() => killAll(workers));
  afterAll(async () => {
    pg?.stop();
    await redis?.stop();
  });

  test('20 jobs over two workers, one SIGKILLed mid-batch: every job completes, every result is in PostgreSQL for a third process', async () => {
    const p = project();
    write(p.dir, 'job.lua', `
-- Each job works a little (a non-blocking wait in a workflow step), then saves its result.
local wf = Workflow.sequential({ name = "work", steps = {
  { name = "think", type = "custom", ["function"] = "delay", parameters = { ms = 400 } },
} })
wf:execute({})
local n = tonumber(ARGS.n)
State.save("global", "result:" .. ARGS.n, { n = n, square = n * n })
return { n = n, square = n * n }
`);
    write(p.dir, 'batch.jsonl', Array.from({ length: 20 }, (_, i) => JSON.stringify({ n: i + 1 })).join('\n') + '\n');
    const doomed = startWorker(p, 'doomed', ['--concurrency', '2']);
    const survivor = startWorker(p, 'survivor', ['--concurrency', '2']);
    await Promise.all([doomed.seen(/ready/, 'ready'), survivor.seen(/ready/, 'ready')]);
    const submit = cli(['submit', 'job.lua', '--each', 'batch.jsonl', '--wait'], { cwd: p.dir, env: p.env, timeoutMs: 120_000 });
    // Kill the doomed worker while it runs a job: that job has started and not finished.
    const [, victim] = await doomed.seen(/job (\d+) \(job\.lua\) started/, 'a job to start');
    doomed.child.kill('SIGKILL');
    expect(await waitForProcessExit(doomed.child.pid!)).toBe(true);
    expect(doomed.log()).not.toMatch(new RegExp(`job ${victim} completed`));
    const r = await submit;
    expect([r.code, r.stderr]).toEqual([0, expect.stringMatching(/20 of 20 jobs completed/)]);
    const done = outcomes(r.stdout);
    expect(done).toHaveLength(20);
    expect(done.every((d) => d.status === 'completed')).toBe(true);
    expect(done.map((d) => d.result.n).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // The killed worker's job came back as stalled and was run by the survivor.
    expect(r.stderr).toMatch(new RegExp(`\\[job ${victim}\\] its worker stopped answering`));
    const shown = JSON.parse((await cli(['jobs', 'show', victim, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
    expect(shown).toMatchObject({ status: 'completed', worker: 'survivor', stalled: 1 });
    // A third process reads every key from PostgreSQL.
    const third = { ...p.env, LLMSPELL_QUEUE_URL: '' };
    for (let n = 1; n <= 20; n++) {
      const got = await cli(['state', 'get', 'global', `result:${n}`, '--output', 'json'], { cwd: scratch(), env: { ...third, HOME: scratch() } });
      expect([n, got.code, got.stderr]).toEqual([n, 0, '']);
      expect(JSON.parse(got.stdout)).toEqual({ n, square: n * n });
    }
  }, 180_000);

  test('a job that keeps failing ends failed with its error after its attempts; retry and cancel steer jobs', async () => {
    const p = project();
    write(p.dir, 'flaky.lua', `
if not State.load("global", "allowed:" .. ARGS.tag) then error("not allowed yet") end
return "ran " .. ARGS.tag
`);
    startWorker(p, 'w1');
    const r = await cli(['submit', 'flaky.lua', '--attempts', '2', '--wait', '--', '--tag', 'x'], { cwd: p.dir, env: p.env });
    expect(r.code).toBe(1);
    const [failed] = outcomes(r.stdout);
    expect(failed).toMatchObject({ status: 'failed', error: expect.stringMatching(/flaky\.lua:2: not allowed yet/) });
    expect(r.stderr).toMatch(/attempt 1\/2 failed: .*not allowed yet; runs again/);
    const shown = await cli(['jobs', 'show', failed.id], { cwd: p.dir, env: p.env });
    expect(shown.stdout).toMatch(/status +failed/);
    expect(shown.stdout).toMatch(/attempts +2 of 2/);
    const listed = await cli(['jobs', 'list', '--status', 'failed'], { cwd: p.dir, env: p.env });
    expect(listed.stdout).toMatch(new RegExp(`^${failed.id} +failed +flaky\\.lua +2/2 +w1 `, 'm'));

    // Fix the cause, retry: the same job runs again and completes.
    expect((await cli(['state', 'set', 'global', 'allowed:x', 'true'], { cwd: p.dir, env: p.env })).code).toBe(0);
    const retried = await cli(['jobs', 'retry', failed.id], { cwd: p.dir, env: p.env });
    expect([retried.code, retried.stdout]).toEqual([0, expect.stringMatching(new RegExp(`job ${failed.id} goes again`))]);
    await until(async () => JSON.parse((await cli(['jobs', 'show', failed.id, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout).status === 'completed', 'the retried job');

    // Without a worker taking it, a job waits; cancel removes it.
    const q2 = project();
    write(q2.dir, 'flaky.lua', 'return 1');
    const submitted = await cli(['submit', 'flaky.lua', '--', '--tag', 'y'], { cwd: q2.dir, env: q2.env });
    const id = submitted.stdout.trim();
    expect(id).toMatch(/^\d+$/);
    const cancelled = await cli(['jobs', 'cancel', id], { cwd: q2.dir, env: q2.env });
    expect([cancelled.code, cancelled.stdout]).toEqual([0, `job ${id} cancelled: removed from the queue before it started\n`]);
    expect((await cli(['jobs', 'show', id], { cwd: q2.dir, env: q2.env })).stdout).toMatch(/status +cancelled/);
    expect((await cli(['jobs', 'show', '9999'], { cwd: q2.dir, env: q2.env })).stderr).toMatch(/NOT_FOUND: no job '9999'/);
  }, 120_000);

  test('a provider rate limit (HTTP 429) becomes a delayed retry, not a failure; workers use their own keys, never the submitter\'s', async () => {
    const llm: MockLlmServer = await startMockLlmServer();
    try {
      const p = project();
      write(p.dir, 'ask.lua', `
local agent = Agent.create({ model = "openai/gpt-4o-mini", max_retries = 0 })
return agent:invoke({ text = "hello " .. ARGS.who }).text
`);
      llm.reply({ status: 429, body: { error: { message: 'Rate limit reached for requests', type: 'rate_limit_exceeded' } } }, { text: 'Hi after the limit' });
      startWorker(p, 'keyed', [], { OPENAI_BASE_URL: llm.openaiBaseUrl, OPENAI_API_KEY: 'worker-key-0123456789', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true' });
      const submitterKey = 'sk-submitter-secret-0123456789abcdef';
      const r = await cli(['submit', 'ask.lua', '--attempts', '1', '--wait', '--', '--who', 'ada'], { cwd: p.dir, env: { ...p.env, OPENAI_API_KEY: submitterKey } });
      expect([r.code, outcomes(r.stdout)]).toEqual([0, [expect.objectContaining({ status: 'completed', result: 'Hi after the limit' })]]);
      expect(r.stderr).toMatch(/rate limited, runs again in 50 ms/);
      const id = outcomes(r.stdout)[0].id;
      const shown = JSON.parse((await cli(['jobs', 'show', id, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
      expect(shown).toMatchObject({ status: 'completed', rate_limited: 1, attempts_made: 1, attempts: 1 });
      // Both model calls carried the worker's key; the submitter's key is nowhere in Redis.
      expect(llm.requests.map((q) => q.headers.authorization)).toEqual(['Bearer worker-key-0123456789', 'Bearer worker-key-0123456789']);
      expect(redisDump()).not.toContain(submitterKey);
      // A secret handed over as an argument is refused before anything is queued.
      const refused = await cli(['submit', 'ask.lua', '--', '--api_key', 'abcdef0123456789'], { cwd: p.dir, env: p.env });
      expect([refused.code, refused.stderr]).toEqual([1, expect.stringMatching(/INVALID_ARGUMENT: script argument --api_key looks like a secret/)]);
    } finally {
      await llm.close();
    }
  }, 120_000);

  test('SIGTERM lets running jobs finish; a second SIGTERM puts them back in the queue unspent', async () => {
    const p = project();
    write(p.dir, 'slow.lua', `
local wf = Workflow.sequential({ name = "slow", steps = { { name = "wait", type = "custom", ["function"] = "delay", parameters = { ms = tonumber(ARGS.ms) } } } })
wf:execute({})
return "done"
`);
    const first = startWorker(p, 'polite');
    await first.seen(/ready/, 'ready');
    const a = (await cli(['submit', 'slow.lua', '--', '--ms', '1500'], { cwd: p.dir, env: p.env })).stdout.trim();
    await first.seen(new RegExp(`job ${a} \\(slow\\.lua\\) started`), 'the job to start');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.log()).toMatch(new RegExp(`taking no more jobs, finishing 1 running[\\s\\S]*job ${a} completed[\\s\\S]*stopped`));

    const second = startWorker(p, 'hasty');
    await second.seen(/ready/, 'ready');
    const b = (await cli(['submit', 'slow.lua', '--', '--ms', '60000'], { cwd: p.dir, env: p.env })).stdout.trim();
    await second.seen(new RegExp(`job ${b} \\(slow\\.lua\\) started`), 'the job to start');
    second.child.kill('SIGTERM');
    await second.seen(/taking no more jobs/, 'the first signal');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.log()).toMatch(new RegExp(`job ${b} returned to the queue`));
    const shown = JSON.parse((await cli(['jobs', 'show', b, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
    expect(shown).toMatchObject({ status: 'waiting', attempts_made: 0 });
  }, 120_000);

  test('a distributed parallel workflow and loop run their units on workers, join one durable run, and resume on another machine', async () => {
    const p = project();
    write(p.dir, 'fan.lua', `
State.increment("global", "before:" .. ARGS.run, 1)
local wf = Workflow.parallel({ name = "fan", distributed = true, fail_fast = false, branches = {
  { name = "a", steps = { { name = "a1", type = "custom", execute = function(ctx) return "a for " .. ARGS.tag end } } },
  { name = "b", steps = {
    { name = "b1", type = "custom", execute = function(ctx) return "b1" end },
    { name = "b2", type = "custom", execute = function(ctx)
        if not State.load("global", "allow_b") then error("b is not allowed yet") end
        return ctx.outputs.b1 .. "+b2"
      end },
  } },
  { name = "c", steps = { { name = "c1", tool = "text_manipulator", input = { operation = "uppercase", input = "c for {{input.who}}" } } } },
} })
local r = ARGS.resume and Workflow.resume(ARGS.run, wf) or wf:execute({ run_id = ARGS.run, input = { who = "ada" } })
local loop = Workflow.loop({ name = "squares", distributed = true, iterator = { collection = { 1, 2, 3, 4 } },
  body = { { name = "sq", type = "custom", execute = function(ctx) return ctx.current_item * ctx.current_item end } } })
local l = loop:execute({})
State.increment("global", "after:" .. ARGS.run, 1)
return { ok = r.success, outputs = r.data.branch_outputs, error = r.error and tostring(r.error), distributed = r.metadata.extra.distributed, squares = l.output }
`);
    startWorker(p, 'w1', ['--concurrency', '2']);
    startWorker(p, 'w2', ['--concurrency', '2']);
    const first = await cli(['--output', 'json', 'run', 'fan.lua', '--', '--run', 'd1', '--tag', 'x'], { cwd: p.dir, env: p.env, timeoutMs: 120_000 });
    expect(first.code).toBe(0);
    const out = JSON.parse(first.stdout).result;
    expect(out).toMatchObject({ ok: false, distributed: true, outputs: { a: 'a for x', c: 'C FOR ADA' }, error: expect.stringMatching(/b is not allowed yet/), squares: [1, 4, 9, 16] });
    const units = JSON.parse((await cli(['jobs', 'list', '--output', 'json'], { cwd: p.dir, env: p.env })).stdout) as Array<{ kind: string; status: string; worker: string; attempts_made: number }>;
    expect(units).toHaveLength(7);
    expect(units.every((u) => u.kind === 'workflow-unit' && ['w1', 'w2'].includes(u.worker))).toBe(true);
    // Branch b's unit failed: a failed job, retried with the job's attempts (3) before it gave up.
    expect(units.filter((u) => u.status === 'failed')).toEqual([expect.objectContaining({ attempts_made: 3 })]);
    // The run record and the finished branches' checkpoints are in PostgreSQL.
    const record = JSON.parse((await cli(['state', 'get', 'workflow:fan', 'run:d1', '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
    expect(record).toMatchObject({ status: 'failed', workflow: 'fan' });

    // Fix the cause, then resume the run from a machine that is neither the first nor a worker.
    expect((await cli(['state', 'set', 'global', 'allow_b', 'true'], { cwd: p.dir, env: p.env })).code).toBe(0);
    const other = scratch();
    write(other, 'llmspell.toml', `${CONFIG}name = "${p.queue}"\n`);
    write(other, 'fan.lua', fs.readFileSync(path.join(p.dir, 'fan.lua'), 'utf8'));
    const resumed = await cli(['--output', 'json', 'run', 'fan.lua', '--', '--run', 'd1', '--tag', 'x', '--resume', 'yes'], { cwd: other, env: { ...p.env, HOME: other }, timeoutMs: 120_000 });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).result).toMatchObject({ ok: true, outputs: { a: 'a for x', b: 'b1+b2', c: 'C FOR ADA' } });
    const after = JSON.parse((await cli(['jobs', 'list', '--output', 'json', '--limit', '100'], { cwd: p.dir, env: p.env })).stdout) as Array<{ id: string; kind: string }>;
    // Only branch b went out again (a and c came from their checkpoints), plus the loop's four.
    expect(after).toHaveLength(7 + 1 + 4);
    // The code after the workflows ran once per script run, never in the units' replays; the
    // code before them ran in every replay: 2 script runs, 9 unit runs the first time (3
    // branches, b twice more, 4 iterations), 5 the second (b, 4 iterations).
    const count = async (key: string) => JSON.parse((await cli(['state', 'get', 'global', key, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
    expect(await count('after:d1')).toBe(2);
    expect(await count('before:d1')).toBe(2 + 9 + 5);

    // A submitted job runs its own distributed workflows in place: it never waits on units
    // that would need its worker's slots (one worker, one slot here).
    const single = project();
    write(single.dir, 'fan.lua', fs.readFileSync(path.join(p.dir, 'fan.lua'), 'utf8'));
    startWorker(single, 'lonely');
    expect((await cli(['state', 'set', 'global', 'allow_b', 'true'], { cwd: single.dir, env: single.env })).code).toBe(0);
    const job = await cli(['submit', 'fan.lua', '--wait', '--', '--run', 'd2', '--tag', 'y'], { cwd: single.dir, env: single.env, timeoutMs: 120_000 });
    expect([job.code, outcomes(job.stdout)]).toEqual([0, [expect.objectContaining({ status: 'completed', result: expect.objectContaining({ ok: true, squares: [1, 4, 9, 16] }) })]]);
    expect(JSON.parse(job.stdout).result.distributed).toBeUndefined();
    expect(JSON.parse((await cli(['jobs', 'list', '--output', 'json'], { cwd: single.dir, env: single.env })).stdout)).toHaveLength(1);
  }, 300_000);

  test('connection passwords never reach output: config show, state errors, worker and jobs', async () => {
    const secretPg = await startPostgres({ password: 'pg-Pass-word-42' });
    const secretRedis = await startRedis({ password: 'redis-Pass-word-42' });
    try {
      const p = project(`[runtime.state_persistence]\nbackend_type = "postgres"\nurl = "${secretPg.url}"\n`);
      const env = { ...p.env, LLMSPELL_STATE_BACKEND: '', LLMSPELL_STATE_URL: '', LLMSPELL_QUEUE_URL: secretRedis.url };
      const shown = await cli(['config', 'show'], { cwd: p.dir, env });
      expect(shown.code).toBe(0);
      expect(shown.stdout + shown.stderr).not.toContain('pg-Pass-word-42');
      expect(shown.stdout + shown.stderr).not.toContain('redis-Pass-word-42');
      expect(shown.stdout).toContain(`127.0.0.1:${secretPg.port}`);
      const ok = await cli(['state', 'set', 'global', 'k', '1'], { cwd: p.dir, env });
      expect([ok.code, ok.stderr]).toEqual([0, '']);
      const wrong = await cli(['state', 'get', 'global', 'k'], { cwd: p.dir, env: { ...env, LLMSPELL_STATE_URL: secretPg.url.replace('pg-Pass-word-42', 'pg-Wrong-word-42') } });
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(/STATE_ERROR: .*refused the login/);
      expect(wrong.stderr).not.toMatch(/pg-(Pass|Wrong)-word-42/);
      const listed = await cli(['jobs', 'list'], { cwd: p.dir, env });
      expect([listed.code, listed.stdout]).toEqual([0, expect.stringContaining(`at redis://127.0.0.1:${secretRedis.port}:`)]);
      expect(listed.stdout + listed.stderr).not.toContain('redis-Pass-word-42');
      const badRedis = await cli(['jobs', 'list'], { cwd: p.dir, env: { ...env, LLMSPELL_QUEUE_URL: secretRedis.url.replace('redis-Pass', 'redis-Wrong') } });
      expect([badRedis.code, badRedis.stderr]).toEqual([1, expect.stringMatching(/IO_ERROR: .*refused the login/)]);
      expect(badRedis.stderr).not.toMatch(/redis-(Pass|Wrong)-word-42/);
      const w = startWorker(p, 'secretive', [], env, secretRedis.url);
      await w.seen(/ready/, 'ready');
      expect(w.log()).toContain(`at redis://127.0.0.1:${secretRedis.port},`);
      w.child.kill('SIGTERM');
      const code = await w.exited;
      expect([code, w.child.signalCode]).toEqual([0, null]);
      expect(w.log()).not.toContain('redis-Pass-word-42');
    } finally {
      secretPg.stop();
      await secretRedis.stop();
    }
  }, 120_000);
});

/** Every string value and hash field in the test Redis, as one text. */
function redisDump(): string {
  if (!hasProgram('redis-cli')) return '';
  const run = (...a: string[]) => execFileSync('redis-cli', ['-p', String(redis.port), ...a], { encoding: 'utf8' });
  const keys = run('--scan').split('\n').map((k) => k.replace(/^"|"$/g, '')).filter(Boolean);
  return keys.map((k) => {
    const type = run('type', k).trim();
    if (type === 'hash') return run('hgetall', k);
    if (type === 'string') return run('get', k);
    if (type === 'list') return run('lrange', k, '0', '-1');
    if (type === 'stream') return run('xrange', k, '-', '+');
    return '';
  }).join('\n');
}

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { LlmspellError } from '@llmspell/core';
import { redisSkipReason, startRedis, waitForProcessExit, type RedisServer } from '@llmspell/core/testing';
import { JobQueue, QUEUE_DEFAULTS, startQueueWorker, type JobPayload, type JobProgress, type QueueSettings, type QueueWorker, type RunningJob } from './index.js';

const skip = redisSkipReason();
const suite = skip ? describe.skip : describe;
const skipped = skip ? ` (skipped: ${skip})` : '';
const here = fileURLToPath(new URL('.', import.meta.url));

let redis: RedisServer;
let queues = 0;
const open: Array<{ close(): Promise<void> }> = [];

/** A queue of its own per test, with short locks so a dead worker's jobs come back quickly. */
function settings(extra: Partial<QueueSettings> = {}): QueueSettings {
  return {
    ...QUEUE_DEFAULTS, url: redis.url, name: `q${process.pid}-${++queues}`, backoffMs: 10,
    lockDurationMs: 1000, stalledIntervalMs: 500, rateLimitDelayMs: 20, ...extra,
  };
}

const job = (n: number, extra: Partial<JobPayload> = {}): JobPayload => ({
  script: { source: `return ${n}`, filename: 'job.lua', engine: 'lua' }, args: { positional: [], named: { n: String(n) } }, ...extra,
});

async function queueOf(s: QueueSettings): Promise<JobQueue> {
  const q = await JobQueue.open(s);
  open.push(q);
  return q;
}

async function workerOf(s: QueueSettings, run: (job: RunningJob) => Promise<unknown>, name?: string): Promise<QueueWorker> {
  const w = await startQueueWorker({ settings: s, run, name });
  open.push(w);
  return w;
}

async function collect(q: JobQueue, ids: string[], onProgress?: (id: string, p: JobProgress) => void) {
  const out = [];
  for await (const info of q.watch(ids, { onProgress })) out.push(info);
  return out.sort((a, b) => Number(a.id) - Number(b.id));
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

suite(`@llmspell/queue on a real Redis${skipped}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    for (const o of open.splice(0).reverse()) await o.close().catch(() => undefined);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('runs submitted jobs and reports their results and progress', async () => {
    const s = settings({ concurrency: 2 });
    const q = await queueOf(s);
    await workerOf(s, async (j) => ({ doubled: Number(j.payload.args.named.n) * 2, attempt: j.attempt }), 'w1');
    const ids = await q.submitMany([job(1), job(2), job(3)]);
    expect(ids).toHaveLength(3);
    const progress: string[] = [];
    const done = await collect(q, ids, (id, p) => progress.push(`${id}:${p.event}`));
    expect(done.map((d) => [d.status, d.result])).toEqual([
      ['completed', { doubled: 2, attempt: 1 }], ['completed', { doubled: 4, attempt: 1 }], ['completed', { doubled: 6, attempt: 1 }],
    ]);
    expect(done[0]).toMatchObject({ kind: 'script', script: 'job.lua', worker: 'w1', attempts_made: 1, attempts: 3 });
    await expect(q.list({ statuses: ['completed'] })).resolves.toHaveLength(3);
  });

  it('a job carries only the script, its arguments, run id and options', async () => {
    const s = settings();
    const q = await queueOf(s);
    const [id] = await q.submitMany([job(7, { run_id: 'nightly', options: { timeout_seconds: 5 } })]);
    const client = new Redis(redis.url);
    const data = JSON.parse((await client.hget(`llmspell:${s.name}:${id}`, 'data'))!);
    client.disconnect();
    expect(Object.keys(data).sort()).toEqual(['args', 'options', 'run_id', 'script']);
    expect(Object.keys(data.script).sort()).toEqual(['engine', 'filename', 'source']);
  });

  it('refuses arguments shaped like secrets, oversized scripts and bad options, naming them', async () => {
    const q = await queueOf(settings());
    await expect(q.submit(job(1, { args: { positional: [], named: { api_key: 'abc123def456' } } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/--api_key looks like a secret/) });
    await expect(q.submit(job(1, { args: { positional: ['sk-proj-abcdefghijklmnopqrstuvwxyz0123'], named: {} } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/argument 1 looks like a secret/) });
    await expect(q.submit(job(1, { args: { positional: [], named: { max_tokens: '500', token_count: '12' } } }))).resolves.toBeDefined();
    await expect(q.submit({ ...job(1), script: { source: 'x'.repeat(1024 * 1024 + 1), filename: 'big.lua', engine: 'lua' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/script\.source/) });
    await expect(q.submit(job(1), { attempts: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/attempts/) });
  });

  it('a job that keeps failing ends failed with its error after its attempts', async () => {
    const s = settings();
    const q = await queueOf(s);
    let runs = 0;
    await workerOf(s, async () => {
      runs++;
      throw new LlmspellError('SCRIPT_ERROR', `job.lua:1: boom ${runs}`);
    });
    await q.listen();
    const [id] = await q.submitMany([job(1)], { attempts: 3 });
    const events: string[] = [];
    const [done] = await collect(q, [id], (_id, p) => events.push(p.event));
    expect(done).toMatchObject({ status: 'failed', attempts_made: 3, error: 'SCRIPT_ERROR: job.lua:1: boom 3' });
    expect(runs).toBe(3);
    expect(events.filter((e) => e === 'retrying')).toHaveLength(2);
  });

  it('keepCompleted and keepFailed ([queue] keep_completed / keep_failed) bound the finished jobs the queue keeps', async () => {
    const finished = async (keep: Partial<QueueSettings>) => {
      const s = settings(keep);
      const q = await queueOf(s);
      await workerOf(s, async (j) => {
        if (Number(j.payload.args.named.n) % 2 === 0) throw new LlmspellError('SCRIPT_ERROR', 'job.lua:1: even');
        return 'odd';
      });
      await q.listen();
      await collect(q, await q.submitMany([1, 2, 3, 4, 5, 6].map((n) => job(n)), { attempts: 1 }));
      return [(await q.list({ statuses: ['completed'] })).length, (await q.list({ statuses: ['failed'] })).length];
    };
    expect(await finished({})).toEqual([3, 3]);
    expect(await finished({ keepCompleted: 1, keepFailed: 2 })).toEqual([1, 2]);
  });

  it('a syntax error is not retried', async () => {
    const s = settings();
    const q = await queueOf(s);
    let runs = 0;
    await workerOf(s, async () => {
      runs++;
      throw new LlmspellError('SCRIPT_SYNTAX_ERROR', 'job.lua:1: unexpected symbol');
    });
    const [done] = await collect(q, await q.submitMany([job(1)], { attempts: 5 }));
    expect(done).toMatchObject({ status: 'failed', error: 'SCRIPT_SYNTAX_ERROR: job.lua:1: unexpected symbol' });
    expect(runs).toBe(1);
  });

  it('a rate limit (RATE_LIMITED) puts the job back as delayed without using an attempt', async () => {
    const s = settings({ maxRateLimitDelays: 2 });
    const q = await queueOf(s);
    const seen = new Map<string, number>();
    await workerOf(s, async (j) => {
      const n = (seen.get(j.id) ?? 0) + 1;
      seen.set(j.id, n);
      // The first job is limited twice, then gets through; the second never does.
      if (j.payload.args.named.n === '2' || n <= 2) throw new LlmspellError('RATE_LIMITED', "agent 'a': openai rate limit hit after 0 retries: Rate limit reached");
      return 'through';
    });
    const events: string[] = [];
    await q.listen();
    const ids = await q.submitMany([job(1), job(2)], { attempts: 1 });
    const [first, second] = await collect(q, ids, (_id, p) => events.push(p.event));
    expect(first).toMatchObject({ status: 'completed', result: 'through', attempts_made: 1, rate_limited: 2 });
    expect(second).toMatchObject({ status: 'failed', rate_limited: 2, error: expect.stringMatching(/^RATE_LIMITED: .*still rate limited after 2 delayed retries/) });
    expect(events.filter((e) => e === 'rate_limited')).toHaveLength(4);
  });

  it('cancels a waiting job (removed, remembered as cancelled) and a running one (stopped, not retried)', async () => {
    const s = settings();
    const q = await queueOf(s);
    const [waiting] = await q.submitMany([job(1)]);
    await expect(q.cancel(waiting)).resolves.toMatchObject({ outcome: 'removed', status: 'cancelled' });
    await expect(q.get(waiting)).resolves.toMatchObject({ status: 'cancelled', error: expect.stringMatching(/^CANCELLED: cancelled before it started/) });
    let started = 0;
    let aborted = 0;
    await workerOf(s, (j) => {
      started++;
      return new Promise((_resolve, reject) => j.signal.addEventListener('abort', () => {
        aborted++;
        reject(new LlmspellError('CANCELLED', 'script cancelled'));
      }));
    });
    const [running] = await q.submitMany([job(2)], { attempts: 3 });
    await until(async () => (await q.get(running))?.status === 'active', 'the job to start');
    await expect(q.cancel(running)).resolves.toMatchObject({ outcome: 'stopping' });
    const [done] = await collect(q, [running]);
    expect(done).toMatchObject({ status: 'cancelled', error: expect.stringMatching(/^CANCELLED: cancelled by `llmspell jobs cancel` while running/) });
    expect([started, aborted]).toEqual([1, 1]);
    await expect(q.cancel(running)).resolves.toMatchObject({ outcome: 'already finished' });
    await expect(q.cancel('99999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('retry runs a failed job again with all its attempts', async () => {
    const s = settings();
    const q = await queueOf(s);
    let fail = true;
    await workerOf(s, async () => {
      if (fail) throw new LlmspellError('SCRIPT_ERROR', 'not yet');
      return 'ok now';
    });
    const [id] = await q.submitMany([job(1)], { attempts: 1 });
    expect((await collect(q, [id]))[0].status).toBe('failed');
    fail = false;
    await expect(q.retry(id)).resolves.toMatchObject({ id });
    const [again] = await collect(q, [id]);
    expect(again).toMatchObject({ status: 'completed', result: 'ok now' });
    await expect(q.retry('424242')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('closing waits for running jobs; past the grace they go back to the queue unspent and another worker runs them', async () => {
    const s = settings();
    const q = await queueOf(s);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const graceful = await startQueueWorker({ settings: s, run: async () => { await gate; return 'finished by the closing worker'; } });
    const [a] = await q.submitMany([job(1)]);
    await until(() => graceful.running() === 1, 'the job to start');
    let closed = false;
    const closing = graceful.close().then(() => (closed = true));
    release();
    await closing;
    expect(closed).toBe(true);
    expect((await collect(q, [a]))[0]).toMatchObject({ status: 'completed', result: 'finished by the closing worker' });

    const stubborn = await startQueueWorker({ settings: s, name: 'stubborn', run: (j) => new Promise((_r, reject) => j.signal.addEventListener('abort', () => reject(j.signal.reason))) });
    const [b] = await q.submitMany([job(2)], { attempts: 1 });
    await until(() => stubborn.running() === 1, 'the job to start');
    await stubborn.close({ returnAfterMs: 0 });
    await expect(q.get(b)).resolves.toMatchObject({ status: 'waiting', attempts_made: 0 });
    await workerOf(s, async () => 'run by the next worker', 'next');
    expect((await collect(q, [b]))[0]).toMatchObject({ status: 'completed', result: 'run by the next worker', worker: 'next' });
  });

  describe('a worker killed with SIGKILL mid-job', () => {
    const children: ChildProcess[] = [];
    beforeAll(() => {
      const dist = join(here, '..', 'dist', 'index.js');
      const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
      if (!existsSync(dist) || statSync(dist).mtimeMs < newest(join(here, '..', 'src'))) {
        execFileSync(join(here, '..', '..', '..', 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.build.json'], { cwd: join(here, '..') });
      }
    }, 120_000);
    afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

    it('loses nothing: its jobs are found stalled and run by another worker', async () => {
      // The fixture worker uses the queue `kill-test`; clear it from earlier runs.
      const s = { ...settings(), name: 'kill-test', lockDurationMs: 1000, stalledIntervalMs: 500, maxStalledCount: 2 };
      const q = await queueOf(s);
      const child = spawn(process.execPath, [join(here, '__fixtures__', 'worker.mjs'), redis.url, 'doomed', 'hang', '1000', '500'], { stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(child);
      const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
      expect((await lines.next()).value).toBe('ready');
      const ids = await q.submitMany([job(1), job(2), job(3), job(4)]);
      // The doomed worker takes two jobs (its concurrency) and hangs on them.
      const took = [(await lines.next()).value, (await lines.next()).value];
      expect(took.every((l) => /^started \d+$/.test(String(l)))).toBe(true);
      child.kill('SIGKILL');
      expect(await waitForProcessExit(child.pid!)).toBe(true);
      await workerOf(s, async (j) => ({ by: 'survivor', n: j.payload.args.named.n }), 'survivor');
      const stalls: string[] = [];
      const done = await collect(q, ids, (id, p) => p.event === 'stalled' && stalls.push(id));
      expect(done.map((d) => d.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(done.map((d) => (d.result as { n: string }).n)).toEqual(['1', '2', '3', '4']);
      const recovered = done.filter((d) => took.includes(`started ${d.id}`));
      expect(recovered).toHaveLength(2);
      for (const r of recovered) expect(r).toMatchObject({ worker: 'survivor', stalled: 1, attempts_made: 1 });
    }, 60_000);
  });

  it('a job stores at most 8 KiB a line and 1 MiB of log over all its runs, and says what it dropped', async () => {
    const s = settings();
    const q = await queueOf(s);
    const mib = 'x'.repeat(1024 * 1024);
    await workerOf(s, async (j) => {
      if (j.attempt === 1) {
        for (let i = 0; i < 100; i++) j.log(mib);
        await j.progress({ event: 'output', text: mib });
        throw new LlmspellError('SCRIPT_ERROR', 'job.lua:1: too much');
      }
      for (let i = 0; i < 2000; i++) j.log(`line ${i}`);
      return 'done';
    });
    const progress: JobProgress[] = [];
    await q.listen();
    const [id] = await q.submitMany([job(1)], { attempts: 2 });
    const [done] = await collect(q, [id], (_id, p) => progress.push(p));
    expect(done.status).toBe('completed');
    const logs = await q.logs(id);
    const bytes = logs.reduce((n, l) => n + Buffer.byteLength(l), 0);
    expect(bytes).toBeLessThanOrEqual(1024 * 1024 + 1024);
    expect(Math.max(...logs.map((l) => Buffer.byteLength(l)))).toBeLessThanOrEqual(8 * 1024);
    expect(logs[0]).toMatch(/^… \d+ lines? of earlier runs' output not kept$/);
    expect(logs).toContainEqual(expect.stringMatching(/^x{8000,}… \[1040412 more bytes cut\]$/));
    // The latest run has room of its own: its lines follow what the first run kept.
    expect(logs).toContainEqual('line 0');
    expect(logs.length).toBeLessThanOrEqual(1001);
    expect(logs[logs.length - 1]).toMatch(/^… \d+ more lines \(\d+ bytes\) of output not kept: a job's log keeps at most 1000 lines and 1 MiB$/);
    for (const p of progress) expect(Buffer.byteLength(String(p.text ?? ''))).toBeLessThanOrEqual(8 * 1024);
    const client = new Redis(redis.url);
    try {
      const stored = Number(await client.memory('USAGE', `llmspell:${s.name}:${id}:logs`));
      expect(stored).toBeLessThan(2 * 1024 * 1024);
      const events = Number(await client.memory('USAGE', `llmspell:${s.name}:events`));
      expect(events).toBeLessThan(2 * 1024 * 1024);
    } finally {
      client.disconnect();
    }
  });

  it('an error message is cut to 8 KiB, and a result over 1 MiB fails the job (SIZE_LIMIT_EXCEEDED) rather than filling Redis', async () => {
    const s = settings();
    const q = await queueOf(s);
    let runs = 0;
    await workerOf(s, async (j) => {
      runs++;
      // A plain Error: LlmspellError bounds its own message.
      if (j.payload.args.named.n === '1') throw new Error(`SCRIPT_ERROR: job.lua:1: ${'e'.repeat(1024 * 1024)}`);
      return { text: 'r'.repeat(1024 * 1024) };
    });
    const [erred, huge] = await collect(q, await q.submitMany([job(1), job(2)], { attempts: 2 }));
    expect(erred).toMatchObject({ status: 'failed', error: expect.stringMatching(/^SCRIPT_ERROR: job\.lua:1: e+… \[\d+ more bytes cut\]$/) });
    expect(Buffer.byteLength(erred.error!)).toBeLessThanOrEqual(8 * 1024);
    expect(huge).toMatchObject({ status: 'failed', error: expect.stringMatching(/^SIZE_LIMIT_EXCEEDED: job \d+'s result is 1048587 bytes of JSON; .*at most 1048576 bytes/) });
    // Two runs of the failing script, one of the one too large to keep: it would only fail again.
    expect(runs).toBe(3);
  });

  it('a job whose data in Redis is not JSON is listed and shown as corrupt, fails on a worker, and cancel removes it', async () => {
    const s = settings();
    const q = await queueOf(s);
    const [good, bad, other] = await q.submitMany([job(1), job(2), job(3)]);
    const client = new Redis(redis.url);
    try {
      await client.hset(`llmspell:${s.name}:${bad}`, 'data', '{bad json');
      await client.hset(`llmspell:${s.name}:${other}`, 'data', '{also bad');
    } finally {
      client.disconnect();
    }
    const listed = await q.list();
    expect(listed.map((i) => [i.id, i.status, i.script, i.corrupt])).toEqual([
      [other, 'waiting', '(corrupt)', expect.stringMatching(/^its data in Redis is not valid JSON \(/)],
      [bad, 'waiting', '(corrupt)', expect.stringMatching(/^its data in Redis is not valid JSON \(/)],
      [good, 'waiting', 'job.lua', undefined],
    ]);
    await expect(q.get(bad)).resolves.toMatchObject({ status: 'waiting', corrupt: expect.any(String) });
    await expect(q.cancel(other)).resolves.toMatchObject({ outcome: 'removed', status: 'cancelled', corrupt: expect.any(String) });
    await expect(q.get(other)).resolves.toMatchObject({ status: 'cancelled', error: expect.stringMatching(/^CANCELLED: removed: its data in Redis is not valid JSON/) });

    const activity: string[] = [];
    let runs = 0;
    const w = await startQueueWorker({ settings: s, onActivity: (l) => activity.push(l), run: async () => ++runs });
    open.push(w);
    const done = await collect(q, [good, bad]);
    expect(done.map((d) => [d.id, d.status])).toEqual([[good, 'completed'], [bad, 'failed']]);
    expect(done[1].error).toMatch(new RegExp(`^INVALID_ARGUMENT: job ${bad} cannot run: its data in Redis is not valid JSON`));
    expect(runs).toBe(1);
    expect(activity).toContainEqual(expect.stringMatching(new RegExp(`^job ${bad} failed: INVALID_ARGUMENT`)));
    expect(activity.filter((l) => /queue error/.test(l))).toEqual([]);
    await expect(q.retry(bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/cannot run again: .*not valid JSON/) });
    await expect(q.cancel(bad)).resolves.toMatchObject({ outcome: 'removed' });
    await expect(q.list()).resolves.toEqual([expect.objectContaining({ id: good })]);
  });

  it('refuses control characters in the fields workers and `llmspell jobs` print; the worker escapes them in what it says', async () => {
    const s = settings();
    const q = await queueOf(s);
    const forged = '\u001b[31mRED\u001b[0m\n[worker wA] job 99 completed';
    await expect(q.submit(job(1, { script: { source: 'return 1', filename: forged, engine: 'lua' } }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: job script\.filename: must not contain control characters/) });
    await expect(q.submit(job(1, { run_id: 'a\u202eb' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: job run_id: must not contain control characters/) });
    await expect(q.submit(job(1), { kind: 'x\ny' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    // Argument values are the script's business, newlines and all.
    await expect(q.submit(job(1, { args: { positional: ['two\nlines'], named: { text: 'a\tb' } } }))).resolves.toBeDefined();

    const activity: string[] = [];
    const w = await startQueueWorker({ settings: s, name: 'wA', onActivity: (l) => activity.push(l), run: async () => {
      throw new LlmspellError('SCRIPT_SYNTAX_ERROR', `job.lua:1: ${forged}`);
    } });
    open.push(w);
    const [id] = await q.submitMany([job(2)]);
    await collect(q, [id]);
    expect(activity.join('\n')).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(activity).toContainEqual(`job ${id} failed: SCRIPT_SYNTAX_ERROR: job.lua:1: \\x1b[31mRED\\x1b[0m\\n[worker wA] job 99 completed`);
  });

  it('a password that is not percent-encoded is CONFIG_INVALID saying to encode it, never showing it', async () => {
    for (const url of ['redis://:pass/word?x@127.0.0.1:1', 'redis://:50%off@127.0.0.1:1/0']) {
      const error = await JobQueue.open({ url }).catch((e: Error) => e);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringMatching(/percent-encode them \(\/ as %2F, % as %25/) });
      expect((error as Error).message).toMatch(/127\.0\.0\.1:1/);
      expect((error as Error).message).not.toMatch(/pass\/word|50%off/);
    }
    await expect(JobQueue.open({ url: `redis://:${encodeURIComponent('pass/word%')}@127.0.0.1:1` })).rejects.toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('a wrong URL or password is a clear error that never shows the password', async () => {
    const locked = await startRedis({ password: 'red1s-pass-word' });
    try {
      await expect(JobQueue.open({ url: 'http://nope' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
      const wrong = await JobQueue.open({ url: `redis://:wrong-pass-word@127.0.0.1:${locked.port}` }).catch((e: Error) => e);
      expect(wrong).toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/refused the login/) });
      expect(JSON.stringify(wrong) + (wrong as Error).message).not.toContain('wrong-pass-word');
      const closed = await JobQueue.open({ url: `redis://:red1s-pass-word@127.0.0.1:1` }).catch((e: Error) => e);
      expect(closed).toMatchObject({ code: 'IO_ERROR', message: expect.stringMatching(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/) });
      expect((closed as Error).message).not.toContain('red1s-pass-word');
      const ok = await JobQueue.open({ url: locked.url, name: 'auth' });
      expect(ok.target).toBe(`redis://127.0.0.1:${locked.port}`);
      await expect(ok.submit(job(1))).resolves.toBe('1');
      await ok.close();
    } finally {
      await locked.stop();
    }
  });
});

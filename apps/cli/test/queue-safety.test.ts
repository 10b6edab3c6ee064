import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { hasProgram, redisSkipReason, startRedis, type RedisServer } from '@llmspell/core/testing';
import { JobQueue, QUEUE_DEFAULTS, type JobPayload } from '@llmspell/queue';
import { bin, cli, killAll, scratch, write } from './helpers.js';

/*
 * What a job can put into Redis and onto an operator's terminal: `llmspell worker`, `submit`
 * and `jobs` against a Redis on a loopback port, with jobs that print too much, carry control
 * characters, or whose data in Redis is not JSON.
 */
const skip = redisSkipReason() ?? (hasProgram('redis-cli') ? undefined : 'redis-cli is not installed');
const suite = skip ? describe.skip : describe;
const skipped = skip ? ` (skipped: ${skip})` : '';

let redis: RedisServer;
let queues = 0;
const workers: ChildProcess[] = [];

interface Project {
  dir: string;
  queue: string;
  env: Record<string, string>;
}

function project(): Project {
  const dir = scratch();
  const queue = `safety-${process.pid}-${++queues}`;
  write(dir, 'llmspell.toml', `[queue]\nname = "${queue}"\nbackoff_ms = 50\n`);
  return { dir, queue, env: { LLMSPELL_QUEUE_URL: redis.url } };
}

/** A `llmspell worker`; `seen` resolves once its stderr matches. */
function startWorker(p: Project, name: string) {
  const child = spawn(process.execPath, [bin, 'worker', '--name', name], {
    cwd: p.dir, env: { PATH: process.env.PATH ?? '', HOME: p.dir, NO_COLOR: '1', ...p.env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  workers.push(child);
  let text = '';
  const waiters: Array<() => void> = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  child.stderr!.on('data', (d: Buffer) => {
    text += d.toString();
    wake();
  });
  child.on('exit', wake);
  const seen = (pattern: RegExp, what: string) => new Promise<void>((resolve, reject) => {
    const check = () => {
      if (pattern.test(text)) return resolve();
      if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`worker ${name} exited before ${what}:\n${text}`));
      waiters.push(check);
    };
    check();
  });
  return { log: () => text, seen };
}

async function queueOf(p: Project): Promise<JobQueue> {
  return JobQueue.open({ ...QUEUE_DEFAULTS, url: redis.url, name: p.queue });
}

const payload = (source: string, extra: Partial<JobPayload> = {}): JobPayload => ({
  script: { source, filename: 'job.lua', engine: 'lua' }, args: { positional: [], named: {} }, ...extra,
});

/** A Redis command, as an operator (or anything else that can reach it) would send it. */
function redisCli(...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(redis.port), ...args], { encoding: 'utf8' }).trim();
}

async function finished(q: JobQueue, id: string) {
  for await (const info of q.watch([id])) return info;
  throw new Error(`job ${id} was not followed to its end`);
}

suite(`queue safety: output, control characters and corrupt jobs${skipped}`, () => {
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(() => killAll(workers));
  afterAll(async () => {
    await redis?.stop();
  });

  test('a job printing 100 lines of 1 MiB keeps at most 1 MiB of log in Redis, and its watcher sees a bounded part', async () => {
    const p = project();
    write(p.dir, 'bigout.lua', 'for i=1,100 do print(string.rep("x", 1048576)) end\nreturn "done"\n');
    const w = startWorker(p, 'wA');
    await w.seen(/ready/, 'ready');
    const r = await cli(['submit', 'bigout.lua', '--wait'], { cwd: p.dir, env: p.env, timeoutMs: 120_000 });
    expect([r.code, JSON.parse(r.stdout)]).toEqual([0, expect.objectContaining({ status: 'completed', result: 'done' })]);
    expect(r.stderr.length).toBeLessThan(300 * 1024);
    expect(r.stderr).toMatch(/further output is not forwarded \(over 200 lines or 256 KiB\)/);
    const id = String(JSON.parse(r.stdout).id);
    expect(Number(redisCli('memory', 'usage', `llmspell:${p.queue}:${id}:logs`))).toBeLessThan(1.5 * 1024 * 1024);
    expect(Number(redisCli('memory', 'usage', `llmspell:${p.queue}:events`))).toBeLessThan(1.5 * 1024 * 1024);
    const shown = JSON.parse((await cli(['jobs', 'show', id, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout) as { logs: string[] };
    expect(shown.logs.every((l) => Buffer.byteLength(l) <= 8 * 1024)).toBe(true);
    expect(shown.logs[0]).toMatch(/^x+… \[\d+ more bytes cut\]$/);
  }, 120_000);

  test('a job timeout under 1 ms (from an older submitter) ends SCRIPT_TIMEOUT, not a complaint about the limit', async () => {
    const p = project();
    const w = startWorker(p, 'wT');
    await w.seen(/ready/, 'ready');
    const q = await queueOf(p);
    try {
      const id = await q.submit(payload('while true do end', { options: { timeout_seconds: 0.0001 } }), { attempts: 1 });
      expect(await finished(q, id)).toMatchObject({ status: 'failed', error: expect.stringMatching(/^SCRIPT_TIMEOUT: /) });
    } finally {
      await q.close();
    }
  }, 60_000);

  test('jobs list and show escape control characters a queued job carries; the worker never prints them raw', async () => {
    const p = project();
    const q = await queueOf(p);
    let id: string;
    try {
      id = await q.submit(payload('return 1'));
    } finally {
      await q.close();
    }
    // As a job queued before file names were checked (or written by anything else) would be.
    const forged = '\u001b[31mRED\u001b[0m\n[worker wA] job 99 completed';
    redisCli('hset', `llmspell:${p.queue}:${id}`, 'data', JSON.stringify(payload('return 1', { script: { source: 'return 1', filename: forged, engine: 'lua' } })));
    const listed = await cli(['jobs', 'list'], { cwd: p.dir, env: p.env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toMatch(/[\u001b\u0000-\u0009]/);
    expect(listed.stdout).toContain('\\x1b[31mRED\\x1b[0m');
    const shown = await cli(['jobs', 'show', id], { cwd: p.dir, env: p.env });
    expect(shown.stdout).not.toContain('\u001b');
    expect(shown.stdout).toMatch(/^script +\\x1b\[31mRED\\x1b\[0m\\n\[worker wA\] job 99 completed$/m);

    const w = startWorker(p, 'wA');
    await w.seen(new RegExp(`job ${id} failed`), 'the job to fail');
    expect(w.log()).not.toContain('\u001b');
    expect(w.log()).not.toMatch(/^\[worker wA\] job 99/m);
  }, 60_000);

  test('a job whose data is not JSON: jobs list shows it corrupt, show says so, cancel removes it, a worker fails it once', async () => {
    const p = project();
    const q = await queueOf(p);
    let ids: string[];
    try {
      ids = await q.submitMany([payload('return 1'), payload('return 2'), payload('return 3')]);
    } finally {
      await q.close();
    }
    const [, removed, taken] = ids;
    redisCli('hset', `llmspell:${p.queue}:${removed}`, 'data', '{bad json');
    redisCli('hset', `llmspell:${p.queue}:${taken}`, 'data', '{bad json');
    const listed = await cli(['jobs', 'list'], { cwd: p.dir, env: p.env });
    expect([listed.code, listed.stderr]).toEqual([0, '']);
    expect(listed.stdout).toMatch(new RegExp(`^${removed} +waiting +\\(corrupt\\) .*corrupt: its data in Redis is not valid JSON`, 'm'));
    expect(listed.stdout).toMatch(new RegExp(`^${ids[0]} +waiting +job\\.lua `, 'm'));
    const shown = await cli(['jobs', 'show', removed], { cwd: p.dir, env: p.env });
    expect([shown.code, shown.stdout]).toEqual([0, expect.stringMatching(/^corrupt +its data in Redis is not valid JSON .*`llmspell jobs cancel \d+` removes it$/m)]);
    const cancelled = await cli(['jobs', 'cancel', removed], { cwd: p.dir, env: p.env });
    expect([cancelled.code, cancelled.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^job ${removed} removed: its data in Redis is not valid JSON`))]);

    const w = startWorker(p, 'wC');
    await w.seen(new RegExp(`job ${taken} failed: INVALID_ARGUMENT: job ${taken} cannot run: its data in Redis is not valid JSON`), 'the corrupt job to fail');
    const info = JSON.parse((await cli(['jobs', 'show', taken, '--output', 'json'], { cwd: p.dir, env: p.env })).stdout);
    expect(info).toMatchObject({ status: 'failed', attempts_made: 1, error: expect.stringMatching(/^INVALID_ARGUMENT: /), corrupt: expect.any(String) });
    expect(w.log()).not.toMatch(/queue error/);
    const retried = await cli(['jobs', 'retry', taken], { cwd: p.dir, env: p.env });
    expect([retried.code, retried.stderr]).toEqual([1, expect.stringMatching(/^INVALID_ARGUMENT: job \d+ cannot run again/)]);
  }, 60_000);

  test('a queue URL whose password is not percent-encoded says to encode it, without showing it', async () => {
    const p = project();
    const r = await cli(['jobs', 'list'], { cwd: p.dir, env: { LLMSPELL_QUEUE_URL: `redis://:se/cr%et@127.0.0.1:${redis.port}` } });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/^CONFIG_INVALID: queue url is not a valid URL: redis:\/\/…@127\.0\.0\.1:\d+; .*percent-encode them/)]);
    expect(r.stderr).not.toContain('se/cr%et');
  });
});

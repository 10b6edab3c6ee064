import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSqliteStateStore } from '@llmspell/state-sqlite';
import { LlmspellRuntime } from '../runtime.js';
import { hostHeapMb } from './heap-limit.js';
import { HOST_MALLOC_TUNABLES, WASM_TIERING_FLAGS, hostStackFlags } from './host-transport.js';
import { IsolatedSession, runIsolatedScript, type IsolationKind, type RunIsolatedScriptOptions } from './index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const setupModule = new URL('./__fixtures__/host-js-setup.mjs', import.meta.url);
const betterSqlite = path.join(here, '../../node_modules/better-sqlite3');

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-isolation-'));
}

function collect() {
  const lines: string[] = [];
  const raw: string[] = [];
  return {
    lines,
    raw,
    output: { stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(`! ${l}`) },
    write: { stdout: (t: string) => raw.push(t), stderr: (t: string) => raw.push(t) },
  };
}

function run(isolation: IsolationKind, source: string, extra: Partial<RunIsolatedScriptOptions> = {}) {
  const sink = collect();
  const done = runIsolatedScript({
    setupModule, engine: 'hostjs', isolation, source, filename: 'test.hjs', graceMs: 300,
    output: sink.output, write: sink.write, ...extra,
  });
  return { done, sink };
}

describe.each(['process', 'worker'] as const)('isolated script host (%s)', (isolation) => {
  test('the result, output lines, arguments and setup writes come back; secrets in them are masked', async () => {
    const { done, sink } = run(isolation, `
      print('hello', ARGS[0], ARGS.name);
      print('key', process.env.DEMO_API_KEY);
      return { sum: 1 + 2, nested: [true, null, 'x'], fn: () => 1, key: process.env.DEMO_API_KEY };
    `, { args: { positional: ['Ada'], named: { name: 'Lovelace' } }, env: { ...process.env, DEMO_API_KEY: 'sk-isolation-secret-1234' } });
    const value = await done;
    expect(value).toEqual({ sum: 3, nested: [true, null, 'x'], key: expect.not.stringContaining('sk-isolation') });
    expect(sink.lines[0]).toBe('hello Ada Lovelace');
    expect(sink.lines[1]).not.toContain('sk-isolation');
    expect(sink.raw.join('')).toContain('setup done');
  });

  test('an error keeps its code and details across the boundary', async () => {
    await expect(run(isolation, 'return await Tool.invoke("no_such_tool", {})').done).rejects.toMatchObject({
      name: 'LlmspellError', code: 'TOOL_NOT_FOUND', message: expect.stringContaining('no_such_tool'),
    });
    await expect(run(isolation, '1', { setupData: { fail: 'CONFIG_INVALID' } }).done).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  test('a script the engine cannot stop is killed at its limit plus the grace: SCRIPT_TIMEOUT', async () => {
    await expect(run(isolation, 'for (;;) {}', { limits: { timeoutMs: 300 }, filename: 'spin.hjs' }).done).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT', message: 'SCRIPT_TIMEOUT: spin.hjs: script exceeded its time limit of 300 ms', details: { file: 'spin.hjs', hostEnded: true },
    });
  });

  test('an engine left to the setup: onEngine hears its choice and a filename function names the run from it', async () => {
    const heard: string[] = [];
    const left = { engine: '', setupData: { defaultEngine: 'hostjs' }, onEngine: (engine: string) => heard.push(engine), filename: (engine: string) => `<inline>.${engine}` };
    await expect(run(isolation, 'for (;;) {}', { ...left, limits: { timeoutMs: 300 } }).done).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT', message: 'SCRIPT_TIMEOUT: <inline>.hostjs: script exceeded its time limit of 300 ms',
    });
    expect(heard).toEqual(['hostjs']);
    await expect(run(isolation, '1', { ...left, setupData: {} }).done).rejects.toMatchObject({ code: 'ENGINE_NOT_AVAILABLE' });
  });

  test('a tool that loops forever in JavaScript is stopped the same way', async () => {
    await expect(run(isolation, 'await Tool.invoke("spin", {})', { limits: { timeoutMs: 300 } }).done).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
  });

  test('a cancel the script does not obey ends the host after the grace: CANCELLED', async () => {
    const controller = new AbortController();
    const { done } = run(isolation, 'print("started"); for (;;) {}', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('CANCELLED: interrupted (Ctrl-C)')), 200);
    await expect(done).rejects.toMatchObject({ code: 'CANCELLED', message: 'CANCELLED: test.hjs: interrupted (Ctrl-C)' });
  });

  /** Runs `source` and cancels it 100 ms after it printed "started" (the run is under way). */
  function cancelOnceStarted(source: string, graceMs: number) {
    const controller = new AbortController();
    let abortedAt = 0;
    const lines: string[] = [];
    const done = runIsolatedScript({
      setupModule, engine: 'hostjs', isolation, source, filename: 'test.hjs', graceMs, signal: controller.signal,
      output: {
        stdout: (l) => {
          lines.push(l);
          // A moment later: the script is past its last turn of the event loop by then.
          if (l === 'started') {
            setTimeout(() => {
              abortedAt = performance.now();
              controller.abort(new Error('CANCELLED: interrupted (Ctrl-C)'));
            }, 100);
          }
        },
        stderr: () => undefined,
      },
      write: { stdout: () => undefined, stderr: () => undefined },
    });
    return { done, took: () => performance.now() - abortedAt };
  }

  test('a cancel a busy host cannot even hear ends it at once, not after the whole grace', async () => {
    const { done, took } = cancelOnceStarted('print("started"); await new Promise((r) => setImmediate(r)); for (;;) {}', 10_000);
    await expect(done).rejects.toMatchObject({ code: 'CANCELLED', message: 'CANCELLED: test.hjs: interrupted (Ctrl-C)', details: { hostEnded: true } });
    expect(took()).toBeLessThan(2000);
  });

  test('a host that answers a cancel gets the grace to stop on its own', async () => {
    // The script ignores the cancel but keeps its event loop free: it finishes within the grace.
    const { done } = cancelOnceStarted('print("started"); await new Promise((r) => setTimeout(r, 700)); return "finished";', 5000);
    await expect(done).resolves.toBe('finished');
  });

  test('the host side running out of heap is SCRIPT_MEMORY_LIMIT, and the caller lives on', async () => {
    const grow = 'const keep = []; for (;;) keep.push({ n: keep.length, s: "x" + keep.length });';
    await expect(run(isolation, grow, { limits: { memoryBytes: 4 * 1024 * 1024, timeoutMs: 60_000 } }).done).rejects.toMatchObject({
      code: 'SCRIPT_MEMORY_LIMIT', details: { hostEnded: true },
    });
    expect(await run(isolation, 'return "alive"').done).toBe('alive');
  });

  test('a session keeps its globals between runs and starts a new host after a kill', async () => {
    const sink = collect();
    const session = new IsolatedSession({ setupModule, engine: 'hostjs', isolation, graceMs: 300, limits: { timeoutMs: 500 }, output: sink.output, write: sink.write });
    try {
      await session.run('scope.x = 40', { filename: 'r1' });
      expect(await session.run('return scope.x + 2', { filename: 'r2' })).toBe(42);
      expect(await session.checkSyntax('return (', 'r3')).toMatchObject({ file: 'r3' });
      expect(await session.checkSyntax('return 1', 'r3')).toBeNull();
      expect(await session.globals()).toEqual(expect.arrayContaining(['Tool', 'State', 'ARGS']));
      await expect(session.run('for (;;) {}', { filename: 'r4' })).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { hostEnded: true } });
      expect(await session.run('return scope.x ?? "gone"', { filename: 'r5' })).toBe('gone');
      expect(session.generation).toBe(2);
    } finally {
      await session.close();
    }
  });

  test('events the setup emits reach onEvent', async () => {
    const events: Array<[string, unknown]> = [];
    await run(isolation, 'return 1', { onEvent: (type, data) => events.push([type, data]) }).done;
    expect(events).toContainEqual(['setup.ready', { component: 'fixture' }]);
  });
});

describe('process isolation', () => {
  test('a host-side allocation far past the heap cap in one go (V8 aborts) is SCRIPT_MEMORY_LIMIT', async () => {
    // doubling an array: each step is one allocation; a worker's 16 MiB of slack cannot take it
    const source = 'let a = [{}]; for (let i = 0; i < 40; i++) a = a.concat(a.map(() => ({}))); return a.length';
    await expect(run('process', source, { limits: { memoryBytes: 4 * 1024 * 1024, timeoutMs: 60_000 } }).done).rejects.toMatchObject({
      code: 'SCRIPT_MEMORY_LIMIT', message: expect.stringContaining('heap is capped at 272 MiB'),
    });
  });

  test('the heap cap follows the configured memory limit (a bigger one restarts the host with more heap)', async () => {
    const flags = (memoryBytes?: number) => run('process', 'return process.execArgv', {
      setupData: memoryBytes ? { config: { runtime: { security: { max_memory_bytes: memoryBytes } } } } : undefined,
    }).done;
    expect(await flags()).toEqual([`--max-old-space-size=${hostHeapMb(64 * 1024 * 1024)}`, ...WASM_TIERING_FLAGS, ...hostStackFlags()]);
    expect(await flags(512 * 1024 * 1024)).toEqual([`--max-old-space-size=${hostHeapMb(512 * 1024 * 1024)}`, ...WASM_TIERING_FLAGS, ...hostStackFlags()]);
  });

  // GLIBC_TUNABLES is read by glibc as the process starts: what the host started with is in
  // /proc/<pid>/environ, what its scripts see is its process.env
  (process.platform === 'linux' ? test : test.skip)('a host starts with malloc tuned for huge pages unless the user set GLIBC_TUNABLES; scripts see the user\'s environment', async () => {
    // (glibc, parsing the variable, writes NULs over its colons in that original copy)
    const startedWith = (pid: number, value: string) => {
      const raw = fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
      return [value, value.replaceAll(':', '\0')].some((v) => raw.startsWith(`GLIBC_TUNABLES=${v}\0`) || raw.includes(`\0GLIBC_TUNABLES=${v}\0`));
    };
    const probe = async (env: NodeJS.ProcessEnv, expected: string) => {
      const sink = collect();
      const session = new IsolatedSession({ setupModule, engine: 'hostjs', isolation: 'process', graceMs: 300, env, output: sink.output, write: sink.write });
      try {
        const pid = (await session.run('return process.pid', { filename: 'pid' })) as number;
        const seen = await session.run('return [process.env.GLIBC_TUNABLES ?? null, process.env.LLMSPELL_HOST_MALLOC_TUNED ?? null, process.env.KEEP ?? null]', { filename: 'env' });
        return { started: startedWith(pid, expected), seen };
      } finally {
        await session.close();
      }
    };
    const { GLIBC_TUNABLES: _unset, ...userEnv } = process.env;
    const env = { ...userEnv, KEEP: 'kept' };
    expect(HOST_MALLOC_TUNABLES).toContain('glibc.malloc.hugetlb=1');
    expect(await probe(env, HOST_MALLOC_TUNABLES)).toEqual({ started: true, seen: [null, null, 'kept'] });
    // the user's own value, even an empty one (which turns the tuning off), is left as it is
    expect(await probe({ ...env, GLIBC_TUNABLES: '' }, '')).toEqual({ started: true, seen: ['', null, 'kept'] });
    expect(await probe({ ...env, GLIBC_TUNABLES: 'glibc.malloc.arena_max=2', LLMSPELL_HOST_MALLOC_TUNED: '1' }, 'glibc.malloc.arena_max=2')).toEqual({
      started: true, seen: ['glibc.malloc.arena_max=2', null, 'kept'],
    });
  });

  test('a kill in the middle of state writes leaves the previous value readable', async () => {
    const dir = scratch();
    const statePath = path.join(dir, 'state.db');
    // each save is awaited on microtasks only: nothing but the watchdog can stop this loop
    const source = `
      const pad = 'x'.repeat(50000);
      for (let i = 1; ; i++) await State.save('global', 'counter', { i, copy: i, pad: pad.slice(0, i % 50000) });
    `;
    await expect(run('process', source, { setupData: { statePath }, limits: { timeoutMs: 300 } }).done).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    const runtime = await LlmspellRuntime.create({ stateStore: openSqliteStateStore({ path: statePath }) });
    try {
      const value = await runtime.state!.get('global', 'counter') as { i: number; copy: number; pad: string };
      expect(value.i).toBeGreaterThan(0);
      expect(value.copy).toBe(value.i);
      expect(value.pad.length).toBe(value.i % 50000);
    } finally {
      await runtime.close();
    }
  });

  test('native code that never returns (a SQLite query) is killed: SCRIPT_TIMEOUT', async () => {
    const source = `
      const Database = (await import('node:module')).createRequire('file:///')(${JSON.stringify(betterSqlite)});
      new Database(':memory:').prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c').get();
    `;
    await expect(run('process', source, { limits: { timeoutMs: 300 } }).done).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { hostEnded: true } });
  });
});

describe('worker isolation and native code', () => {
  test('a worker stuck in native code is reported as stuck, and exitProcessNow still ends the process with code 1', async () => {
    const dir = scratch();
    const program = path.join(dir, 'stuck.mjs');
    const isolation = new URL('../../dist/isolation/index.js', import.meta.url).href;
    fs.writeFileSync(program, `
      import { runIsolatedScript, stuckHostCount, exitProcessNow } from ${JSON.stringify(isolation)};
      const source = "const D = (await import('node:module')).createRequire('file:///')(${JSON.stringify(betterSqlite).replace(/"/g, "'")});" +
        "new D(':memory:').prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c').get();";
      try {
        await runIsolatedScript({ setupModule: ${JSON.stringify(setupModule.href)}, engine: 'hostjs', isolation: 'worker', source, filename: 'stuck.hjs', limits: { timeoutMs: 300 }, graceMs: 300, write: { stdout() {}, stderr() {} } });
      } catch (error) {
        process.stdout.write(JSON.stringify({ code: error.code, details: error.details, stuck: stuckHostCount() }) + '\\n');
      }
      exitProcessNow(1);
    `);
    const result = await new Promise<{ code: number | null; signal: string | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, [program], { stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout });
      });
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { hostEnded: true, hostStuck: true }, stuck: 1 });
  });
});

describe('a host whose supervisor is killed', () => {
  // The host is stuck in native code (its event loop never turns), the supervisor is SIGKILLed:
  // with setpriv the kernel's parent-death signal ends the host, without it the host's
  // watchdog thread does. Either way no orphan lives on.
  const hasSetpriv = process.platform === 'linux' && ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => fs.existsSync(p));
  const ways = [
    ['the parent-death signal (setpriv)', {}, hasSetpriv],
    ['the watchdog thread (no setpriv)', { LLMSPELL_NO_SETPRIV: '1' }, process.platform !== 'win32'],
  ] as const;

  test.each(ways)('%s ends it', async (_label, env, available) => {
    if (!available) {
      console.warn('skipped: this platform has no way to be tested here');
      return;
    }
    const dir = scratch();
    const program = path.join(dir, 'supervisor.mjs');
    const pidFile = path.join(dir, 'host.pid');
    const isolation = new URL('../../dist/isolation/index.js', import.meta.url).href;
    fs.writeFileSync(program, `
      import { runIsolatedScript } from ${JSON.stringify(isolation)};
      const source = "(await import('node:fs')).writeFileSync(${JSON.stringify(pidFile).replace(/"/g, "'")}, String(process.pid));" +
        "const D = (await import('node:module')).createRequire('file:///')(${JSON.stringify(betterSqlite).replace(/"/g, "'")});" +
        "new D(':memory:').prepare('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c').get();";
      await runIsolatedScript({ setupModule: ${JSON.stringify(setupModule.href)}, engine: 'hostjs', source, filename: 'stuck.hjs', limits: { timeoutMs: 120000 }, write: { stdout() {}, stderr() {} } });
    `);
    const supervisor = spawn(process.execPath, [program], { stdio: 'ignore', env: { ...process.env, ...env } });
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = async (what: () => boolean, ms: number) => {
      for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (what()) return true;
      return what();
    };
    try {
      expect(await until(() => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8') !== '', 20_000)).toBe(true);
      // the script writes the file and starts the endless query in one synchronous run: from
      // here on the host's event loop never turns again
      const host = Number(fs.readFileSync(pidFile, 'utf8'));
      expect(alive(host)).toBe(true);
      supervisor.kill('SIGKILL');
      expect(await until(() => !alive(host), 10_000)).toBe(true);
    } finally {
      supervisor.kill('SIGKILL');
    }
  });
});

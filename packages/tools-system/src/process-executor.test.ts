import fs from 'node:fs';
import path from 'node:path';
import { processExecutorTool as tool } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

interface ExecResult {
  exit_code: number | null;
  stdout: string;
  stderr: string;
  success: boolean;
  timed_out: boolean;
  duration_ms: number;
  stdout_truncated: boolean;
  dropped_environment: string[];
}
const res = (r: { result: unknown }) => r.result as ExecResult;

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox({ allowProcessSpawn: true });
});
afterEach(() => sb.cleanup());

describe('process_executor', () => {
  it('runs an allow-listed executable with arguments and no shell', async () => {
    const r = await sb.run(tool, { executable: 'echo', arguments: ['hello', '$HOME', '; rm -rf /', '`id`'] });
    expect(r.success).toBe(true);
    expect(res(r)).toMatchObject({ exit_code: 0, stdout: 'hello $HOME ; rm -rf / `id`\n', stderr: '', success: true, timed_out: false });
    expect(res(r).duration_ms).toBeGreaterThan(0);
    // Lua's empty table arrives as {} and means an empty list.
    expect(res(await sb.run(tool, { executable: 'pwd', arguments: {} })).stdout).toBe(`${sb.dir}\n`);
    const doc = await sb.run(tool, { command: 'echo', args: ['doc', 42] });
    expect(res(doc).stdout).toBe('doc 42\n');
  });

  it('runs in the working directory and reports failures as data', async () => {
    fs.mkdirSync(path.join(sb.dir, 'work'));
    fs.writeFileSync(path.join(sb.dir, 'work', 'inside.txt'), 'x');
    const r = await sb.run(tool, { executable: 'ls', working_directory: 'work' });
    expect(res(r).stdout).toBe('inside.txt\n');
    const fail = await sb.run(tool, { executable: 'ls', arguments: ['missing-file'] });
    expect(fail.success).toBe(false);
    expect(res(fail).exit_code).not.toBe(0);
    expect(res(fail).stderr).toContain('missing-file');
  });

  it('feeds input to stdin', async () => {
    const r = await sb.run(tool, { executable: 'sort', input: 'b\nc\na\n' });
    expect(res(r).stdout).toBe('a\nb\nc\n');
  });

  it('refuses when process spawning is disabled', async () => {
    const off = sandbox({ allowProcessSpawn: false });
    try {
      const e = await expectCode(off.run(tool, { executable: 'echo', arguments: ['hi'] }), 'PROCESS_NOT_ALLOWED');
      expect(e.message).toContain('allow_process_spawn');
    } finally {
      off.cleanup();
    }
  });

  it('refuses executables that are not allow-listed, including paths to allowed names', async () => {
    await expectCode(sb.run(tool, { executable: 'rm', arguments: ['-rf', sb.dir] }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'sh', arguments: ['-c', 'echo pwned'] }), 'PROCESS_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: `${sb.dir}/echo` }), 'PROCESS_NOT_ALLOWED');
    expect(fs.existsSync(sb.dir)).toBe(true);
  });

  it('keeps path arguments and the working directory inside the allowed roots', async () => {
    await expectCode(sb.run(tool, { executable: 'cat', arguments: ['/etc/passwd'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'cat', arguments: ['../../etc/passwd'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'grep', arguments: ['-r', 'root', '--include=*', '/etc'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'ls', working_directory: '/etc' }), 'PATH_NOT_ALLOWED');
    fs.symlinkSync('/etc', path.join(sb.dir, 'etc'));
    await expectCode(sb.run(tool, { executable: 'cat', arguments: ['etc/passwd'] }), 'PATH_NOT_ALLOWED');
  });

  it('passes only a minimal environment plus the given map minus secrets', async () => {
    const saved = process.env.MY_API_KEY;
    process.env.MY_API_KEY = 'sk-test1234567890abcdefghijklmnop';
    process.env.LLMSPELL_HOST_ONLY = 'host';
    const withEnv = sandbox({ allowProcessSpawn: true, allowedExecutables: ['env'] });
    try {
      const r = await withEnv.run(tool, {
        executable: 'env',
        environment: { SAFE_VAR: 'ok', MY_TOKEN: 'abc', OTHER: 'sk-live1234567890abcdefghijklm', LD_PRELOAD: '/tmp/x.so', PATH: '/tmp' },
      });
      const out = res(r).stdout;
      expect(out).toContain('SAFE_VAR=ok');
      expect(out).not.toContain('MY_API_KEY');
      expect(out).not.toContain('sk-');
      expect(out).not.toContain('MY_TOKEN');
      expect(out).not.toContain('LD_PRELOAD');
      expect(out).not.toContain('LLMSPELL_HOST_ONLY');
      expect(out).toContain(`PATH=${process.env.PATH}`);
      expect(res(r).dropped_environment.sort()).toEqual(['LD_PRELOAD', 'MY_TOKEN', 'OTHER', 'PATH']);
    } finally {
      withEnv.cleanup();
      if (saved === undefined) delete process.env.MY_API_KEY;
      else process.env.MY_API_KEY = saved;
      delete process.env.LLMSPELL_HOST_ONLY;
    }
  });

  it('redacts secrets a program prints', async () => {
    const r = await sb.run(tool, { executable: 'echo', arguments: ['key=sk-test1234567890abcdefghijklmnop'] });
    expect(res(r).stdout).not.toContain('sk-test');
    expect(res(r).stdout).toContain('[REDACTED]');
  });

  it('kills a process that runs past the time limit', async () => {
    fs.writeFileSync(path.join(sb.dir, 'log.txt'), 'x\n');
    const started = Date.now();
    const r = await sb.run(tool, { executable: 'tail', arguments: ['-f', 'log.txt'] }, { settings: { max_execution_time_seconds: 0.3 } });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(res(r)).toMatchObject({ timed_out: true, success: false, stdout: 'x\n' });
    expect(r.success).toBe(false);
    const lowered = await sb.run(tool, { executable: 'tail', arguments: ['-f', 'log.txt'], timeout_ms: 200 });
    expect(res(lowered).timed_out).toBe(true);
  });

  it('kills the process when the call is cancelled', async () => {
    fs.writeFileSync(path.join(sb.dir, 'log.txt'), 'x\n');
    const controller = new AbortController();
    let spawned!: (pid: number) => void;
    const pid = new Promise<number>((r) => {
      spawned = r;
    });
    const events = { publish: (type: string, data: unknown) => { if (type === 'process_executor.spawned') spawned((data as { pid: number }).pid); } };
    const p = sb.run(tool, { executable: 'tail', arguments: ['-f', 'log.txt'] }, { signal: controller.signal, events });
    const childPid = await pid;
    expect(() => process.kill(childPid, 0)).not.toThrow();
    controller.abort();
    await expectCode(p, 'CANCELLED');
    await new Promise((r) => setImmediate(r));
    expect(() => process.kill(childPid, 0)).toThrow(/ESRCH/);
  });

  it('caps stdout at 1 MiB and says so', async () => {
    fs.writeFileSync(path.join(sb.dir, 'big.txt'), 'y'.repeat(3 * 1024 * 1024));
    const r = await sb.run(tool, { executable: 'cat', arguments: ['big.txt'] });
    expect(res(r).stdout.length).toBe(1024 * 1024);
    expect(res(r).stdout_truncated).toBe(true);
    expect(res(r).exit_code).toBe(0);
  });

  it('reports a missing executable and a bad working directory', async () => {
    const missing = sandbox({ allowProcessSpawn: true, allowedExecutables: ['llmspell-no-such-program'] });
    try {
      await expectCode(missing.run(tool, { executable: 'llmspell-no-such-program' }), 'NOT_FOUND');
    } finally {
      missing.cleanup();
    }
    await expectCode(sb.run(tool, { executable: 'ls', working_directory: 'nope' }), 'NOT_FOUND');
    await expectCode(sb.run(tool, {}), 'INVALID_ARGUMENT');
  });
});

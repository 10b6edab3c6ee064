/**
 * The ways a script got around process_executor (issue 12) with the default allow-list, each
 * against real programs. A test is skipped only when its program is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasProgram, isProcessDead, waitForProcessExit } from '@llmspell/core/testing';
import { processExecutorTool as tool } from './index.js';
import { GROUP_WATCHER_SCRIPT } from './process/spawn-group.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

interface ExecResult { exit_code: number | null; stdout: string; stderr: string; timed_out: boolean; success: boolean }
const res = (r: { result: unknown }) => r.result as ExecResult;

const withProgram = (...programs: string[]) => (programs.every(hasProgram) ? it : it.skip);
const isDead = isProcessDead;
const waitDead = waitForProcessExit;

let sb: Sandbox;
let outside: string;
beforeEach(() => {
  sb = sandbox({ allowProcessSpawn: true });
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-outside-')));
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside-secret-content\n');
});
afterEach(() => {
  sb.cleanup();
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('find cannot run commands, write, delete or follow links', () => {
  withProgram('find')('refuses -exec and its relatives (the /proc/<pid>/environ exfiltration)', async () => {
    const marker = path.join(sb.dir, 'ran');
    const attacks: string[][] = [
      ['.', '-exec', 'sh', '-c', `cat /proc/${process.pid}/environ; touch ${marker}`, ';'],
      ['.', '-exec', 'sh', '-c', `touch ${marker}`, '{}', '+'],
      ['.', '-execdir', 'sh', '-c', `touch ${marker}`, ';'],
      ['.', '-ok', 'sh', '-c', `touch ${marker}`, ';'],
      ['.', '-okdir', 'sh', '-c', `touch ${marker}`, ';'],
      ['.', '-name', '*', '-exec', 'touch', marker, ';'],
    ];
    for (const args of attacks) {
      const e = await expectCode(sb.run(tool, { executable: 'find', arguments: args }), 'PROCESS_NOT_ALLOWED');
      expect(e.message).toMatch(/find -(exec|execdir|ok|okdir) runs other commands/);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });

  withProgram('find')('refuses -delete and the -fprint family', async () => {
    fs.writeFileSync(path.join(sb.dir, 'keep.txt'), 'x');
    for (const args of [['.', '-delete'], ['.', '-fprint', 'list.txt'], ['.', '-fprint0', 'l'], ['.', '-fprintf', 'l', '%p'], ['.', '-fls', 'l']]) {
      await expectCode(sb.run(tool, { executable: 'find', arguments: args }), 'PROCESS_NOT_ALLOWED');
    }
    expect(fs.readdirSync(sb.dir)).toEqual(['keep.txt']);
  });

  withProgram('find')('refuses -L, -H and -follow, so a planted link is not followed out of the roots', async () => {
    fs.symlinkSync(outside, path.join(sb.dir, 'planted'));
    for (const args of [['-L', '.'], ['-H', 'planted'], ['.', '-follow'], ['-L', '.', '-name', 'secret.txt']]) {
      await expectCode(sb.run(tool, { executable: 'find', arguments: args }), 'PROCESS_NOT_ALLOWED');
    }
    // Without them find lists the link and does not descend into it.
    const r = await sb.run(tool, { executable: 'find', arguments: ['.'] });
    expect(res(r).stdout.split('\n').filter(Boolean).sort()).toEqual(['.', './planted']);
    // Naming the link as a start point resolves it: outside the roots.
    await expectCode(sb.run(tool, { executable: 'find', arguments: ['planted/'] }), 'PATH_NOT_ALLOWED');
  });

  withProgram('find')('still works for what it is for', async () => {
    fs.mkdirSync(path.join(sb.dir, 'a'));
    fs.writeFileSync(path.join(sb.dir, 'a', 'x.txt'), 'x');
    const r = await sb.run(tool, { executable: 'find', arguments: ['.', '-name', '*.txt', '-type', 'f'] });
    expect(res(r).stdout).toBe('./a/x.txt\n');
  });
});

describe('sort cannot write outside the roots or run a compressor', () => {
  withProgram('sort')('checks every spelling of the output path', async () => {
    fs.writeFileSync(path.join(sb.dir, 'in.txt'), 'b\na\n');
    const target = path.join(outside, 'written.txt');
    for (const args of [
      [`-o${target}`, 'in.txt'], ['-o', target, 'in.txt'], [`--output=${target}`, 'in.txt'], ['--output', target, 'in.txt'],
      [`-ro${target}`, 'in.txt'], [`--out=${target}`, 'in.txt'], ['in.txt', `-o${target}`], [`-T${outside}`, 'in.txt'], [`--temporary-directory=${outside}`, 'in.txt'],
      ['-o../../../../../../../../../..' + target, 'in.txt'],
    ]) {
      await expectCode(sb.run(tool, { executable: 'sort', arguments: args }), 'PATH_NOT_ALLOWED');
    }
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    // Inside the roots the output option works.
    const ok = await sb.run(tool, { executable: 'sort', arguments: ['-ooutput.txt', 'in.txt'] });
    expect(res(ok).exit_code).toBe(0);
    expect(fs.readFileSync(path.join(sb.dir, 'output.txt'), 'utf8')).toBe('a\nb\n');
  });

  withProgram('sort')('an output name that is a symlink out of the roots is refused', async () => {
    fs.writeFileSync(path.join(sb.dir, 'in.txt'), 'b\na\n');
    fs.symlinkSync(path.join(outside, 'via-link.txt'), path.join(sb.dir, 'out'));
    await expectCode(sb.run(tool, { executable: 'sort', arguments: ['-oout', 'in.txt'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'sort', arguments: ['-o', 'out', 'in.txt'] }), 'PATH_NOT_ALLOWED');
    expect(fs.existsSync(path.join(outside, 'via-link.txt'))).toBe(false);
  });

  withProgram('sort')('refuses --compress-program under any abbreviation', async () => {
    const marker = path.join(sb.dir, 'ran');
    for (const arg of ['--compress-program=sh', '--compress-prog=sh', '--comp=sh', '--compress-program']) {
      const e = await expectCode(sb.run(tool, { executable: 'sort', arguments: [arg, 'sh', '-S', '1', 'x'] }), 'PROCESS_NOT_ALLOWED');
      expect(e.message).toMatch(/--compress-program runs other commands/);
    }
    expect(fs.existsSync(marker)).toBe(false);
  });
});

describe('reading through links and /proc', () => {
  withProgram('grep', 'ls', 'cat')('grep -R, ls -L and plain names of planted links are refused', async () => {
    fs.symlinkSync(outside, path.join(sb.dir, 'planted'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(sb.dir, 'file'));
    for (const [executable, args] of [
      ['grep', ['-R', 'secret', '.']], ['grep', ['-rR', 'secret']], ['grep', ['--dereference-recursive', 'secret']], ['grep', ['--deref', 'x']],
      ['ls', ['-L', 'planted']], ['ls', ['-lL']], ['ls', ['--dereference']],
    ] as const) {
      await expectCode(sb.run(tool, { executable, arguments: [...args] }), 'PROCESS_NOT_ALLOWED');
    }
    for (const [executable, args] of [['cat', ['file']], ['cat', ['planted/secret.txt']], ['grep', ['-r', 'secret', 'planted']], ['ls', ['planted/']]] as const) {
      await expectCode(sb.run(tool, { executable, arguments: [...args] }), 'PATH_NOT_ALLOWED');
    }
    // Plain recursive grep does not follow the link.
    const r = await sb.run(tool, { executable: 'grep', arguments: ['-r', 'outside-secret', '.'] });
    expect(res(r).stdout).toBe('');
  });

  withProgram('cat')('/proc is refused even when the roots include it', async () => {
    const wide = sandbox({ allowProcessSpawn: true, allowedPaths: ['/'] });
    try {
      for (const p of [`/proc/${process.pid}/environ`, '/proc/self/environ', `/proc/${process.ppid}/environ`, '/proc/self/../self/environ']) {
        const e = await expectCode(wide.run(tool, { executable: 'cat', arguments: [p] }), 'PATH_NOT_ALLOWED');
        expect(e.message).toMatch(/\/proc/);
      }
    } finally {
      wide.cleanup();
    }
  });

  withProgram('date')('date cannot set the clock; its file options are path-checked', async () => {
    for (const args of [['-s', '2020-01-01'], ['--set=2020-01-01'], ['-us', '2020-01-01']]) {
      await expectCode(sb.run(tool, { executable: 'date', arguments: args }), 'PROCESS_NOT_ALLOWED');
    }
    await expectCode(sb.run(tool, { executable: 'date', arguments: [`-f${outside}/secret.txt`] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'date', arguments: ['-r', `${outside}/secret.txt`] }), 'PATH_NOT_ALLOWED');
  });
});

describe('the child and everything it starts end with the run', () => {
  /** `sh` is not on the default list; a user who adds it hands scripts a shell, and still gets group kill. */
  const shell = () => sandbox({ allowProcessSpawn: true, allowedExecutables: ['sh'] });

  withProgram('sh', 'sleep')('a grandchild is killed on timeout', async () => {
    const s = shell();
    try {
      const r = await s.run(tool, { executable: 'sh', arguments: ['-c', 'sleep 300 & echo $!; wait'] }, { settings: { max_execution_time_seconds: 0.5 } });
      expect(res(r).timed_out).toBe(true);
      const pid = Number(res(r).stdout.trim());
      expect(pid).toBeGreaterThan(0);
      expect(await waitDead(pid)).toBe(true);
    } finally {
      s.cleanup();
    }
  });

  withProgram('sh', 'sleep')('a grandchild left in the background is killed when the program exits', async () => {
    const s = shell();
    try {
      const r = await s.run(tool, { executable: 'sh', arguments: ['-c', 'sleep 300 & echo $!'] });
      expect(res(r)).toMatchObject({ exit_code: 0, timed_out: false });
      expect(await waitDead(Number(res(r).stdout.trim()))).toBe(true);
    } finally {
      s.cleanup();
    }
  });

  withProgram('sh', 'sleep')('a cancelled call kills the grandchildren too', async () => {
    const s = shell();
    try {
      const controller = new AbortController();
      fs.writeFileSync(path.join(s.dir, 'pid'), '');
      const p = s.run(tool, { executable: 'sh', arguments: ['-c', 'sleep 300 & echo $! > pid; wait'] }, { signal: controller.signal });
      let pid = 0;
      const until = Date.now() + 15_000;
      while (!pid && Date.now() < until) {
        pid = Number(fs.readFileSync(path.join(s.dir, 'pid'), 'utf8').trim());
        if (!pid) await new Promise((r) => setTimeout(r, 20));
      }
      expect(pid).toBeGreaterThan(0);
      controller.abort();
      await expectCode(p, 'CANCELLED');
      expect(await waitDead(pid)).toBe(true);
    } finally {
      s.cleanup();
    }
  });

  withProgram('sh', 'sleep')('a grandchild dies with the host process, even when the host is SIGKILLed', async () => {
    // A separate host process starts a group exactly as spawnInGroup does (same watcher
    // script, same options), reports the grandchild, and is then killed without warning.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-host-'));
    try {
      const host = path.join(dir, 'host.mjs');
      fs.writeFileSync(host, `
import { spawn } from 'node:child_process';
const child = spawn('/bin/sh', ['-c', process.argv[2], '/bin/sh', '-c', 'sleep 300 & echo $!; wait'], {
  cwd: process.cwd(), env: { PATH: process.env.PATH }, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
});
child.stdout.on('data', (d) => process.stdout.write(d));
setInterval(() => {}, 1000);
`);
      const { spawn } = await import('node:child_process');
      const proc = spawn(process.execPath, [host, GROUP_WATCHER_SCRIPT], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
      const pid = await new Promise<number>((resolve) => proc.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      expect(isDead(pid)).toBe(false);
      proc.kill('SIGKILL');
      expect(await waitDead(pid)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the child environment carries no host secret', () => {
  withProgram('env')('not by default, not through allowed_env, not through the environment parameter', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      OPENAI_API_KEY: 'sk-test-host-0123456789abcdefghij', GH_PAT: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      REDIS_URL: 'redis://:s3cret-redis-pw@cache:6379', BUILD_NONCE: 'Zx8Qm2Lr9Tv4Kp7Wn3Yb6Hc1Df5Gs0Ja', HARMLESS_SETTING: 'blue',
    });
    const s = sandbox({ allowProcessSpawn: true, allowedExecutables: ['env'] });
    try {
      const r = await s.run(tool, { executable: 'env', environment: { FORWARD: 'sk-test-host-0123456789abcdefghij' } }, {
        settings: { allowed_env: ['OPENAI_API_KEY', 'GH_PAT', 'REDIS_URL', 'BUILD_NONCE', 'HARMLESS_SETTING'] },
      });
      const out = res(r).stdout;
      const names = out.split('\n').filter(Boolean).map((l) => l.split('=')[0]).sort();
      expect(names.every((n) => ['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TERM', 'USER', 'LOGNAME', 'TMPDIR', 'TEMP', 'TMP', 'PWD', 'HARMLESS_SETTING'].includes(n) || n.startsWith('LC_'))).toBe(true);
      expect(out).toContain('HARMLESS_SETTING=blue');
      for (const leak of ['sk-test-host', 'ghp_', 's3cret', 'Zx8Qm2', 'OPENAI_API_KEY', 'FORWARD']) expect([leak, out.includes(leak)]).toEqual([leak, false]);
    } finally {
      s.cleanup();
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    }
  });
});

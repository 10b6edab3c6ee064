/**
 * Ways process_executor's path check was passed by naming files where it does not look: file
 * names read from standard input or a list file, options whose value is a `--`, arguments that
 * start with a dash, `..` after a symbolic link, and environment variables that name files.
 * Each against the real programs; a test is skipped only when its program is not installed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LlmspellError } from '@llmspell/core';
import { hasProgram } from '@llmspell/core/testing';
import { processExecutorTool as tool } from './index.js';
import { checkCommandFlags } from './process/argument-rules.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

interface ExecResult { exit_code: number | null; stdout: string; stderr: string; dropped_environment: string[] }
const res = (r: { result: unknown }) => r.result as ExecResult;
const withProgram = (...programs: string[]) => (programs.every(hasProgram) ? it : it.skip);

let sb: Sandbox;
let outside: string;
let secret: string;
beforeEach(() => {
  sb = sandbox({ allowProcessSpawn: true });
  outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-outside-')));
  secret = path.join(outside, 'secret.txt');
  fs.writeFileSync(secret, 'outside-secret-content\n');
});
afterEach(() => {
  sb.cleanup();
  fs.rmSync(outside, { recursive: true, force: true });
});

/** The outside secret named relative to the sandbox, through a directory called `-`. */
const throughDash = () => `-/../${path.relative(sb.dir, secret)}`;

describe('options that read file names from stdin or a file are refused', () => {
  withProgram('sort')('sort --files0-from under every abbreviation, from stdin and from a list inside the roots', async () => {
    fs.writeFileSync(path.join(sb.dir, 'list'), `${secret}\0`);
    fs.writeFileSync(path.join(sb.dir, '.env'), 'API_KEY=sk-dotenv\n');
    for (const [args, input] of [
      [['--files0-from=-'], `${secret}\0`], [['--files0-from', '-'], `${secret}\0`], [['--files0-from=-'], '.env\0'],
      [['--files0=-'], `${secret}\0`], [['--files0-f=-'], `${secret}\0`], [['--fil=-'], `${secret}\0`], [['--files0-from=list'], undefined],
      [['-u', '--files0-from', 'list'], undefined],
    ] as const) {
      const e = await expectCode(sb.run(tool, { executable: 'sort', arguments: [...args], ...(input ? { input } : {}) }), 'PROCESS_NOT_ALLOWED');
      expect(e.message).toMatch(/process_executor: parameter 'arguments\[\d\]': sort --files0-from reads the names of the files/);
    }
  });

  withProgram('wc')('wc --files0-from, down to --f', async () => {
    for (const arg of ['--files0-from=-', '--files0=-', '--f=-', '--files0-from']) {
      const e = await expectCode(sb.run(tool, { executable: 'wc', arguments: [arg, '-'], input: `${secret}\0` }), 'PROCESS_NOT_ALLOWED');
      expect((e as LlmspellError).details).toMatchObject({ parameter: 'arguments[0]', executable: 'wc', option: '--files0-from' });
    }
    // Counting standard input still works.
    const r = await sb.run(tool, { executable: 'wc', arguments: ['-l'], input: 'a\nb\n' });
    expect(res(r).stdout.trim()).toBe('2');
  });

  withProgram('find')('find -files0-from', async () => {
    const e = await expectCode(sb.run(tool, { executable: 'find', arguments: ['-files0-from', '-', '-maxdepth', '0'], input: `${outside}\0` }), 'PROCESS_NOT_ALLOWED');
    expect(e.message).toMatch(/find -files0-from reads the names/);
  });

  withProgram('tar')('tar -T / --files-from in every spelling, old-style letters included; --file and --checkpoint still work', async () => {
    const s = sandbox({ allowProcessSpawn: true, allowedExecutables: ['tar'] });
    try {
      fs.writeFileSync(path.join(s.dir, 'list'), `${secret}\n`);
      fs.writeFileSync(path.join(s.dir, 'a.txt'), 'a');
      for (const args of [
        ['-cf', 'x.tar', '-T', 'list'], ['-cf', 'x.tar', '-Tlist'], ['-cvTlist', '-f', 'x.tar'], ['-cf', 'x.tar', '--files-from=list'], ['-cf', 'x.tar', '--files-from', 'list'],
        ['-cf', 'x.tar', '--files=list'], ['cfT', 'x.tar', 'list'], ['cTf', 'list', 'x.tar'],
      ]) {
        await expectCode(s.run(tool, { executable: 'tar', arguments: args }), 'PROCESS_NOT_ALLOWED');
      }
      // Old-style letters are options too: no compressor, no link following that way either.
      await expectCode(s.run(tool, { executable: 'tar', arguments: ['cfI', 'y.tar', 'sh', 'a.txt'] }), 'PROCESS_NOT_ALLOWED');
      await expectCode(s.run(tool, { executable: 'tar', arguments: ['chf', 'y.tar', 'a.txt'] }), 'PROCESS_NOT_ALLOWED');
      expect(fs.existsSync(path.join(s.dir, 'x.tar')) || fs.existsSync(path.join(s.dir, 'y.tar'))).toBe(false);
      for (const args of [['--file=ok.tar', '-c', 'a.txt'], ['--file', 'ok2.tar', '-c', 'a.txt'], ['cf', 'ok3.tar', 'a.txt'], ['--checkpoint=1', '-cf', 'ok4.tar', 'a.txt']]) {
        const r = await s.run(tool, { executable: 'tar', arguments: args });
        expect([args, res(r).exit_code]).toEqual([args, 0]);
      }
    } finally {
      s.cleanup();
    }
  });
});

describe('a `--` that is an option value does not end the options', () => {
  withProgram('sort')('sort -o -- --files0-from=- is refused', async () => {
    for (const args of [['-o', '--', '--files0-from=-'], ['--output', '--', '--files0-from=-'], ['-uo', '--', '--compress-program=sh']]) {
      await expectCode(sb.run(tool, { executable: 'sort', arguments: args, input: `${secret}\0` }), 'PROCESS_NOT_ALLOWED');
    }
    expect(fs.existsSync(path.join(sb.dir, '--'))).toBe(false);
  });

  test('grep -e --, ls -I --: the option after the value is checked; a real `--` still ends them', () => {
    expect(() => checkCommandFlags('grep', ['-e', '--', '-R', '.'])).toThrow(/PROCESS_NOT_ALLOWED/);
    expect(() => checkCommandFlags('ls', ['-I', '--', '-L'])).toThrow(/PROCESS_NOT_ALLOWED/);
    expect(() => checkCommandFlags('grep', ['-n', '-e', 'x', '--', '-R'])).not.toThrow();
    expect(() => checkCommandFlags('grep', ['x', '--', '-R'])).not.toThrow();
  });
});

describe('paths the check did not see', () => {
  withProgram('cat', 'sort', 'grep')('an argument starting with a dash is checked as a path too', async () => {
    fs.mkdirSync(path.join(sb.dir, '-'));
    fs.writeFileSync(path.join(sb.dir, 'in.txt'), 'b\na\n');
    const name = throughDash();
    for (const [executable, args] of [
      ['cat', ['--', name]], ['grep', ['-f', name, 'in.txt']], ['grep', ['--file', name, 'in.txt']], ['sort', ['-o', `-/../${path.relative(sb.dir, outside)}/w.txt`, 'in.txt']],
    ] as const) {
      await expectCode(sb.run(tool, { executable, arguments: [...args] }), 'PATH_NOT_ALLOWED');
    }
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
  });

  withProgram('grep')('grep reads patterns only from files inside the roots, in every spelling', async () => {
    fs.writeFileSync(path.join(sb.dir, 'in.txt'), 'outside-secret-content\n');
    for (const args of [['-f', secret, 'in.txt'], [`-f${secret}`, 'in.txt'], [`-if${secret}`, 'in.txt'], [`--file=${secret}`, 'in.txt'], [`--fi=${secret}`, 'in.txt'], ['--file', secret, 'in.txt']]) {
      await expectCode(sb.run(tool, { executable: 'grep', arguments: args }), 'PATH_NOT_ALLOWED');
    }
    fs.writeFileSync(path.join(sb.dir, 'patterns'), 'secret\n');
    const r = await sb.run(tool, { executable: 'grep', arguments: ['-c', '-f', 'patterns', 'in.txt'] });
    expect(res(r).stdout.trim()).toBe('1');
  });

  withProgram('cat', 'sort')('`..` after a symbolic link goes where the kernel goes: to the parent of the target', async () => {
    fs.mkdirSync(path.join(outside, 'sub'));
    fs.symlinkSync(path.join(outside, 'sub'), path.join(sb.dir, 'l'));
    fs.writeFileSync(path.join(sb.dir, 'in.txt'), 'x\n');
    await expectCode(sb.run(tool, { executable: 'cat', arguments: ['l/../secret.txt'] }), 'PATH_NOT_ALLOWED');
    await expectCode(sb.run(tool, { executable: 'sort', arguments: ['-ol/../written.txt', 'in.txt'] }), 'PATH_NOT_ALLOWED');
    expect(fs.readdirSync(outside).sort()).toEqual(['secret.txt', 'sub']);
    // `..` through a real directory is still fine.
    fs.mkdirSync(path.join(sb.dir, 'd'));
    const r = await sb.run(tool, { executable: 'cat', arguments: ['d/../in.txt'] });
    expect(res(r).stdout).toBe('x\n');
  });

  withProgram('tar')('tar -C: names after it are checked from that directory too', async () => {
    const s = sandbox({ allowProcessSpawn: true, allowedExecutables: ['tar'] });
    try {
      fs.mkdirSync(path.join(s.dir, 'deep', 'er'), { recursive: true });
      fs.writeFileSync(path.join(s.dir, 'a.txt'), 'a');
      // From deep/er, `../../<outside>` stays inside the roots; from the root it leaves them.
      const escape = path.join('..', path.relative(s.dir, secret));
      for (const args of [['-C', s.dir, '-cf', 'x.tar', escape], [`--directory=${s.dir}`, '-cf', 'x.tar', escape], [`-C${s.dir}`, '-cf', 'x.tar', escape]]) {
        await expectCode(s.run(tool, { executable: 'tar', arguments: args, working_directory: 'deep/er' }), 'PATH_NOT_ALLOWED');
      }
      // -C is relative to the previous one: a link inside deep/er is checked from there.
      fs.symlinkSync(outside, path.join(s.dir, 'deep', 'er', 'link'));
      await expectCode(s.run(tool, { executable: 'tar', arguments: ['-C', 'deep', '-C', 'er', '-cf', `${s.dir}/x.tar`, 'link/secret.txt'] }), 'PATH_NOT_ALLOWED');
      expect(fs.existsSync(path.join(s.dir, 'x.tar'))).toBe(false);
      const r = await s.run(tool, { executable: 'tar', arguments: ['-C', s.dir, '-cf', 'ok.tar', 'a.txt'], working_directory: 'deep/er' });
      expect(res(r).exit_code).toBe(0);
    } finally {
      s.cleanup();
    }
  });
});

describe('the environment cannot name files or options either', () => {
  withProgram('env')('TMPDIR, TAPE, TAR_OPTIONS, GCONV_PATH… from the environment parameter are dropped', async () => {
    const s = sandbox({ allowProcessSpawn: true, allowedExecutables: ['env'] });
    try {
      const given = { TMPDIR: outside, TMP: outside, TEMP: outside, TAPE: `${outside}/t.tar`, TAR_OPTIONS: '--to-command=sh', GREP_OPTIONS: `-f${secret}`, GCONV_PATH: '.', LOCPATH: outside, NLSPATH: `${outside}/%N`, KEEP: 'yes' };
      const r = await s.run(tool, { executable: 'env', environment: given });
      expect(res(r).dropped_environment.sort()).toEqual(Object.keys(given).filter((k) => k !== 'KEEP').sort());
      expect(res(r).stdout).toContain('KEEP=yes');
      expect(res(r).stdout).not.toContain(outside);
    } finally {
      s.cleanup();
    }
  });
});

describe('refusals name the tool', () => {
  withProgram('cat')('PATH_NOT_ALLOWED for an argument starts with process_executor: and keeps its details', async () => {
    const e = await expectCode(sb.run(tool, { executable: 'cat', arguments: [secret] }), 'PATH_NOT_ALLOWED');
    expect(e.message).toMatch(/^PATH_NOT_ALLOWED: process_executor: parameter 'arguments\[0\]': /);
    expect((e as LlmspellError).details).toMatchObject({ parameter: 'arguments[0]' });
    const w = await expectCode(sb.run(tool, { executable: 'cat', working_directory: outside }), 'PATH_NOT_ALLOWED');
    expect(w.message).toMatch(/^PATH_NOT_ALLOWED: process_executor: parameter 'working_directory': /);
  });
});

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cli, scratch, write } from './helpers.js';

/**
 * The command line as a user types it: declared flags only (exit 2 with the flag meant),
 * flags before or after the command, script arguments after `--`, and completions and help
 * that list exactly the flags the parser accepts.
 */
describe('command-line flags', () => {
  test('a misspelt flag exits 2 naming the one meant, before or after the command', async () => {
    const dir = scratch();
    write(dir, 'x.lua', 'print("ran")');
    const after = await cli(['run', 'x.lua', '--tiemout', '5'], { cwd: dir });
    expect(after.code).toBe(2);
    expect(after.stderr).toContain("unknown option '--tiemout' for 'run'. Did you mean --timeout?");
    expect(after.stdout).toBe('');
    const before = await cli(['--tiemout', '5', 'run', 'x.lua'], { cwd: dir });
    expect(before.code).toBe(2);
    expect(before.stderr).toContain("unknown option '--tiemout'. Did you mean --timeout?");
    const command = await cli(['init', '--froce'], { cwd: dir });
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown option '--froce' for 'init'. Did you mean --force?");
    expect(fs.existsSync(path.join(dir, 'llmspell.toml'))).toBe(false);
    const misspeltCommand = await cli(['rnu', 'x.lua'], { cwd: dir });
    expect(misspeltCommand.code).toBe(2);
    expect(misspeltCommand.stderr).toContain("unknown command 'rnu'. Did you mean 'run'?");
  });

  test('run x.lua --frob exits 2 and the script does not run; after -- the script gets it', async () => {
    const dir = scratch();
    write(dir, 'x.lua', 'print("ran") return ARGS.frob');
    const refused = await cli(['run', 'x.lua', '--frob'], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('llmspell run x.lua -- --frob');
    const passed = await cli(['run', 'x.lua', '--', '--frob', 'yes', '--timeout', '9'], { cwd: dir });
    expect(passed.code).toBe(0);
    expect(passed.stdout).toBe('ran\nyes\n');
    // a flag of another command is named as such
    const other = await cli(['run', 'x.lua', '--port', '80'], { cwd: dir });
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--port goes with .*'mcp'/);
  });

  test('short aliases, --flag=value, flags after the script, value checks', async () => {
    const dir = scratch();
    write(dir, 'x.js', 'print(Config.get("runtime.script_timeout_seconds"))');
    const r = await cli(['run', '-e', 'js', 'x.js', '--timeout=7', '-q'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, stdout: '7\n' });
    const missing = await cli(['run', 'x.js', '--timeout'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--timeout needs a value');
    const valued = await cli(['init', '--force=yes'], { cwd: dir });
    expect(valued.code).toBe(2);
    expect(valued.stderr).toContain('--force takes no value');
    const tiny = await cli(['run', 'x.js', '--timeout', '0.0001'], { cwd: dir });
    expect(tiny.code).toBe(2);
    expect(tiny.stderr).toContain("--timeout is in seconds and must be at least 0.001 (1 ms), got '0.0001'");
    const badOutput = await cli(['--output', 'yaml', 'info'], { cwd: dir });
    expect(badOutput.code).toBe(2);
    expect(badOutput.stderr).toContain('--output must be text, json or pretty');
    const unknownShort = await cli(['-z', 'info'], { cwd: dir });
    expect(unknownShort.code).toBe(2);
    expect(unknownShort.stderr).toContain("unknown option '-z'");
    // init -f -o: the command's own short flags
    write(dir, 'conf.toml', 'old');
    expect((await cli(['init', '-f', '-o', 'conf.toml'], { cwd: dir })).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'conf.toml'), 'utf8')).toContain('default_engine');
  });

  test('after --, a command that runs no script takes the words as its own (a value that starts with -)', async () => {
    const dir = scratch();
    const set = await cli(['state', 'set', 'global', 'neg', '--', '-5'], { cwd: dir });
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
    const get = await cli(['state', 'get', 'global', 'neg'], { cwd: dir });
    expect(get).toMatchObject({ code: 0, stdout: '-5\n' });
    const key = await cli(['state', 'set', 'global', '--', '-k', '"x"'], { cwd: dir });
    expect(key.code).toBe(0);
    expect((await cli(['state', 'list', 'global'], { cwd: dir })).stdout).toBe('-k\nneg\n');
  });

  test('a time longer than a timer can wait is that long, not 1 ms (Node fires such a timer at once)', async () => {
    const dir = scratch();
    // a year's limit lets a script that takes a moment finish
    write(dir, 'busy.lua', 'local x = 0 for i = 1, 2e6 do x = x + i end print(x)');
    const year = await cli(['run', 'busy.lua', '--timeout', String(365 * 86400)], { cwd: dir });
    expect(year).toMatchObject({ code: 0, stdout: '2000001000000\n' });
    // a sleep of 35 days waits (the run's own limit ends it), where it used to return at once
    write(dir, 'sleep.lua', 'Utils.sleep(35 * 86400) print("woke")');
    const slept = await cli(['run', 'sleep.lua', '--timeout', '0.5'], { cwd: dir });
    expect(slept.code).toBe(1);
    expect(slept.stdout).toBe('');
    expect(slept.stderr).toContain('SCRIPT_TIMEOUT');
  });

  test('every command help lists its flags; completions offer the same flags', async () => {
    const help = await cli(['backup', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--incremental', '--description', '--limit', '--dry-run', '--no-backup']) expect(help.stdout).toContain(flag);
    const bash = await cli(['completion', 'bash']);
    expect(bash.code).toBe(0);
    const syntax = spawnSync('bash', ['-n'], { input: bash.stdout });
    expect(syntax.status).toBe(0);
    expect(bash.stdout).toContain('--dry-run');
    expect(bash.stdout).toContain('--stream');
    expect(bash.stdout).toMatch(/mcp\).*--http --port --token --script/);
    const fish = await cli(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c llmspell -n '__fish_seen_subcommand_from submit' -l run-id -x");
    const zsh = await cli(['completion', 'zsh']);
    expect(zsh.stdout).toContain("'--each[");
    // completing "llmspell backup --d" in bash offers the backup flags
    const script = `${bash.stdout}\nCOMP_WORDS=(llmspell backup --d); COMP_CWORD=2; _llmspell; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const completed = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    expect(completed.stdout.trim().split('\n').sort()).toEqual(['--description', '--dry-run']);
  });
});

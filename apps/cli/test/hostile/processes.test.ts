/**
 * Hostile corpus, processes (issue 12): with `allow_process_spawn = true` and the default
 * allow-list, the ways a script ran arbitrary commands, wrote outside the roots, followed
 * planted links and left processes behind, through the built CLI with fake keys in the
 * environment. A test is skipped only when the program it needs is absent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hasProgram, waitForProcessExit as waitDead } from '@llmspell/core/testing';
import { type CliRun, scratch, write } from '../helpers.js';
import { LUA_TRY, lastJson as result, leaks, runHostile } from './secrets-kit.js';

const withPrograms = (...programs: string[]) => (programs.every(hasProgram) ? test : test.skip);

const LUA_EXEC = `${LUA_TRY}
local function exec(executable, args, extra)
  local p = { executable = executable, arguments = args }
  for k, v in pairs(extra or {}) do p[k] = v end
  return try(function() return Tool.invoke("process_executor", p) end)
end
`;

const SPAWN = '[runtime.security]\nallow_process_spawn = true\n';

function run(dir: string, file: string, args: string[] = []): Promise<CliRun> {
  return runHostile(dir, [file, ...args]);
}

/** A working directory that is the only allowed root, and a sibling directory outside it with a secret file. */
function layout() {
  const base = scratch();
  const work = path.join(base, 'work');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(work);
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'outside-secret-content\n');
  // Only the working directory is allowed (the default also allows the temp dir, where the
  // scratch directories live).
  write(work, 'llmspell.toml', `${SPAWN}allowed_paths = ["${work}"]\n`);
  return { base, work, outside };
}

describe('process_executor with the default allow-list', () => {
  withPrograms('find', 'sh')('find -exec and relatives cannot run a command (the /proc/<pid>/environ attack)', async () => {
    const { work, outside } = layout();
    const marker = path.join(outside, 'ran');
    write(work, 'f.lua', `${LUA_EXEC}
return {
  exec("find", { ".", "-exec", "sh", "-c", "cat /proc/$PPID/environ > ${marker}", ";" }),
  exec("find", { ".", "-exec", "sh", "-c", "touch ${marker}", "{}", "+" }),
  exec("find", { ".", "-execdir", "sh", "-c", "touch ${marker}", ";" }),
  exec("find", { ".", "-ok", "touch", "${marker}", ";" }),
  exec("find", { ".", "-okdir", "touch", "${marker}", ";" }),
  exec("find", { ".", "-delete" }),
  exec("find", { ".", "-fprint", "${marker}" }),
  exec("find", { ".", "-fprintf", "${marker}", "%p" }),
}`);
    const r = await run(work, 'f.lua');
    expect(result(r)).toEqual(Array(8).fill('PROCESS_NOT_ALLOWED'));
    expect(fs.existsSync(marker)).toBe(false);
    expect(fs.existsSync(path.join(work, 'f.lua'))).toBe(true);
    expect(leaks(r)).toEqual([]);
  });

  withPrograms('sort')('sort cannot write outside the roots in any spelling, nor run a compressor', async () => {
    const { work, outside } = layout();
    write(work, 'in.txt', 'b\na\n');
    const target = path.join(outside, 'written.txt');
    write(work, 's.lua', `${LUA_EXEC}
local r = {
  exec("sort", { "-o${target}", "in.txt" }),
  exec("sort", { "-o", "${target}", "in.txt" }),
  exec("sort", { "--output=${target}", "in.txt" }),
  exec("sort", { "--outp=${target}", "in.txt" }),
  exec("sort", { "-ro${target}", "in.txt" }),
  exec("sort", { "in.txt", "-o../outside/written.txt" }),
  exec("sort", { "-T${outside}", "in.txt" }),
  exec("sort", { "--compress-program=sh", "in.txt" }),
  exec("sort", { "--compress-prog", "sh", "in.txt" }),
}
local ok = Tool.invoke("process_executor", { executable = "sort", arguments = { "-osorted.txt", "in.txt" } })
r[#r + 1] = JSON.parse(ok.text).result.exit_code
return r`);
    const r = await run(work, 's.lua');
    expect(result(r)).toEqual([...Array(7).fill('PATH_NOT_ALLOWED'), 'PROCESS_NOT_ALLOWED', 'PROCESS_NOT_ALLOWED', 0]);
    expect(fs.readdirSync(outside)).toEqual(['secret.txt']);
    expect(fs.readFileSync(path.join(work, 'sorted.txt'), 'utf8')).toBe('a\nb\n');
  });

  withPrograms('find', 'grep', 'ls', 'cat')('planted links are not followed out of the roots', async () => {
    const { work, outside } = layout();
    fs.symlinkSync(outside, path.join(work, 'planted'));
    fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(work, 'file'));
    write(work, 'l.lua', `${LUA_EXEC}
local out = {
  exec("find", { "-L", ".", "-name", "secret.txt" }),
  exec("find", { ".", "-follow" }),
  exec("find", { "-H", "planted" }),
  exec("grep", { "-R", "secret", "." }),
  exec("grep", { "--dereference-recursive", "secret" }),
  exec("ls", { "-lL", "planted" }),
  exec("cat", { "file" }),
  exec("cat", { "planted/secret.txt" }),
  exec("grep", { "-r", "secret", "planted" }),
  exec("find", { "planted/" }),
}
local plain = JSON.parse(Tool.invoke("process_executor", { executable = "grep", arguments = { "-r", "--include=*.txt", "outside-secret", "." } }).text).result
out[#out + 1] = plain.stdout
return out`);
    const r = await run(work, 'l.lua');
    expect(result(r)).toEqual([...Array(6).fill('PROCESS_NOT_ALLOWED'), ...Array(4).fill('PATH_NOT_ALLOWED'), '']);
    expect(r.stdout).not.toContain('outside-secret-content');
  });

  withPrograms('cat', 'env')('the child sees no host secret: /proc is refused, and its environment is minimal', async () => {
    const { work } = layout();
    write(work, 'llmspell.toml', `${SPAWN}allowed_paths = ["/"]\nallowed_executables = ["cat", "env"]\n\n[tools.process_executor]\nallowed_env = ["OPENAI_API_KEY", "GH_PAT"]\n`);
    write(work, 'p.lua', `${LUA_EXEC}
local out = {
  exec("cat", { "/proc/self/environ" }),
  exec("cat", { "/proc/1/environ" }),
  exec("cat", { "/proc/self/../self/environ" }),
}
local env = JSON.parse(Tool.invoke("process_executor", { executable = "env", environment = { FORWARD = os.getenv("OPENAI_API_KEY") or "none" } }).text).result.stdout
print(env)
out[#out + 1] = env:find("OPENAI", 1, true) == nil and env:find("GH_PAT", 1, true) == nil
return out`);
    const r = await run(work, 'p.lua');
    expect(result(r)).toEqual(['PATH_NOT_ALLOWED', 'PATH_NOT_ALLOWED', 'PATH_NOT_ALLOWED', true]);
    expect(leaks(r)).toEqual([]);
  });

  withPrograms('cat')('output is capped', async () => {
    const { work } = layout();
    fs.writeFileSync(path.join(work, 'big.txt'), 'y'.repeat(3 * 1024 * 1024));
    write(work, 'c.lua', `
local r = JSON.parse(Tool.invoke("process_executor", { executable = "cat", arguments = { "big.txt" } }).text).result
return { len = #r.stdout, truncated = r.stdout_truncated }`);
    const r = await run(work, 'c.lua');
    expect(result(r)).toEqual({ len: 1024 * 1024, truncated: true });
  });
});

describe('no process outlives its run', () => {
  /** `sh` is not on the default list: a user who adds it hands scripts a shell, and still gets group kill. */
  const shellConfig = (work: string, extra = '') => `${SPAWN}allowed_paths = ["${work}"]\nallowed_executables = ["sh"]\n${extra}`;
  const readPid = (file: string) => Number(fs.readFileSync(file, 'utf8').trim());

  withPrograms('sh', 'sleep')('a grandchild is killed when the tool times out', async () => {
    const { work } = layout();
    write(work, 'llmspell.toml', shellConfig(work, '\n[tools.process_executor]\nmax_execution_time_seconds = 1\n'));
    write(work, 't.lua', `
local r = JSON.parse(Tool.invoke("process_executor", { executable = "sh", arguments = { "-c", "sleep 300 & echo $! > pid.txt; wait" } }).text).result
return { timed_out = r.timed_out }`);
    const r = await run(work, 't.lua');
    expect(result(r)).toEqual({ timed_out: true });
    expect(await waitDead(readPid(path.join(work, 'pid.txt')))).toBe(true);
  });

  withPrograms('sh', 'sleep')('a grandchild is killed when the program exits, and when the script hits its time limit', async () => {
    const { work } = layout();
    write(work, 'llmspell.toml', shellConfig(work));
    write(work, 'bg.lua', `
local r = JSON.parse(Tool.invoke("process_executor", { executable = "sh", arguments = { "-c", "sleep 300 & echo $! > bg.txt" } }).text).result
return { code = r.exit_code }`);
    const bg = await run(work, 'bg.lua');
    expect(result(bg)).toEqual({ code: 0 });
    expect(await waitDead(readPid(path.join(work, 'bg.txt')))).toBe(true);

    write(work, 'limit.lua', `
Tool.invoke("process_executor", { executable = "sh", arguments = { "-c", "sleep 300 & echo $! > limit.txt; wait" } })
return "not reached"`);
    const limited = await run(work, 'limit.lua', ['--timeout', '3']);
    expect(limited.code).not.toBe(0);
    expect(limited.stdout).not.toContain('not reached');
    expect(limited.stderr).toMatch(/[A-Z_]+:/);
    expect(await waitDead(readPid(path.join(work, 'limit.txt')))).toBe(true);
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin, cli, scratch, write, type CliRun } from '../helpers.js';

/**
 * The hostile-input corpus for time and memory: every attack runs through the built CLI as
 * a new user would (default policy, `--timeout 3`), and must end with exit code 1 and its
 * coded error on stderr (or, where the right answer is cheap, with that answer), never
 * killed by a signal, and the next run must work. The harness gives each run the limit plus
 * 15 s before it calls the CLI stuck, so a loaded machine does not make this flaky.
 */
const here = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT = ['--timeout', '3'];
const HARNESS_MS = 3_000 + 15_000;

async function attack(name: string, source: string, options: { args?: string[]; dir?: string; env?: Record<string, string> } = {}): Promise<CliRun & { dir: string }> {
  const dir = options.dir ?? scratch();
  write(dir, name, source);
  const run = await cli(['run', ...TIMEOUT, ...(options.args ?? []), name], { cwd: dir, timeoutMs: HARNESS_MS, env: options.env });
  return { ...run, dir };
}

function expectCoded(run: CliRun, codes: string | string[]): void {
  const expected = Array.isArray(codes) ? codes : [codes];
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(new RegExp(`^(${expected.join('|')}): `, 'm'));
  expect(run.stderr).not.toMatch(/FATAL ERROR|Aborted|Segmentation|internal error/);
}

async function nextRunWorks(dir: string): Promise<void> {
  const next = await cli(['exec', 'return 6 * 7'], { cwd: dir, timeoutMs: HARNESS_MS });
  expect(next.stdout.trim()).toBe('42');
}

describe('Lua: library calls that loop in C', () => {
  test.each([
    ['table.move over the integer range', 'table.move({}, 1, math.maxinteger - 10, 2)'],
    ['a backtracking pattern (find)', 'return string.find(string.rep("a", 5000), "a-a-a-a-a-a-a-a-a-a-a-a-b")'],
    ['a backtracking pattern (match) inside pcall', 'return pcall(string.match, string.rep("a", 5000), "a*a*a*a*a*a*a*a*a*b")'],
    ['a backtracking pattern (gsub)', 'return string.gsub(string.rep("a", 5000), "a-a-a-a-a-a-a-a-b", "")'],
    ['a backtracking pattern (gmatch)', 'for x in string.gmatch(string.rep("a", 5000), "a-a-a-a-a-a-a-a-b") do end'],
    ['a quadratic pattern on a long subject', 'return string.find(string.rep(" ", 1 << 20) .. "x", "%s*$")'],
    ['table.concat of a made-up huge range', 'return #table.concat(setmetatable({}, { __index = function() return "" end }), "", 1, math.maxinteger)'],
    ['table.insert after a made-up length', 'table.insert(setmetatable({}, { __len = function() return math.maxinteger - 1 end }), 1, "x")'],
  ])('%s: SCRIPT_TIMEOUT', async (_name, source) => {
    const run = await attack('attack.lua', source);
    expectCoded(run, 'SCRIPT_TIMEOUT');
    await nextRunWorks(run.dir);
  });

  test.each([
    ['string.rep("x", 2^40)', 'return #string.rep("x", 2^40)'],
    ['("x"):rep(1e9)', 'return #("x"):rep(1e9)'],
    ['a separator repeated 2^40 times', 'return #string.rep("", 2^40, ",")'],
  ])('%s: SCRIPT_MEMORY_LIMIT', async (_name, source) => {
    expectCoded(await attack('attack.lua', source), 'SCRIPT_MEMORY_LIMIT');
  });

  test('string.rep("", math.maxinteger) is the empty string, at once', async () => {
    const run = await attack('empty.lua', 'return #string.rep("", math.maxinteger) + #string.rep("", 1 << 62, "")');
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe('0');
  });

  test("string.format('%099999d') is refused", async () => {
    const run = await attack('format.lua', "return string.format('%099999d', 1)");
    expectCoded(run, 'SCRIPT_ERROR|format\\.lua:1');
    expect(run.stderr).toContain('invalid conversion');
  });
});

describe('JavaScript: built-ins that loop in C', () => {
  test.each([
    ['join of 2^32-1 holes', 'const a = []; a.length = 2 ** 32 - 1; a.join("")'],
    ['lastIndexOf over them', 'const a = []; a.length = 2 ** 32 - 1; a.lastIndexOf(1)'],
    ['the same borrowed by an array-like', 'Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)'],
    ['"x".repeat(2**28)', '"x".repeat(2 ** 28).length'],
    ['Array(1e9).fill', 'Array(1e9).fill(0).length'],
    ['a map that grows until memory runs out', 'const m = new Map(); for (let i = 0; ; i++) m.set(i, [i]);'],
  ])('%s: SCRIPT_MEMORY_LIMIT with a message', async (_name, source) => {
    // A generous time limit and a small heap, so a loaded machine still meets the memory
    // limit first: this case is about the memory limit's code and message.
    const run = await attack('attack.js', source, { args: ['--timeout', '60', '--max-memory', '16'] });
    expectCoded(run, 'SCRIPT_MEMORY_LIMIT');
    expect(run.stderr).toMatch(/memory limit of \d+ MiB/);
    await nextRunWorks(run.dir);
  });

  test.each([
    ['indexOf', 'const s = "a".repeat(1 << 21); s.indexOf("a".repeat(3000) + "b")'],
    // about 3 s of work at 2M characters on this machine with optimized WASM: 8M keeps it well past the limit
    ['includes with a 600k needle', 'const s = "a".repeat(1 << 23); s.includes("a".repeat(600000) + "b")'],
    ['replaceAll', 'const s = "a".repeat(1 << 21); s.replaceAll("a".repeat(3000) + "b", "").length'],
    ['a backtracking regular expression', '/^(a+)+$/.test("a".repeat(40) + "!")'],
  ])('a quadratic search (%s): SCRIPT_TIMEOUT', async (_name, source) => {
    expectCoded(await attack('attack.js', source), 'SCRIPT_TIMEOUT');
  });

  test('a failing Tool.invoke without await fails the run with the tool\'s code', async () => {
    const run = await attack('float.js', 'Tool.invoke("file_operations", { operation: "read", path: "/etc/passwd" });\nprint("done");');
    expectCoded(run, 'PATH_NOT_ALLOWED');
    expect(run.stderr).toContain('unhandled promise rejection');
  });
});

describe('after the time limit, nothing of the script reaches a tool', () => {
  const leak = (lang: 'lua' | 'js', name: string) => lang === 'lua'
    ? `Tool.invoke("file_operations", { operation = "write", path = "${name}", input = "leaked" })`
    : `await Tool.invoke("file_operations", { operation: "write", path: "${name}", input: "leaked" })`;

  test('Lua <close> handlers of a looping run and of a waiting run', async () => {
    const closer = (n: number) => `local c${n} <close> = setmetatable({}, { __close = function() ${leak('lua', `leak${n}.txt`)} end })`;
    const looping = await attack('close.lua', `${closer(1)}\n${closer(2)}\nwhile true do end`);
    expectCoded(looping, 'SCRIPT_TIMEOUT');
    const waiting = await attack('close.lua', `${closer(3)}\nUtils.sleep(60)`, { dir: looping.dir });
    expectCoded(waiting, 'SCRIPT_TIMEOUT');
    expect(fs.readdirSync(looping.dir).filter((f) => f.startsWith('leak'))).toEqual([]);
  });

  test('JavaScript finally blocks', async () => {
    const looping = await attack('fin.js', `try { for (;;) {} } finally { ${leak('js', 'leak1.txt')} }`);
    expectCoded(looping, 'SCRIPT_TIMEOUT');
    const waiting = await attack('fin.js', `try { await Utils.sleep(60) } finally { ${leak('js', 'leak2.txt')} }`, { dir: looping.dir });
    expectCoded(waiting, 'SCRIPT_TIMEOUT');
    expect(fs.readdirSync(looping.dir).filter((f) => f.startsWith('leak'))).toEqual([]);
  });
});

describe('host-side work the engines cannot see', () => {
  const plugin = path.join(here, 'fixtures', 'runaway-tools.mjs');
  const withPlugin = (dir: string) => write(dir, 'llmspell.toml', `[tools]\nplugins = [${JSON.stringify(plugin)}]\n`);

  test('a tool plugin that loops forever in JavaScript: SCRIPT_TIMEOUT', async () => {
    const dir = scratch();
    withPlugin(dir);
    for (const [name, source] of [['spin.lua', 'Tool.invoke("spin", {})'], ['spin.js', 'await Tool.invoke("spin", {})']]) {
      expectCoded(await attack(name, source, { dir }), 'SCRIPT_TIMEOUT');
    }
    await nextRunWorks(dir);
  });

  test('a jq query that doubles an array until memory runs out: a coded error, the CLI alive', async () => {
    const run = await attack('jq.lua', 'return Tool.invoke("json_processor", { input = "[0]", query = "reduce range(27) as $i ([0]; . + .) | length" })', { args: ['--max-memory', '8'] });
    // the tool's own budget (if it has one) or the host's heap cap: a code either way
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^[A-Z_]+: /m);
    expect(run.stderr).not.toMatch(/FATAL ERROR|Aborted|internal error/);
  });

  test('a SQLite query without end (native code that never returns): SCRIPT_TIMEOUT, also in a worker thread', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', '[tools.database_connector.databases.main]\ntype = "sqlite"\npath = "data.db"\nallow_write = true\n');
    const query = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c';
    const source = `return Tool.invoke("database_connector", { operation = "query", query = "${query}" })`;
    expectCoded(await attack('db.lua', source, { dir }), 'SCRIPT_TIMEOUT');
    // a worker thread stuck in SQLite cannot be stopped; the CLI still exits, with code 1
    const worker = await attack('db.lua', source, { dir, env: { LLMSPELL_ISOLATION: 'worker' }, args: ['--verbose'] });
    expectCoded(worker, 'SCRIPT_TIMEOUT');
    expect(worker.stderr).toContain('script host: worker thread');
  });

  test('state written in a loop that only a kill ends: the next run reads a consistent value', async () => {
    const dir = scratch();
    withPlugin(dir);
    expectCoded(await attack('flood.lua', 'Tool.invoke("state_flood", {})', { dir }), 'SCRIPT_TIMEOUT');
    const read = await cli(['exec', 'local v = State.load("global", "flood") return { ok = v.i == v.copy and #v.pad == v.i % 50000, some = v.i > 0 }'], { cwd: dir, timeoutMs: HARNESS_MS });
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual({ ok: true, some: true });
  });
});

describe('the supervisor', () => {
  test('Ctrl-C ends a script stuck where it cannot listen: CANCELLED, exit 1', async () => {
    const dir = scratch();
    write(dir, 'stuck.lua', 'print("started")\nreturn string.find(string.rep("a", 5000), "a-a-a-a-a-a-a-a-a-a-a-a-b")');
    const result = await new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, 'run', 'stuck.lua'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), NO_COLOR: '1' } });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      child.stdout.on('data', (d) => {
        if (String(d).includes('started')) child.kill('SIGINT');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), HARNESS_MS);
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
    });
    expect(result.signal).toBeNull();
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^CANCELLED: stuck\.lua: interrupted \(Ctrl-C\)/m);
  });

  test('the REPL: an input that has to be killed ends with its code, a fresh host takes the next one', async () => {
    const dir = scratch();
    write(dir, 'llmspell.toml', `[tools]\nplugins = [${JSON.stringify(path.join(here, 'fixtures', 'runaway-tools.mjs'))}]\n`);
    const run = await cli(['repl', '--timeout', '2'], { cwd: dir, timeoutMs: HARNESS_MS, input: 'x = 40\nx + 2\nTool.invoke("spin", {})\ntype(x)\n1 + 1\n' });
    expect(run.stdout.trim().split('\n')).toEqual(['42', 'nil', '2']);
    expect(run.stderr).toMatch(/^SCRIPT_TIMEOUT: repl:3: script exceeded its time limit of 2000 ms/m);
    expect(run.stderr).toContain('the script host was restarted');
    expect(run.code).toBe(1);
  });

  test('LLMSPELL_ISOLATION chooses the host and refuses what it does not know', async () => {
    const dir = scratch();
    const processHost = await cli(['exec', '--verbose', 'return 1'], { cwd: dir });
    expect(processHost.stderr).toMatch(/script host: child process \d+/);
    const bogus = await cli(['exec', 'return 1'], { cwd: dir, env: { LLMSPELL_ISOLATION: 'threads' } });
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toContain('LLMSPELL_ISOLATION must be process or worker');
  });
});

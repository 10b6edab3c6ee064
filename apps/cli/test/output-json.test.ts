import { cli, scratch, write } from './helpers.js';

/**
 * `--output json` on run and exec: stdout is exactly one JSON document, whatever the script
 * prints and however the run ends; `--stream` moves the print lines to stderr as they happen.
 * Script errors in text mode name their code; `-v` adds the traceback (Lua and JavaScript).
 */
describe('run/exec --output json', () => {
  test('prints go inside the document, on success and on every error path', async () => {
    const dir = scratch();
    write(dir, 'ok.lua', 'print("one")\nprint("two")\nreturn { n = 1 }');
    const ok = await cli(['--output', 'json', 'run', 'ok.lua'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ ok: true, result: { n: 1 }, output: ['one', 'two'] });

    write(dir, 'fail.js', 'print("before");\nthrow new Error("broken");\n');
    const failed = await cli(['run', 'fail.js', '--output', 'json'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, error: { code: 'SCRIPT_ERROR', file: 'fail.js', line: 2 }, output: ['before'] });

    const missing = await cli(['--output', 'json', 'run', 'nope.lua'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    const usage = await cli(['--output', 'json', 'run', 'ok.lua', '--frob'], { cwd: dir });
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT', message: expect.stringContaining("'--frob'") } });

    const exec = await cli(['--output', 'json', 'exec', 'print("hi") return 2'], { cwd: dir });
    expect(JSON.parse(exec.stdout)).toEqual({ ok: true, result: 2, output: ['hi'] });
    const syntax = await cli(['--output', 'json', 'exec', 'print("hi"'], { cwd: dir });
    expect(syntax.code).toBe(1);
    expect(JSON.parse(syntax.stdout)).toMatchObject({ ok: false, error: { code: 'SCRIPT_SYNTAX_ERROR' } });
  });

  test('--stream: print lines on stderr as they come, the document alone on stdout', async () => {
    const dir = scratch();
    write(dir, 's.lua', 'print("live")\nreturn "done"');
    const r = await cli(['--output', 'json', 'run', 's.lua', '--stream'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, result: 'done' });
    expect(r.stderr).toContain('live\n');
    // pretty: a Console Output block, or the lines as they come with --stream
    const pretty = await cli(['--output', 'pretty', 'run', 's.lua'], { cwd: dir });
    expect(pretty.stdout).toMatch(/^Console Output:\n {2}live\nOutput: "done"/);
    const streamed = await cli(['--output', 'pretty', 'run', 's.lua', '--stream'], { cwd: dir });
    expect(streamed.stdout).toMatch(/^live\nOutput: "done"/);
  });
});

describe('script errors in text mode', () => {
  test('the code always, the traceback with -v (Lua)', async () => {
    const dir = scratch();
    write(dir, 'bad.lua', 'local function inner()\n  error("broken here")\nend\ninner()\n');
    const plain = await cli(['run', 'bad.lua'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('SCRIPT_ERROR: bad.lua:2: broken here\n');
    const verbose = await cli(['run', 'bad.lua', '-v'], { cwd: dir });
    expect(verbose.stderr).toMatch(/^SCRIPT_ERROR: bad\.lua:2: broken here\nstack traceback:\n\tbad\.lua:2: in (local|function) 'inner'\n\tbad\.lua:4: in main chunk$/m);
  });

  test('the code always, the stack with -v (JavaScript), script frames only', async () => {
    const dir = scratch();
    write(dir, 'bad.js', 'function inner() {\n  throw new TypeError("broken here");\n}\ninner();\n');
    const plain = await cli(['run', 'bad.js'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe('SCRIPT_ERROR: bad.js:2: TypeError: broken here\n');
    const verbose = await cli(['-v', 'run', 'bad.js'], { cwd: dir });
    expect(verbose.stderr).toMatch(/^SCRIPT_ERROR: bad\.js:2: TypeError: broken here\nstack traceback:\n\tat inner \(bad\.js:2:\d+\)\n\tat <eval> \(bad\.js:4:\d+\)$/m);
    // a tool's refusal keeps its own code
    write(dir, 'tool.js', 'await Tool.invoke("calculator", { input: "1/" });\n');
    const tool = await cli(['run', 'tool.js'], { cwd: dir });
    expect(tool.stderr).toMatch(/^INVALID_ARGUMENT: tool\.js:1: calculator: parameter 'input'/);
  });
});

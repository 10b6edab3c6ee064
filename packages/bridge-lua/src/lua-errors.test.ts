import { LlmspellError } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

describe('script errors', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  it('rejects an uncaught runtime error with file:line', async () => {
    const error = await h.run('local x = 1\nlocal y = nil\nreturn y.z\n', 'hello.lua').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmspellError);
    expect(error).toMatchObject({
      code: 'SCRIPT_ERROR',
      message: "SCRIPT_ERROR: hello.lua:3: attempt to index a nil value (local 'y')",
      details: { file: 'hello.lua', line: 3 },
    });
  });

  it('adds a traceback of the script frames to the details', async () => {
    const error = (await h.run('local function inner()\n  error("deep")\nend\nlocal function outer() inner() end\nouter()', 'tb.lua')
      .catch((e: unknown) => e)) as { details: { traceback: string } };
    expect(error.details.traceback.split('\n')).toEqual([
      'stack traceback:', "\ttb.lua:2: in upvalue 'inner'", "\ttb.lua:4: in local 'outer'", '\ttb.lua:5: in main chunk',
    ]);
  });

  it('reports error() with its line', async () => {
    await expect(h.run('\nerror("boom")', 'hello.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: hello.lua:2: boom', details: { line: 2 },
    });
    await expect(h.run('\n\nerror({ code = 1 })', 'hello.lua')).rejects.toMatchObject({
      message: 'SCRIPT_ERROR: hello.lua:3: (error object is a table value)', details: { line: 3 },
    });
  });

  it('keeps the code of an uncaught host error and the line of the call', async () => {
    const error = await h.run('local a = 1\nlocal r = Tool.invoke("echo_tool", {})\nreturn r', 'tools.lua').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INVALID_ARGUMENT', details: { file: 'tools.lua', line: 2 } });
    expect((error as Error).message).toMatch(/^INVALID_ARGUMENT: tools\.lua:2: .*input/);
    await expect(h.run('\nTool.invoke("nope", {})', 'tools.lua')).rejects.toMatchObject({
      code: 'TOOL_NOT_FOUND', message: "TOOL_NOT_FOUND: tools.lua:2: Tool 'nope' not found",
    });
  });

  it('reports the full file name even when Lua would shorten it', async () => {
    const long = '/very/long/directory/name/that/goes/on/and/on/for/quite/a/while/script.lua';
    await expect(h.run('\nerror("far")', long)).rejects.toMatchObject({ message: `SCRIPT_ERROR: ${long}:2: far`, details: { file: long, line: 2 } });
  });

  it('rejects syntax errors with SCRIPT_SYNTAX_ERROR and file:line, without running anything', async () => {
    h.stdout.splice(0);
    const error = await h.run('print("ran")\nlocal x = = 1\n', 'bad.lua').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_SYNTAX_ERROR', details: { file: 'bad.lua', line: 2 } });
    expect((error as Error).message).toMatch(/^SCRIPT_SYNTAX_ERROR: bad\.lua:2: unexpected symbol near '='/);
    expect(h.stdout).toEqual([]);
  });

  it('checks syntax without running', async () => {
    h.stdout.splice(0);
    await expect(h.context.checkSyntax('print("x") return 1', 'ok.lua')).resolves.toBeNull();
    await expect(h.context.checkSyntax('print("x")\n\nfunction f(\n', 'bad.lua')).resolves.toEqual({
      file: 'bad.lua', line: 4, message: expect.stringContaining('near <eof>'),
    });
    expect(h.stdout).toEqual([]);
  });

  it('accepts a shebang line and keeps line numbers', async () => {
    await expect(h.run('#!/usr/bin/env llmspell\nerror("x")', 's.lua')).rejects.toMatchObject({ details: { line: 2 } });
  });

  it('refuses a top-level coroutine.yield clearly', async () => {
    await expect(h.run('coroutine.yield(1)', 'y.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: y.lua:1: attempt to yield from outside a coroutine',
    });
  });

  it('explains a host wait where Lua cannot yield', async () => {
    const error = await h.run(`
      local t = {"c", "a", "b"}
      table.sort(t, function(a, b) return Tool.invoke("echo_tool", {input = a, delayMs = 0}).result.echoed < b end)
    `).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_ERROR', details: { line: 3 } });
    expect((error as Error).message).toMatch(/^SCRIPT_ERROR: test\.lua:3: cannot wait for a host call here/);
  });

  it('takes a host call that answers at once even where Lua cannot yield (no wait needed)', async () => {
    await expect(h.run(`
      local t = {3, 1, 2}
      table.sort(t, function(a, b) return Tool.invoke("add_numbers", {a = a, b = 0}).result < b end)
      return t
    `)).resolves.toEqual([1, 2, 3]);
  });

  it('still runs after errors', async () => {
    await expect(h.run('return "fine"')).resolves.toBe('fine');
  });
});

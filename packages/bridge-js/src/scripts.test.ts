import { LlmspellError, defineTool, z } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { adderTool, engine, harness, type Harness } from './__fixtures__/harness.js';

describe('running scripts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());
  beforeEach(() => {
    h.stdout.length = 0;
    h.stderr.length = 0;
  });

  test('the engine describes itself', () => {
    expect(engine.name).toBe('javascript');
    expect(engine.aliases).toEqual(['javascript', 'js']);
    expect(engine.fileExtensions).toEqual(['.js', '.mjs']);
  });

  test('await Tool.invoke returns the tool result', async () => {
    const result = await h.run(`
      const r = await Tool.invoke('adder', { a: 2, b: 40 });
      export default { sum: r.result.sum, success: r.success, parsed: JSON.parse(r.text).result.sum, message: r.message };
    `);
    expect(result).toEqual({ sum: 42, success: true, parsed: 42, message: 'sum is 42' });
  });

  test('Tool.invoke gives a real promise', async () => {
    expect(await h.run(`const p = Tool.invoke('adder', {a: 1, b: 1}); export default [p instanceof Promise, (await p).result.sum]`))
      .toEqual([true, 2]);
  });

  test('Tool.list, Tool.get(...).execute and Tool.<name> index access', async () => {
    const result = await h.run(`
      const names = Tool.list().map((t) => t.name).sort();
      const viaGet = await Tool.get('adder').execute({ a: 1, b: 2 });
      const viaIndex = await Tool.adder.execute({ a: 3, b: 4 });
      export default {
        names, viaGet: viaGet.result.sum, viaIndex: viaIndex.result.sum, missing: Tool.nope, exists: Tool.exists('adder'),
        schema: Tool.adder.getSchema().parameters.map((p) => p.name).sort(),
      };
    `);
    expect(result).toEqual({ names: ['adder', 'hang'], viaGet: 3, viaIndex: 7, missing: null, exists: true, schema: ['a', 'b'] });
  });

  test('Tool.<name> finds a tool registered after the context was created', async () => {
    h.runtime.registerTool(defineTool({
      name: 'late_tool', description: 'Registered late', category: 'utility', securityLevel: 'safe',
      parameters: z.object({ word: z.string() }), execute: ({ word }) => ({ result: word.toUpperCase() }),
    }));
    expect(await h.run('export default [(await Tool.late_tool.execute({ word: "hi" })).result, "late_tool" in Tool]')).toEqual(['HI', true]);
  });

  test('a coded host error is catchable and carries .code', async () => {
    const result = await h.run(`
      let out = 'no error';
      try {
        await Tool.invoke('adder', { a: 'not a number', b: 1 });
      } catch (e) {
        out = { code: e.code, message: e.message, isError: e instanceof Error };
      }
      export default out;
    `);
    expect(result).toEqual({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: /), isError: true });
  });

  test('an uncaught error rejects with SCRIPT_ERROR and file:line', async () => {
    const error = await h.run('const a = 1;\n\nthrow new Error("boom");', 'fail.js').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmspellError);
    expect(error).toMatchObject({ code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: fail.js:3: boom', details: { file: 'fail.js', line: 3 } });
  });

  test('an uncaught error inside a function reports the throwing line and error type', async () => {
    const error = await h.run('function f() {\n  return null.x;\n}\nf();', 'type.js').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_ERROR', details: { file: 'type.js', line: 2 } });
    expect((error as Error).message).toMatch(/^SCRIPT_ERROR: type\.js:2: TypeError: /);
  });

  test('an uncaught host error keeps its own code', async () => {
    const error = await h.run('\nawait Tool.invoke("nope", {});', 'host.js').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOOL_NOT_FOUND', details: { file: 'host.js', line: 2 } });
    expect((error as Error).message).toBe("TOOL_NOT_FOUND: host.js:2: Tool 'nope' not found");
  });

  test('an unhandled rejection of the module promise is an error', async () => {
    await expect(h.run('await Promise.reject(new RangeError("nope"));', 'rej.js')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: rej.js:1: RangeError: nope',
    });
    await expect(h.run('throw "plain string";', 'str.js')).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: str.js: plain string' });
  });

  test('syntax errors are SCRIPT_SYNTAX_ERROR with file:line', async () => {
    const error = await h.run('const a = 1;\nconst b = ;\n', 'syn.js').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_SYNTAX_ERROR', details: { file: 'syn.js', line: 2 } });
    expect((error as Error).message).toMatch(/^SCRIPT_SYNTAX_ERROR: syn\.js:2: /);
    // module syntax errors are reported too
    await expect(h.run('await 1;\nexport default {;', 'mod.js')).rejects.toMatchObject({ code: 'SCRIPT_SYNTAX_ERROR', details: { line: 2 } });
  });

  test('checkSyntax compiles without running', async () => {
    expect(await h.context.checkSyntax('print("should not run"); 1 + 1', 'ok.js')).toBeNull();
    expect(await h.context.checkSyntax('const x = await Tool.invoke("adder", {a: 1, b: 2}); export default x;', 'ok.mjs')).toBeNull();
    expect(await h.context.checkSyntax('let x = 1;\nlet y = 2;\nif (x {', 'bad.js')).toEqual({ file: 'bad.js', line: 3, message: expect.any(String) });
    expect(h.stdout).toEqual([]);
  });

  test('top-level await and export default give the result', async () => {
    expect(await h.run('const v = await new Promise((r) => r(21)); export default v * 2;')).toBe(42);
    expect(await h.run('export default Promise.resolve({ ok: [1, 2] });')).toEqual({ ok: [1, 2] });
    expect(await h.run('export const notDefault = 1;')).toBeUndefined();
    expect(await h.run('await null;')).toBeUndefined();
  });

  test('plain scripts return their last expression and keep globals between runs', async () => {
    expect(await h.run('let counter = 40; counter + 1')).toBe(41);
    expect(await h.run('counter += 2; counter')).toBe(42);
    expect(await h.run('globalThis.shared = "kept"; 1')).toBe(1);
    expect(await h.run('export default shared;')).toBe('kept');
    expect(await h.run('(async () => 7)()')).toBe(7);
  });

  test('print and console write formatted lines to stdout and stderr', async () => {
    await h.run(`
      print('plain', 1, true, null, undefined);
      console.log({ a: [1, 'two'], b: { c: null } }, [1, [2]]);
      console.info('info');
      console.debug('debug');
      console.warn('careful');
      console.error(new Error('bad thing'));
      const cyc = { name: 'c' }; cyc.self = cyc;
      console.log(cyc, function named() {}, 'naïve 🌍');
    `);
    expect(h.stdout).toEqual([
      'plain 1 true null undefined',
      '{"a":[1,"two"],"b":{"c":null}} [1,[2]]',
      'info',
      'debug',
      '{"name":"c","self":[Circular]} [Function: named] naïve 🌍',
    ]);
    expect(h.stderr[0]).toBe('careful');
    expect(h.stderr[1]).toMatch(/^Error: bad thing\n/);
  });

  test('runs through LlmspellRuntime.runScript', async () => {
    const runtime = await LlmspellRuntime.create({ tools: [adderTool] });
    const lines: string[] = [];
    try {
      const result = await runtime.runScript(engine, 'const r = await Tool.invoke("adder", {a: 5, b: 6}); print(ARGS.who); export default r.result.sum;', {
        filename: 'main.js',
        args: { positional: [], named: { who: 'me' } },
        output: { stdout: (t) => lines.push(t), stderr: (t) => lines.push(t) },
      });
      expect(result).toBe(11);
      expect(lines).toEqual(['me']);
    } finally {
      await runtime.close();
    }
  });

  test('bad run arguments are named', async () => {
    await expect(h.context.run(42 as unknown as string, { filename: 'x.js' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('source') });
    await expect(h.context.run('1', { filename: '' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('filename') });
    await expect(engine.createContext({ globals: {}, limits: { memoryBytes: 10, timeoutMs: 1 }, output: { stdout() {}, stderr() {} } }))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('limits.memoryBytes') });
  });
});

describe('runtime features from JavaScript', () => {
  test('a JS hook runs around a tool call, State keeps values', async () => {
    const h = await harness();
    try {
      const result = await h.run(`
        const seen = [];
        const handle = Hook.register('BeforeToolExecution', async (ctx) => {
          await Utils.sleep(0.001);
          seen.push(ctx.component_id.name);
          return 'continue';
        }, { name: 'js-observer' });
        const out = await Tool.invoke('adder', { a: 20, b: 22 });
        handle.unregister();
        await State.set('answer', { value: out.result.sum });
        export default { sum: out.result.sum, seen, stored: await State.get('answer') };
      `, 'hooks.js');
      expect(result).toMatchObject({ sum: 42, stored: { value: 42 } });
      expect((result as { seen: string[] }).seen).toContain('adder');
    } finally {
      await h.close();
    }
  });
});

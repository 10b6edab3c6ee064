import { harness, type Harness } from './__fixtures__/harness.js';
import { markFloatingCalls } from './floating-promises.js';

describe('promises a script drops', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  test('a dropped async call that rejects fails the run, naming file and line', async () => {
    const error = await h.run('async function main() {\n  throw new TypeError("boom");\n}\nmain();\nprint("after");\n"done"', 'drop.js')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_ERROR', details: { file: 'drop.js', line: 4 } });
    expect((error as Error).message).toMatch(/^SCRIPT_ERROR: drop\.js:4: unhandled promise rejection: .*TypeError: boom/);
  });

  test('a rejection after an await, a then-chain without catch, Promise.reject and a dropped call inside a function', async () => {
    const cases: Array<[string, number, RegExp]> = [
      ['async function f() { await null; await null; throw new Error("late"); }\nf();\n1', 2, /late/],
      ['Promise.resolve(1).then((v) => { throw new Error("in then " + v); });\n1', 1, /in then 1/],
      ['Promise.reject(new RangeError("direct"));\n1', 1, /RangeError: direct/],
      ['async function g() { throw new Error("inner"); }\nfunction outer() {\n  g();\n}\nouter();\n1', 3, /inner/],
      ['await 0;\nconst run = async () => { throw new Error("module"); };\nrun();\nexport default 1;', 3, /module/],
      ['async function h() { throw { code: "RATE_LIMITED", message: "slow down" }; }\nh();\n1', 2, /slow down/],
    ];
    for (const [source, line, message] of cases) {
      const error = await h.run(source, 'case.js').catch((e: unknown) => e);
      expect([source, error]).toMatchObject([source, { details: { file: 'case.js', line } }]);
      expect((error as Error).message).toMatch(message);
    }
  });

  test('handled, resolved, and awaited promises are left alone; the result is still the last value', async () => {
    expect(await h.run('async function ok() { return 2; }\nok();\nPromise.reject(new Error("x")).catch(() => 0);\nok().then((v) => v);\n40 + 2')).toBe(42);
    expect(await h.run('async function bad() { throw new Error("caught"); }\ntry { await bad(); } catch (e) { print(e.message); }\nexport default "fine";'))
      .toBe('fine');
    // the last statement is the result: its rejection is the script's own error, as before
    await expect(h.run('async function last() { throw new Error("last one"); }\nlast()', 'last.js')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: expect.stringMatching(/^SCRIPT_ERROR: last\.js:1: .*last one/),
    });
  });

  test('a dropped Tool.invoke that fails still fails the run with its code', async () => {
    await expect(h.run('Tool.invoke("adder", { a: "x" });\nprint("went on");\n1', 'tool.js')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});

describe('markFloatingCalls', () => {
  test('wraps dropped calls on the same lines and leaves everything else byte for byte', () => {
    const source = 'async function a() {}\nconst x = a();\na();\nnew Promise(() => {});\nawait a();\nx.then(f)\n  .catch(g);\nlast()';
    const out = markFloatingCalls(source);
    expect(out.split('\n')).toHaveLength(source.split('\n').length);
    expect(out).toContain('const x = a();');
    expect(out).toContain('__llmspellFloating(a(), 3);');
    expect(out).toContain('__llmspellFloating(new Promise(() => {}), 4);');
    expect(out).toContain('await a();');
    expect(out).toContain('__llmspellFloating(x.then(f)\n  .catch(g), 6);');
    expect(out.endsWith('\nlast()')).toBe(true);
  });

  test('skips sources that make no promises and sources that do not parse', () => {
    expect(markFloatingCalls('print(1);\nprint(2);\n3')).toBe('print(1);\nprint(2);\n3');
    expect(markFloatingCalls('async function (')).toBe('async function (');
  });

  test('nesting: moderate depth is rewritten; a depth the parser cannot take is left to the engine, never thrown', () => {
    const nested = `async function f() {}\n${'if (1) {'.repeat(200)} f(); ${'}'.repeat(200)}\n1`;
    expect(markFloatingCalls(nested).includes('__llmspellFloating(f(), 2)')).toBe(true);
    const deep = `async function f() {}\n${'if (1) {'.repeat(100_000)} f(); ${'}'.repeat(100_000)}\n1`;
    expect(markFloatingCalls(deep) === deep).toBe(true);
  });
});

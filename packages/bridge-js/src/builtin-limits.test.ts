import { harness, type Harness } from './__fixtures__/harness.js';

/**
 * Built-ins that loop in C, where QuickJS never asks its interrupt handler: each runaway
 * call must end with a coded error (or its correct result), the next script must run.
 */
describe('runaway built-in calls', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ limits: { memoryBytes: 32 * 1024 * 1024 } });
  });
  afterAll(() => h.close());

  const stillWorks = () => expect(h.run('[1, 2, 3].join("-")', 'after.js')).resolves.toBe('1-2-3');

  test.each([
    ['join of a four-billion-hole array', 'const a = []; a.length = 2 ** 32 - 1; a.join("")'],
    ['lastIndexOf over the holes', 'const a = []; a.length = 2 ** 32 - 1; a.lastIndexOf(1)'],
    ['indexOf and includes over the holes', 'const a = []; a.length = 2 ** 32 - 1; a.indexOf(1) + a.includes(1)'],
    ['toString of it (join underneath)', 'const a = []; a.length = 2 ** 32 - 1; `${a}`'],
    ['forEach skipping the holes', 'const a = []; a.length = 2 ** 32 - 1; a.forEach(() => {})'],
    ['reverse, sort, copyWithin', 'const a = []; a[2 ** 32 - 2] = 1; a.reverse(); a.sort(); a.copyWithin(0, 1)'],
    ['a method borrowed by an array-like', 'Array.prototype.join.call({ length: 2 ** 53 - 1 })'],
    ['concat of huge arrays', 'const a = []; a.length = 2 ** 31; [].concat(a, a).length'],
    ['Array(1e9).fill', 'Array(1e9).fill(0).length'],
    ['a string far past the limit', '"x".repeat(2 ** 28).length'],
    ['a map that never stops growing', 'const m = new Map(); for (let i = 0; ; i++) m.set(i, [i]);'],
  ])('%s ends with SCRIPT_MEMORY_LIMIT, with a message', async (_name, source) => {
    const error = await h.run(source, 'huge.js').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', message: expect.stringMatching(/^SCRIPT_MEMORY_LIMIT: huge\.js(:\d+)?: script exceeded its memory limit of 32 MiB/) });
    await stillWorks();
  });

  test.each([
    ['indexOf', 's.indexOf("a".repeat(2000) + "b")'],
    ['lastIndexOf', 's.lastIndexOf("a".repeat(2000) + "b")'],
    ['includes', 's.includes("a".repeat(2000) + "b")'],
    ['split', 's.split("a".repeat(2000) + "b").length'],
    ['replaceAll', 's.replaceAll("a".repeat(2000) + "b", "").length'],
    ['a needle past 4 KiB', 's.indexOf("a".repeat(600000) + "b")'],
    ['a backtracking regular expression', '/^(a+)+$/.test("a".repeat(34) + "!")'],
  ])('a quadratic string search (%s) is stopped by the time limit', async (_name, expression) => {
    // |s| x |needle| character comparisons in the original: billions
    await expect(h.run(`(() => {\n  const s = "a".repeat(1 << 21);\n  return ${expression};\n})()`, 'search.js', 300)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await stillWorks();
  });

  test('the guarded string searches give the originals\' results', async () => {
    const source = `
      const word = (i) => "w" + (i * 7919 % 1000) + " ";
      let text = ""; for (let i = 0; i < 40000; i++) text += word(i);
      const needle = word(123) + word(124), absent = "w1001 w1002 w1003 ";
      const long = text.slice(5000, 12000);
      export default [
        text.indexOf(needle), text.indexOf(needle, 100000), text.indexOf(absent), text.lastIndexOf(needle), text.lastIndexOf(needle, 1000),
        text.includes(needle), text.includes(absent), text.indexOf(long), text.lastIndexOf(long), text.indexOf(long, 5001),
        text.split(needle).length, text.split(needle, 1).length, text.split(long).map((p) => p.length),
        text.replace(needle, "[$&|$$]").slice(0, 200), text.replaceAll(needle, (m, at) => "<" + at + ">").length,
        text.replaceAll(long, "$'").length,
      ];
    `;
    const result = await h.run(source, 'strings.js', 60_000);
    // the same in V8
    const word = (i: number) => 'w' + (i * 7919 % 1000) + ' ';
    let text = '';
    for (let i = 0; i < 40000; i++) text += word(i);
    const needle = word(123) + word(124);
    const absent = 'w1001 w1002 w1003 ';
    const long = text.slice(5000, 12000);
    expect(result).toEqual([
      text.indexOf(needle), text.indexOf(needle, 100000), text.indexOf(absent), text.lastIndexOf(needle), text.lastIndexOf(needle, 1000),
      text.includes(needle), text.includes(absent), text.indexOf(long), text.lastIndexOf(long), text.indexOf(long, 5001),
      text.split(needle).length, text.split(needle, 1).length, text.split(long).map((p) => p.length),
      text.replace(needle, '[$&|$$]').slice(0, 200), text.replaceAll(needle, (_m, at) => '<' + at + '>').length,
      text.replaceAll(long, "$'").length,
    ]);
  });

  test('arrays within the memory limit work as before', async () => {
    expect(await h.run('const a = Array.from({ length: 100000 }, (_, i) => i); [a.join(",").length, a.indexOf(99999), a.lastIndexOf(5), a.slice(-2), a.concat([1]).length]'))
      .toEqual([588889, 99999, 5, [99998, 99999], 100001]);
    expect(await h.run('[Array.prototype.join.name, Array.prototype.join.length, String.prototype.indexOf.name, String.prototype.indexOf.length]'))
      .toEqual(['join', 1, 'indexOf', 1]);
  });
});

describe('after the time limit the script reaches no host function', () => {
  test('neither a finally block nor a later job calls the host', async () => {
    const calls: string[] = [];
    const h = await harness({ extraGlobals: { record: (what) => void calls.push(String(what)) } });
    try {
      await expect(h.run('try { for (;;) {} } finally { record("loop") }', 'late.js', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run('try { await Tool.invoke("hang", {}) } finally { record("wait") }', 'late.js', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run('(async () => { try { await Tool.invoke("hang", {}) } finally { record("async") } })();\nfor (;;) {}', 'late.js', 200))
        .rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).toEqual([]);
      expect(await h.run('try { throw new Error("x") } finally { record("normal") }; 1', 'ok.js').catch((e: { code: string }) => e.code)).toBe('SCRIPT_ERROR');
      expect(calls).toEqual(['normal']);
    } finally {
      await h.close();
    }
  });
});

describe('host promises the script does not handle', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  test('a failing Tool.invoke without await fails the run with the tool\'s code', async () => {
    await expect(h.run('Tool.invoke("adder", { a: "x" }); 1', 'float.js')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: float\.js: unhandled promise rejection: .*'a'/),
    });
    await expect(h.run('Tool.invoke("no_such_tool", {});\nexport default 2', 'float.js')).rejects.toMatchObject({ code: 'TOOL_NOT_FOUND' });
  });

  test('handled ones do not, however they are handled; pending calls finish before the run ends', async () => {
    expect(await h.run('Tool.invoke("no_such_tool", {}).catch(() => "handled"); 1')).toBe(1);
    expect(await h.run('try { await Tool.invoke("no_such_tool", {}) } catch (e) { print(e.code) }\nexport default 2')).toBe(2);
    expect(await h.run('const [a] = await Promise.allSettled([Tool.invoke("no_such_tool", {})]);\nexport default a.status')).toBe('rejected');
    expect(await h.run('Tool.invoke("adder", { a: 1, b: 2 }).then((r) => print("later", r.result.sum)); 3')).toBe(3);
    expect(h.stdout).toEqual(expect.arrayContaining(['TOOL_NOT_FOUND', 'later 3']));
    expect(await h.run('const p = Tool.invoke("adder", { a: 1, b: 1 });\nexport default [p instanceof Promise, (await p).result.sum]')).toEqual([true, 2]);
  });
});

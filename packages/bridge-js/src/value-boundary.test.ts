import { harness, type Harness } from './__fixtures__/harness.js';

/** What host code that walks a script's values (JSON, hashing, logging, results) gets of the odd ones. */
describe('values the host walks', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  test('a function is opaque to the host: hashing it is refused at once, logging names it, a result leaves it out', async () => {
    // each used to walk the whole engine behind the function (QuickJS and its WASM heap) until the host ran out of memory
    const started = performance.now();
    await expect(h.run('Utils.hash(() => 1)', 'hash.js')).rejects.toThrow(/Utils\.hash: parameter 'data' is a function/);
    await h.run('Logger.info("x", { f() {}, a: 1 })', 'log.js');
    expect(await h.run('({ f() {}, a: 1, list: [1, () => 2] })', 'result.js')).toMatchObject({ a: 1, list: [1, expect.anything()] });
    expect(JSON.stringify(await h.run('({ g: () => 1 })', 'g.js'))).toBe('{"g":{"language":"javascript"}}');
    expect(performance.now() - started).toBeLessThan(20_000);
  });

  test('an error a script makes cannot claim a limit or a cancel; a host error it rethrows keeps its code', async () => {
    for (const code of ['CANCELLED', 'SCRIPT_TIMEOUT', 'SCRIPT_MEMORY_LIMIT', 'SCRIPT_STACK_OVERFLOW']) {
      const error = await h.run(`const e = new Error("fake"); e.code = "${code}"; throw e`, 'forge.js').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SCRIPT_ERROR' });
    }
    const rethrown = await h.run('try { await Tool.invoke("nope", {}) } catch (e) { throw e }', 'rethrow.js').catch((e: unknown) => e);
    expect(rethrown).toMatchObject({ code: 'TOOL_NOT_FOUND' });
  });

  test('dropping a thenable of the script\'s own does not call its then, as plain JavaScript would not', async () => {
    // "async" in the source turns on the check for dropped promises
    expect(await h.run('// async\nlet ran = 0; const q = () => ({ then() { ran++ } }); q(); ran', 'thenable.js')).toBe(0);
    const error = await h.run('async function f() { throw new Error("still caught") }\nf();\n1', 'real.js').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/still caught/);
  });
});

import { LlmspellError, defineTool, hostAsync, z, type Tool } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';

/** Answers within the call: its `execute` is synchronous. */
const upperTool: Tool = defineTool({
  name: 'upper',
  description: 'Upper-cases text',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ text: z.string() }),
  execute: ({ text }) => ({ result: text.toUpperCase() }),
});

// A host call that answers at once (a synchronous tool, no hooks) must look to a script
// exactly like one that waited: a promise, settled in order, errors as rejections.
describe('host calls that answer at once (hostAsync)', () => {
  let h: Harness;
  let calls: string[];
  beforeAll(async () => {
    calls = [];
    h = await harness({
      tools: [upperTool],
      extraGlobals: {
        Now: {
          value: hostAsync((x) => (calls.push(`value ${String(x)}`), { got: x })),
          fail: hostAsync(() => {
            throw new LlmspellError('PATH_NOT_ALLOWED', 'not here');
          }),
        },
      },
    });
  });
  afterAll(() => h.close());

  test('Tool.invoke of a synchronous tool returns a promise with the result', async () => {
    await expect(h.run(`
      const p = Tool.invoke('upper', { text: 'abc' });
      const isPromise = p instanceof Promise && typeof p.then === 'function';
      const r = await p;
      export default { isPromise, result: r.result, success: r.success };
    `)).resolves.toEqual({ isPromise: true, result: 'ABC', success: true });
  });

  test('continuations run in promise order: code after the call first, then the awaiting code', async () => {
    await expect(h.run(`
      const order = [];
      const p = Tool.invoke('upper', { text: 'a' }).then((r) => order.push('then ' + r.result));
      order.push('after call');
      await Promise.resolve();
      order.push('one tick later');
      await p;
      order.push('awaited');
      export default order;
    `)).resolves.toEqual(['after call', 'then A', 'one tick later', 'awaited']);
  });

  test('a bad argument is a rejected promise (not an exception at the call) with its code and parameter', async () => {
    await expect(h.run(`
      let thrownAtCall = false;
      let p;
      try { p = Tool.invoke('upper', { text: 42 }); } catch (e) { thrownAtCall = true; }
      const error = await p.catch((e) => e);
      export default { thrownAtCall, code: error.code, message: error.message };
    `)).resolves.toEqual({
      thrownAtCall: false, code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: upper: parameter 'text'/),
    });
  });

  test('an immediate error nobody handles fails the run like any unhandled host rejection', async () => {
    await expect(h.run(`Now.fail(); export default 1;`)).rejects.toMatchObject({
      code: 'PATH_NOT_ALLOWED', message: expect.stringContaining('unhandled promise rejection'),
    });
  });

  test('an immediate error keeps its code when awaited', async () => {
    await expect(h.run(`
      const e = await Now.fail().catch((x) => x);
      export default e.code;
    `)).resolves.toBe('PATH_NOT_ALLOWED');
  });

  test('an immediate answer of any kind of value arrives intact, in call order', async () => {
    calls.splice(0);
    await expect(h.run(`
      const a = Now.value(1);
      const b = Now.value('two');
      export default [await b, await a, await Now.value(null)];
    `)).resolves.toEqual([{ got: 'two' }, { got: 1 }, { got: null }]);
    expect(calls).toEqual(['value 1', 'value two', 'value null']);
  });

  test('strings with NUL characters and non-ASCII text cross both ways unchanged', async () => {
    await expect(h.run(`
      const r = await Tool.invoke('upper', { text: 'a\\u0000b é 😀' });
      export default [r.result, 'x\\u0000y'];
    `)).resolves.toEqual(['A\u0000B É 😀', 'x\u0000y']);
  });
});

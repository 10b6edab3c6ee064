import type { ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

/** A cycle is refused naming where it first closes, both ways, in the words bridge-js uses. */
describe('cycles name their path', () => {
  let h: Harness;
  let gift: unknown;
  beforeAll(async () => {
    h = await harness({ extraGlobals: { inspect: () => null, give: () => gift as ScriptValue } });
  });
  afterAll(() => h.close());

  const caught = (code: string): Promise<ScriptValue> => h.run(`local ok, err = pcall(function() ${code} end) return err`);

  it('Lua to host: the path of the table that refers back, as the script indexes it', async () => {
    expect(await caught('local a = { b = { {} } } a.b[1].c = a inspect(1, a)')).toBe(
      'INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $.b[1].c refers back to $',
    );
    // deeper than where tables start to be tracked, and closing on a table below the root
    expect(await caught('local t = {} local at = t for i = 1, 12 do at.next = {} at = at.next end at["the end"] = { back = t.next.next } inspect(t)'))
      .toBe(`INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $${'.next'.repeat(12)}["the end"].back refers back to $.next.next`);
  });

  it('host to Lua: the same, arrays counted from 1', async () => {
    const a: Record<string, unknown> = { list: [{ x: 1 }, {}] };
    ((a.list as unknown[])[1] as Record<string, unknown>).up = a.list;
    gift = a;
    expect(await caught('give()')).toBe('INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $.list[2].up refers back to $.list');
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 10; i++) deep = (deep.n = {}) as Record<string, unknown>;
    deep.loop = root;
    gift = root;
    expect(await caught('give()')).toBe(`INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $${'.n'.repeat(10)}.loop refers back to $`);
  });

  it('a returned cyclic table names its path too', async () => {
    await expect(h.run('local t = {} t[1] = t return t', 'cyc.lua')).rejects.toMatchObject({
      message: expect.stringContaining('cannot pass a value that contains itself (a cycle): the value at $[1] refers back to $'),
    });
  });
});

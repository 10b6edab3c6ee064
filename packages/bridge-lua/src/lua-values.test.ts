import type { ScriptCallback, ScriptValue } from '@llmspell/core';
import { isScriptCallback } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

describe('Lua ⇄ host value conversion', () => {
  let h: Harness;
  const echo = (v: ScriptValue) => v;
  const seen: ScriptValue[] = [];
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        echo,
        inspect: (...args) => {
          seen.push(...args);
          return args.length;
        },
        give: (name) => GIFTS[name as string],
        isInt: (v) => typeof v === 'number' && Number.isInteger(v),
      },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => seen.splice(0));

  const GIFTS: Record<string, ScriptValue> = {
    int: 3,
    float: 3.5,
    big: 2 ** 53,
    huge: 1e20,
    negZero: -0,
    text: 'héllo ✓ 😀 日本',
    nul: 'a\u0000b',
    list: [10, 20, 30],
    holes: [1, null, 3],
    nested: { a: { b: [1, { c: 'deep' }] }, gone: null, kept: false },
    empty: {},
    emptyList: [],
    bytes: new Uint8Array([0, 255, 65]) as unknown as ScriptValue,
  };

  it('converts Lua scalars to host values', async () => {
    await h.run('inspect(nil, true, false, 42, -7, 1.5, 2^53, "héllo ✓ 😀", "a\\0b", 0/0)');
    expect(seen.slice(0, 9)).toEqual([null, true, false, 42, -7, 1.5, 2 ** 53, 'héllo ✓ 😀', 'a\u0000b']);
    expect(Number.isNaN(seen[9])).toBe(true);
  });

  it('converts Lua tables: sequences to arrays, the rest to objects, empty to {}', async () => {
    await h.run(`inspect({1, 2, 3}, {a = 1, b = {c = true}}, {}, {[1] = "a", [2] = "b", x = 1}, {[10] = "x", [1.5] = "y"}, {{1}, {k = {}}})`);
    expect(seen).toEqual([
      [1, 2, 3],
      { a: 1, b: { c: true } },
      {},
      ['a', 'b'],
      { '10': 'x', '1.5': 'y' },
      [[1], { k: {} }],
    ]);
    expect(Array.isArray(seen[2])).toBe(false);
  });

  it('refuses a table that contains itself with a clear, catchable error', async () => {
    const result = await h.run(`
      local t = {name = "loop"}
      t.self = t
      local ok, err = pcall(inspect, t)
      return {ok, err}
    `);
    expect(result).toEqual([false, expect.stringMatching(/^INVALID_ARGUMENT: .*cycle/)]);
  });

  it('refuses a cycle however deep it starts and however long it is, both ways', async () => {
    const deep = (levels: number, tail: unknown): Record<string, unknown> => {
      let v: Record<string, unknown> = { tail };
      for (let i = 0; i < levels; i++) v = { next: v };
      return v;
    };
    const ring = (length: number): Record<string, unknown> => {
      const first: Record<string, unknown> = {};
      let at = first;
      for (let i = 1; i < length; i++) at = (at.next = {}) as Record<string, unknown>;
      at.next = first;
      return first;
    };
    for (const [levels, length] of [[0, 1], [3, 2], [12, 1], [20, 7], [5, 40]]) {
      GIFTS.cyclic = deep(levels, ring(length)) as ScriptValue;
      const result = await h.run('local ok, err = pcall(give, "cyclic") return {ok, err}');
      expect([levels, length, result]).toEqual([levels, length, [false, expect.stringMatching(/^INVALID_ARGUMENT: .*contains itself/)]]);
      const back = await h.run(`
        local t = {}
        local at = t
        for i = 1, ${levels} do at.next = {} at = at.next end
        local first = {}
        local r = first
        for i = 2, ${length} do r.next = {} r = r.next end
        r.next = first
        at.tail = first
        local ok, err = pcall(inspect, t)
        return {ok, err}
      `);
      expect([levels, length, back]).toEqual([levels, length, [false, expect.stringMatching(/^INVALID_ARGUMENT: .*contains itself/)]]);
    }
    delete GIFTS.cyclic;
  });

  it('passes deep data that shares a table below the tracked depth, both ways', async () => {
    const shared = { leaf: [1, 2] };
    GIFTS.sharedDeep = { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: [shared, shared] } } } } } } } } } } as unknown as ScriptValue;
    const result = await h.run('local v = give("sharedDeep") local j = v.a.b.c.d.e.f.g.h.i.j inspect(v) return {j[1].leaf[2], j[2].leaf[1]}');
    expect(result).toEqual([2, 1]);
    expect(seen[0]).toEqual(GIFTS.sharedDeep);
    delete GIFTS.sharedDeep;
  });

  it('gives equal texts of neighbouring fields (a result and its output) the same value, and leaves the others alone', async () => {
    const long = `${'ab'.repeat(40_000)}é✓`;
    GIFTS.twins = { text: 'x', result: long, output: long, other: long.slice(0, 10), again: long, empty1: '', empty2: '', n: 1, after: '' } as ScriptValue;
    const result = await h.run(`
      local t = give("twins")
      inspect(t)
      return { t.result == t.output, #t.output, t.again == t.result, t.other, t.empty1 == "" and t.empty2 == "", t.after, t.n }`);
    expect(result).toEqual([true, Buffer.byteLength(long), true, 'abababababab'.slice(0, 10), true, '', 1]);
    expect(seen[0]).toEqual(GIFTS.twins);
    delete GIFTS.twins;
  });

  it('shares a table twice without calling it a cycle', async () => {
    await h.run('local s = {1} inspect({s, s})');
    expect(seen[0]).toEqual([[1], [1]]);
  });

  it('converts host values to Lua: integers stay integers, floats stay floats', async () => {
    const result = await h.run(`
      return {
        math.type(give("int")), math.type(give("float")), math.type(give("big")), math.type(give("huge")),
        give("float"), give("huge") == 1e20, math.type(give("negZero"))
      }
    `);
    expect(result).toEqual(['integer', 'float', 'integer', 'float', 3.5, true, 'integer']);
  });

  it('passes UTF-8 and binary strings unchanged', async () => {
    const result = await h.run(`
      local s = give("text")
      local n = give("nul")
      local b = give("bytes")
      return { utf8.len(s), #s, s, #n, n:byte(2), #b, b:byte(1), b:byte(2), b:byte(3) }
    `);
    const text = 'héllo ✓ 😀 日本';
    expect(result).toEqual([[...text].length, Buffer.byteLength(text), text, 3, 0, 3, 0, 255, 65]);
  });

  it('makes arrays 1-based sequences and drops null fields', async () => {
    const result = await h.run(`
      local l, holes, n = give("list"), give("holes"), give("nested")
      local keys = 0
      for _ in pairs(n) do keys = keys + 1 end
      return { l[1], l[3], #l, holes[1], holes[2] == nil, holes[3], n.a.b[2].c, n.gone == nil, n.kept, keys,
               next(give("empty")) == nil, next(give("emptyList")) == nil }
    `);
    expect(result).toEqual([10, 30, 3, 1, true, 3, 'deep', true, false, 2, true, true]);
  });

  it('round-trips values through a host function', async () => {
    const result = await h.run(`
      local v = { list = {1, 2.5, "x", true}, map = { k = "v", n = { deeper = { 1 } } }, empty = {} }
      local back = echo(v)
      return { back.list[1], math.type(back.list[1]), back.list[2], math.type(back.list[2]), back.list[3], back.list[4],
               back.map.n.deeper[1], next(back.empty) == nil, echo(nil) == nil, echo("é") == "é",
               math.type(echo(7)), math.type(echo(7.25)) }
    `);
    expect(result).toEqual([1, 'integer', 2.5, 'float', 'x', true, 1, true, true, true, 'integer', 'float']);
  });

  it('passes Lua functions to the host as callbacks and back as the same function', async () => {
    const result = await h.run(`
      local f = function(x) return x * 2 end
      inspect(f)
      return echo(f) == f
    `);
    expect(result).toBe(true);
    expect(isScriptCallback(seen[0])).toBe(true);
    const callback = seen[0] as ScriptCallback;
    expect(callback.language).toBe('lua');
    await expect(callback.call(21)).resolves.toBe(42);
    callback.release();
    await expect(callback.call(1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('returns host functions to the host as the same function', async () => {
    const result = await h.run('return { f = echo }');
    expect((result as Record<string, unknown>).f).toBe(echo);
  });

  it('refuses to return a table that contains itself', async () => {
    await expect(h.run('local t = {} t[1] = t return t', 'cyc.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: expect.stringMatching(/^SCRIPT_ERROR: cyc\.lua: cannot return the result: .*cycle/),
    });
  });

  it('returns the first value of a top-level return as plain data', async () => {
    await expect(h.run('return {a = 1, list = {"x", "y"}}, 2')).resolves.toEqual({ a: 1, list: ['x', 'y'] });
    await expect(h.run('local x = 1')).resolves.toBeNull();
    await expect(h.run('return {}')).resolves.toEqual({});
  });

  it('gives JSON the reference rules (empty table is an object)', async () => {
    const result = await h.run(`
      local text = JSON.stringify({ a = {}, b = {1, 2}, c = "é" })
      local back = JSON.parse('{"n": 1, "f": 1.5, "z": null, "l": [1, 2]}')
      return { text, math.type(back.n), math.type(back.f), back.z == nil, #back.l }
    `);
    const [text, ...rest] = result as [string, ...ScriptValue[]];
    expect(JSON.parse(text)).toEqual({ a: {}, b: [1, 2], c: 'é' });
    expect(rest).toEqual(['integer', 'float', true, 2]);
  });

  it('reads short strings right when Lua reuses their memory for others (the host remembers texts by address)', async () => {
    // thousands of short keys and values made, read by the host and collected, so that new strings land where old ones were
    const result = await h.run(`
      local wrong = 0
      for i = 1, 6000 do
        local key, value = "k" .. (i * 7919 % 100003), "v" .. i
        local back = echo({ [key] = value })
        if back[key] ~= value then wrong = wrong + 1 end
        if i % 50 == 0 then collectgarbage() end
      end
      return wrong
    `);
    expect(result).toBe(0);
  });
});

import { isScriptCallback, markScriptSnapshot, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';
import { LuaTableReader, NOT_READ } from './lua-table-reader.js';

/** Lua tables the reader reads in one call; each must come out as the JavaScript path's value. */
const PLAIN: Record<string, string> = {
  step: '{ name = "s1", type = "custom", timeout_ms = 30 }',
  mixed: '{ n = 3, f = 3.5, negZero = -0.0, yes = true, no = false, list = { 1, "two", 3.5, false, { nested = { {}, {} } } }, empty = {} }',
  integers: '{ max = math.maxinteger, min = math.mininteger, beyond53 = (1 << 53) + 1, float63 = 2^63, huge = 1e300, inf = math.huge, nan = 0/0 }',
  numberKeys: '{ [1.5] = "a", [-2] = "b", [math.maxinteger] = "c", [math.mininteger] = "d", ["10"] = "text ten", [10] = "ten", [1e100] = "e" }',
  texts: '{ empty = "", accents = "héllo wörld ✓ 😀", nul = "a\\0b", bad = "x\\xff\\xfey", long = string.rep("ü", 40000), ["key with\\0nul"] = 1, ["héllo"] = "non-ASCII key", __proto__ = "own" }',
  holes: '{ 1, nil, 3, nil, 5 }',
  arrayWithHash: 'setmetatable({ 1, 2, 3, extra = "ignored as readTable ignores it" }, { __index = function() return "meta" end })',
  otherKeys: '(function() local t = { a = 1 } t[true] = "bool key" t[{}] = "table key" t[print] = "function key" return t end)()',
  unsorted: '(function() local t = {} for i = 1, 40 do t["k" .. ((i * 7919) % 97)] = i end return t end)()',
  deep: '{ a = { b = { c = { d = { e = { f = { g = { h = "depth 7" } } } } } } } }',
  manySteps: '(function() local s = {} for i = 1, 3000 do s[i] = { name = "s" .. i, type = "custom", n = i, text = string.rep("t", i % 50) } end return { name = "wf", steps = s } end)()',
};

/** Tables the reader leaves to the JavaScript path: the value must still be the same. */
const OTHER: Record<string, string> = {
  tooDeep: '{ a = { b = { c = { d = { e = { f = { g = { h = { i = "depth 8" } } } } } } } } }',
  hostFunction: '{ fn = keep, name = "has a host function" }',
};

describe('the table reader (a Lua table read into the host by one WebAssembly call)', () => {
  let h: Harness;
  let read = 0;
  let declined = 0;
  const original = LuaTableReader.prototype.read;
  const seen: ScriptValue[] = [];
  beforeAll(async () => {
    // count what the reader reads and what it leaves, to know which path each case took
    LuaTableReader.prototype.read = function counted(this: LuaTableReader, L: number, index: number) {
      const value = original.call(this, L, index);
      if (value === NOT_READ) declined += 1;
      else read += 1;
      return value;
    };
    h = await harness({
      extraGlobals: {
        keep: (value) => {
          seen.push(value);
          return null;
        },
        callAll: async (table) => {
          const out: Record<string, ScriptValue> = {};
          for (const [key, fn] of Object.entries(table as Record<string, ScriptCallback>)) out[key] = await fn.call(key);
          return out;
        },
        // releases the callbacks it is given at once, so only references a read failed to release stay
        dropAll: (list) => {
          for (const item of list as ScriptValue[]) if (isScriptCallback(item)) item.release();
          return null;
        },
        makeFn: () => () => 7,
        withSnapshot: (cb) => (cb as ScriptCallback).callNow!(markScriptSnapshot({ point: 'BeforeToolExecution', data: { tool: 'calc', n: 2 } })),
      },
      limits: { memoryBytes: 8 * 1024 * 1024 },
    });
  });
  afterAll(async () => {
    LuaTableReader.prototype.read = original;
    await h.close();
  });

  /** The value read whole by the reader, and the same table read by the JavaScript path (inside a table with a host function, which the reader leaves). */
  async function bothWays(expression: string): Promise<[ScriptValue, ScriptValue]> {
    seen.length = 0;
    await h.run(`local t = ${expression}\nkeep(t)\nkeep({ t, keep })`);
    const [direct, viaJs] = seen as [ScriptValue, ScriptValue[]];
    return [direct, viaJs[0]];
  }

  it.each(Object.keys(PLAIN))('reads %s in one call, as the same value the JavaScript path reads', async (key) => {
    read = 0;
    const [direct, viaJs] = await bothWays(PLAIN[key]);
    expect(direct).toEqual(viaJs);
    expect(Object.keys(direct as object)).toEqual(Object.keys(viaJs as object));
    expect(read).toBeGreaterThanOrEqual(1);
  });

  it.each(Object.keys(OTHER))('leaves %s to the JavaScript path, with the same value', async (key) => {
    declined = 0;
    const [direct, viaJs] = await bothWays(OTHER[key]);
    expect(direct).toEqual(viaJs);
    expect(declined).toBeGreaterThanOrEqual(1);
  });

  it('reads numbers, texts and keys exactly', async () => {
    const [integers] = await bothWays(PLAIN.integers);
    expect(integers).toEqual({ max: 2 ** 63, min: -(2 ** 63), beyond53: 2 ** 53, float63: 2 ** 63, huge: 1e300, inf: Infinity, nan: NaN });
    const [keys] = await bothWays(PLAIN.numberKeys);
    expect(keys).toEqual({ '-2': 'b', '-9223372036854775808': 'd', '1.5': 'a', '10': expect.stringMatching(/^(text ten|ten)$/), '1e+100': 'e', '9223372036854775807': 'c' });
    const [texts] = (await bothWays(PLAIN.texts)) as Record<string, string>[];
    expect(texts.nul).toBe('a\0b');
    expect(texts.bad).toBe('x\ufffd\ufffdy');
    expect(texts.long).toHaveLength(40000);
    expect(Object.getOwnPropertyDescriptor(texts, '__proto__')?.value).toBe('own');
    expect(Object.getPrototypeOf(texts)).toBe(Object.prototype);
    const [holes] = await bothWays(PLAIN.holes);
    expect(holes).toEqual([1, null, 3, null, 5]);
    const [withHash] = await bothWays(PLAIN.arrayWithHash);
    expect(withHash).toEqual([1, 2, 3]);
  });

  it('reads a table larger than its first buffer (grown, then read again)', async () => {
    read = 0;
    const [direct] = (await bothWays(PLAIN.manySteps)) as unknown as Array<{ steps: Array<{ name: string; n: number }> }>;
    expect(direct.steps).toHaveLength(3000);
    expect(direct.steps[2999]).toEqual({ name: 's3000', type: 'custom', n: 3000, text: 't'.repeat(0) });
    expect(read).toBeGreaterThanOrEqual(1);
  });

  it('gives Lua functions as callbacks that run them', async () => {
    read = 0;
    const result = await h.run('local base = 10\nreturn callAll({ a = function(k) return k .. "!" end, b = function() return base + 1 end })');
    expect(result).toEqual({ a: 'a!', b: 11 });
    expect(read).toBeGreaterThanOrEqual(1);
  });

  it('releases the references of a read it gave up (no registry growth)', async () => {
    // each read makes 200 references before it meets the host function at the end and gives
    // up (the JavaScript path then makes its own, which dropAll releases); unreleased, 5,000
    // reads would keep a million registry slots, far past the 8 MB cap
    declined = 0;
    await expect(h.run(`
      local t = {}
      for i = 1, 200 do t[i] = function() return i end end
      t[201] = keep
      for _ = 1, 5000 do dropAll(t) end
      return true`)).resolves.toBe(true);
    expect(declined).toBeGreaterThanOrEqual(5000);
  });

  it('refuses what the JavaScript path refuses, with its message', async () => {
    await expect(h.run('local a = {} a.self = a keep(a)')).rejects.toThrow(/contains itself/);
    await expect(h.run('keep({ co = coroutine.create(function() end) })')).rejects.toThrow(/cannot pass a Lua thread to the host/);
  });

  it('fills a lazy table inside the value before reading it', async () => {
    declined = 0;
    seen.length = 0;
    await h.run('withSnapshot(function(ctx) keep({ ctx = ctx, n = 1 }) end)');
    expect(seen[0]).toEqual({ ctx: { point: 'BeforeToolExecution', data: { tool: 'calc', n: 2 } }, n: 1 });
    expect(declined).toBeGreaterThanOrEqual(1);
  });

  it("reads correctly while Lua's collector runs the bridge's finalizers in the middle of a read", async () => {
    // luaL_ref allocates, so Lua's collector runs during the read, and with it the finalizers of
    // unreachable host functions and of unread lazy contexts, which call into the host
    seen.length = 0;
    const result = await h.run(`
      for i = 1, 2000 do makeFn() end
      for i = 1, 300 do withSnapshot(function(ctx) end) end
      local t = {}
      for i = 1, 3000 do t[i] = { f = function() return i end, name = "n" .. i } end
      keep(t)
      collectgarbage("collect")
      return makeFn()()`);
    expect(result).toBe(7);
    const list = seen[0] as unknown as Array<{ name: string; f: ScriptCallback }>;
    expect(list).toHaveLength(3000);
    expect(list[2999].name).toBe('n3000');
    expect(list[2999].f.callNow!()).toBe(3000);
  });

  it('leaves Lua and its stack as they were when it gives up', async () => {
    const result = await h.run(`
      local a, b = "first", { 1, 2 }
      keep({ list = { function() end, function() end }, fn = keep })
      local c = "third"
      return { a, b[2], c, select("#", keep({ keep })) }`);
    expect(result).toEqual(['first', 2, 'third', 1]);
  });
});

import type { ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';
import { LuaTableWriter } from './lua-table-writer.js';

/** Values whose tables the writer builds in one call; each must come out as the JavaScript path's table. */
const PLAIN: Record<string, ScriptValue> = {
  toolResult: {
    text: '{\n  "operation": "uppercase",\n  "success": true,\n  "result": "X"\n}',
    metadata: { input_length: 1, output_length: 1, execution_time_ms: 0.284 },
    success: true,
    result: 'X',
    output: 'X',
  },
  numbers: {
    small: 3, negative: -7, float: 3.5, negZero: -0, big: 2 ** 53, beyond32: 2 ** 40 + 3, negBeyond32: -(2 ** 40) - 3,
    int64Low: -(2 ** 63), justBelowInt64: 2 ** 63 - 2 ** 10, atInt64: 2 ** 63, huge: 1e20, nan: NaN, inf: Infinity, negInf: -Infinity,
  },
  texts: {
    empty: '', accents: 'héllo wörld ✓ 😀', nul: 'a\0b', lone: 'x\ud800y', long: 'ü'.repeat(5000) + 'a'.repeat(300),
    'key with\0nul': 1, ['k'.repeat(100)]: 'long key', 'héllo': 'non-ASCII key', '1': 'numeric-looking key',
  },
  arrays: { list: [1, 'two', 3.5, false, { nested: [[], {}] }], holes: [1, null, 3, undefined, 5], empty: [] },
  repeated: { a: 'same', b: 'same', c: 'same', d: 'other', e: null, f: 'other' },
  deep: { a: { b: { c: { d: { e: { f: { g: 'seven' } } } } } } },
};

/** A workflow's result of `n` steps: far more than one buffer (64 KB) of operations. */
function stepsResult(n: number): Record<string, ScriptValue> {
  const outputs: Record<string, ScriptValue> = {};
  const records: ScriptValue[] = [];
  for (let i = 1; i <= n; i++) {
    outputs[`s${i}`] = i % 3 === 0 ? { text: `output ${i} ✓`, n: i / 2 } : i;
    records.push({ attempts: 1, duration_ms: i / 7, output: outputs[`s${i}`], step_name: `s${i}`, success: i % 11 !== 0 });
  }
  return { success: true, data: { step_outputs: outputs, steps_executed: n }, metadata: { extra: { step_results: records } } };
}
const LARGE = stepsResult(2000);

/** What the writer leaves to the JavaScript path: the table must still be the same. */
const OTHER: Record<string, ScriptValue> = {
  tooDeep: { a: { b: { c: { d: { e: { f: { g: { h: { i: 'nine' } } } } } } } } },
  // binary and dates cross as the bridge's own kinds, outside the ScriptValue type
  bytes: { data: new Uint8Array([0, 255, 65]) } as unknown as ScriptValue,
  date: { at: new Date(0) } as unknown as ScriptValue,
  longText: { text: 'y'.repeat(20_000) },
};

describe('the table writer (a plain host table built in Lua by one WebAssembly call)', () => {
  let h: Harness;
  let written = 0;
  let declined = 0;
  const push = LuaTableWriter.prototype.push;
  beforeAll(async () => {
    // count what the writer builds and what it leaves, to know which path each case took
    LuaTableWriter.prototype.push = function counted(this: LuaTableWriter, L: number, value: object) {
      const done = push.call(this, L, value);
      if (done) written += 1;
      else declined += 1;
      return done;
    };
    h = await harness({
      extraGlobals: {
        // the value alone (the writer builds it) and the same value one level down in a table the writer declines (a function in it)
        pair: (name) => ({ direct: [{ v: (PLAIN[name as string] ?? OTHER[name as string]) }], viaJs: [{ v: PLAIN[name as string] ?? OTHER[name as string] }, () => 0] }),
        give: (name) => PLAIN[name as string] ?? OTHER[name as string],
        cyclic: () => {
          const a: Record<string, unknown> = { name: 'a' };
          a.self = a;
          return a as ScriptValue;
        },
        big: (size) => ({ text: 'z'.repeat(Number(size)) }),
        large: () => LARGE,
        largeViaJs: () => [{ v: LARGE }, () => 0] as unknown as ScriptValue,
        // the same, with a value the builder does not write at its very end: found after parts were built
        largeThenBytes: () => ({ ...LARGE, zz: { data: new Uint8Array([1, 2, 3]) } }) as unknown as ScriptValue,
        records: (n) => stepsResult(Number(n)),
      },
      limits: { memoryBytes: 8 * 1024 * 1024 },
    });
  });
  afterAll(async () => {
    LuaTableWriter.prototype.push = push;
    await h.close();
  });

  // a table as text: keys in pairs order (the table's own layout), values with their Lua types
  const DUMP = `
    local function dump(v)
      if type(v) ~= "table" then
        if type(v) == "number" then return math.type(v) .. ":" .. string.format("%.17g", v) end
        return type(v) .. ":" .. string.format("%q", tostring(v))
      end
      local out = {}
      for k, x in pairs(v) do out[#out + 1] = type(k) .. ":" .. string.format("%q", tostring(k)) .. "=" .. dump(x) end
      return "{" .. table.concat(out, ",") .. "}#" .. #v
    end
  `;

  it.each(Object.keys(PLAIN))('builds %s in one call, as the same table the JavaScript path builds', async (name) => {
    written = 0;
    const result = await h.run(`${DUMP}
      local direct = give("${name}")
      local p = pair("${name}")
      return { dump(direct), dump(p.viaJs[1].v) }`);
    const [direct, viaJs] = result as string[];
    expect(direct).toBe(viaJs);
    expect(written).toBeGreaterThanOrEqual(1);
  });

  it.each(Object.keys(OTHER))('leaves %s to the JavaScript path, with the same table', async (name) => {
    declined = 0;
    const result = await h.run(`${DUMP}
      return { dump(give("${name}")), dump(pair("${name}").viaJs[1].v) }`);
    const [direct, viaJs] = result as string[];
    expect(direct).toBe(viaJs);
    expect(declined).toBeGreaterThanOrEqual(1);
  });

  it('keeps integers and floats apart, strings byte for byte', async () => {
    const result = await h.run(`
      local n, t = give("numbers"), give("texts")
      return { math.type(n.small), math.type(n.negZero), math.type(n.beyond32), n.beyond32 == 2^40 + 3, math.type(n.int64Low),
        n.int64Low == math.mininteger, math.type(n.atInt64), math.type(n.float), n.nan ~= n.nan, #t.nul, #t.accents, t.lone }`);
    expect(result).toEqual(['integer', 'integer', 'integer', true, 'integer', true, 'float', 'float', true, 3, 22, 'x\ufffdy']);
  });

  it('still refuses a cycle deeper down, with the same error', async () => {
    await expect(h.run('local a = cyclic()')).rejects.toThrow(/contains itself/);
  });

  it('still stops results past the memory cap with SCRIPT_MEMORY_LIMIT, built by either path', async () => {
    // tables the writer builds (texts under its size), kept until the cap, then one text over its size
    await expect(h.run('local keep = {} for i = 1, 2000 do keep[i] = big(15000) end', 'many.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', details: { file: 'many.lua' } });
    await expect(h.run('local r = big(10 * 1024 * 1024)', 'big.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
    // a pcall does not catch it, and the context goes on afterwards
    await expect(h.run('local keep = {} pcall(function() for i = 1, 2000 do keep[i] = big(15000) end end) return "caught?"')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
    await expect(h.run('return #big(1000).text')).resolves.toBe(1000);
  });

  it('builds a value of many buffers through the builder in parts, as the same table', async () => {
    written = 0;
    declined = 0;
    const result = await h.run(`${DUMP}
      local before, direct, after = "kept", large(), 42
      local viaJs = largeViaJs()[1].v
      return { dump(direct), dump(viaJs), before, after, #direct.metadata.extra.step_results }`);
    const [direct, viaJs, before, after, count] = result as [string, string, string, number, number];
    expect(direct).toBe(viaJs);
    expect([before, after, count]).toEqual(['kept', 42, 2000]);
    expect(written).toBeGreaterThanOrEqual(1);
  });

  it('leaves a value to the JavaScript path after parts were built, with the stack as it was', async () => {
    declined = 0;
    const result = await h.run(`
      local function count(t) local n = 0 for _ in pairs(t) do n = n + 1 end return n end
      local a, v, c = "first", largeThenBytes(), "third"
      return { a, c, #v.metadata.extra.step_results, count(v.data.step_outputs), type(v.zz.data), select("#", largeThenBytes()) }`);
    expect(result).toEqual(['first', 'third', 2000, 2000, 'string', 1]);
    expect(declined).toBeGreaterThanOrEqual(1);
  });

  it('stops a value built in parts past the memory cap with SCRIPT_MEMORY_LIMIT; the context goes on', async () => {
    await expect(h.run('local r = records(200000)', 'parts.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', details: { file: 'parts.lua' } });
    await expect(h.run('return #records(10).metadata.extra.step_results')).resolves.toBe(10);
  });
});

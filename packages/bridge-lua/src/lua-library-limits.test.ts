import { harness, type Harness } from '../test/harness.js';

/**
 * Library functions that loop in C, where the count hook never fires: each runaway call must
 * end with a coded error (or its correct result, fast), and the context must work afterwards.
 */
describe('runaway library calls', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ limits: { memoryBytes: 32 * 1024 * 1024 } });
  });
  afterAll(() => h.close());

  const stillWorks = () => expect(h.run('return #table.concat({ "a", "b" }, ",")')).resolves.toBe(3);

  test.each([
    ['string.find backtracking', 'return string.find(string.rep("a", 5000), "a-a-a-a-a-a-a-a-a-a-a-a-b")'],
    ['string.match backtracking', 'return string.match(string.rep("a", 5000), "a*a*a*a*a*a*a*a*a*b")'],
    ['string.gsub backtracking', 'return string.gsub(string.rep("a", 5000), "a-a-a-a-a-a-a-a-b", "")'],
    ['string.gmatch backtracking', 'for x in string.gmatch(string.rep("a", 5000), "a-a-a-a-a-a-a-a-b") do end'],
    ['backtracking inside pcall', 'local ok = pcall(string.find, string.rep("a", 5000), "a-a-a-a-a-a-a-a-a-a-a-a-b") return ok'],
    ['a quadratic pattern on a long subject', 'return string.find(string.rep("a", 1000000), "a*b")'],
    ['table.move over the whole integer range', 'table.move({}, 1, math.maxinteger - 10, 2)'],
    ['table.move backwards', 'table.move({}, 1, math.maxinteger - 10, 2, nil)'],
    ['table.concat of a made-up huge range', 'return #table.concat(setmetatable({}, { __index = function() return "" end }), "", 1, math.maxinteger)'],
    ['table.insert after a huge length', 'table.insert(setmetatable({}, { __len = function() return math.maxinteger - 1 end }), 1, "x")'],
    ['table.remove at the start of a huge length', 'table.remove(setmetatable({}, { __len = function() return math.maxinteger end }), 1)'],
  ])('%s ends with SCRIPT_TIMEOUT', async (_name, source) => {
    await expect(h.run(source, 'runaway.lua', 300)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'runaway.lua' } });
    await stillWorks();
  });

  test('sorting made-up elements ends with the time or the memory limit', async () => {
    const error = await h.run('table.sort(setmetatable({}, { __len = function() return 2^31 - 2 end, __index = type }))', 'sort.lua', 300).catch((e: unknown) => e);
    expect(['SCRIPT_TIMEOUT', 'SCRIPT_MEMORY_LIMIT']).toContain((error as { code?: string }).code);
    await stillWorks();
  });

  test.each([
    ['string.rep of a huge count', 'return string.rep("x", 2^40)'],
    ['a method-call rep', 'return ("x"):rep(1e9)'],
    ['rep with a separator', 'return string.rep("", 2^40, "x")'],
    ['rep caught by pcall', 'return pcall(string.rep, "xy", 1 << 40)'],
  ])('%s ends with SCRIPT_MEMORY_LIMIT', async (_name, source) => {
    await expect(h.run(source, 'big.lua', 5_000)).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
    await stillWorks();
  });

  test('empty repetitions of any count are the empty string, at once', async () => {
    expect(await h.run('return { #string.rep("", math.maxinteger), #string.rep("", 1 << 62, ""), string.rep("ab", 3, "-"), string.rep("x", 0), string.rep(5, 2) }', 'rep.lua', 5_000))
      .toEqual([0, 0, 'ab-ab-ab', '', '55']);
  });

  test('a plain search is linear-time', async () => {
    // the C original compares the needle at every position: 2^22 x 2^21 byte comparisons
    const source = 'local s = string.rep("a", 1 << 22) .. "b" return { string.find(s, string.rep("a", 1 << 21) .. "b", 1, true) }';
    expect(await h.run(source, 'plain.lua', 30_000)).toEqual([(1 << 22) - (1 << 21) + 1, (1 << 22) + 1]);
  });

  test('string.format rejects huge widths', async () => {
    await expect(h.run("return string.format('%099999d', 1)", 'fmt.lua')).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('invalid conversion') });
  });

  test('chunked table functions keep the originals\' results and errors', async () => {
    const result = await h.run(`
      local n = 200000
      local t = {} for i = 1, n do t[i] = i end
      table.move(t, 1, n - 1, 2)           -- overlapping, backwards
      local a = t[1] == 1 and t[2] == 1 and t[n] == n - 1
      table.move(t, 2, n, 1)               -- overlapping, forwards
      local b = t[1] == 1 and t[n - 1] == n - 1 and t[n] == n - 1
      local other = table.move(t, 1, n, 1, {})
      local c = #other == n and other[n] == n - 1
      local s = table.concat(t, ",", 1, n)
      local d = #s == #table.concat(other, ",") and s:sub(1, 4) == "1,2,"
      table.insert(t, 1, "first") table.insert(t, "last")
      local e = t[1] == "first" and t[2] == 1 and t[#t] == "last" and #t == n + 2
      local removed = table.remove(t, 1)
      local f = removed == "first" and t[1] == 1 and #t == n + 1 and table.remove(t) == "last"
      return { a, b, c, d, e, f }
    `, 'chunks.lua', 60_000);
    expect(result).toEqual([true, true, true, true, true, true]);
    await expect(h.run('table.insert({}, 5, "x")', 'pos.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: pos.lua:1: bad argument #2 to 'insert' (position out of bounds)" });
    await expect(h.run('table.remove({1}, 5)', 'pos.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: pos.lua:1: bad argument #2 to 'remove' (position out of bounds)" });
    await expect(h.run('table.move({}, 1, math.maxinteger, 2)', 'pos.lua')).rejects.toMatchObject({ message: expect.stringContaining("bad argument #4 to 'move' (destination wrap around)") });
  });

  test("the wrapped library functions' own errors name the script's line, never the prelude's", async () => {
    // uncaught, each as the real function raises it
    await expect(h.run('local x = 1\nprint(table.concat({{}}, ", "))', 'c.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: "SCRIPT_ERROR: c.lua:2: invalid value (table) at index 1 in table for 'concat'", details: { line: 2 },
    });
    await expect(h.run('\nlocal s = table.concat({1}, {})', 'c.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: c.lua:2: bad argument #2 to 'concat' (string expected, got table)" });
    await expect(h.run('local s = string.rep({}, 2)', 'r.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: r.lua:1: bad argument #1 to 'rep' (string expected, got table)" });
    await expect(h.run('table.insert(nil, "x")', 'i.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: i.lua:1: bad argument #1 to 'insert' (table expected, got nil)" });
    await expect(h.run('table.move({}, 1, 2, 1, 5)', 'm.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: m.lua:1: bad argument #5 to 'move' (table expected, got number)" });
    await expect(h.run('print(setmetatable({}, { __tostring = function() return {} end }))', 'p.lua')).rejects.toMatchObject({ message: "SCRIPT_ERROR: p.lua:1: '__tostring' must return a string" });
    // caught by pcall, xpcall, coroutine.resume and coroutine.wrap: the same text
    const caught = await h.run(`
      local function f() local s = table.concat({ true }) return s end
      local a = select(2, pcall(f))
      local b = select(2, xpcall(f, function(e) return e end))
      local c = select(2, coroutine.resume(coroutine.create(f)))
      local d = select(2, pcall(coroutine.wrap(f)))
      return { a, b, c, d }
    `, 'k.lua');
    const text = "k.lua:2: invalid value (boolean) at index 1 in table for 'concat'";
    expect(caught).toEqual([text, text, text, text]);
  });

});

describe('after the time limit the script reaches no host function', () => {
  test('a <close> handler of a timed-out run calls nothing, whether the run was looping or waiting', async () => {
    const calls: string[] = [];
    const h = await harness({
      extraGlobals: {
        record: (what) => void calls.push(String(what)),
        hang: () => new Promise<null>((resolve) => setTimeout(() => resolve(null), 60_000).unref()),
      },
    });
    try {
      const closer = (name: string) => `local closer_${name} <close> = setmetatable({}, { __close = function() record("${name}") end })`;
      await expect(h.run(`${closer('looping')}\nwhile true do end`, 'close.lua', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run(`${closer('waiting')}\n${closer('second')}\nhang()`, 'close.lua', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run(`${closer('pcall')}\npcall(function() while true do end end)`, 'close.lua', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      expect(calls).toEqual([]);
      // a normal error still closes, with the host reachable
      await expect(h.run(`${closer('normal')}\nerror("boom")`, 'close.lua')).rejects.toMatchObject({ code: 'SCRIPT_ERROR' });
      expect(calls).toEqual(['normal']);
    } finally {
      await h.close();
    }
  });
});

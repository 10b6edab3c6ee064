import { createRequire } from 'node:module';
import type * as Wasmoon from 'wasmoon';
import { harness, type Harness } from '../test/harness.js';

/**
 * The bounded matcher must behave exactly like Lua's own: every case runs through the C
 * original (a bare wasmoon state) and through the bridge, and the results (values with
 * their types, or the error message without its position) must be equal.
 */
const SERIALIZE = String.raw`
local function show(...)
  local out = { tostring(select("#", ...)) }
  for i = 1, select("#", ...) do
    local v = select(i, ...)
    local t = math.type(v) or type(v)
    out[#out + 1] = t .. ":" .. (t == "string" and string.format("%q", v) or tostring(v))
  end
  return table.concat(out, " ")
end
local function case(f, ...)
  local result = table.pack(pcall(f, ...))
  if not result[1] then return "error:" .. tostring(result[2]):gsub("^[^:]*:%d+: ", "") end
  return show(table.unpack(result, 2, result.n))
end
local function iterate(s, p, init)
  local out = {}
  for a, b in string.gmatch(s, p, init) do out[#out + 1] = show(a, b) end
  return table.concat(out, ";")
end
`;

const CASES: string[] = [
  `string.find, "hello world", "o w"`, `string.find, "hello world", "o", 6`, `string.find, "hello", "l+"`,
  `string.find, "hello", "l", -2`, `string.find, "hello", "", 10`, `string.find, "hello", "", 6`, `string.find, "", ""`,
  `string.find, "a.b", ".", 1, true`, `string.find, "a+b", "+", 1, true`, `string.find, "abc", "[a-", 1`,
  `string.find, "abc", "%"`, `string.find, "abc", "(()"`, `string.find, "abc", "%b"`, `string.find, "x", "%f"`,
  `string.find, "THE (quick) fox", "%((%a+)%)"`, `string.find, "key = value", "(%w+)%s*=%s*(%w+)"`,
  `string.find, "f(a(b)c)d", "%b()"`, `string.find, "THE quick", "%f[%a]%a+", 4`, `string.find, "aaa", "()a()"`,
  `string.find, "hello", "^h"`, `string.find, "hello", "^e"`, `string.find, "hello", "o$"`, `string.find, "hel$lo", "l$l"`,
  `string.find, "abcabc", "(abc)%1"`, `string.find, "abc", "(a)%2"`, `string.find, "abc", "%1"`, `string.find, 12345, 34`,
  `string.find, "x\0y", "\0"`, `string.find, "x\0y", "%z"`, `string.find, "äb", "[\xc3-\xc4]"`, `string.find, "a]b", "[]]"`,
  `string.find, "a-b", "[a%-]+"`, `string.find, "a^b", "[%^b]+"`, `string.find, "hello", "[^aeiou]+"`, `string.find, "x", "(x"`,
  `string.find, "x", "x)"`, `string.find, "abc", "a?b?c?d?"`, `string.find, "aaab", "a-b"`, `string.find, "  x  ", "^%s*(.-)%s*$"`,
  `string.find, nil, "x"`, `string.find, "x", {}`, `string.find, "x", "x", 1.5`, `string.find, "x", "x", "1"`,
  `string.match, "key=val", "(%w+)=(%w+)"`, `string.match, "2024-01-31", "(%d+)-(%d+)-(%d+)"`, `string.match, "abc", ".-"`,
  `string.match, "abc", "()b()"`, `string.match, "hello", "(h)(e)(l)(l)(o)"`, `string.match, "  trim me ", "^%s*(.-)%s*$"`,
  `string.match, "%d", "%%d"`, `string.match, "a.b", "%."`, `string.match, "ABCdef", "%u+"`, `string.match, "x1_y", "[%w_]+"`,
  `string.match, "tab\there", "%c"`, `string.match, "~!@", "%p+"`, `string.match, "0x1F", "0x(%x+)"`, `string.match, "ab", "%g+"`,
  `string.match, "hello", "l*"`, `string.match, "hello", "l*", 3`, `string.match, "ab", "a*?"`,
  `string.gsub, "hello world", "o", "0"`, `string.gsub, "hello world", "o", "0", 1`, `string.gsub, "abc", "%w", "%0%0"`,
  `string.gsub, "abc", "", "-"`, `string.gsub, "hello world", "(%w+)", "<%1>"`, `string.gsub, "abc", "b", "%%"`,
  `string.gsub, "abc", "b", "%2"`, `string.gsub, "abc", "b", "%x"`, `string.gsub, "$name is $age", "%$(%w+)", { name = "Ada", age = 36 }`,
  `string.gsub, "hello", "(l)(l)", function(a, b) return a:upper() .. b end`, `string.gsub, "abc", "%w", function() return nil end`,
  `string.gsub, "abc", "%w", function() return false end`, `string.gsub, "abc", "%w", function() return {} end`,
  `string.gsub, "abc", "%w", { a = true }`, `string.gsub, "abc", "()", "%1"`, `string.gsub, "abc", "b", true`,
  `string.gsub, "abc", "^a", "x"`, `string.gsub, "aaa", "^a", "x"`, `string.gsub, "abc", ".", { a = 1, b = 2.5 }`,
  `string.gsub, "x", "x", "%"`, `string.gsub, "hello world", "%s*", "-"`, `string.gsub, "abc", "b*", "X"`,
  `string.gsub, "one two", "(%w+) (%w+)", "%2 %1"`, `string.gsub, "abc", "b", "x", -1`, `string.gsub, "abc", "b", "x", 0`,
  `iterate, "a=1, b=2", "(%w+)=(%w+)"`, `iterate, "one two  three", "%a+"`, `iterate, "abc", ""`, `iterate, "abc", "()"`,
  `iterate, "hello", "l", 4`, `iterate, "hello", "^h"`, `iterate, "aaa", "a*"`, `iterate, "abc", ".", 10`, `iterate, "abc", "[a"`,
];

function nativeLua(): Promise<Wasmoon.LuaEngine> {
  const { LuaFactory } = createRequire(import.meta.url)('wasmoon') as typeof Wasmoon;
  return new LuaFactory().createEngine();
}

/** The case's result from the C original, in a fresh plain state. */
async function reference(source: string): Promise<string> {
  const lua = await nativeLua();
  try {
    // a plain state registers its libraries, so it names 'string.find' where the sandbox says '?'
    return String(await lua.doString(source)).replace(/'string\.(\w+)'/g, "'?'");
  } finally {
    lua.global.close();
  }
}

describe('Lua patterns on the bounded matcher', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(async () => {
    await h.close();
  });

  test.each(CASES)('%s', async (args) => {
    const source = `${SERIALIZE}\nreturn case(${args})`;
    expect(await h.run(source)).toBe(await reference(source));
  });

  test('errors from the matcher name the script line', async () => {
    await expect(h.run('local x = 1\nreturn string.find("abc", "[a")', 'pat.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: "SCRIPT_ERROR: pat.lua:2: malformed pattern (missing ']')",
    });
    await expect(h.run('return ("x"):gsub("x", "%9")', 'pat.lua')).rejects.toMatchObject({ message: 'SCRIPT_ERROR: pat.lua:1: invalid capture index %9' });
    await expect(h.run('return string.find(nil, "x")', 'pat.lua')).rejects.toMatchObject({
      message: "SCRIPT_ERROR: pat.lua:1: bad argument #1 to 'find' (string expected, got nil)",
    });
  });

  test('a replacement function can call a host function, and strings with NUL bytes and large subjects work', async () => {
    const withHost = await harness({ extraGlobals: { plus10: (n) => Number(n) + 10 } });
    try {
      expect(await withHost.run('return (string.gsub("1 2", "%d", function(d) return plus10(d) end))')).toBe('11 12');
    } finally {
      await withHost.close();
    }
    expect(await h.run(String.raw`return #(("a\0b"):rep(100000):gsub("\0", "\0\0"))`)).toBe(400000);
    expect(await h.run('local s = ("word "):rep(200000) local n = 0 for w in s:gmatch("%a+") do n = n + 1 end return n')).toBe(200000);
    expect(await h.run('return select(2, ("ab"):rep(300000):gsub("(a)(b)", "%2%1"))')).toBe(300000);
  });
});

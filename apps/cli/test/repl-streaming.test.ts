import { cli, scratch, write } from './helpers.js';

describe('Streaming', () => {
  test('Lua coroutine streams and JS generator streams', async () => {
    const dir = scratch();
    write(dir, 's.lua', `local s = Streaming.create(function()
  for i = 1, 3 do Streaming.yield(i * 10) end
  coroutine.yield(40)
end)
local first = s:next()
local rest = s:collect()
return { first = first, rest = rest, done = s:isDone() }`);
    write(dir, 's.js', `const s = Streaming.create(function* () { for (let i = 1; i <= 3; i++) yield i * 10; yield 40; });
const first = s.next();
const rest = s.collect();
export default { first, rest, done: s.isDone(), spread: [...Streaming.create(function* () { yield 'a'; yield 'b'; })] };`);
    const lua = await cli(['run', 's.lua'], { cwd: dir });
    expect(JSON.parse(lua.stdout)).toEqual({ first: 10, rest: [20, 30, 40], done: true });
    const js = await cli(['run', 's.js'], { cwd: dir });
    expect(JSON.parse(js.stdout)).toEqual({ first: 10, rest: [20, 30, 40], done: true, spread: ['a', 'b'] });
  });
});

describe('repl (stdin not a terminal)', () => {
  test('globals live between inputs, multi-line input, expressions print, errors do not end it', async () => {
    const lua = await cli(['repl'], { input: 'x = 20\nfunction add(n)\n  return x + n\nend\nadd(22)\nerror("boom")\nTool.exists("calculator")\n.help\n' });
    expect(lua.stdout).toContain('42\n');
    expect(lua.stdout).toContain('true\n');
    expect(lua.stdout).toContain('.exit');
    expect(lua.stderr).toMatch(/boom/);
    expect(lua.code).toBe(1);
    const js = await cli(['repl', '--engine', 'js'], { input: 'var n = 40\nfunction inc(v) {\n  return v + 2\n}\ninc(n)\n(await Tool.invoke("calculator", { input: "6*7" })).result.result\n' });
    expect(js.stdout.trim().split('\n')).toEqual(['42', '42']);
    expect(js.code).toBe(0);
  });
});

import { cli } from './helpers.js';

/** The JS REPL keeps what an input with top-level await declares, as Node's REPL does. */
describe('JS REPL and top-level await', () => {
  test('declarations of an awaiting line stay for later lines; Lua is unchanged', async () => {
    const input = [
      'const r = await Tool.invoke("calculator", { input: "6*7" })',
      'r.result.result',
      'let { result } = await Tool.invoke("calculator", { input: "2+2" }); var v = 1',
      'result.result + v',
      'class K { m() { return 7 } }; function ff() { return new K().m() }; await Utils.sleep(1)',
      'ff()',
      'bare = await Promise.resolve(5)',
      'bare * 2',
      'const [a, b] = await Promise.resolve([1, 2]); a + b // the last expression is the value',
      'a * 10 + b',
    ].join('\n') + '\n';
    const js = await cli(['repl', '--engine', 'js'], { input });
    expect(js.stderr).toBe('');
    expect(js.stdout.trim().split('\n')).toEqual(['42', '5', '7', '5', '10', '3', '12']);
    expect(js.code).toBe(0);
    const failing = await cli(['repl', '--engine', 'js'], { input: 'const x = await Promise.resolve(1)\nawait Promise.reject(new Error("nope"))\nx + 1\n' });
    expect(failing.stdout).toBe('2\n');
    expect(failing.stderr).toMatch(/nope/);
    const lua = await cli(['repl'], { input: 'local t = 1\nx = 41\nx + 1\n' });
    expect(lua.stdout).toBe('42\n');
  });
});

/**
 * Issue 12: a JavaScript script's own promise rejections are reported, not dropped. A promise
 * the script makes and drops (`main();` of an async main, a `.then` chain without a catch)
 * fails the run with exit 1, naming the file, the line of the dropped call and the error.
 */
import { cli, scratch, write } from '../helpers.js';

describe('unhandled promise rejections in JavaScript scripts', () => {
  test('an async main that is called and not awaited fails the run with file, line and error', async () => {
    const dir = scratch();
    write(dir, 'main.js', 'async function main() {\n  await Tool.invoke("calculator", { input: "1+1" });\n  throw new Error("lost in main");\n}\nmain();\nprint("end of script");\n');
    const r = await cli(['run', 'main.js'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/main\.js:5: unhandled promise rejection: .*lost in main/);
  });

  test('a then-chain without catch, and a handled one that is fine', async () => {
    const dir = scratch();
    write(dir, 'chain.js', 'Tool.invoke("calculator", { input: "2*3" }).then((r) => { if (r.result.result === 6) throw new Error("six is not allowed"); });\n"x"\n');
    const bad = await cli(['run', 'chain.js'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/chain\.js:1: unhandled promise rejection: .*six is not allowed/);
    write(dir, 'caught.js', 'async function f() { throw new Error("handled"); }\nf().catch((e) => print("caught " + e.message));\n"ok"\n');
    const good = await cli(['run', 'caught.js'], { cwd: dir });
    expect(good.stdout).toContain('caught handled');
    expect(good.code).toBe(0);
  });
});

import { harness, type Harness } from './__fixtures__/harness.js';
import { rewriteTopLevelAwait } from './repl-await.js';

/** What the CLI's JS REPL runs for an input with top-level await (apps/cli/test/repl-await.test.ts runs the REPL). */
describe('rewriteTopLevelAwait', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  test('inputs without a top-level await, or that do not parse, are left alone', () => {
    expect(rewriteTopLevelAwait('const x = 1; x + 1')).toBeUndefined();
    expect(rewriteTopLevelAwait('async function f() { await 1 }')).toBeUndefined();
    expect(rewriteTopLevelAwait('const = await 1')).toBeUndefined();
  });

  test('declarations of an awaiting input stay for later inputs, and its last expression is its value', async () => {
    const first = rewriteTopLevelAwait('const r = await Tool.invoke("adder", { a: 2, b: 3 }); function twice(x) { return 2 * x } r.result.sum');
    expect(first).toBeDefined();
    expect(await h.run(first!, 'repl:1')).toBe(5);
    expect(await h.run('twice(r.result.sum)', 'repl:2')).toBe(10);
  });

  test('line numbers stay those of the input', async () => {
    const source = rewriteTopLevelAwait('await 1;\nthrow new Error("here")');
    await expect(h.run(source!, 'repl:3')).rejects.toMatchObject({ details: { line: 2 } });
  });
});

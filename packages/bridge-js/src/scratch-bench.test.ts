import { LlmspellRuntime } from '@llmspell/runtime';
import { adderTool, engine } from './__fixtures__/harness.js';
test('bench', async () => {
  const rt = await LlmspellRuntime.create({ tools: [adderTool] });
  const output = { stdout() {}, stderr() {} };
  const limits = { memoryBytes: 64 * 1024 * 1024, timeoutMs: 60_000 };
  const make = () => engine.createContext({ globals: rt.buildGlobals({ language: 'javascript', output }), limits, output });
  let t = performance.now();
  (await make()).dispose();
  const cold = performance.now() - t;
  const N = 50;
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    await new Promise((r) => setTimeout(r, 15));
    const t0 = performance.now();
    const c = await make();
    times.push(performance.now() - t0);
    c.dispose();
  }
  times.sort((a, b) => a - b);
  // round trip: script -> trivial host function -> script
  const ctx = await engine.createContext({ globals: { ...rt.buildGlobals({ language: 'javascript', output }), noop: (x) => x }, limits, output });
  const M = 20000;
  const r = await ctx.run(`const t0 = Date.now(); for (let i = 0; i < ${M}; i++) noop(i); export default Date.now() - t0;`, { filename: 'b.js' }) as number;
  const r2 = await ctx.run(`const t0 = Date.now(); for (let i = 0; i < ${M}; i++) noop({a: i, b: 'x', c: [1, 2]}); export default Date.now() - t0;`, { filename: 'b.js' }) as number;
  const r3 = await ctx.run(`const t0 = Date.now(); for (let i = 0; i < 2000; i++) await Tool.invoke('adder', {a: i, b: 1}); export default Date.now() - t0;`, { filename: 'b.js' }) as number;
  const r4 = await ctx.run(`const t0 = Date.now(); for (let i = 0; i < 5000; i++) Utils.uuid(); export default Date.now() - t0;`, { filename: 'b.js' }) as number;
  t = performance.now();
  for (let i = 0; i < 200; i++) await ctx.run('1 + 1', { filename: 'x.js' });
  const runCost = (performance.now() - t) / 200;
  console.log(`cold createContext ${cold.toFixed(2)} ms; warm median ${times[N >> 1].toFixed(2)} ms p90 ${times[Math.floor(N * 0.9)].toFixed(2)} ms
noop(number) round trip ${(r * 1000 / M).toFixed(2)} us; noop(object) ${(r2 * 1000 / M).toFixed(2)} us; await Tool.invoke ${(r3 * 1000 / 2000).toFixed(1)} us; Utils.uuid ${(r4*1000/5000).toFixed(2)} us; run('1+1') ${runCost.toFixed(3)} ms`);
  ctx.dispose();
  await rt.close();
});

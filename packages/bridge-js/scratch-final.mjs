import { createJsEngine } from './dist/index.js';
import { LlmspellRuntime } from '@llmspell/runtime';
const rt = await LlmspellRuntime.create();
const engine = createJsEngine();
const output = { stdout() {}, stderr() {} };
const limits = { memoryBytes: 64 << 20, timeoutMs: 60000 };
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
let t = performance.now();
(await engine.createContext({ globals: rt.buildGlobals({ language: 'javascript', output }), limits, output })).dispose();
console.log('cold createContext (compile + first instance)', (performance.now() - t).toFixed(1), 'ms');
const wall = [], cp = [];
for (let i = 0; i < 40; i++) {
  const globals = rt.buildGlobals({ language: 'javascript', output });
  await new Promise((r) => setTimeout(r, 20));
  const t0 = performance.now(), c0 = cpu();
  const c = await engine.createContext({ globals, limits, output });
  wall.push(performance.now() - t0); cp.push(cpu() - c0);
  c.dispose();
}
const med = (a) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2);
console.log('warm createContext median wall', med(wall), 'ms, cpu', med(cp), 'ms');
const ctx = await engine.createContext({ globals: { ...rt.buildGlobals({ language: 'javascript', output }), noop: (x) => x }, limits, output });
for (const [label, body, n] of [['noop(i)', 'noop(i)', 50000], ['noop({a,b,c})', "noop({a: i, b: 'x', c: [1, 2]})", 20000], ['await asyncNoop', 'await Utils.sleep(0)', 2000]]) {
  const w0 = performance.now(), c0 = cpu();
  await ctx.run(`for (let i = 0; i < ${n}; i++) ${body};`, { filename: 'b.js' });
  console.log(label, 'round trip wall', ((performance.now() - w0) * 1000 / n).toFixed(2), 'us, cpu', ((cpu() - c0) * 1000 / n).toFixed(2), 'us');
}
ctx.dispose();
await rt.close();

import { LlmspellRuntime } from '@llmspell/runtime';
import { adderTool } from './__fixtures__/harness.js';
import { newQuickJSInstance } from './quickjs-module.js';
import { JsVm } from './js-vm.js';
test('bench2', async () => {
  const rt = await LlmspellRuntime.create({ tools: [adderTool] });
  const output = { stdout() {}, stderr() {} };
  const limits = { memoryBytes: 64 * 1024 * 1024, timeoutMs: 60_000 };
  const globals = rt.buildGlobals({ language: 'javascript', output });
  await newQuickJSInstance(limits.memoryBytes);
  const inst: number[] = [], vm: number[] = [], fresh: number[] = [];
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 30));
    let t = performance.now();
    const m = await newQuickJSInstance(limits.memoryBytes);
    inst.push(performance.now() - t);
    t = performance.now();
    const v = new JsVm(m, { globals, limits, output, stackBytes: 256 * 1024 });
    vm.push(performance.now() - t);
    v.dispose();
    t = performance.now();
    const v2 = new JsVm(m, { globals, limits, output, stackBytes: 256 * 1024 });
    fresh.push(performance.now() - t);
    v2.dispose();
  }
  const med = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1].toFixed(2);
  console.log(`instance (spare ready) ${med(inst)} ms; vm setup ${med(vm)} ms; vm setup 2nd in same instance ${med(fresh)} ms`);
  await rt.close();
});

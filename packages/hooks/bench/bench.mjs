// Throughput of publish → pattern subscribers, and hook overhead on executeComponent.
// Run after `pnpm --filter @llmspell/core build && pnpm --filter @llmspell/hooks build`: `pnpm --filter @llmspell/hooks bench`.
import { EventBus, HookRegistry, HookExecutor } from '../dist/index.js';
import { defineTool, executeComponent, createExecutionContext, z } from '@llmspell/core';

function median(a) { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]; }

function benchBus(label, setup, N = 1_000_000) {
  const rates = [];
  for (let trial = 0; trial < 5; trial++) {
    const bus = new EventBus({ config: { max_queue_size: 100_000 } });
    const subs = setup(bus);
    let delivered = 0;
    const c0 = process.cpuUsage();
    for (let i = 0; i < N; i++) {
      bus.publish('bench.event.created', i);
      if ((i & 1023) === 1023) for (const s of subs) { while (s.take()) delivered++; }
    }
    for (const s of subs) { while (s.take()) delivered++; }
    const cu = process.cpuUsage(c0);
    const ms = (cu.user + cu.system) / 1000;
    rates.push(N / (ms / 1000));
    if (trial === 0) var d0 = delivered;
  }
  console.log(`${label}: median ${(median(rates) / 1e6).toFixed(2)} M events/s published (each delivered to its subscribers; best ${(Math.max(...rates) / 1e6).toFixed(2)} M/s)`);
}

benchBus('1 subscriber, pattern bench.*', (bus) => [bus.subscribe('bench.*')]);
benchBus('1 subscriber, pattern **.created', (bus) => [bus.subscribe('**.created')]);
benchBus('3 subscribers (bench.*, *.event.*, **) + 50 non-matching patterns', (bus) => {
  for (let i = 0; i < 50; i++) bus.subscribe(`other${i}.*`);
  return [bus.subscribe('bench.*'), bus.subscribe('*.event.*'), bus.subscribe('**')];
});

// Hook overhead through executeComponent.
const noop = defineTool({ name: 'noop', description: 'nothing', category: 'utility', securityLevel: 'safe', parameters: z.object({}), execute: () => ({ result: null }) });
async function run(ctx, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await executeComponent(noop, {}, ctx);
  return performance.now() - t0;
}
async function hookBench(label, register, work = 0) {
  const tool = work ? defineTool({ name: 'work', description: 'busy', category: 'utility', securityLevel: 'safe', parameters: z.object({}), execute: () => { let x = 0; for (let i = 0; i < work * 300000; i++) x = (x + i * 7) % 1000003; return { result: x }; } }) : noop;
  const registry = new HookRegistry();
  const executor = new HookExecutor(registry);
  register(registry);
  const base = createExecutionContext();
  const withHooks = createExecutionContext({ hooks: executor });
  const N = 1000;
  // CPU time, not wall time: this machine is shared (load ~6 per core), wall clocks are noise.
  const go = async (ctx) => { const c0 = process.cpuUsage(); for (let i = 0; i < N; i++) await executeComponent(tool, {}, ctx); const c = process.cpuUsage(c0); return (c.user + c.system) / 1000; };
  for (let i = 0; i < 5; i++) { await go(base); await go(withHooks); }
  const a = [], b = [];
  for (let i = 0; i < 31; i++) { a.push(await go(base)); b.push(await go(withHooks)); }
  const ma = median(a), mb = median(b);
  console.log(`${label}: no hooks ${(ma / N * 1000).toFixed(2)} µs/call, with hooks ${(mb / N * 1000).toFixed(2)} µs/call → +${((mb - ma) / N * 1000).toFixed(2)} µs/call (${((mb / ma - 1) * 100).toFixed(1)} %) over 1000 calls`);
}
const noopHook = () => undefined;
await hookBench('5 no-op hooks on BeforeToolExecution, no-op tool', (r) => { for (let i = 0; i < 5; i++) r.register({ point: 'BeforeToolExecution', handler: noopHook }); });
await hookBench('5 no-op hooks spread over Validation/Before/After, no-op tool', (r) => {
  ['ToolValidation', 'BeforeToolExecution', 'AfterToolExecution', 'BeforeToolExecution', 'AfterToolExecution'].forEach((p) => r.register({ point: p, handler: noopHook }));
});
await hookBench('5 no-op hooks on BeforeToolExecution, tool doing ~30k loop iterations of work', (r) => { for (let i = 0; i < 5; i++) r.register({ point: 'BeforeToolExecution', handler: noopHook }); }, 0.1);
await hookBench('5 no-op hooks on BeforeToolExecution, tool doing ~300k loop iterations of work', (r) => { for (let i = 0; i < 5; i++) r.register({ point: 'BeforeToolExecution', handler: noopHook }); }, 1);
await hookBench('hooks registered only at an unrelated point (hasHooks fast path)', (r) => { for (let i = 0; i < 5; i++) r.register({ point: 'AgentError', handler: noopHook }); });

// Scratch measurement: llmspell agent overhead over a raw ai generateText call with the same
// mock model, and the per-step overhead of a 5-step tool loop. Run after `pnpm build`:
//   node packages/agents/bench/agent-overhead.mjs
import { createExecutionContext, defineTool, executeComponent, z } from '@llmspell/core';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import { PriceTable, ProviderRegistry, createAgent } from '../dist/index.js';
import { mockTextModel, mockToolCallModel } from '../dist/testing/index.js';

const N = Number(process.env.N ?? 2000);
const add = defineTool({
  name: 'adder', description: 'Adds', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ result: a + b }),
});
const ctx = createExecutionContext({ components: { tool: () => add, agent: () => undefined, workflow: () => undefined, tools: () => [add] } });
const loopTurns = () => [
  ...Array.from({ length: 4 }, (_, i) => ({ toolCalls: [{ name: 'adder', arguments: { a: i, b: 1 } }] })),
  { text: 'done' },
];

// Best of 3 rounds, after a warm-up, to keep JIT and GC order effects out of the comparison.
async function time(label, fn) {
  for (let i = 0; i < Math.min(200, N); i++) await fn();
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1000 / N);
  }
  console.log(`${label.padEnd(58)} ${best.toFixed(1).padStart(8)} µs/call`);
  return best;
}

const deps = (model) => ({ providers: new ProviderRegistry({ env: { OPENAI_API_KEY: 'sk-bench' }, modelFactory: () => model }), prices: new PriceTable() });

const textModel = mockTextModel('hello world');
const rawText = await time('raw generateText (mock model)', () => generateText({ model: textModel, prompt: 'hi' }));
const agent = await createAgent({ model: 'gpt-4o-mini', max_conversation_length: 0 }, deps(mockTextModel('hello world')));
const agentText = await time('agent via executeComponent (no history)', () => executeComponent(agent, { text: 'hi' }, ctx));
const agentHist = await createAgent({ model: 'gpt-4o-mini' }, deps(mockTextModel('hello world')));
const agentTextHist = await time('agent via executeComponent (history, 50 msgs cap)', () => executeComponent(agentHist, { text: 'hi' }, ctx));

const fifty = Array.from({ length: 49 }, (_, i) => (i % 2 === 0 ? { role: 'user', content: 'hi' } : { role: 'assistant', content: [{ type: 'text', text: 'hello world' }] }));
const rawHist = await time('raw generateText with the same 49-message history', () => generateText({ model: textModel, messages: fifty }));

let rawModel;
const rawLoop = await time('raw generateText, 5-step tool loop', () => {
  rawModel = mockToolCallModel(loopTurns());
  return generateText({
    model: rawModel, prompt: 'go', stopWhen: stepCountIs(10),
    tools: { adder: tool({ description: 'Adds', inputSchema: jsonSchema({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } }), execute: async ({ a, b }) => ({ success: true, result: a + b }) }) },
  });
});
const loopAgent = await time('agent, 5-step tool loop (tools via executeComponent)', async () => {
  const a = await createAgent({ model: 'gpt-4o-mini', tools: ['adder'], max_conversation_length: 0 }, deps(mockToolCallModel(loopTurns())));
  return executeComponent(a, { text: 'go' }, ctx);
});
const createOnly = await time('  (of which createAgent per iteration)', () => createAgent({ model: 'gpt-4o-mini', tools: ['adder'] }, deps(mockTextModel('x'))));

console.log('');
console.log(`agent overhead per call (no history):   ${(agentText - rawText).toFixed(1)} µs`);
console.log(`agent overhead per call (with history): ${(agentTextHist - rawHist).toFixed(1)} µs (vs raw call with the same history)`);
console.log(`tool-loop overhead per step:            ${((loopAgent - createOnly - rawLoop) / 5).toFixed(1)} µs`);

import { createExecutionContext, defineTool, executeComponent, z } from '@llmspell/core';
import { PriceTable, ProviderRegistry, createAgent } from '@llmspell/agents';
import { MockLanguageModelV3 } from 'ai/test';
const usage = { inputTokens: { total: 10, noCache: 10 }, outputTokens: { total: 5, text: 5 } };
const loop = new MockLanguageModelV3({ doGenerate: async ({ prompt }) => {
  const done = prompt.filter((m) => m.role === 'tool').length;
  if (done >= 4) return { content: [{ type: 'text', text: 'done' }], finishReason: { unified: 'stop' }, usage, warnings: [] };
  return { content: [{ type: 'tool-call', toolCallId: `c${done}`, toolName: 'adder', input: JSON.stringify({ a: done, b: 1 }) }], finishReason: { unified: 'tool-calls' }, usage, warnings: [] };
} });
const adder = defineTool({ name: 'adder', description: 'Adds', category: 'utility', securityLevel: 'safe', parameters: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => ({ result: a + b }) });
const ctx = createExecutionContext({ components: { tool: () => adder, agent: () => undefined, workflow: () => undefined, tools: () => [adder] } });
const a = await createAgent({ model: 'gpt-4o-mini', tools: ['adder'], max_conversation_length: 0 }, { providers: new ProviderRegistry({ env: { OPENAI_API_KEY: 'x' }, modelFactory: () => loop }), prices: new PriceTable() });
const t = performance.now();
for (let i = 0; i < 3000; i++) { await executeComponent(a, { text: 'go' }, ctx); loop.doGenerateCalls.length = 0; }
console.log('µs/call', ((performance.now() - t) / 3000 * 1000).toFixed(0));

import { createExecutionContext, defineTool, executeComponent, parametersJsonSchema, z } from '@llmspell/core';
import { PriceTable, ProviderRegistry, createAgent } from '@llmspell/agents';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
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
const plain = { adder: tool({ description: 'Adds', inputSchema: jsonSchema({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] }), execute: async ({ a, b }) => ({ success: true, result: a + b }) }) };
const zschema = () => ({ adder: tool({ description: 'Adds', inputSchema: jsonSchema(parametersJsonSchema(adder.parameters)), execute: async ({ a, b }) => ({ success: true, result: a + b }) }) });
const viaExec = { adder: tool({ description: 'Adds', inputSchema: plain.adder.inputSchema, execute: async (args) => { const r = await executeComponent(adder, args, ctx); return { success: r.success, result: r.result }; } }) };
const C = {
  raw: () => generateText({ model: loop, prompt: 'go', tools: plain, stopWhen: stepCountIs(10) }),
  rawMessages: () => generateText({ model: loop, messages: [{ role: 'user', content: 'go' }], tools: plain, stopWhen: stepCountIs(10) }),
  rawZodSchemaPerCall: () => generateText({ model: loop, prompt: 'go', tools: zschema(), stopWhen: stepCountIs(10) }),
  rawExecComponent: () => generateText({ model: loop, prompt: 'go', tools: viaExec, stopWhen: stepCountIs(10) }),
  agent: () => executeComponent(a, { text: 'go' }, ctx),
  agentRunDirect: () => a.run({ text: 'go' }, ctx),
};
const s = Object.fromEntries(Object.keys(C).map((k) => [k, []]));
for (const f of Object.values(C)) for (let i = 0; i < 100; i++) await f();
for (let r = 0; r < 7; r++) for (const [k, f] of Object.entries(C)) { loop.doGenerateCalls.length = 0; const t = process.cpuUsage(); for (let i = 0; i < 100; i++) await f(); const d = process.cpuUsage(t); s[k].push((d.user + d.system) / 100); }
for (const [k, v] of Object.entries(s)) { v.sort((x, y) => x - y); console.log(k.padEnd(22), v[3].toFixed(0), 'µs'); }
const t = performance.now(); for (let i = 0; i < 2000; i++) parametersJsonSchema(adder.parameters); console.log('parametersJsonSchema µs', ((performance.now() - t) / 2).toFixed(1));

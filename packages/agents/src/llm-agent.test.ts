import {
  createExecutionContext, defineTool, executeComponent, z, type EventSink, type ExecutionContext, type HookExecutor, type StateAccess, type Tool,
} from '@llmspell/core';
import type { LanguageModel as LanguageModelLike } from 'ai';
import { MockLanguageModelV3 } from 'ai/test';
import { agentChunkIterator, streamAgent } from './agent-stream.js';
import { agentAsTool } from './agent-tool.js';
import { createAgent, type AgentDeps } from './llm-agent.js';
import { BudgetTracker, PriceTable } from './prices.js';
import { ProviderRegistry } from './provider-registry.js';
import { mockTextModel, mockToolCallModel } from './testing/mock-models.js';

function depsWith(model: LanguageModelLike, extra: Partial<AgentDeps> = {}): AgentDeps {
  return { providers: new ProviderRegistry({ env: { OPENAI_API_KEY: 'sk-test-000000' }, modelFactory: () => model }), prices: new PriceTable(), ...extra };
}

const adder: Tool = defineTool({
  name: 'adder', description: 'Adds two numbers', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ result: a + b }),
});

function recordingEvents(): EventSink & { types: string[] } {
  const types: string[] = [];
  return { types, publish: (type: string) => void types.push(type) } as unknown as EventSink & { types: string[] };
}

function ctxWith(tools: Tool[] = [], extra: Partial<Parameters<typeof createExecutionContext>[0]> = {}): ExecutionContext {
  return createExecutionContext({
    components: { tool: (n) => tools.find((t) => t.name === n), agent: () => undefined, workflow: () => undefined, tools: () => tools },
    ...extra,
  });
}

function memoryState(): StateAccess & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    get: async (s, k) => structuredClone(data.get(`${s}|${k}`)),
    set: async (s, k, v) => void data.set(`${s}|${k}`, structuredClone(v)),
    delete: async (s, k) => data.delete(`${s}|${k}`),
    keys: async (s) => [...data.keys()].filter((k) => k.startsWith(s + '|')).map((k) => k.slice(s.length + 1)),
  };
}

describe('LlmAgent', () => {
  it('answers {text}, {prompt}, a plain string and {messages}, with usage, cost and metadata', async () => {
    const agent = await createAgent({ name: 'a1', model: 'openai/gpt-4o-mini', system_prompt: 'Be brief.' }, depsWith(mockTextModel('Paris.', { inputTokens: 1000, outputTokens: 500 })));
    const out = await agent.run({ text: 'Capital of France?' }, ctxWith());
    expect(out).toMatchObject({
      text: 'Paris.', output: 'Paris.', success: true,
      metadata: { agent: 'a1', model: 'gpt-4o-mini', provider: 'openai', finish_reason: 'stop', steps: 1, tool_calls: [], token_count: 1500 },
      usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500, prompt_tokens: 1000, completion_tokens: 500 },
    });
    // gpt-4o-mini: $0.15 / $0.60 per million
    expect(out.cost).toBeCloseTo((1000 * 0.15 + 500 * 0.6) / 1e6, 12);
    expect(typeof out.metadata.execution_time_ms).toBe('number');
    await agent.run({ prompt: 'again' }, ctxWith());
    await agent.run('plain', ctxWith());
    await agent.run({ messages: [{ role: 'user', content: 'from messages' }] }, ctxWith());
    const history = agent.getHistory();
    expect(history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(['Capital of France?', 'again', 'plain', 'from messages']);
  });

  it('sends the system prompt, history and per-call settings to the model', async () => {
    const model = mockTextModel('ok');
    const agent = await createAgent({ model: 'gpt-4o', prompt: 'You are terse.', temperature: 0.1 }, depsWith(model));
    await agent.run({ text: 'one' }, ctxWith());
    await agent.run({ text: 'two', temperature: 0.9, max_tokens: 7 }, ctxWith());
    const call = model.doGenerateCalls[1];
    expect(call.temperature).toBe(0.9);
    expect(call.maxOutputTokens).toBe(7);
    expect(call.prompt.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(call.prompt[0]).toMatchObject({ role: 'system', content: 'You are terse.' });
    expect(model.doGenerateCalls[0].temperature).toBe(0.1);
  });

  it('keeps at most max_conversation_length messages, starting at a user message', async () => {
    const agent = await createAgent({ model: 'gpt-4o', max_conversation_length: 3 }, depsWith(mockTextModel('r')));
    for (const t of ['1', '2', '3']) await agent.run(t, ctxWith());
    const h = agent.getHistory();
    expect(h.length).toBeLessThanOrEqual(3);
    expect(h[0]).toMatchObject({ role: 'user', content: '3' });
    agent.clearHistory();
    expect(agent.getHistory()).toEqual([]);
    const stateless = await createAgent({ model: 'gpt-4o', max_conversation_length: 0 }, depsWith(mockTextModel('r')));
    await stateless.run('x', ctxWith());
    expect(stateless.getHistory()).toEqual([]);
  });

  it('calls llmspell tools through executeComponent in a multi-step loop', async () => {
    const model = mockToolCallModel([
      { toolCalls: [{ name: 'adder', arguments: { a: 2, b: 3 } }] },
      { toolCalls: [{ name: 'adder', arguments: { a: 5, b: 10 } }] },
      { text: 'The sum is 15.' },
    ]);
    const events = recordingEvents();
    const agent = await createAgent({ model: 'gpt-4o', tools: ['adder'] }, depsWith(model, { findTool: (n) => (n === 'adder' ? adder : undefined) }));
    const out = await agent.run('add things', ctxWith([adder], { events }));
    expect(out.text).toBe('The sum is 15.');
    expect(out.metadata.steps).toBe(3);
    expect(out.metadata.tool_calls).toEqual([
      expect.objectContaining({ name: 'adder', arguments: { a: 2, b: 3 }, result: { success: true, result: 5 } }),
      expect.objectContaining({ name: 'adder', arguments: { a: 5, b: 10 }, result: { success: true, result: 15 } }),
    ]);
    expect(events.types.filter((t) => t === 'tool.completed')).toHaveLength(2);
    // The tool results went back to the model.
    const third = model.doGenerateCalls[2].prompt;
    expect(third.filter((m) => m.role === 'tool')).toHaveLength(2);
    // The tool's JSON schema reached the model.
    expect(model.doGenerateCalls[0].tools?.[0]).toMatchObject({ name: 'adder', inputSchema: { type: 'object', required: ['a', 'b'] } });
  });

  it('lets hooks see and veto the tool calls an agent makes', async () => {
    const seen: string[] = [];
    const hooks: HookExecutor = {
      hasHooks: () => true,
      execute: async (point, context) => {
        seen.push(`${point}:${context.component_id.name}`);
        if (point === 'BeforeToolExecution' && (context.data.input as { a?: number }).a === 13) return { type: 'cancel', reason: 'unlucky' };
        return { type: 'continue' };
      },
    };
    const model = mockToolCallModel([{ toolCalls: [{ name: 'adder', arguments: { a: 13, b: 1 } }] }, { text: 'blocked' }]);
    const agent = await createAgent({ name: 'hooked', model: 'gpt-4o', tools: ['adder'] }, depsWith(model));
    const out = await executeComponent(agent, 'go', ctxWith([adder], { hooks }));
    expect(out.metadata.tool_calls[0].error).toMatch(/HOOK_CANCELLED: adder: unlucky/);
    expect(seen).toEqual(['BeforeAgentExecution:hooked', 'ToolValidation:adder', 'BeforeToolExecution:adder', 'AfterAgentExecution:hooked']);
  });

  it('stops the tool loop at max_steps with AGENT_ERROR, not an empty success', async () => {
    const model = mockToolCallModel([{ toolCalls: [{ name: 'adder', arguments: { a: 1, b: 1 } }] }]);
    const agent = await createAgent({ model: 'gpt-4o', tools: ['adder'], max_steps: 2 }, depsWith(model));
    const e = await agent.run('loop forever', ctxWith([adder])).catch((x: unknown) => x);
    expect(model.doGenerateCalls).toHaveLength(2);
    expect(e).toMatchObject({ code: 'AGENT_ERROR', details: { reason: 'max_steps', max_steps: 2, steps: 2 } });
    expect((e as Error).message).toMatch(/still asked for tools after 2 steps \(max_steps = 2\).*raise max_steps/);
    expect(agent.getState()).toBe('Error');
    // Streaming ends the same way.
    await expect(streamAgent(agent, 'again', ctxWith([adder]), () => undefined)).rejects.toMatchObject({ details: { reason: 'max_steps' } });
  });

  it('fails with BUDGET_EXCEEDED when the budget runs out in the middle of a tool loop', async () => {
    const budget = new BudgetTracker(0.001);
    const model = mockToolCallModel([
      { toolCalls: [{ name: 'adder', arguments: { a: 1, b: 1 } }], inputTokens: 100_000, outputTokens: 100_000 },
      { text: 'never reached' },
    ]);
    const agent = await createAgent({ model: 'gpt-4o', tools: ['adder'] }, depsWith(model, { budget }));
    await expect(agent.run('go', ctxWith([adder]))).rejects.toThrow(/^BUDGET_EXCEEDED: agent '.*': budget of \$0.001 spent/);
    expect(model.doGenerateCalls).toHaveLength(1);
  });

  it('reports a tool validation failure to the model instead of failing the run', async () => {
    const model = mockToolCallModel([{ toolCalls: [{ name: 'adder', arguments: { a: 'x' } }] }, { text: 'sorry' }]);
    const agent = await createAgent({ model: 'gpt-4o', tools: ['adder'] }, depsWith(model));
    const out = await agent.run('go', ctxWith([adder]));
    expect(out.text).toBe('sorry');
    expect(out.metadata.tool_calls[0].error).toMatch(/INVALID_ARGUMENT: adder: parameter 'a'/);
  });

  it('fails at creation for an unknown tool', async () => {
    await expect(createAgent({ model: 'gpt-4o', tools: ['nope'] }, depsWith(mockTextModel('x'), { findTool: () => undefined })))
      .rejects.toThrow("TOOL_NOT_FOUND: agent '");
  });

  it('returns a structured object for a JSON schema', async () => {
    const model = mockTextModel('{"city":"Paris","population":2100000}');
    const agent = await createAgent({ model: 'gpt-4o' }, depsWith(model));
    const out = await agent.run({
      text: 'Describe Paris',
      schema: { type: 'object', properties: { city: { type: 'string' }, population: { type: 'number' } }, required: ['city', 'population'] },
    }, ctxWith());
    expect(out.object).toEqual({ city: 'Paris', population: 2100000 });
    expect(out.data).toEqual(out.object);
    expect(model.doGenerateCalls[0].responseFormat).toMatchObject({ type: 'json' });
    const bad = await createAgent({ model: 'gpt-4o' }, depsWith(mockTextModel('{"city":1}')));
    await expect(bad.run({ text: 'x', schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }, ctxWith()))
      .rejects.toThrow(/AGENT_ERROR: agent '.*': the model's answer did not match the schema/);
  });

  it('streams chunks to a sink and through a pull iterator', async () => {
    const agent = await createAgent({ model: 'gpt-4o' }, depsWith(mockTextModel('one two three')));
    const chunks: string[] = [];
    const out = await streamAgent(agent, 'count', ctxWith(), (c) => void chunks.push(c.text));
    expect(chunks).toEqual(['one ', 'two ', 'three']);
    expect(out.text).toBe('one two three');
    expect(out.usage.total_tokens).toBe(15);

    const it = agentChunkIterator(agent, 'again', ctxWith());
    const seen: string[] = [];
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      seen.push(r.value!.text);
    }
    expect(seen.join('')).toBe('one two three');
    expect((await it.result()).text).toBe('one two three');
  });

  it('stops a stream early when the consumer returns', async () => {
    const agent = await createAgent({ model: 'gpt-4o' }, depsWith(mockTextModel('a b c d e f g h')));
    const it = agentChunkIterator(agent, 'x', ctxWith());
    expect((await it.next()).value).toEqual({ text: 'a ' });
    await it.return();
    await expect(it.result()).rejects.toThrow(/CANCELLED/);
  });

  it('enforces the budget across calls', async () => {
    const budget = new BudgetTracker(0.001);
    const agent = await createAgent({ model: 'gpt-4o' }, depsWith(mockTextModel('x', { inputTokens: 100_000, outputTokens: 100_000 }), { budget }));
    const first = await agent.run('spend', ctxWith());
    expect(first.cost).toBeCloseTo(0.25 + 1.0, 6);
    expect(budget.summary()).toMatchObject({ calls: 1, budget_usd: 0.001 });
    await expect(agent.run('more', ctxWith())).rejects.toThrow(/^BUDGET_EXCEEDED: agent '.*': budget of \$0.001 spent/);
  });

  it('times out and cancels through the abort signal', async () => {
    const hanging = new MockLanguageModelV3({
      doGenerate: ({ abortSignal }) => new Promise((_, reject) => abortSignal?.addEventListener('abort', () => reject(abortSignal.reason))),
    });
    const slow = await createAgent({ model: 'gpt-4o', timeout_ms: 50 }, depsWith(hanging));
    await expect(slow.run('x', ctxWith())).rejects.toThrow(/^TIMEOUT: agent '.*' timed out after 50 ms/);
    const controller = new AbortController();
    const agent = await createAgent({ model: 'gpt-4o' }, depsWith(hanging));
    const running = agent.run('x', ctxWith([], { signal: controller.signal }));
    controller.abort();
    await expect(running).rejects.toThrow(/^CANCELLED/);
    expect(agent.metrics()).toMatchObject({ requests_total: 1, requests_failed: 1, requests_active: 0 });
  });

  it('wraps an agent as a tool other components can call', async () => {
    const agent = await createAgent({ name: 'researcher', model: 'gpt-4o' }, depsWith(mockTextModel('Found it.')));
    const tool = agentAsTool(agent, { tool_name: 'research', description: 'Researches things' });
    expect(tool).toMatchObject({ name: 'research', category: 'agent', description: 'Researches things' });
    const r = await tool.run(tool.validate({ input: 'find x' }), ctxWith());
    expect(r).toMatchObject({ success: true, result: 'Found it.', metadata: { agent: 'researcher', provider: 'openai' } });
    expect(() => tool.validate({ input: 3 })).toThrow(/parameter 'input'/);
    // An agent using the wrapped agent as its tool.
    const boss = await createAgent({ model: 'gpt-4o', tools: ['research'] }, depsWith(mockToolCallModel([
      { toolCalls: [{ name: 'research', arguments: { input: 'find x' } }] }, { text: 'Done: Found it.' },
    ])));
    const out = await boss.run('delegate', ctxWith([tool]));
    expect(out.metadata.tool_calls[0].result).toEqual({ success: true, result: 'Found it.' });
  });

  it('stops an agent that calls itself through its own tool', async () => {
    const tools: Tool[] = [];
    const model = mockToolCallModel([{ toolCalls: [{ name: 'loop_tool', arguments: { input: 'again' } }] }]);
    const agent = await createAgent({ name: 'loop', model: 'gpt-4o', tools: ['loop_tool'], max_steps: 2 }, depsWith(model));
    tools.push(agentAsTool(agent, { tool_name: 'loop_tool' }));
    await expect(agent.run('go', ctxWith(tools))).rejects.toThrow(/^AGENT_ERROR: agent 'loop': agents nested 10 deep through tool calls/);
    // One call per level: the refusal ends every level's run instead of feeding more tool calls.
    expect(model.doGenerateCalls).toHaveLength(10);
  });

  it('saves, loads and deletes its conversation through the state layer', async () => {
    const state = memoryState();
    const agent = await createAgent({ name: 'memo', model: 'gpt-4o' }, depsWith(mockTextModel('noted')));
    await agent.run('remember 42', ctxWith());
    await agent.saveState(state);
    expect(state.data.has('agent:memo|conversation')).toBe(true);
    const again = await createAgent({ name: 'memo', model: 'gpt-4o' }, depsWith(mockTextModel('noted')));
    expect(await again.loadState(state)).toBe(true);
    expect(again.getHistory()).toEqual(agent.getHistory());
    expect(await again.deleteState(state)).toBe(true);
    expect(await again.loadState(state)).toBe(false);
  });

  it('validates its config and input, naming the parameter', async () => {
    const deps = depsWith(mockTextModel('x'));
    await expect(createAgent({ name: 'n' }, deps)).rejects.toThrow("INVALID_ARGUMENT: Model specification required (use 'model' field)");
    await expect(createAgent({ model: 'gpt-4o', temperature: 'hot' }, deps)).rejects.toThrow(/parameter 'temperature'/);
    await expect(createAgent({ model: 'gpt-4o', tools: {} }, deps)).resolves.toBeDefined();
    const agent = await createAgent({ model: 'gpt-4o' }, deps);
    await expect(agent.run({ messages: [{ role: 'robot', content: 'x' }] }, ctxWith())).rejects.toThrow(/parameter 'messages.1.role'/);
    await expect(agent.run({ text: 'x', temperature: 'hot' }, ctxWith())).rejects.toThrow(/parameter 'temperature'/);
  });
});

describe('provider defaults from [providers.providers.NAME]', () => {
  const providers = (settings: Record<string, unknown>) => new ProviderRegistry({
    config: { providers: { local: { provider_type: 'openai', base_url: 'http://127.0.0.1:1/v1', model: 'm', ...settings } } },
    modelFactory: () => mockTextModel('hi'),
  });

  test('timeout_seconds and max_retries apply to agents that set neither; an agent\'s own settings win', async () => {
    const deps = { providers: providers({ timeout_seconds: 7, max_retries: 4 }), prices: new PriceTable() };
    const inherited = await createAgent({ provider: 'local' }, deps);
    expect([inherited.config.timeoutMs, inherited.config.maxRetries]).toEqual([7000, 4]);
    const own = await createAgent({ provider: 'local', timeout: 300, max_retries: 1 }, deps);
    expect([own.config.timeoutMs, own.config.maxRetries]).toEqual([300, 1]);
    const plain = await createAgent({ provider: 'local' }, { providers: providers({}), prices: new PriceTable() });
    expect([plain.config.timeoutMs, plain.config.maxRetries]).toEqual([300_000, 2]);
  });
});

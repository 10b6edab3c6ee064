/**
 * The real @ai-sdk/openai and @ai-sdk/anthropic packages against a local server speaking
 * their protocols (no internet, no real key).
 */
import { SecurityPolicy, createExecutionContext, defineTool, z, type ExecutionContext, type Tool } from '@llmspell/core';
import { streamAgent } from './agent-stream.js';
import { createAgent, type AgentDeps } from './llm-agent.js';
import { PriceTable } from './prices.js';
import { ProviderRegistry } from './provider-registry.js';
import { startMockLlmServer, type MockLlmServer } from './testing/mock-llm-server.js';

const KEY = 'sk-test-e2e-0123456789abcdefghij';

const calculator: Tool = defineTool({
  name: 'calculator', description: 'Evaluates a product like 6*7', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ input: z.string() }),
  execute: ({ input }) => {
    const [a, b] = input.split('*').map(Number);
    return { result: a * b };
  },
});

let server: MockLlmServer;
beforeEach(async () => {
  server = await startMockLlmServer();
});
afterEach(async () => {
  await server.close();
});

/** The server is on loopback and named by each agent (not configured): the policy must allow it. */
function deps(): AgentDeps {
  return { providers: new ProviderRegistry({ env: {}, policy: new SecurityPolicy({ allowPrivateNetwork: true }) }), prices: new PriceTable() };
}

function ctx(policy = new SecurityPolicy()): ExecutionContext {
  return createExecutionContext({
    policy,
    components: { tool: (n) => (n === 'calculator' ? calculator : undefined), agent: () => undefined, workflow: () => undefined, tools: () => [calculator] },
  });
}

const openaiAgent = (extra: Record<string, unknown> = {}) =>
  createAgent({ model: 'openai/gpt-4o-mini', base_url: server.openaiBaseUrl, api_key: KEY, ...extra }, deps());
const anthropicAgent = (extra: Record<string, unknown> = {}) =>
  createAgent({ model: 'anthropic/claude-3-5-haiku-20241022', base_url: server.anthropicBaseUrl, api_key: KEY, ...extra }, deps());

describe('OpenAI chat-completions (real @ai-sdk/openai)', () => {
  it('answers a plain request and sends the key as a bearer token', async () => {
    server.reply({ text: 'Hello there!', usage: { input: 12, output: 3 } });
    const agent = await openaiAgent({ system_prompt: 'Be nice.', temperature: 0.2 });
    const out = await agent.run({ text: 'Hi' }, ctx());
    expect(out.text).toBe('Hello there!');
    expect(out.usage).toMatchObject({ input_tokens: 12, output_tokens: 3, total_tokens: 15 });
    expect(out.cost).toBeCloseTo((12 * 0.15 + 3 * 0.6) / 1e6, 12);
    const req = server.requests[0];
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(req.body).toMatchObject({ model: 'gpt-4o-mini', temperature: 0.2, messages: [{ role: 'system', content: 'Be nice.' }, { role: 'user', content: 'Hi' }] });
  });

  it('streams SSE chunks with usage', async () => {
    server.reply({ text: 'one two three', usage: { input: 5, output: 3 } });
    const agent = await openaiAgent();
    const chunks: string[] = [];
    const out = await streamAgent(agent, 'count', ctx(), (c) => void chunks.push(c.text));
    expect(chunks).toEqual(['one ', 'two ', 'three']);
    expect(out.text).toBe('one two three');
    expect(out.usage.total_tokens).toBe(8);
    expect(server.requests[0].body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('replays a recorded SSE stream', async () => {
    server.reply({ fixture: 'openai-chat-stream.sse' });
    const agent = await openaiAgent();
    const chunks: string[] = [];
    const out = await streamAgent(agent, 'Capital of France?', ctx(), (c) => void chunks.push(c.text));
    expect(out.text).toBe('The capital of France is Paris.');
    expect(chunks).toHaveLength(7);
    expect(out.usage).toMatchObject({ input_tokens: 14, output_tokens: 7 });
  });

  it('runs recorded tool calls through the llmspell tool and returns the final answer', async () => {
    server.reply({ fixture: 'openai-chat-tool-call.json' }, { fixture: 'openai-chat-tool-answer.json' });
    const agent = await openaiAgent({ tools: ['calculator'] });
    const out = await agent.run('What is 6*7?', ctx());
    expect(out.text).toBe('6 times 7 is 42.');
    expect(out.metadata.tool_calls).toEqual([{ id: 'call_Xy12', name: 'calculator', arguments: { input: '6*7' }, result: { success: true, result: 42 } }]);
    expect(out.usage.input_tokens).toBe(61 + 92);
    const [first, second] = server.requests;
    expect((first.body.tools as Array<{ function: { name: string } }>)[0].function.name).toBe('calculator');
    const toolMsg = (second.body.messages as Array<Record<string, unknown>>).find((m) => m.role === 'tool');
    expect(toolMsg).toMatchObject({ tool_call_id: 'call_Xy12' });
    expect(JSON.parse(String(toolMsg!.content))).toEqual({ success: true, result: 42 });
  });

  it('runs streamed tool calls (recorded SSE) and streams the answer', async () => {
    server.reply({ fixture: 'openai-chat-tool-call-stream.sse' }, { text: 'It is 42.' });
    const agent = await openaiAgent({ tools: ['calculator'] });
    const chunks: string[] = [];
    const out = await streamAgent(agent, 'What is 6*7?', ctx(), (c) => void chunks.push(c.text));
    expect(out.text).toBe('It is 42.');
    expect(chunks.join('')).toBe('It is 42.');
    expect(out.metadata.tool_calls[0]).toMatchObject({ name: 'calculator', result: { success: true, result: 42 } });
  });

  it('asks for JSON output against a schema', async () => {
    server.reply({ text: '{"city":"Paris","country":"France"}' });
    const agent = await openaiAgent();
    const schema = { type: 'object', properties: { city: { type: 'string' }, country: { type: 'string' } }, required: ['city', 'country'], additionalProperties: false };
    const out = await agent.run({ text: 'Where is the Louvre?', schema }, ctx());
    expect(out.object).toEqual({ city: 'Paris', country: 'France' });
    expect(server.requests[0].body.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('retries a 429 (honouring retry-after-ms) and then succeeds', async () => {
    server.reply({ status: 429, headers: { 'retry-after-ms': '5' } }, { text: 'finally' });
    const agent = await openaiAgent();
    const out = await agent.run('x', ctx());
    expect(out.text).toBe('finally');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after max_retries with RATE_LIMITED, and never shows the key', async () => {
    server.setDefault({ fixture: 'openai-rate-limit.json', status: 429, headers: { 'retry-after-ms': '1' } });
    const agent = await openaiAgent({ max_retries: 1 });
    const policy = new SecurityPolicy();
    policy.secrets.add(KEY);
    await expect(agent.run('x', ctx(policy))).rejects.toThrow(/^RATE_LIMITED: agent '.*': openai rate limit hit after 1 retries: Rate limit reached/);
    expect(server.requests).toHaveLength(2);
  });

  it('maps a rejected key and an unreachable server to PROVIDER_ERROR', async () => {
    server.reply({ status: 401 });
    const agent = await openaiAgent();
    await expect(agent.run('x', ctx())).rejects.toThrow(/^PROVIDER_ERROR: .*rejected the API key \(HTTP 401\)/);
    const url = server.openaiBaseUrl;
    await server.close();
    const gone = await createAgent({ model: 'openai/gpt-4o-mini', base_url: url, api_key: KEY, max_retries: 0 }, deps());
    await expect(gone.run('x', ctx())).rejects.toThrow(/^PROVIDER_ERROR: agent '.*': cannot reach openai at http:\/\/127\.0\.0\.1:\d+\/v1/);
    server = await startMockLlmServer();
  });

  it('refuses remote providers when network access is off, but not local ones', async () => {
    const offline = new SecurityPolicy({ allowNetwork: false });
    const local = await openaiAgent();
    expect((await local.run('hi', ctx(offline))).text).toBe('Echo: hi');
    const remote = await createAgent({ model: 'openai/gpt-4o-mini', api_key: KEY }, deps());
    await expect(remote.run('hi', ctx(offline))).rejects.toThrow(/^NETWORK_NOT_ALLOWED: agent '.*': network access is disabled/);
  });

  it('times out a provider that never answers', async () => {
    server.reply({ hang: true });
    const agent = await openaiAgent({ timeout_ms: 100 });
    await expect(agent.run('x', ctx())).rejects.toThrow(/^TIMEOUT: agent '.*' timed out after 100 ms/);
  });

  it('talks to a keyless OpenAI-compatible server declared in config (ollama, lmstudio, vLLM…)', async () => {
    const providers = new ProviderRegistry({
      env: {},
      config: { providers: { local: { provider_type: 'openai', base_url: server.url, model: 'llama3.2' } } },
    });
    const agent = await createAgent({ provider: 'local' }, { providers });
    const out = await agent.run('ping', ctx());
    expect(out.text).toBe('Echo: ping');
    expect(server.requests[0].body.model).toBe('llama3.2');
    const ollama = await createAgent({ model: 'ollama/qwen2.5' }, { providers: new ProviderRegistry({ env: { OLLAMA_BASE_URL: server.url } }) });
    expect((await ollama.run('hi', ctx())).text).toBe('Echo: hi');
  });
});

describe('Anthropic messages (real @ai-sdk/anthropic)', () => {
  it('answers a plain request with x-api-key and version headers', async () => {
    server.reply({ fixture: 'anthropic-messages.json' });
    const agent = await anthropicAgent({ system_prompt: 'Be brief.', max_tokens: 100 });
    const out = await agent.run('Capital of France?', ctx());
    expect(out.text).toBe('The capital of France is Paris.');
    expect(out.usage).toMatchObject({ input_tokens: 16, output_tokens: 10 });
    expect(out.cost).toBeCloseTo((16 * 0.8 + 10 * 4) / 1e6, 12);
    const req = server.requests[0];
    expect(req.path).toBe('/v1/messages');
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers['anthropic-version']).toBe('2023-06-01');
    expect(req.body).toMatchObject({ model: 'claude-3-5-haiku-20241022', max_tokens: 100, system: [{ type: 'text', text: 'Be brief.' }] });
  });

  it('streams a recorded SSE exchange', async () => {
    server.reply({ fixture: 'anthropic-messages-stream.sse' });
    const agent = await anthropicAgent();
    const chunks: string[] = [];
    const out = await streamAgent(agent, 'Capital of France?', ctx(), (c) => void chunks.push(c.text));
    expect(chunks).toEqual(['The capital', ' of France', ' is Paris', '.']);
    expect(out.text).toBe('The capital of France is Paris.');
    expect(out.usage).toMatchObject({ input_tokens: 16, output_tokens: 10 });
  });

  it('runs a recorded tool_use through the llmspell tool', async () => {
    server.reply({ fixture: 'anthropic-tool-use.json' }, { text: 'The answer is 42.' });
    const agent = await anthropicAgent({ tools: ['calculator'] });
    const out = await agent.run('What is 6*7?', ctx());
    expect(out.text).toBe('The answer is 42.');
    expect(out.metadata.tool_calls[0]).toMatchObject({ id: 'toolu_01A09q90qw90lq917835lq9', name: 'calculator', result: { success: true, result: 42 } });
    const second = server.requests[1].body.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
    expect(second[second.length - 1].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9' });
  });

  it('streams generated tool calls and text', async () => {
    server.reply({ toolCalls: [{ name: 'calculator', arguments: { input: '3*3' } }] }, { text: 'Nine.' });
    const agent = await anthropicAgent({ tools: ['calculator'] });
    const chunks: string[] = [];
    const out = await streamAgent(agent, '3*3?', ctx(), (c) => void chunks.push(c.text));
    expect(out.text).toBe('Nine.');
    expect(out.metadata.tool_calls[0].result).toEqual({ success: true, result: 9 });
  });
});

import { SCRIPT_CALLBACK, defineTool, executeComponent, z, type ScriptCallback, type ScriptValue, type StateAccess } from '@llmspell/core';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { createAgentsFeature } from '../features/agents.js';
import { LlmspellRuntime } from '../runtime.js';

type Obj = Record<string, any>;

function callback(fn: (...args: any[]) => unknown): ScriptCallback & { released: boolean } {
  const cb = {
    [SCRIPT_CALLBACK]: true as const, language: 'test', released: false,
    call: async (...args: ScriptValue[]) => (await fn(...args)) as ScriptValue,
    release() {
      cb.released = true;
    },
  };
  return cb;
}

const multiply = defineTool({
  name: 'multiply', description: 'Multiplies a and b', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ result: a * b }),
});

const KEY = 'sk-runtime-test-key-0123456789';

describe('Agent global', () => {
  let server: MockLlmServer;
  let rt: LlmspellRuntime;
  let Agent: Obj;
  let Tool: Obj;
  let logged: string[];

  async function boot(config: Record<string, unknown> = {}, env: Record<string, string> = {}) {
    logged = [];
    rt = await LlmspellRuntime.create({
      config,
      tools: [multiply],
      features: [createAgentsFeature({ env: { OPENAI_BASE_URL: server.url, ...env } })],
      logger: { debug: (m) => logged.push(m), info: (m) => logged.push(m), warn: (m) => logged.push(m), error: (m) => logged.push(m) },
    });
    const g = rt.buildGlobals({ language: 'lua' });
    Agent = g.Agent as Obj;
    Tool = g.Tool as Obj;
  }

  beforeEach(async () => {
    server = await startMockLlmServer();
    await boot();
  });
  afterEach(async () => {
    await rt.close();
    await server.close();
  });

  test('a field that is a near miss of one Agent.create reads is said on the script\'s stderr; other unknown fields stay quiet', async () => {
    const said: string[] = [];
    const g = rt.buildGlobals({ language: 'lua', output: { stdout: () => undefined, stderr: (t) => void said.push(t) } });
    const A = g.Agent as Obj;
    const agent = await A.create({ model: 'openai/gpt-4o-mini', api_key: KEY, temprature: 0.5, max_token: 9, colour: 'red', agent_type: 'llm', custom_config: {} });
    expect(said).toEqual([
      "warning: Agent.create: unknown field 'temprature' is ignored (did you mean 'temperature'?)",
      "warning: Agent.create: unknown field 'max_token' is ignored (did you mean 'max_tokens'?)",
    ]);
    expect(agent.model).toBe('openai/gpt-4o-mini');
    said.length = 0;
    await A.register('second', { model: 'openai/gpt-4o-mini', api_key: KEY, sytem_prompt: 'x' });
    expect(said).toEqual(["warning: Agent.register: unknown field 'sytem_prompt' is ignored (did you mean 'system_prompt'?)"]);
    said.length = 0;
    await A.create({ model: 'openai/gpt-4o-mini', api_key: KEY, temperature: 0.5, max_tokens: 9, system_prompt: 'x', description: 'd', tools: [] });
    expect(said).toEqual([]);
  });

  test('create, invoke (DOC and CODE spellings), registry functions and destroy', async () => {
    const agent = await Agent.create({ name: 'helper', model: 'openai/gpt-4o-mini', prompt: 'Be brief.', api_key: KEY });
    expect(agent.__handle).toMatch(/^agent#/);
    expect(agent.model).toBe('openai/gpt-4o-mini');
    const r = await agent.invoke({ text: 'hello' });
    expect(r.text).toBe('Echo: hello');
    expect(r.usage.total_tokens).toBeGreaterThan(0);
    expect((await agent.execute({ prompt: 'p' })).text).toBe('Echo: p');
    expect((await agent.invoke('plain')).text).toBe('Echo: plain');
    expect(await agent.complete('c')).toBe('Echo: c');
    expect((await agent.execute('with options', { temperature: 0.3, max_tokens: 9 })).text).toBe('Echo: with options');
    expect(server.requests[4].body).toMatchObject({ temperature: 0.3, max_tokens: 9 });
    expect(() => Agent.createComposite('x', [], {})).toThrow(/^UNSUPPORTED: Agent.createComposite/);
    expect((server.requests[0].body.messages as unknown[])[0]).toEqual({ role: 'system', content: 'Be brief.' });

    expect(Agent.list()).toEqual([expect.objectContaining({ name: 'helper', type: 'llm', provider: 'openai' })]);
    expect(Agent.listInstances()).toEqual(['helper']);
    expect(Agent.discover()).toEqual([expect.objectContaining({ type: 'llm' })]);
    expect(Agent.getInfo('helper')).toMatchObject({ name: 'helper', model: 'openai/gpt-4o-mini' });
    // rs-llmspell's examples ask for an agent type's information by its name.
    expect(Agent.getInfo('llm')).toMatchObject({ name: 'llm', type: 'llm', required_parameters: ['model'] });
    expect(() => Agent.getInfo('nope')).toThrow("AGENT_NOT_FOUND: Agent.getInfo: agent 'nope' not found");
    // A name Object.prototype carries is no agent type either.
    expect(() => Agent.getInfo('constructor')).toThrow("AGENT_NOT_FOUND: Agent.getInfo: agent 'constructor' not found");
    expect(Agent.get('helper').__handle).toBe(agent.__handle);
    expect(Agent.get('nope')).toBeNull();
    expect(agent.getConfig()).toMatchObject({ name: 'helper', prompt: 'Be brief.', max_conversation_length: 50 });
    expect(agent.getConfig().api_key).toBeUndefined();
    expect(agent.getState()).toBe('Ready');
    expect(agent.getHistory()).toHaveLength(10);
    agent.clearHistory();
    expect(agent.getHistory()).toEqual([]);
    expect(agent.getMetrics()).toMatchObject({ agent_id: 'helper', requests_total: 5, requests_failed: 0 });

    await expect(Agent.create({ name: 'helper', model: 'gpt-4o' })).rejects.toThrow("ALREADY_EXISTS: agent 'helper' already exists");
    agent.destroy();
    expect(Agent.listInstances()).toEqual([]);
    await expect(agent.invoke('x')).rejects.toThrow(/AGENT_NOT_FOUND/);
  });

  test('the API key is registered as a secret and redacted', async () => {
    const agent = await Agent.create({ name: 'leaky', model: 'openai/gpt-4o-mini', api_key: KEY });
    server.reply({ text: `the key is ${KEY}` });
    const r = await agent.invoke('tell me');
    expect(r.text).toBe('the key is [REDACTED]');
    expect(rt.policy.redact(`x ${KEY}`)).toBe('x [REDACTED]');
  });

  test('errors: missing model, missing key, bad input', async () => {
    await expect(Agent.create({ name: 'x' })).rejects.toThrow("Model specification required (use 'model' field)");
    await expect(Agent.create({ model: 'anthropic/claude-3-5-haiku-latest' })).rejects.toThrow(/^MISSING_API_KEY: .*ANTHROPIC_API_KEY/);
    await expect(Agent.create('gpt-4o')).rejects.toThrow(/parameter 'config'/);
  });

  test('providers from config, agents calling llmspell tools, wrapAsTool', async () => {
    await rt.close();
    await boot({ providers: { providers: { lab: { provider_type: 'openai', base_url: server.openaiBaseUrl, model: 'llama3.2' } } } });
    server.reply({ toolCalls: [{ name: 'multiply', arguments: { a: 6, b: 7 } }] }, { text: '42' });
    const agent = await Agent.create({ name: 'mathy', provider: 'lab', tools: ['multiply'] });
    const r = await agent.invoke({ text: '6*7?' });
    expect(r.text).toBe('42');
    expect(r.metadata.tool_calls).toEqual([expect.objectContaining({ name: 'multiply', result: { success: true, result: 42 } })]);
    expect(server.requests[0].body.model).toBe('llama3.2');

    const toolName = Agent.wrapAsTool('mathy', { tool_name: 'math_agent', description: 'Does maths' });
    expect(toolName).toBe('math_agent');
    expect(Tool.exists('math_agent')).toBe(true);
    const t = await Tool.invoke('math_agent', { input: 'what is 2+2' });
    expect(t.result).toBe('Echo: what is 2+2');
    // a workflow-style caller can run the tool through executeComponent too
    const viaCore = await executeComponent(rt.tools.get('math_agent')!, { input: 'hi' }, rt.createContext());
    expect(viaCore.result).toBe('Echo: hi');
  });

  test('a script-named base_url gets no configured key and obeys the runtime network policy', async () => {
    const envKey = 'sk-test-env-runtime-0123456789abcd';
    const other = await startMockLlmServer();
    try {
      await rt.close();
      await boot({}, { OPENAI_API_KEY: envKey });
      // Default policy: the script's loopback URL is refused before any request.
      await expect(Agent.create({ model: 'openai/gpt-4o-mini', base_url: other.openaiBaseUrl })).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
      expect(other.requests).toHaveLength(0);
      // The configured endpoint (OPENAI_BASE_URL here) gets the key, also when the script repeats it.
      await (await Agent.create({ model: 'openai/gpt-4o-mini' })).invoke('hi');
      await (await Agent.create({ model: 'openai/gpt-4o-mini', base_url: server.openaiBaseUrl })).invoke('hi');
      expect(server.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${envKey}`, `Bearer ${envKey}`]);
      // With private networks allowed the script's URL is reached, without the key.
      await rt.close();
      await boot({ runtime: { security: { allow_private_network: true } } }, { OPENAI_API_KEY: envKey });
      await (await Agent.create({ model: 'openai/gpt-4o-mini', base_url: other.openaiBaseUrl })).invoke('hi');
      expect(other.requests[0].headers.authorization).toBe('Bearer llmspell-no-key');
      expect(JSON.stringify(other.requests[0].headers)).not.toContain(envKey);
    } finally {
      await other.close();
    }
  });

  test('invokeStream calls back per chunk; stream() is a pull iterator', async () => {
    const agent = await Agent.create({ name: 'streamer', model: 'gpt-4o-mini', api_key: KEY });
    server.reply({ text: 'a b c' });
    const seen: string[] = [];
    const cb = callback((chunk: Obj) => void seen.push(chunk.text));
    const r = await agent.invokeStream({ text: 'go' }, cb);
    expect(seen).toEqual(['a ', 'b ', 'c']);
    expect(r).toMatchObject({ success: true, chunks_received: 3, text: 'a b c' });
    expect(cb.released).toBe(true);
    await expect(agent.invokeStream({ text: 'go' }, 'nope')).rejects.toThrow(/parameter 'callback'/);

    server.reply({ text: 'x y' });
    const s = agent.stream('again');
    expect(s.__async_iterator).toBe(true);
    const parts: string[] = [];
    for (let step = await s.next(); !step.done; step = await s.next()) parts.push(step.value.text);
    expect(parts).toEqual(['x ', 'y']);
    expect((await s.result()).usage.total_tokens).toBeGreaterThan(0);
  });

  test('structured output through a schema table', async () => {
    const agent = await Agent.create({ name: 'structured', model: 'gpt-4o-mini', api_key: KEY });
    server.reply({ text: '{"name":"Ada","age":36}' });
    const r = await agent.invoke({ text: 'who?', schema: { type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } }, required: ['name', 'age'] } });
    expect(r.object).toEqual({ name: 'Ada', age: 36 });
    expect(r.data).toEqual({ name: 'Ada', age: 36 });
  });

  test('budget from config and Agent.setBudget, with the price table extended in config', async () => {
    await rt.close();
    await boot({ agents: { budget_usd: 0.05, prices: { 'openai/house-model': { input_per_million: 10000, output_per_million: 0 } } } });
    Agent.setBudget(0.01);
    const agent = await Agent.create({ name: 'spender', model: 'openai/house-model', api_key: KEY });
    server.reply({ text: 'ok', usage: { input: 2, output: 1 } });
    const r = await agent.invoke('spend');
    expect(r.cost).toBeCloseTo(0.02, 10);
    expect(Agent.getBudget()).toMatchObject({ budget_usd: 0.01, calls: 1 });
    await expect(agent.invoke('more')).rejects.toThrow(/^BUDGET_EXCEEDED/);
    // Back up to the configured budget, not past it, and not off.
    Agent.setBudget(0.05);
    expect((await agent.invoke('now ok')).text).toBe('Echo: now ok');
    expect(() => Agent.setBudget(1)).toThrow(/^OPERATION_NOT_ALLOWED: budget of \$1 refused: \[agents\] budget_usd = 0.05/);
    expect(() => Agent.setBudget(null)).toThrow(/^OPERATION_NOT_ALLOWED: budget removal refused/);
    expect(Agent.getBudget()).toMatchObject({ budget_usd: 0.05 });
    expect(() => Agent.setBudget('lots')).toThrow(/parameter 'usd'/);
    await rt.close();
    await expect(boot({ agents: { prices: { 'x/y': { input_per_million: -1 } } } })).rejects.toThrow(/CONFIG_INVALID/);
    await boot();
  });

  test('saveState / loadState / deleteState through runtime.state', async () => {
    const data = new Map<string, unknown>();
    const state: StateAccess = {
      get: async (s, k) => data.get(`${s}/${k}`),
      set: async (s, k, v) => void data.set(`${s}/${k}`, JSON.parse(JSON.stringify(v))),
      delete: async (s, k) => data.delete(`${s}/${k}`),
      keys: async () => [],
    };
    const agent = await Agent.create({ name: 'memo', model: 'gpt-4o-mini', api_key: KEY });
    await expect(agent.saveState()).rejects.toThrow(/STATE_ERROR/);
    rt.state = state;
    await agent.invoke('remember me');
    await expect(agent.saveState()).resolves.toBe(true);
    expect(data.get('agent:memo/conversation')).toHaveLength(2);
    agent.clearHistory();
    expect(await agent.loadState()).toBe(true);
    expect(agent.getHistory()[0]).toMatchObject({ role: 'user', content: 'remember me' });
    expect(await agent.deleteState()).toBe(true);
    expect(await agent.loadState()).toBe(false);
  });

  test('loadState refuses a malformed saved conversation, naming it, and the agent keeps working', async () => {
    const data = new Map<string, unknown>([['agent:helper/conversation', [{ role: 'bogus', content: 5 }, { foo: 1 }, 'str']]]);
    rt.state = {
      get: async (s, k) => data.get(`${s}/${k}`),
      set: async (s, k, v) => void data.set(`${s}/${k}`, v),
      delete: async (s, k) => data.delete(`${s}/${k}`),
      keys: async () => [],
    };
    const agent = await Agent.create({ name: 'helper', model: 'gpt-4o-mini', api_key: KEY });
    await expect(agent.loadState()).rejects.toThrow(/^STATE_ERROR: agent 'helper': the saved conversation \(scope agent:helper, key conversation\) is not a list of chat messages: message at index 0 has role "bogus"/);
    expect(agent.getHistory()).toEqual([]);
    expect((await agent.invoke('hi')).text).toBe('Echo: hi');
  });

  test('Agent.register: CODE (one table) and DOC (name, config) forms', async () => {
    expect(await Agent.register({ name: 'r1', model: 'gpt-4o-mini', api_key: KEY })).toBe('r1');
    expect(await Agent.register('r2', { model: 'gpt-4o-mini', api_key: KEY })).toBe('r2');
    expect(Agent.listInstances()).toEqual(['r1', 'r2']);
    expect(Agent.listCapabilities()).toMatchObject({ r1: expect.arrayContaining(['text_generation']) });
  });
});

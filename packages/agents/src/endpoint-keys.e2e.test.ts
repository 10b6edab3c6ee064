/**
 * Keys go only where configuration sends them (issue 12): the real ai SDK providers against
 * the local OpenAI/Anthropic-compatible server, which records every header it receives.
 */
import { SecurityPolicy, createExecutionContext } from '@llmspell/core';
import { createAgent, type AgentDeps } from './llm-agent.js';
import { ProviderRegistry, type ProvidersConfig } from './provider-registry.js';
import { startMockLlmServer, type MockLlmServer } from './testing/mock-llm-server.js';

const OPENAI_KEY = 'sk-test-env-openai-0123456789abcdef';
const ANTHROPIC_KEY = 'sk-ant-test-env-0123456789abcdefghij';
const CONFIG_KEY = 'sk-test-config-key-0123456789abcdef';
const ENV = { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY, GROQ_API_KEY: 'gsk_test_0123456789abcdef' };

let server: MockLlmServer;
let other: MockLlmServer;
beforeEach(async () => {
  server = await startMockLlmServer();
  other = await startMockLlmServer();
});
afterEach(async () => {
  await server.close();
  await other.close();
});

const open = new SecurityPolicy({ allowPrivateNetwork: true });
const ctx = () => createExecutionContext({ policy: open });
function deps(options: { config?: ProvidersConfig; policy?: SecurityPolicy; env?: Record<string, string> } = {}): AgentDeps {
  return { providers: new ProviderRegistry({ env: options.env ?? ENV, config: options.config, policy: options.policy ?? open }) };
}
/** Every header value the server saw, joined: no configured key may appear in it. */
const seen = (s: MockLlmServer) => JSON.stringify(s.requests.map((r) => r.headers));

describe('a base_url named by the caller', () => {
  it('gets no environment key (OpenAI and Anthropic)', async () => {
    const a = await createAgent({ model: 'openai/gpt-4o-mini', base_url: server.openaiBaseUrl, max_retries: 0 }, deps());
    await a.run('hi', ctx());
    const b = await createAgent({ model: 'anthropic/claude-3-5-haiku-latest', base_url: server.anthropicBaseUrl, max_retries: 0 }, deps());
    server.reply({ fixture: 'anthropic-messages.json' });
    await b.run('hi', ctx());
    expect(server.requests).toHaveLength(2);
    expect(server.requests[0].headers.authorization).toBe('Bearer llmspell-no-key');
    expect(server.requests[1].headers['x-api-key']).toBe('llmspell-no-key');
    expect(seen(server)).not.toContain(OPENAI_KEY);
    expect(seen(server)).not.toContain(ANTHROPIC_KEY);
    expect(seen(server)).not.toContain('gsk_test');
  });

  it('gets no api_key from config either, for any provider', async () => {
    const config = { providers: { openai: { provider_type: 'openai', api_key: CONFIG_KEY }, groq: { provider_type: 'groq', api_key_env: 'GROQ_API_KEY' } } };
    for (const model of ['openai/gpt-4o-mini', 'groq/llama-3.1-8b-instant']) {
      const a = await createAgent({ model, base_url: server.openaiBaseUrl, max_retries: 0 }, deps({ config }));
      await a.run('hi', ctx());
    }
    expect(server.requests).toHaveLength(2);
    expect(seen(server)).not.toContain(CONFIG_KEY);
    expect(seen(server)).not.toContain('gsk_test');
  });

  it('gets the key the caller passes itself', async () => {
    const a = await createAgent({ model: 'openai/gpt-4o-mini', base_url: server.openaiBaseUrl, api_key: 'sk-script-own-0123456789' }, deps());
    await a.run('hi', ctx());
    expect(server.requests[0].headers.authorization).toBe('Bearer sk-script-own-0123456789');
  });

  it('on loopback is refused by the default policy, before any request, in every spelling', async () => {
    const strict = new SecurityPolicy();
    const port = new URL(server.url).port;
    for (const base of [server.openaiBaseUrl, `http://localhost:${port}/v1`, `http://[::1]:${port}/v1`, `http://[::ffff:127.0.0.1]:${port}/v1`, `http://0.0.0.0:${port}/v1`, `http://127.1:${port}/v1`, `http://2130706433:${port}/v1`, `127.0.0.1:${port}`]) {
      await expect(createAgent({ model: 'openai/gpt-4o-mini', base_url: base }, deps({ policy: strict }))).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    }
    await expect(createAgent({ model: 'anthropic/claude-3-5-haiku-latest', base_url: server.anthropicBaseUrl }, deps({ policy: strict }))).rejects.toThrow(/^NETWORK_NOT_ALLOWED: .*loopback.*allow_private_network/);
    expect(server.requests).toHaveLength(0);
  });

  it('obeys the domain lists and the network switch', async () => {
    const blocked = new SecurityPolicy({ allowPrivateNetwork: true, blockedDomains: ['127.0.0.1'] });
    await expect(createAgent({ model: 'openai/x', base_url: server.openaiBaseUrl }, deps({ policy: blocked }))).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    const offline = new SecurityPolicy({ allowPrivateNetwork: true, allowNetwork: false });
    await expect(createAgent({ model: 'openai/x', base_url: server.openaiBaseUrl }, deps({ policy: offline }))).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
  });
});

describe('the configured endpoint', () => {
  it('gets the key, from config base_url or a base-URL variable, also on loopback under the default policy', async () => {
    const strict = new SecurityPolicy();
    const config = { providers: { openai: { provider_type: 'openai', base_url: server.openaiBaseUrl } } };
    const a = await createAgent({ model: 'openai/gpt-4o-mini' }, deps({ config, policy: strict }));
    await a.run('hi', ctx());
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const b = await createAgent({ model: 'openai/gpt-4o-mini' }, deps({ env: { ...ENV, OPENAI_BASE_URL: server.openaiBaseUrl }, policy: strict }));
    await b.run('hi', ctx());
    expect(server.requests[1].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const c = await createAgent({ provider: 'lab', model: 'm' }, deps({ config: { providers: { lab: { provider_type: 'openai', base_url: server.openaiBaseUrl, api_key: CONFIG_KEY } } }, policy: strict }));
    await c.run('hi', ctx());
    expect(server.requests[2].headers.authorization).toBe(`Bearer ${CONFIG_KEY}`);
  });

  it('keeps its key when the caller repeats it (or a path below it), not on another port or a path beside it', async () => {
    const config = { providers: { openai: { provider_type: 'openai', base_url: server.openaiBaseUrl } } };
    const port = new URL(server.url).port;
    const same = await createAgent({ model: 'openai/gpt-4o-mini', base_url: `http://127.0.0.1:${port}/v1/` }, deps({ config }));
    await same.run('hi', ctx());
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const beside = await createAgent({ model: 'openai/gpt-4o-mini', base_url: `http://127.0.0.1:${port}/v1/../v2`, max_retries: 0 }, deps({ config }));
    await beside.run('hi', ctx()).catch(() => undefined);
    const otherPort = await createAgent({ model: 'openai/gpt-4o-mini', base_url: other.openaiBaseUrl }, deps({ config }));
    await otherPort.run('hi', ctx());
    expect(seen(other)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(server.requests.slice(1).map((r) => r.headers))).not.toContain(OPENAI_KEY);
  });

  it('local providers keep working keyless on their default localhost URLs', () => {
    const r = new ProviderRegistry({ env: {}, policy: new SecurityPolicy() });
    for (const model of ['ollama/llama3.2', 'lmstudio/qwen', 'vllm/m']) {
      const resolved = r.resolve({ model });
      expect([model, resolved.configuredEndpoint, typeof resolved.fetch]).toEqual([model, true, 'function']);
      expect(new URL(resolved.baseURL!).hostname).toBe('localhost');
    }
  });

  it('a keyless local server in config is reached under the default policy', async () => {
    const providers = new ProviderRegistry({ env: { OLLAMA_BASE_URL: server.url }, policy: new SecurityPolicy() });
    const agent = await createAgent({ model: 'ollama/qwen2.5' }, { providers });
    expect((await agent.run('hi', ctx())).text).toBe('Echo: hi');
  });
});

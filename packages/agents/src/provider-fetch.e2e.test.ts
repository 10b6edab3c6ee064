/**
 * What a provider's server can make llmspell do: the real ai SDK providers against local servers
 * that answer with endless bodies and redirects.
 */
import { SecurityPolicy, createExecutionContext } from '@llmspell/core';
import { endlessBody, startServer, type TestServer } from '@llmspell/core/testing';
import { createAgent, type AgentDeps } from './llm-agent.js';
import { ProviderRegistry, type ProvidersConfig } from './provider-registry.js';
import { startMockLlmServer, type MockLlmServer } from './testing/mock-llm-server.js';

const KEY = 'sk-ant-test-configured-0123456789abcdef';
const servers: TestServer[] = [];
let mock: MockLlmServer;
beforeEach(async () => {
  mock = await startMockLlmServer();
});
afterEach(async () => {
  await mock.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const s = await startServer(handler);
  servers.push(s);
  return s;
}


const strict = new SecurityPolicy();
const ctx = () => createExecutionContext({ policy: strict });
function deps(config: ProvidersConfig, policy = strict): AgentDeps {
  return { providers: new ProviderRegistry({ config, env: { MY_KEY: KEY }, policy }) };
}

describe('provider responses are capped', () => {
  it('an endless JSON answer from a configured endpoint fails early with SIZE_LIMIT_EXCEEDED', async () => {
    const s = await serve(endlessBody('application/json', 'a'.repeat(64 * 1024), '{"id":"x","choices":[{"message":{"role":"assistant","content":"', 256 * 1024 * 1024));
    const agent = await createAgent({ provider: 'lab', model: 'm', max_retries: 0 }, deps({ providers: { lab: { provider_type: 'openai', base_url: `${s.url}/v1` } } }));
    const before = process.memoryUsage().rss;
    await expect(agent.run('hi', ctx())).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 32 * 1024 * 1024 } });
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
  });

  it('an endless answer from an endpoint the script named fails the same way (Anthropic)', async () => {
    const s = await serve(endlessBody('application/json', 'b'.repeat(64 * 1024), '{"content":[{"type":"text","text":"', 256 * 1024 * 1024));
    const open = new SecurityPolicy({ allowPrivateNetwork: true });
    const agent = await createAgent({ model: 'anthropic/claude-3-5-haiku-latest', base_url: `${s.url}/v1`, max_retries: 0 }, deps({}, open));
    await expect(agent.run('hi', createExecutionContext({ policy: open }))).rejects.toThrow(/^SIZE_LIMIT_EXCEEDED: agent '.*' \(anthropic\): response body from http:\/\/127\.0\.0\.1:\d+\/v1\/messages is larger than the limit/);
  });

  it('a streamed answer comes through the capped fetch, one endless event does not', async () => {
    const config = { providers: { openai: { provider_type: 'openai', base_url: mock.openaiBaseUrl } } };
    const chunks: string[] = [];
    mock.reply({ text: 'word '.repeat(2000) });
    const agent = await createAgent({ model: 'openai/m', max_retries: 0 }, deps(config));
    const { streamAgent } = await import('./agent-stream.js');
    const out = await streamAgent(agent, 'hi', ctx(), (c) => void chunks.push(c.text));
    expect(out.text).toBe('word '.repeat(2000));
    const s = await serve(endlessBody('text/event-stream', 'c'.repeat(64 * 1024), 'data: {"choices":[{"delta":{"content":"', 256 * 1024 * 1024));
    const bad = await createAgent({ provider: 'lab', model: 'm', max_retries: 0 }, deps({ providers: { lab: { provider_type: 'openai', base_url: `${s.url}/v1` } } }));
    await expect(streamAgent(bad, 'hi', ctx(), () => undefined)).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
  });

  it('a streaming request answered with an endless plain JSON body is capped as a whole, naming the provider', async () => {
    const s = await serve(endlessBody('application/json', 'a'.repeat(64 * 1024), '{"id":"x","choices":[{"message":{"role":"assistant","content":"', 256 * 1024 * 1024));
    const agent = await createAgent({ provider: 'lab', model: 'm', max_retries: 0 }, deps({ providers: { lab: { provider_type: 'openai', base_url: `${s.url}/v1` } } }));
    const { streamAgent } = await import('./agent-stream.js');
    const before = process.memoryUsage().rss;
    const e = await streamAgent(agent, 'hi', ctx(), () => undefined).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 32 * 1024 * 1024, provider: 'lab' } });
    expect(String((e as Error).message)).toMatch(/^SIZE_LIMIT_EXCEEDED: agent '.*' \(lab\): response body from .* larger than the limit of 33554432 bytes/);
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 1024 * 1024);
  });

  it('an endless stream of small events is capped on the total text of the answer, pushed or pulled', async () => {
    const event = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'x'.repeat(60 * 1024) }, finish_reason: null }] })}\n\n`;
    const s = await serve(endlessBody('text/event-stream', event, '', 256 * 1024 * 1024));
    const agent = await createAgent({ provider: 'lab', model: 'm', max_retries: 0 }, deps({ providers: { lab: { provider_type: 'openai', base_url: `${s.url}/v1` } } }));
    const { streamAgent, agentChunkIterator } = await import('./agent-stream.js');
    let pushed = 0;
    const e = await streamAgent(agent, 'hi', ctx(), (c) => void (pushed += c.text.length)).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 32 * 1024 * 1024, provider: 'lab' } });
    expect(String((e as Error).message)).toMatch(/the streamed answer from lab is larger than the limit of 33554432 bytes of text/);
    // Every chunk up to the cap reached the script; the one past it did not.
    expect(pushed).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(pushed).toBeGreaterThan(31 * 1024 * 1024);
    const it = agentChunkIterator(agent, 'hi', ctx());
    let pulled = 0;
    const pulledError = await (async () => {
      for (;;) {
        const r = await it.next();
        if (r.done) return undefined;
        pulled += r.value!.text.length;
      }
    })().catch((x: unknown) => x);
    expect(pulledError).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
    expect(pulled).toBeGreaterThan(31 * 1024 * 1024);
    // The server saw both connections closed: no socket is left reading an endless body.
    expect(s.requests).toHaveLength(2);
  });
});

describe('a configured endpoint that redirects', () => {
  it('keeps its key on a redirect to another origin, and the hop obeys the network policy', async () => {
    const config = { providers: { aredir: { provider_type: 'anthropic', base_url: '', api_key_env: 'MY_KEY' } } };
    const a = await serve((req, res) => {
      res.writeHead(307, { Location: `${mock.url}${req.url!.replace('/redir', '')}` });
      res.end();
    });
    config.providers.aredir.base_url = `${a.url}/redir/v1`;
    // Under the default policy the hop to another loopback port is refused.
    const agent = await createAgent({ provider: 'aredir', model: 'claude-3-5-haiku-latest', max_retries: 0 }, deps(config));
    await expect(agent.run('hi', ctx())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    expect(mock.requests).toHaveLength(0);
    expect(a.requests[0].headers['x-api-key']).toBe(KEY);
    // Where the policy allows the hop, the key stays behind.
    const open = new SecurityPolicy({ allowPrivateNetwork: true });
    mock.reply({ fixture: 'anthropic-messages.json' });
    const followed = await createAgent({ provider: 'aredir', model: 'claude-3-5-haiku-latest', max_retries: 0 }, deps(config, open));
    await followed.run('hi', createExecutionContext({ policy: open }));
    expect(mock.requests).toHaveLength(1);
    expect(JSON.stringify(mock.requests[0].headers)).not.toContain(KEY);
  });
});

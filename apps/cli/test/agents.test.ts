import fs from 'node:fs';
import path from 'node:path';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { cli, repoRoot, scratch, write } from './helpers.js';

describe('agents from scripts against a local OpenAI-compatible server', () => {
  let server: MockLlmServer;
  beforeAll(async () => {
    server = await startMockLlmServer();
  });
  afterAll(() => server.close());

  const envFor = (dir: string) => ({
    HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1',
    OPENAI_BASE_URL: server.openaiBaseUrl, OPENAI_API_KEY: 'test-key-123456', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true',
  });

  test('Lua and JS: a tool call, a streamed answer, usage, saved conversation and `llmspell agents`', async () => {
    const dir = scratch();
    write(dir, 'a.lua', `
local agent = Agent.create({ name = "helper", model = "openai/gpt-4o-mini", tools = { "calculator" }, system_prompt = "Be brief." })
local r = agent:invoke({ text = "What is 6*7?" })
local chunks = {}
local s = agent:invokeStream({ text = "stream please" }, function(c) chunks[#chunks + 1] = c.text end)
agent:saveState()
return { text = r.text, tokens = r.usage.total_tokens > 0, streamed = table.concat(chunks), n = #chunks > 1, listed = Agent.list()[1].name }`);
    write(dir, 'a.js', `
const agent = await Agent.create({ name: 'helper-js', model: 'openai/gpt-4o-mini', tools: ['calculator'] });
const r = await agent.invoke({ text: 'What is 6*7?' });
let streamed = '';
for await (const c of agent.stream('stream please')) streamed += c.text;
export default { text: r.text, tokens: r.usage.total_tokens > 0, streamed };`);
    const env = envFor(dir);
    // Each script: the model first asks for the calculator, then answers with its result.
    for (const file of ['a.lua', 'a.js']) {
      server.reply(
        { toolCalls: [{ name: 'calculator', arguments: { input: '6*7' } }] },
        (req) => ({ text: req.body && JSON.stringify(req.body).includes('42') ? 'It is 42.' : 'no tool result seen' }),
        { text: 'streamed words arrive one by one' },
      );
      const r = await cli(['run', file], { cwd: dir, env });
      expect([file, r.stderr]).toEqual([file, '']);
      const out = JSON.parse(r.stdout);
      expect(out).toMatchObject({ text: 'It is 42.', tokens: true, streamed: 'streamed words arrive one by one' });
    }
    const listed = JSON.parse((await cli(['agents', '--output', 'json'], { cwd: dir, env })).stdout);
    expect(listed.saved_agents).toEqual([expect.objectContaining({ name: 'helper' })]);
    const shown = await cli(['agents', 'show', 'helper'], { cwd: dir, env });
    expect(shown.stdout).toContain('user: What is 6*7?');
    expect(shown.stdout).toContain('assistant: It is 42.');
  });

  test('the default_provider setup of examples/README.md: agents without a model use that provider and its model', async () => {
    const dir = scratch();
    // The llmspell.toml the README documents, with its base_url pointing at this test's server.
    const readme = fs.readFileSync(path.join(repoRoot, 'examples/README.md'), 'utf8');
    const toml = /```toml\n(\[providers\]\ndefault_provider[\s\S]*?)```/.exec(readme)![1];
    expect(toml).toContain('base_url = "http://127.0.0.1:1234/v1"');
    write(dir, 'llmspell.toml', toml.replace('http://127.0.0.1:1234/v1', server.openaiBaseUrl));
    // No key and no private-network switch: the configured endpoint is trusted configuration.
    const env = { HOME: dir, XDG_DATA_HOME: path.join(dir, '.data'), PATH: process.env.PATH ?? '', NO_COLOR: '1' };
    const before = server.requests.length;
    server.reply(
      { toolCalls: [{ name: 'calculator', arguments: { input: '1234 * 5678' } }] },
      { text: '1234 * 5678 = 7,006,652.' },
    );
    const r = await cli(['run', path.join(repoRoot, 'examples/lua/agent-tools.lua')], { cwd: dir, env });
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual({ calls: 1, tool_result: 7006652, mentions_result: true, unknown_tool: 'TOOL_NOT_FOUND' });
    expect(server.requests.slice(before).map((q) => q.body.model)).toEqual(['qwen2.5-7b-instruct', 'qwen2.5-7b-instruct']);

    // In JavaScript too, and a bare model name goes to the default provider, not to OpenAI.
    write(dir, 'bare.js', `
const a = await Agent.create({ name: 'bare' });
const b = await Agent.create({ name: 'named', model: 'llama3.2' });
export default [(await a.invoke({ text: 'one' })).text, (await b.invoke({ text: 'two' })).text, a.getConfig().model ?? null];`);
    server.reply({ text: 'first' }, { text: 'second' });
    const js = await cli(['run', 'bare.js'], { cwd: dir, env });
    expect([js.code, js.stderr]).toEqual([0, '']);
    expect(JSON.parse(js.stdout.trim().split('\n').pop()!)).toEqual(['first', 'second', 'local/qwen2.5-7b-instruct']);
    expect(server.requests.slice(-2).map((q) => q.body.model)).toEqual(['qwen2.5-7b-instruct', 'llama3.2']);

    // Without a default provider the error says both ways out.
    write(dir, 'llmspell.toml', '');
    const none = await cli(['run', 'bare.js'], { cwd: dir, env });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("INVALID_ARGUMENT: bare.js:2: Model specification required (use 'model' field): give the agent a model such as \"openai/gpt-4o-mini\", or set [providers] default_provider in llmspell.toml");
  });

  test('a misconfigured provider is a clear error naming what to set; keys never leak', async () => {
    const dir = scratch();
    write(dir, 'm.lua', 'local a = Agent.create({ model = "anthropic/claude-3-5-haiku" })\nreturn a:invoke({ text = "hi" }).text');
    const r = await cli(['run', 'm.lua'], { cwd: dir, env: { HOME: dir, PATH: process.env.PATH ?? '', XDG_DATA_HOME: path.join(dir, '.data') } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/MISSING_API_KEY.*ANTHROPIC_API_KEY/);
    write(dir, 'bad.lua', 'local a = Agent.create({ model = "openai/gpt-4o-mini", api_key = "sk-secret-should-not-show-123456", base_url = "http://127.0.0.1:9/v1" })\nreturn a:invoke({ text = "hi" }).text');
    const bad = await cli(['run', 'bad.lua'], { cwd: dir, env: { HOME: dir, PATH: process.env.PATH ?? '', LLMSPELL_ALLOW_PRIVATE_NETWORK: 'true', XDG_DATA_HOME: path.join(dir, '.data') } });
    expect(bad.code).toBe(1);
    expect(bad.stderr + bad.stdout).not.toContain('sk-secret-should-not-show-123456');
  });
});

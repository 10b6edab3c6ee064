/**
 * The Agent global from real Lua and JavaScript scripts, through the bridges, against the
 * local mock LLM server. (The bridges depend on this package, so they are imported by path.)
 */
import { defineTool, z, type ScriptEngine } from '@llmspell/core';

// Not literal specifiers: the bridges depend on this package, so tsc must not pull their
// sources into this package's program; jest loads them from source all the same.
const bridge = (name: string) => new URL(`../../../${name}/src/index.ts`, import.meta.url).pathname;
const { createJsEngine } = (await import(bridge('bridge-js'))) as { createJsEngine: () => ScriptEngine };
const { createLuaEngine } = (await import(bridge('bridge-lua'))) as { createLuaEngine: () => ScriptEngine };
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { createAgentsFeature } from '../features/agents.js';
import { LlmspellRuntime } from '../runtime.js';

const multiply = defineTool({
  name: 'multiply', description: 'Multiplies a and b', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: ({ a, b }) => ({ result: a * b }),
});

let server: MockLlmServer;
let rt: LlmspellRuntime;
const out: string[] = [];
const output = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };

beforeEach(async () => {
  out.length = 0;
  server = await startMockLlmServer();
  rt = await LlmspellRuntime.create({
    tools: [multiply],
    config: { providers: { providers: { mock: { provider_type: 'openai', base_url: server.openaiBaseUrl, model: 'mock-model' } } } },
    features: [createAgentsFeature({ env: {} })],
  });
});
afterEach(async () => {
  await rt.close();
  await server.close();
});

async function run(engine: ScriptEngine, source: string) {
  return rt.runScript(engine, source, { filename: engine.name === 'lua' ? 'test.lua' : 'test.js', output });
}

describe('Lua', () => {
  const lua = createLuaEngine();

  it('creates an agent, invokes it, streams, and uses a tool', async () => {
    server.reply({ text: 'Hi from Lua' }, { text: 'one two' }, { toolCalls: [{ name: 'multiply', arguments: { a: 6, b: 7 } }] }, { text: '42' });
    const result = await run(lua, `
      local agent = Agent.create({ name = "lua_agent", model = "mock/mock-model", system_prompt = "Be brief", tools = {"multiply"} })
      local r = agent:invoke({ text = "hello" })
      local chunks = {}
      local s = agent:invokeStream({ text = "count" }, function(chunk) chunks[#chunks + 1] = chunk.text end)
      local t = agent:execute({ prompt = "6*7?" })
      return { text = r.text, tokens = r.usage.total_tokens > 0, chunks = table.concat(chunks, "|"), n = s.chunks_received,
               answer = t.text, tool = t.metadata.tool_calls[1].name, names = Agent.listInstances() }
    `);
    expect(result).toEqual({ text: 'Hi from Lua', tokens: true, chunks: 'one |two', n: 2, answer: '42', tool: 'multiply', names: ['lua_agent'] });
  });

  it('surfaces errors to pcall with their code', async () => {
    const result = await run(lua, `
      local ok, err = pcall(Agent.create, { model = "anthropic/claude-3-5-haiku-latest" })
      return { ok = ok, err = tostring(err) }
    `);
    expect(result).toMatchObject({ ok: false, err: expect.stringMatching(/MISSING_API_KEY: .*ANTHROPIC_API_KEY/) });
  });
});

describe('JavaScript', () => {
  const js = createJsEngine();

  it('creates an agent, awaits invoke and iterates stream()', async () => {
    server.reply({ text: 'Hi from JS' }, { text: 'a b c' });
    const result = await run(js, `
      const agent = await Agent.create({ name: 'js_agent', model: 'mock/mock-model' });
      const r = await agent.invoke({ text: 'hello' });
      const s = agent.stream({ text: 'go' });
      const parts = [];
      for (let step = await s.next(); !step.done; step = await s.next()) parts.push(step.value.text);
      export default { text: r.text, parts, history: (await agent.getHistory()).length };
    `);
    expect(result).toEqual({ text: 'Hi from JS', parts: ['a ', 'b ', 'c'], history: 4 });
  });
});

/**
 * The MCP global and MCP tools from real Lua and JavaScript scripts, through the bridges,
 * against the fixture MCP server of @llmspell/mcp (a real process built with the SDK) and the
 * local mock LLM server for sampling and agents. The bridges and @llmspell/mcp are loaded by
 * path: they are not dependencies of this package.
 */
import { MCP_CONNECTOR_SERVICE, type McpConnector, type ScriptEngine, type Tool } from '@llmspell/core';
import { startMockLlmServer, type MockLlmServer } from '@llmspell/agents/testing';
import { LlmspellRuntime } from '../runtime.js';
import { createMcpSampler } from './mcp-sampling.js';

const pkg = (name: string) => new URL(`../../../${name}/src/index.ts`, import.meta.url).pathname;
const { createJsEngine } = (await import(pkg('bridge-js'))) as { createJsEngine: () => ScriptEngine };
const { createLuaEngine } = (await import(pkg('bridge-lua'))) as { createLuaEngine: () => ScriptEngine };
type Connector = McpConnector & { loadTools(): Promise<{ tools: Tool[] }> };
const { createMcpConnector } = (await import(pkg('mcp'))) as {
  createMcpConnector: (options: unknown, host: unknown) => Connector;
};
const FIXTURE = new URL('../../../mcp/src/__fixtures__/fixture-server.mjs', import.meta.url).pathname;

let llm: MockLlmServer;
let rt: LlmspellRuntime;
const out: string[] = [];
const output = { stdout: (t: string) => out.push(t), stderr: (t: string) => out.push(t) };

beforeAll(async () => {
  llm = await startMockLlmServer();
  rt = await LlmspellRuntime.create({
    config: {
      providers: { providers: { mock: { provider_type: 'openai', base_url: llm.openaiBaseUrl, model: 'mock-model' } } },
      mcp: { servers: { fixture: { command: process.execPath, args: [FIXTURE], sampling: 'mock/mock-model' } } },
    },
  });
  const connector = createMcpConnector(rt.config.mcp, { policy: rt.policy, events: rt.events, sample: createMcpSampler(rt), elicitation: 'decline' });
  rt.services.set(MCP_CONNECTOR_SERVICE, connector);
  for (const tool of (await connector.loadTools()).tools) rt.registerTool(tool);
});
afterAll(async () => {
  await rt.close();
  await llm.close();
});
beforeEach(() => {
  out.length = 0;
});

const lua = (source: string) => rt.runScript(createLuaEngine(), source, { filename: 'mcp.lua', output });
const js = (source: string) => rt.runScript(createJsEngine(), source, { filename: 'mcp.js', output });

test('Lua: MCP.servers, a client with listTools and callTool, and tools listed and invoked like built-ins', async () => {
  const result = await lua(`
    local c = MCP.connect("fixture")
    local names = {}
    for _, t in ipairs(c:listTools()) do names[#names + 1] = t.name end
    local r = c:callTool("echo", {message = "from lua"})
    local listed = false
    for _, t in ipairs(Tool.list()) do if t.name == "fixture.echo" then listed = true end end
    local seen
    Hook.register("BeforeToolExecution", function(ctx) seen = ctx.component_id.name end)
    local viaTool = Tool.invoke("fixture.add", {a = 1, b = 2})
    c:close()
    return { servers = MCP.servers(), has_echo = names[1] ~= nil, text = r.text, is_error = r.isError, listed = listed, hook = seen, sum = viaTool.result.sum }
  `);
  expect(result).toEqual({ servers: ['fixture'], has_echo: true, text: 'echo: from lua', is_error: false, listed: true, hook: 'fixture.add', sum: 3 });
});

test('JS: await c.callTool, resources and prompts', async () => {
  const result = await js(`
    const c = await MCP.connect("fixture");
    const r = await c.callTool("add", { a: 40, b: 2 });
    const res = await c.readResource("memo://greeting");
    const prompt = await c.getPrompt("greet", { name: "Ada" });
    export default { text: r.text, structured: r.structuredContent, resource: res.contents[0].text, prompt: prompt.messages[0].content.text };
  `);
  expect(result).toEqual({ text: '42', structured: { sum: 42 }, resource: 'hello from a resource', prompt: 'Please greet Ada.' });
});

test('faults and refusals are coded errors a script can pcall, and the run goes on', async () => {
  const result = await lua(`
    local ok1, e1 = pcall(MCP.connect, "nope")
    local ok2, e2 = pcall(MCP.connect, {command = "sh", args = {"-c", "id"}})
    local ok3, e3 = pcall(MCP.connect, {url = "http://127.0.0.1:9/mcp"})
    local ok4, e4 = pcall(function() return MCP.connect("fixture"):callTool("echo", {message = 5}) end)
    return { tostring(e1):match("^[A-Z_]+"), tostring(e2):match("^[A-Z_]+"), tostring(e3):match("^[A-Z_]+"), ok4, Tool.invoke("fixture.echo", {message = "after"}).text }
  `);
  expect(result).toEqual(['NOT_FOUND', 'OPERATION_NOT_ALLOWED', 'NETWORK_NOT_ALLOWED', true, 'echo: after']);
});

test('MCP.connect{elicitation=...} is auto, defaults or decline', async () => {
  const result = await lua('local ok, e = pcall(MCP.connect, {url = "http://127.0.0.1:9/mcp", elicitation = "always"}) return tostring(e)');
  expect(result).toMatch(/^INVALID_ARGUMENT: MCP\.connect: parameter 'elicitation' must be one of auto, defaults, decline/);
  const configured = await lua('local ok, e = pcall(MCP.connect, {server = "fixture", elicitation = "defaults"}) return tostring(e)');
  expect(configured).toMatch(/^INVALID_ARGUMENT: MCP\.connect: parameter 'elicitation' is for a URL; .*\[mcp\.servers\.NAME\] elicitation/);
});

test('a sampling request is answered by the configured model through the agents package', async () => {
  const result = await lua('return MCP.connect("fixture"):callTool("sample", {prompt = "ping"}).text');
  expect(result).toBe('model mock/mock-model said: Echo: ping');
});

test('an agent can call an MCP tool', async () => {
  llm.reply({ toolCalls: [{ name: 'fixture_echo', arguments: { message: 'agent says hi' } }] }, { text: 'done' });
  const result = await lua(`
    local a = Agent.create({ name = "mcp-user", model = "mock/mock-model", tools = {"fixture.echo"} })
    local r = a:execute({ text = "use the tool" })
    return { text = r.text, calls = #r.metadata.tool_calls }
  `);
  expect(result).toEqual({ text: 'done', calls: 1 });
  const toolMessage = JSON.stringify(llm.requests.at(-1)?.body);
  expect(toolMessage).toContain('echo: agent says hi');
});

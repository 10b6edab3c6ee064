import { SecurityPolicy, createExecutionContext, executeComponent, type LlmspellError, type Tool, type ToolResult } from '@llmspell/core';
import { McpClientConnector } from '../mcp-client-connector.js';
import type { McpServerOptions } from '../mcp-options.js';
import { FIXTURE_SERVER as FIXTURE, HOSTILE_SERVER as HOSTILE, rejection as failure } from '../testing/index.js';
import { DirectToolCalls } from './direct-tool-calls.js';

// Calls of plain tools (no output schema) skip the SDK's Protocol.request: everything a caller
// sees must be what the SDK's path gives, and the SDK's own requests must keep working beside them.

const nodeServer = (file: string, ...args: string[]): McpServerOptions => ({ command: process.execPath, args: [file, ...args] });
const policy = new SecurityPolicy();

function connector(servers: Record<string, McpServerOptions>, timeout_secs = 20): McpClientConnector {
  return new McpClientConnector({ timeout_secs, max_response_bytes: 1024 * 1024, servers }, { policy });
}

async function toolsOf(mcp: McpClientConnector): Promise<Map<string, Tool>> {
  const loaded = await mcp.loadTools();
  expect(loaded.failures).toEqual([]);
  return new Map(loaded.tools.map((t) => [t.name, t]));
}

function invoke(tool: Tool | undefined, args: Record<string, unknown> = {}): Promise<ToolResult & { text: string }> {
  return executeComponent(tool!, args, createExecutionContext({ policy })) as Promise<ToolResult & { text: string }>;
}

/** What a call ended with, as a caller sees it: the text, or the error's code and message. */
async function outcome(call: Promise<{ text: string }>): Promise<string> {
  try {
    return `ok: ${(await call).text}`;
  } catch (error) {
    const e = error as LlmspellError;
    return `${e.code}: ${e.detail}`;
  }
}

/** The tools called through DirectToolCalls, in order. */
let direct: string[] = [];
const directCall = DirectToolCalls.prototype.call;
beforeEach(() => {
  direct = [];
  DirectToolCalls.prototype.call = function (this: DirectToolCalls, ...args: Parameters<DirectToolCalls['call']>) {
    direct.push(args[0]);
    return directCall.apply(this, args);
  };
});
afterEach(() => {
  DirectToolCalls.prototype.call = directCall;
});

test('plain tools are called directly, tools with an output schema through the SDK, all on one id sequence', async () => {
  const mcp = connector({ fixture: nodeServer(FIXTURE) });
  try {
    const tools = await toolsOf(mcp);
    const session = await mcp.connect({ server: 'fixture' });
    // direct calls, SDK requests and an SDK-path tool in flight together on one connection
    const [echoes, listed, added, resources] = await Promise.all([
      Promise.all(Array.from({ length: 8 }, (_, i) => invoke(tools.get('fixture.echo'), { message: `m${i}` }))),
      session.listTools(),
      invoke(tools.get('fixture.add'), { a: 2, b: 3 }),
      session.listResources(),
    ]);
    expect(echoes.map((r) => r.text)).toEqual(Array.from({ length: 8 }, (_, i) => `echo: m${i}`));
    expect(listed.map((t) => t.name)).toContain('echo');
    expect(added).toMatchObject({ text: '5', result: { sum: 5 } });
    expect(resources.map((r) => r.uri)).toEqual(['memo://greeting']);
    const names = direct;
    expect(names.filter((n) => n === 'echo')).toHaveLength(8);
    expect(names).not.toContain('add');
  } finally {
    await mcp.close();
  }
});

test('an error reply, a result off the schema and an id sent back as a string end as they do through the SDK', async () => {
  const listed = connector({ raw: nodeServer(HOSTILE, 'raw') });
  const unlisted = connector({ raw: nodeServer(HOSTILE, 'raw') });
  try {
    const tools = await toolsOf(listed);
    // a session that never listed tools calls them through the SDK's Protocol.request
    const session = await unlisted.connect({ server: 'raw' });
    for (const name of ['rpc_error', 'bad_result', 'string_id']) {
      const calls = direct.length;
      const viaSdk = await outcome(session.callTool(name, {}));
      expect(direct.length).toBe(calls);
      const viaDirect = await outcome(invoke(tools.get(`raw.${name}`)));
      expect(direct.length).toBe(calls + 1);
      expect(viaDirect).toBe(viaSdk);
    }
    expect(await outcome(invoke(tools.get('raw.rpc_error')))).toBe("MCP_PROTOCOL_ERROR: server 'raw' answered tools/call with error -32603: the backend is down");
    expect(await outcome(invoke(tools.get('raw.bad_result')))).toMatch(/^MCP_PROTOCOL_ERROR: server 'raw' answered tools\/call with a result that does not fit the MCP schema/);
    expect(await outcome(invoke(tools.get('raw.string_id')))).toBe('ok: answered under a string id');
    // structured content off the tool's output schema: the SDK's check still applies
    expect(await outcome(invoke(tools.get('raw.bad_structured')))).toMatch(/does not match the tool's output schema/);
    expect(direct).not.toContain('bad_structured');
  } finally {
    await listed.close();
    await unlisted.close();
  }
});

test('progress keeps a call alive past the timeout; silence beyond it is MCP_TIMEOUT, call by call', async () => {
  // 3 s: the same timeout covers the server's start and initialize, which a loaded CI machine
  // can slow; progress comes every 300 ms, ten times within the timeout
  const mcp = connector({ raw: nodeServer(HOSTILE, 'raw') }, 3);
  try {
    const tools = await toolsOf(mcp);
    const slow = tools.get('raw.slow');
    // at once: 20 progress notifications 300 ms apart (twice the timeout in all), a call that
    // never answers, and quick calls coming and going
    const [progressing, silent, quick] = await Promise.all([
      invoke(slow, { steps: 20, ms: 300 }),
      failure(invoke(slow, { steps: 1, ms: 60_000 })),
      Promise.all(Array.from({ length: 5 }, () => invoke(tools.get('raw.string_id')))),
    ]);
    expect(progressing.text).toBe('slow done after 20 steps');
    expect(silent.code).toBe('MCP_TIMEOUT');
    expect(silent.message).toContain("server 'raw' did not answer tools/call within 3 s");
    expect(quick.map((r) => r.text)).toEqual(Array(5).fill('answered under a string id'));
    // a call made after a timeout has its own
    expect((await failure(invoke(slow, { steps: 1, ms: 60_000 }))).code).toBe('MCP_TIMEOUT');
    expect(direct.filter((n) => n === 'slow')).toHaveLength(3);
  } finally {
    await mcp.close();
  }
});

test('a server that dies during a direct call, or floods it, fails it with a coded error; the next call starts it again', async () => {
  const mcp = connector({ fragile: nodeServer(HOSTILE, 'die') });
  try {
    const tools = await toolsOf(mcp);
    const died = await failure(invoke(tools.get('fragile.crash')));
    expect(died.code).toBe('MCP_CONNECT_FAILED');
    expect(died.message).toContain('during tools/call');
    expect(died.message).toContain('out of cheese');
    expect((await invoke(tools.get('fragile.ok'))).text).toBe('fine');
    // 10 MB for a 1 MiB cap: the transport ends the connection, the call fails with its fault
    const flooded = await failure(invoke(tools.get('fragile.flood')));
    expect(flooded.code).toBe('MCP_PROTOCOL_ERROR');
    expect(flooded.message).toContain('more than 1048576 bytes');
    expect((await invoke(tools.get('fragile.ok'))).text).toBe('fine');
    expect(direct).toEqual(['crash', 'ok', 'flood', 'ok']);
  } finally {
    await mcp.close();
  }
});

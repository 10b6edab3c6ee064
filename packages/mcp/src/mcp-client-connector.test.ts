import {
  SecurityPolicy, createExecutionContext, executeComponent, type EventSink, type Tool, type ToolResult,
} from '@llmspell/core';
import { McpClientConnector } from './mcp-client-connector.js';
import type { McpHost, McpServerOptions } from './mcp-options.js';
import { FIXTURE_SERVER as FIXTURE, HOSTILE_SERVER as HOSTILE, processAlive as alive, processesGone as gone, rejection as failure } from './testing/index.js';

function recordingEvents(): EventSink & { seen: Array<{ type: string; data: Record<string, unknown> }> } {
  const seen: Array<{ type: string; data: Record<string, unknown> }> = [];
  return { seen, publish: (type, data) => seen.push({ type, data: data as Record<string, unknown> }) };
}

function connector(servers: Record<string, McpServerOptions>, host: Partial<McpHost> = {}, timeout_secs = 20): McpClientConnector {
  return new McpClientConnector({ timeout_secs, max_response_bytes: 1024 * 1024, servers }, { policy: new SecurityPolicy(), ...host });
}

const nodeServer = (file: string, ...args: string[]): McpServerOptions => ({ command: process.execPath, args: [file, ...args] });

describe('configured stdio servers as llmspell tools', () => {
  let mcp: McpClientConnector;
  let tools: Map<string, Tool>;
  const events = recordingEvents();
  const policy = new SecurityPolicy();
  beforeAll(async () => {
    process.env.LLMSPELL_TEST_HOST_API_KEY = 'sk-host-secret-that-must-not-travel-1234567890';
    mcp = new McpClientConnector(
      { timeout_secs: 20, servers: { fixture: { ...nodeServer(FIXTURE), env: { GREETING: 'configured-greeting-value' } } } },
      { policy, events, elicitation: 'decline' },
    );
    const loaded = await mcp.loadTools();
    expect(loaded.failures).toEqual([]);
    tools = new Map(loaded.tools.map((t) => [t.name, t]));
  });
  afterAll(async () => {
    delete process.env.LLMSPELL_TEST_HOST_API_KEY;
    await mcp.close();
  });
  const run = (name: string, args: Record<string, unknown> = {}) => {
    const tool = tools.get(name);
    if (!tool) throw new Error(`no tool ${name}`);
    return executeComponent(tool, args, createExecutionContext({ policy, events })) as Promise<ToolResult & Record<string, unknown>>;
  };

  test('names carry the server; odd characters become _ and clashes get a suffix', () => {
    expect([...tools.keys()]).toEqual(expect.arrayContaining(['fixture.echo', 'fixture.add', 'fixture.get_weather', 'fixture.get_weather_2']));
    expect(tools.get('fixture.echo')!.description).toBe('Echoes the message back');
  });

  test('a call returns the text of the content; structured content and media are kept', async () => {
    expect((await run('fixture.echo', { message: 'hi' })).text).toBe('echo: hi');
    const sum = await run('fixture.add', { a: 2, b: 3 });
    expect(sum.text).toBe('5');
    expect(sum.structured_content).toEqual({ sum: 5 });
    expect(sum.result).toEqual({ sum: 5 });
    const picture = await run('fixture.image');
    expect(picture.text).toBe('a red dot');
    expect(picture.media?.[0]).toMatchObject({ type: 'image', format: 'png' });
    expect((picture.resources as Array<Record<string, unknown>>)[0]).toMatchObject({ type: 'resource', resource: { uri: 'memo://dot', text: 'dot' } });
    expect((await run('fixture.get_weather')).text).toBe('sunny');
    expect((await run('fixture.get_weather_2')).text).toBe('rainy');
  });

  test('arguments are checked against the tool schema, naming the parameter', async () => {
    const error = await failure(run('fixture.echo', { message: 42 }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain("fixture.echo: parameter 'message'");
  });

  test('a tool error is a result with success=false, not a throw', async () => {
    const r = await run('fixture.fail');
    expect(r.success).toBe(false);
    expect(r.error).toMatchObject({ message: 'it went wrong' });
  });

  test('the child gets PATH, HOME, LANG and its configured env only', async () => {
    const env = JSON.parse((await run('fixture.env')).text) as Record<string, string>;
    const allowed = ['PATH', 'HOME', 'LANG', 'GREETING'];
    expect(Object.keys(env).filter((k) => !allowed.includes(k))).toEqual([]);
    expect(env.GREETING).toBe('configured-greeting-value');
    expect(JSON.stringify(env)).not.toContain('sk-host-secret');
    // The configured value is masked in anything redacted by the policy.
    expect(policy.redact('value configured-greeting-value here')).toBe('value [REDACTED] here');
  });

  test('progress and log notifications become mcp.progress and mcp.log events', async () => {
    events.seen.length = 0;
    expect((await run('fixture.progress', { steps: 2 })).text).toBe('done after 2 steps');
    await run('fixture.log', { message: 'careful now' });
    expect(events.seen.filter((e) => e.type === 'mcp.progress').map((e) => e.data)).toEqual([
      { server: 'fixture', tool: 'fixture.progress', progress: 1, total: 2, message: 'step 1' },
      { server: 'fixture', tool: 'fixture.progress', progress: 2, total: 2, message: 'step 2' },
    ]);
    expect(events.seen.find((e) => e.type === 'mcp.log')?.data).toEqual({ server: 'fixture', level: 'warning', logger: 'fixture', data: 'careful now' });
  });

  test('sampling is refused without a configured model; elicitation is declined with no one to ask', async () => {
    const sampled = await run('fixture.sample', { prompt: 'hello' });
    expect(sampled.success).toBe(false);
    expect(sampled.text).toMatch(/sampling|Method not found|capabilit/i);
    const elicited = await run('fixture.elicit');
    expect(JSON.parse(elicited.text)).toEqual({ action: 'decline' });
  });

  test('a session on the configured server lists and reads resources and prompts', async () => {
    const session = await mcp.connect({ server: 'fixture' });
    expect((await session.listResources()).map((r) => r.uri)).toEqual(['memo://greeting']);
    expect(await session.readResource('memo://greeting')).toMatchObject({ contents: [{ text: 'hello from a resource' }] });
    expect((await session.listPrompts()).map((p) => p.name)).toEqual(['greet']);
    expect(await session.getPrompt('greet', { name: 'Ada' })).toMatchObject({ messages: [{ content: { text: 'Please greet Ada.' } }] });
    const r = await session.callTool('add', { a: 1, b: 1 });
    expect(r).toEqual({ content: [{ type: 'text', text: '2' }], isError: false, text: '2', structuredContent: { sum: 2 } });
    await session.close();
    await expect(session.listTools()).rejects.toThrow(/closed/);
    // The shared server keeps running for the tools.
    expect((await run('fixture.echo', { message: 'still here' })).text).toBe('echo: still here');
  });

  test('aborting the caller\'s signal cancels the call on the server, and later calls on the same signal work', async () => {
    const tool = tools.get('fixture.hang')!;
    const controller = new AbortController();
    const started = new Promise<void>((resolve) => {
      const publish = events.publish;
      events.publish = (type, data, options) => {
        if (type === 'mcp.progress' && (data as { tool?: string }).tool === 'fixture.hang') resolve();
        return publish(type, data, options);
      };
    });
    const call = executeComponent(tool, {}, createExecutionContext({ policy, events, signal: controller.signal }));
    await started;
    controller.abort();
    expect((await failure(call)).code).toBe('CANCELLED');
    // the server got notifications/cancelled: its handler saw the abort
    expect(Number((await run('fixture.cancellations')).text)).toBeGreaterThanOrEqual(1);
    // a signal that stays alive across many calls is not aborted by them, and carries no listeners after
    const long = new AbortController();
    for (let i = 0; i < 3; i++) {
      const r = await executeComponent(tools.get('fixture.echo')!, { message: `n${i}` }, createExecutionContext({ policy, events, signal: long.signal }));
      expect((r as ToolResult & { text: string }).text).toBe(`echo: n${i}`);
    }
    expect(long.signal.aborted).toBe(false);
  });
});

describe('sampling and elicitation when the host answers', () => {
  test('sampling goes to the configured model; elicitation gets the schema defaults', async () => {
    const asked: unknown[] = [];
    const mcp = connector({ fixture: { ...nodeServer(FIXTURE), sampling: 'local/tiny' } }, {
      elicitation: 'defaults',
      sample: async (request) => {
        asked.push({ model: request.model, messages: request.messages });
        return { text: 'hi there', model: request.model };
      },
    });
    try {
      const session = await mcp.connect({ server: 'fixture' });
      expect((await session.callTool('sample', { prompt: 'say hi' })).text).toBe('model local/tiny said: hi there');
      expect(asked).toEqual([{ model: 'local/tiny', messages: [{ role: 'user', text: 'say hi' }] }]);
      expect(JSON.parse((await session.callTool('elicit', {})).text)).toEqual({ action: 'accept', content: { city: 'Paris', days: 3 } });
    } finally {
      await mcp.close();
    }
  });
});

describe('the elicitation setting', () => {
  const elicit = async (mcp: McpClientConnector, server: string) => {
    try {
      const session = await mcp.connect({ server });
      return JSON.parse((await session.callTool('elicit', {})).text) as { action: string };
    } finally {
      await mcp.close();
    }
  };

  test('[mcp] elicitation = "defaults" answers with the defaults where no one is asked; a server\'s own setting wins', async () => {
    const host = { policy: new SecurityPolicy(), elicitation: 'decline' as const };
    const answered = new McpClientConnector({ elicitation: 'defaults', servers: { fixture: nodeServer(FIXTURE) } }, host);
    expect(await elicit(answered, 'fixture')).toEqual({ action: 'accept', content: { city: 'Paris', days: 3 } });
    const declined = new McpClientConnector({ elicitation: 'defaults', servers: { fixture: { ...nodeServer(FIXTURE), elicitation: 'decline' } } }, host);
    expect(await elicit(declined, 'fixture')).toEqual({ action: 'decline' });
  });

  test('"auto" follows the host: the defaults with someone at a terminal', async () => {
    const atTerminal = new McpClientConnector({ elicitation: 'auto', servers: { fixture: nodeServer(FIXTURE) } }, { policy: new SecurityPolicy(), elicitation: 'defaults' });
    expect((await elicit(atTerminal, 'fixture')).action).toBe('accept');
    const unattended = new McpClientConnector({ servers: { fixture: { ...nodeServer(FIXTURE), elicitation: 'auto' } } }, { policy: new SecurityPolicy() });
    expect((await elicit(unattended, 'fixture')).action).toBe('decline');
  });
});

describe('faults end in coded errors and the connector goes on', () => {
  test('a server that exits at start: MCP_CONNECT_FAILED with its stderr, secrets masked', async () => {
    const mcp = connector({ broken: { ...nodeServer(HOSTILE, 'exit'), env: { DB_TOKEN: 'db-token-value-123456' } } });
    try {
      const error = await failure(mcp.connect({ server: 'broken' }));
      expect(error.code).toBe('MCP_CONNECT_FAILED');
      expect(error.message).toContain("server 'broken'");
      expect(error.message).toContain('exit 3');
      expect(error.message).toContain('the database at /var/db is missing');
      expect(error.message).not.toContain('db-token-value-123456');
      expect(error.message).toContain('[REDACTED]');
    } finally {
      await mcp.close();
    }
  });

  test('a command that does not exist: MCP_CONNECT_FAILED', async () => {
    const mcp = connector({ missing: { command: 'no-such-mcp-server-binary' } });
    try {
      const error = await failure(mcp.connect({ server: 'missing' }));
      expect(error.code).toBe('MCP_CONNECT_FAILED');
      expect(error.message).toMatch(/command not found|not found/);
    } finally {
      await mcp.close();
    }
  });

  test('a server that never answers initialize: MCP_TIMEOUT with its stderr', async () => {
    // 3 s: the server writes its stderr line as soon as Node has started, which a loaded CI
    // machine can delay by a second or more
    const mcp = connector({ slow: nodeServer(HOSTILE, 'hang') }, {}, 3);
    try {
      const error = await failure(mcp.connect({ server: 'slow' }));
      expect(error.code).toBe('MCP_TIMEOUT');
      expect(error.message).toContain("server 'slow' did not answer initialize within 3 s");
      expect(error.message).toContain('starting up slowly');
    } finally {
      await mcp.close();
    }
  });

  test('a server that writes garbage: MCP_PROTOCOL_ERROR; a single stray banner is tolerated', async () => {
    const mcp = connector({ noisy: nodeServer(HOSTILE, 'garbage'), banner: nodeServer(HOSTILE, 'banner') });
    try {
      const error = await failure(mcp.connect({ server: 'noisy' }));
      expect(error.code).toBe('MCP_PROTOCOL_ERROR');
      expect(error.message).toContain('this is not json');
      const session = await mcp.connect({ server: 'banner' });
      expect((await session.callTool('ok', {})).text).toBe('fine');
    } finally {
      await mcp.close();
    }
  });

  test('a server that dies mid-call, or floods: coded errors, and the next call starts it again', async () => {
    const mcp = connector({ fragile: nodeServer(HOSTILE, 'die') });
    try {
      const session = await mcp.connect({ server: 'fragile' });
      const died = await failure(session.callTool('crash', {}));
      expect(died.code).toBe('MCP_CONNECT_FAILED');
      expect(died.message).toContain('during tools/call');
      expect(died.message).toContain('out of cheese');
      expect((await session.callTool('ok', {})).text).toBe('fine');
      const flooded = await failure(session.callTool('flood', {}));
      expect(flooded.code).toBe('MCP_PROTOCOL_ERROR');
      expect(flooded.message).toContain('more than 1048576 bytes');
      expect((await session.callTool('ok', {})).text).toBe('fine');
    } finally {
      await mcp.close();
    }
  });

  test('a tool of a server that died starts it again on its next call; after close a call is refused, not sent', async () => {
    const mcp = connector({ fragile: nodeServer(HOSTILE, 'die') });
    try {
      const { tools } = await mcp.loadTools();
      const tool = (name: string) => tools.find((t) => t.name === `fragile.${name}`)!;
      const call = (name: string) => executeComponent(tool(name), {}, createExecutionContext({ policy: new SecurityPolicy() })) as Promise<ToolResult>;
      expect((await call('ok')).text).toBe('fine');
      const died = await failure(call('crash'));
      expect(died.code).toBe('MCP_CONNECT_FAILED');
      expect(died.message).toContain('out of cheese');
      expect((await call('ok')).text).toBe('fine');
      expect((await call('ok')).text).toBe('fine');
      await mcp.close();
      const refused = await failure(call('ok'));
      expect(refused.code).toBe('MCP_CONNECT_FAILED');
      expect(refused.message).toContain('closed');
    } finally {
      await mcp.close();
    }
  });

  test('a page of 150,000 tools or resources is listed whole (no spread into push: the stack)', async () => {
    const mcp = new McpClientConnector(
      { timeout_secs: 60, max_response_bytes: 64 * 1024 * 1024, servers: { many: nodeServer(HOSTILE, 'many', '150000') } },
      { policy: new SecurityPolicy() },
    );
    try {
      const session = await mcp.connect({ server: 'many' });
      const tools = await session.listTools();
      expect(tools).toHaveLength(150000);
      expect(tools[149999]).toMatchObject({ name: 't149999' });
      const resources = await session.listResources();
      expect(resources).toHaveLength(150000);
      expect(resources[0]).toMatchObject({ uri: 'memo://0' });
    } finally {
      await mcp.close();
    }
  }, 120_000);

  test('loadTools reports a failing server and still returns the others', async () => {
    const mcp = connector({ broken: nodeServer(HOSTILE, 'exit'), fixture: nodeServer(FIXTURE) });
    try {
      const { tools, failures } = await mcp.loadTools();
      expect(failures.map((f) => [f.server, f.error.code])).toEqual([['broken', 'MCP_CONNECT_FAILED']]);
      expect(tools.some((t) => t.name === 'fixture.echo')).toBe(true);
    } finally {
      await mcp.close();
    }
  });
});

describe('process groups', () => {
  test('closing the connector kills the server and what it started', async () => {
    const mcp = connector({ fixture: nodeServer(FIXTURE) });
    const session = await mcp.connect({ server: 'fixture' });
    const { pid, grandchild } = JSON.parse((await session.callTool('pids', {})).text) as { pid: number; grandchild: number };
    expect(alive(pid) && alive(grandchild)).toBe(true);
    await mcp.close();
    expect(await gone([pid, grandchild])).toBe(true);
  });
});

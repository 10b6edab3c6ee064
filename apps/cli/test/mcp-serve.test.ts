/**
 * `llmspell mcp serve`, driven by the official SDK's Client over stdio and Streamable HTTP:
 * tools with their JSON Schemas, scripts as tools under the sandbox of `llmspell run`,
 * failures as isError results, ping, logging/setLevel, progress, DNS-rebinding refusal and
 * bearer tokens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { bin, scratch, write } from './helpers.js';

function project(): string {
  const dir = scratch();
  write(dir, 'llmspell.toml', '[runtime.state_persistence]\nenabled = false\n');
  write(dir, 'shout.lua', '-- Shouts the text back.\nprint("working on " .. ARGS.text)\nreturn string.upper(ARGS.text) .. "!"\n');
  write(dir, 'count.js', '// Counts to n.\nconst n = Number(ARGS.n);\nexport default { numbers: Array.from({ length: n }, (_, i) => i + 1) };\n');
  write(dir, 'snoop.lua', '-- Tries to read outside the sandbox.\nreturn Tool.invoke("file_operations", {operation = "read", path = "/etc/passwd"}).text\n');
  write(dir, 'spin.lua', 'while true do end\n');
  write(dir, 'pixel.lua', '-- Sends an image.\nreturn { content = { { type = "image", data = "AAAA", mimeType = "image/png" } }, structuredContent = { size = 1 } }\n');
  write(dir, 'notblocks.lua', '-- A table with a content field that is not MCP content.\nreturn { content = { "just", "words" } }\n');
  return dir;
}

const env = (dir: string): Record<string, string> => ({ PATH: process.env.PATH ?? '', HOME: dir, NO_COLOR: '1' });

describe('over stdio', () => {
  let client: Client;
  const logs: unknown[] = [];
  beforeAll(async () => {
    const dir = project();
    client = new Client({ name: 'test', version: '1' });
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      logs.push(n.params);
    });
    await client.connect(new StdioClientTransport({
      command: process.execPath,
      args: [bin, 'mcp', 'serve', '--timeout', '3', '--script', 'shout.lua', '--script', 'count.js', '--script', 'snoop.lua', '--script', 'spin.lua', '--script', 'pixel.lua', '--script', 'notblocks.lua'],
      cwd: dir,
      env: env(dir),
      stderr: 'pipe',
    }));
  }, 60_000);
  afterAll(async () => {
    await client.close();
  });

  test('lists tools with their JSON Schemas and the scripts by file name', async () => {
    const { tools } = await client.listTools();
    const calculator = tools.find((t) => t.name === 'calculator');
    expect(calculator?.inputSchema).toMatchObject({ type: 'object', properties: { input: { type: 'string' } } });
    const shout = tools.find((t) => t.name === 'shout');
    expect(shout?.description).toBe('Shouts the text back.');
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['count', 'snoop', 'spin']));
  });

  test('a tool runs through the runtime; a bad argument is an isError result', async () => {
    const ok = await client.callTool({ name: 'calculator', arguments: { input: '6*7' } });
    expect(ok.isError).toBe(false);
    expect(JSON.stringify(ok.content)).toContain('42');
    const bad = await client.callTool({ name: 'calculator', arguments: { input: 7 } });
    expect(bad.isError).toBe(true);
    expect(JSON.stringify(bad.content)).toContain("INVALID_ARGUMENT: calculator: parameter 'input'");
  });

  test('scripts get the arguments as ARGS; what they return is the result; prints are progress and info logs', async () => {
    const progress: string[] = [];
    logs.length = 0;
    const shouted = await client.callTool({ name: 'shout', arguments: { text: 'hi' } }, undefined, { onprogress: (p) => progress.push(p.message ?? '') });
    expect(shouted).toMatchObject({ isError: false, content: [{ type: 'text', text: 'HI!' }] });
    expect(progress).toContain('working on hi');
    expect(logs).toContainEqual({ level: 'info', logger: 'shout', data: 'working on hi' });
    const counted = await client.callTool({ name: 'count', arguments: { n: 3 } });
    expect(counted.structuredContent).toEqual({ numbers: [1, 2, 3] });
  });

  test('a script that returns MCP content blocks answers with them; other tables are values', async () => {
    const pixel = await client.callTool({ name: 'pixel', arguments: {} });
    expect(pixel).toEqual({ content: [{ type: 'image', data: 'AAAA', mimeType: 'image/png' }], structuredContent: { size: 1 }, isError: false });
    const words = await client.callTool({ name: 'notblocks', arguments: {} });
    expect(words.structuredContent).toEqual({ content: ['just', 'words'] });
    expect(words.content).toEqual([{ type: 'text', text: JSON.stringify({ content: ['just', 'words'] }, null, 2) }]);
  });

  test('a script stays in the sandbox of llmspell run: refusals and --timeout are isError results, and the server goes on', async () => {
    const snooped = await client.callTool({ name: 'snoop', arguments: {} });
    expect(snooped.isError).toBe(true);
    expect(JSON.stringify(snooped.content)).toContain('PATH_NOT_ALLOWED');
    const spun = await client.callTool({ name: 'spin', arguments: {} });
    expect(spun.isError).toBe(true);
    expect(JSON.stringify(spun.content)).toMatch(/SCRIPT_TIMEOUT/);
    expect(logs.some((l) => JSON.stringify(l).includes('SCRIPT_TIMEOUT'))).toBe(true);
    expect((await client.callTool({ name: 'shout', arguments: { text: 'still' } })).content).toEqual([{ type: 'text', text: 'STILL!' }]);
  }, 30_000);

  test('ping, logging/setLevel and unknown tools', async () => {
    await expect(client.ping()).resolves.toEqual({});
    await client.setLoggingLevel('critical');
    logs.length = 0;
    const missing = await client.callTool({ name: 'nope', arguments: {} });
    expect(missing).toMatchObject({ isError: true, content: [{ text: "TOOL_NOT_FOUND: no tool or script 'nope'" }] });
    // An error log is below 'critical': not sent.
    expect((await client.callTool({ name: 'snoop', arguments: {} })).isError).toBe(true);
    expect(logs).toEqual([]);
    await client.setLoggingLevel('debug');
    await client.callTool({ name: 'snoop', arguments: {} });
    expect(logs.length).toBeGreaterThan(0);
  });
});

describe('over Streamable HTTP', () => {
  let server: ChildProcess;
  let url: string;
  beforeAll(async () => {
    const dir = project();
    server = spawn(process.execPath, [bin, 'mcp', 'serve', '--http', '--port', '0', '--token', 'serve-token-0123456789', '--script', 'shout.lua'], { cwd: dir, env: env(dir), stdio: ['ignore', 'pipe', 'pipe'] });
    url = await new Promise<string>((resolve, reject) => {
      let err = '';
      server.stderr!.on('data', (d) => {
        err += d;
        const m = /on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(err);
        if (m) resolve(m[1]);
      });
      server.once('exit', () => reject(new Error(`serve exited: ${err}`)));
    });
  }, 60_000);
  afterAll(async () => {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  });

  const raw = (headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });

  test('with the token: tools and scripts over HTTP', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: 'Bearer serve-token-0123456789' } } }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('shout');
      expect((await client.callTool({ name: 'shout', arguments: { text: 'web' } })).content).toEqual([{ type: 'text', text: 'WEB!' }]);
      await expect(client.ping()).resolves.toEqual({});
    } finally {
      await client.close();
    }
  }, 30_000);

  test('without the token, or with a wrong one: 401', async () => {
    expect(await raw({})).toBe(401);
    expect(await raw({ authorization: 'Bearer wrong-token' })).toBe(401);
    const client = new Client({ name: 'test', version: '1' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL(url)))).rejects.toThrow();
  });

  test('DNS rebinding: a foreign Host or Origin is refused with 403', async () => {
    const auth = { authorization: 'Bearer serve-token-0123456789' };
    expect(await raw({ ...auth, host: 'evil.example:80' })).toBe(403);
    expect(await raw({ ...auth, origin: 'http://evil.example' })).toBe(403);
    expect(await raw({ ...auth, origin: url.replace('/mcp', '') })).toBe(200);
  });
});

test('a --script without a known extension runs in the engine LLMSPELL_ENGINE names, as with llmspell run', async () => {
  const dir = project();
  write(dir, 'answer', '// Answers.\nexport default typeof globalThis + " " + (6 * 7);\n');
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp', 'serve', '--script', 'answer'],
    cwd: dir,
    env: { ...env(dir), LLMSPELL_ENGINE: 'javascript' },
    stderr: 'pipe',
  }));
  try {
    // Lua (the default engine) would refuse this source as a syntax error
    expect(await client.callTool({ name: 'answer', arguments: {} })).toMatchObject({ isError: false, content: [{ type: 'text', text: 'object 42' }] });
  } finally {
    await client.close();
  }
}, 60_000);

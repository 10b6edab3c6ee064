/**
 * `llmspell mcp serve`, driven by the official SDK's Client over stdio and Streamable HTTP:
 * tools with their JSON Schemas, scripts as tools under the sandbox of `llmspell run`,
 * failures as isError results, ping, logging/setLevel, progress, DNS-rebinding refusal,
 * bearer tokens (given, or made for the run), malformed input, and the refusal to serve the
 * whole disk or home directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { bin, cli, scratch, write } from './helpers.js';

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

// A home apart from the project: started in the home directory, serve refuses (below).
const home = scratch();
const env = (dir: string): Record<string, string> => ({ PATH: process.env.PATH ?? '', HOME: home, XDG_DATA_HOME: path.join(dir, '.data'), NO_COLOR: '1' });

/** `llmspell mcp serve --http …` in `dir`: the process, its URL and what it said on stderr by then. */
async function serveHttp(dir: string, args: string[], extraEnv: Record<string, string> = {}): Promise<{ server: ChildProcess; url: string; stderr: () => string }> {
  const server = spawn(process.execPath, [bin, 'mcp', 'serve', '--http', '--port', '0', ...args], { cwd: dir, env: { ...env(dir), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    server.stderr!.on('data', (d) => {
      err += d;
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/mcp).*\n/.exec(err);
      // the lines after the first (a token made for the run) come in the same write
      if (m) resolve(m[1]);
    });
    server.once('exit', () => reject(new Error(`serve exited: ${err}`)));
  });
  return { server, url, stderr: () => err };
}

async function stop(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGTERM');
  await exited;
}

/** The status of an initialize POST to `url` with these headers. */
const initialize = (url: string, headers: Record<string, string>) => new Promise<number>((resolve, reject) => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
  const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
    res.resume();
    resolve(res.statusCode ?? 0);
  });
  req.on('error', reject);
  req.end(body);
});

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
  const token = 'serve-token-0123456789';
  beforeAll(async () => {
    ({ server, url } = await serveHttp(project(), ['--script', 'shout.lua'], { LLMSPELL_MCP_TOKEN: token }));
  }, 60_000);
  afterAll(() => stop(server));

  const raw = (headers: Record<string, string>) => initialize(url, headers);

  test('with the token of LLMSPELL_MCP_TOKEN: tools and scripts over HTTP', async () => {
    const client = new Client({ name: 'test', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
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
    const auth = { authorization: `Bearer ${token}` };
    expect(await raw({ ...auth, host: 'evil.example:80' })).toBe(403);
    expect(await raw({ ...auth, origin: 'http://evil.example' })).toBe(403);
    expect(await raw({ ...auth, origin: url.replace('/mcp', '') })).toBe(200);
  });
});

describe('the token of --http', () => {
  test('none given: one is made for the run, printed on stderr as the header to send, and required', async () => {
    const { server, url, stderr } = await serveHttp(project(), []);
    try {
      const header = /^ {4}Authorization: (Bearer [A-Za-z0-9_-]{43})$/m.exec(stderr())?.[1];
      expect(header).toBeDefined();
      expect(stderr()).toContain('(bearer token required)');
      expect(await initialize(url, {})).toBe(401);
      expect(await initialize(url, { authorization: header! })).toBe(200);
    } finally {
      await stop(server);
    }
  }, 60_000);

  test('--token-file gives it (trimmed); --token still works', async () => {
    const dir = project();
    write(dir, 'token.txt', '  file-token-0123456789\n');
    for (const args of [['--token-file', 'token.txt'], ['--token', 'file-token-0123456789']]) {
      const { server, url, stderr } = await serveHttp(dir, args);
      try {
        expect(stderr()).not.toContain('Authorization:');
        expect(await initialize(url, {})).toBe(401);
        expect(await initialize(url, { authorization: 'Bearer file-token-0123456789' })).toBe(200);
      } finally {
        await stop(server);
      }
    }
  }, 60_000);

  test('--no-auth serves without a token and says who can get in', async () => {
    const { server, url, stderr } = await serveHttp(project(), ['--no-auth']);
    try {
      expect(stderr()).toContain('(no token: every local user and process may use these tools)');
      expect(await initialize(url, {})).toBe(200);
    } finally {
      await stop(server);
    }
  }, 60_000);

  test('a missing or empty --token-file, and --no-auth with a token, are errors', async () => {
    const dir = project();
    write(dir, 'empty.txt', ' \n');
    const run = (args: string[], extra: Record<string, string> = {}) => cli(['mcp', 'serve', '--http', ...args], { cwd: dir, env: { ...env(dir), ...extra } });
    expect(await run(['--token-file', 'nope.txt'])).toMatchObject({ code: 1, stderr: 'NOT_FOUND: --token-file nope.txt: no such file\n' });
    expect(await run(['--token-file', 'empty.txt'])).toMatchObject({ code: 1, stderr: 'INVALID_ARGUMENT: --token-file empty.txt is empty: write the token in it\n' });
    expect((await run(['--no-auth', '--token', 'abc'])).code).toBe(2);
    expect(await run(['--no-auth'], { LLMSPELL_MCP_TOKEN: 'abc' })).toMatchObject({ code: 2, stderr: expect.stringContaining('LLMSPELL_MCP_TOKEN is set') });
    expect(await cli(['mcp', 'serve', '--no-auth'], { cwd: dir, env: env(dir) })).toMatchObject({ code: 2, stderr: 'INVALID_ARGUMENT: --port, --token, --token-file and --no-auth go with --http\n' });
  }, 60_000);
});

describe('where it starts', () => {
  test('in / or the home directory without allowed_paths: refused with CONFIG_INVALID naming the ways out', async () => {
    const data = scratch();
    const base = { PATH: process.env.PATH ?? '', XDG_DATA_HOME: data, XDG_CONFIG_HOME: data, LLMSPELL_STATE_BACKEND: 'memory' };
    for (const cwd of ['/', home]) {
      const r = await cli(['mcp', 'serve'], { cwd, env: { ...base, HOME: home } });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^CONFIG_INVALID: mcp serve: started in the (root|home) directory \\(${fs.realpathSync(cwd).replace(/[/.]/g, '\\$&')}\\) with no allowed_paths set`));
      expect(r.stderr).toContain('`cwd` in the desktop client');
      expect(r.stderr).toContain('[runtime.security] in llmspell.toml, or LLMSPELL_ALLOWED_PATHS');
    }
    // Roots named in the environment or the config: it serves (and ends with its input).
    expect(await cli(['mcp', 'serve'], { cwd: home, env: { ...base, HOME: home, LLMSPELL_ALLOWED_PATHS: data } })).toMatchObject({ code: 0, stderr: '' });
    write(home, 'llmspell.toml', `[runtime.security]\nallowed_paths = [${JSON.stringify(data)}]\n`);
    try {
      expect(await cli(['mcp', 'serve'], { cwd: home, env: { ...base, HOME: home } })).toMatchObject({ code: 0, stderr: '' });
    } finally {
      fs.rmSync(path.join(home, 'llmspell.toml'));
    }
  }, 60_000);
});

describe('malformed input over stdio', () => {
  test('a line that is not JSON gets -32700, params that are not an object -32602 under the request id', async () => {
    const dir = project();
    const r = await cli(['mcp', 'serve'], { cwd: dir, env: env(dir), input: '{not json\n{"jsonrpc":"2.0","id":2,"method":"tools/call","params":null}\n' });
    expect(r.code).toBe(0);
    const answers = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(answers).toEqual([
      { jsonrpc: '2.0', id: null, error: { code: -32700, message: expect.stringMatching(/^Parse error/) } },
      { jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'Invalid params: params of tools/call must be an object' } },
    ]);
  }, 60_000);

  test('a message over 10 MiB: the reason on stderr and a non-zero exit', async () => {
    const dir = project();
    const huge = `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(11 * 1024 * 1024)}"}}\n`;
    const r = await cli(['mcp', 'serve'], { cwd: dir, env: env(dir), input: huge });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('SIZE_LIMIT_EXCEEDED: mcp serve: the client sent a message over 10485760 bytes (the most one stdio message may be); closing the session\n');
  }, 60_000);
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

#!/usr/bin/env node
/**
 * A well-behaved MCP server built with the official SDK, for tests and benchmarks.
 *   node fixture-server.mjs              stdio
 *   node fixture-server.mjs --http [P]   Streamable HTTP on 127.0.0.1 (prints "listening <url>")
 *   node fixture-server.mjs --sse [P]    the older HTTP+SSE transport only
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const text = (t) => ({ content: [{ type: 'text', text: t }] });
const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

let cancellations = 0;

export function createFixtureServer() {
  const server = new McpServer({ name: 'fixture', version: '1.2.3' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { description: 'Echoes the message back', inputSchema: { message: z.string().describe('What to echo') } },
    async ({ message }) => text(`echo: ${message}`));
  server.registerTool('add', {
    description: 'Adds two numbers',
    inputSchema: { a: z.number(), b: z.number() },
    outputSchema: { sum: z.number() },
  }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }));
  server.registerTool('env', { description: 'Returns the environment of this server process' },
    async () => text(JSON.stringify(process.env)));
  server.registerTool('pids', { description: 'Starts a grandchild process and returns the pids' }, async () => {
    const grandchild = spawn('sleep', ['300'], { stdio: 'ignore' });
    return text(JSON.stringify({ pid: process.pid, grandchild: grandchild.pid }));
  });
  server.registerTool('image', { description: 'Returns a picture and a resource' }, async () => ({
    content: [
      { type: 'text', text: 'a red dot' },
      { type: 'image', data: PNG_1PX, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'memo://dot', mimeType: 'text/plain', text: 'dot' } },
    ],
  }));
  server.registerTool('progress', { description: 'Reports progress, then answers', inputSchema: { steps: z.number().int().default(3) } },
    async ({ steps }, extra) => {
      const token = extra._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: i, total: steps, message: `step ${i}` } });
      }
      return text(`done after ${steps} steps`);
    });
  server.registerTool('log', { description: 'Sends a log message', inputSchema: { message: z.string() } }, async ({ message }, extra) => {
    await server.sendLoggingMessage({ level: 'warning', logger: 'fixture', data: message }, extra.sessionId);
    return text('logged');
  });
  server.registerTool('sample', { description: 'Asks the client to sample an LLM', inputSchema: { prompt: z.string() } }, async ({ prompt }) => {
    const r = await server.server.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens: 50 });
    return text(`model ${r.model} said: ${r.content.type === 'text' ? r.content.text : r.content.type}`);
  });
  server.registerTool('elicit', { description: 'Asks the user for details' }, async () => {
    const r = await server.server.elicitInput({
      message: 'Which city?',
      requestedSchema: { type: 'object', properties: { city: { type: 'string', default: 'Paris' }, days: { type: 'number', default: 3 } }, required: ['city'] },
    });
    return text(JSON.stringify(r));
  });
  // 'hang' reports progress, then answers only when the client cancels it; 'cancellations' counts those
  server.registerTool('hang', { description: 'Waits until the client cancels the call' }, async (extra) => {
    const token = extra._meta?.progressToken;
    await new Promise((resolve) => {
      extra.signal.addEventListener('abort', () => {
        cancellations++;
        resolve();
      }, { once: true });
      if (token !== undefined) void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 0, message: 'waiting' } });
    });
    return text('cancelled');
  });
  server.registerTool('cancellations', { description: 'How many calls of hang were cancelled' }, async () => text(String(cancellations)));
  server.registerTool('fail', { description: 'Reports an error as its result' }, async () => ({ content: [{ type: 'text', text: 'it went wrong' }], isError: true }));
  server.registerTool('get weather', { description: 'A tool whose name has a space' }, async () => text('sunny'));
  server.registerTool('get_weather', { description: 'Clashes with the previous one once sanitized' }, async () => text('rainy'));
  server.registerTool('headers', { description: 'Returns the HTTP request headers it was called with' },
    async (extra) => text(JSON.stringify(extra.requestInfo?.headers ?? {})));
  server.registerTool('cwd', { description: 'Returns the working directory of this server process' },
    async () => text(process.cwd()));
  server.registerTool('big', { description: 'Returns this many bytes of text', inputSchema: { bytes: z.number().int() } },
    async ({ bytes }) => text('x'.repeat(bytes)));
  server.registerResource('greeting', 'memo://greeting', { mimeType: 'text/plain', description: 'A greeting' },
    async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'hello from a resource' }] }));
  server.registerPrompt('greet', { description: 'Greets someone', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Please greet ${name}.` } }] }));
  return server;
}

async function serveHttp(port, sseOnly) {
  const sessions = new Map();
  const httpServer = http.createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const url = new URL(req.url, 'http://127.0.0.1');
    if (sseOnly) {
      if (req.method === 'GET' && url.pathname === '/mcp') {
        const transport = new SSEServerTransport('/messages', res);
        sessions.set(transport.sessionId, transport);
        await createFixtureServer().connect(transport);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/messages') {
        const transport = sessions.get(url.searchParams.get('sessionId'));
        if (!transport) return res.writeHead(404).end('no session');
        return transport.handlePostMessage(req, res, body);
      }
      return res.writeHead(405).end('this server speaks HTTP+SSE only');
    }
    const id = req.headers['mcp-session-id'];
    if (id && sessions.has(id)) return sessions.get(id).handleRequest(req, res, body);
    if (req.method === 'POST' && isInitializeRequest(body)) {
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => sessions.set(sid, transport) });
      await createFixtureServer().connect(transport);
      return transport.handleRequest(req, res, body);
    }
    res.writeHead(400).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message: 'no session' }, id: null }));
  });
  await new Promise((resolve) => httpServer.listen(port, '127.0.0.1', resolve));
  return httpServer;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mode = process.argv[2];
  if (mode === '--http' || mode === '--sse') {
    const httpServer = await serveHttp(Number(process.argv[3] ?? 0), mode === '--sse');
    process.stdout.write(`listening http://127.0.0.1:${httpServer.address().port}/mcp\n`);
  } else {
    process.stderr.write('fixture server ready on stdio\n');
    await createFixtureServer().connect(new StdioServerTransport());
  }
}

export { serveHttp };

/**
 * serveHttp and serveStdio against what a careless or hostile client sends: more sessions than
 * the cap, sessions left open, bodies over the limit, lines that are not JSON-RPC.
 */
import http from 'node:http';
import { PassThrough } from 'node:stream';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { isLlmspellError } from '@llmspell/core';
import { createLlmspellMcpServer } from './llmspell-mcp-server.js';
import { serveHttp, serveStdio, type RunningHttpServer } from './serve-mcp.js';

const newServer = (): Server => createLlmspellMcpServer({
  tools: [],
  executeTool: () => Promise.reject(new Error('no tools here')),
  redact: (t) => t,
});

const INITIALIZE = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } } };
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

interface Answer { status: number; session: string | null; text: string }

async function post(url: string, body: unknown, session?: string): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers: { ...HEADERS, ...(session ? { 'mcp-session-id': session } : {}) }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, session: res.headers.get('mcp-session-id'), text: await res.text() };
}

/** A POST through node:http, chunked (no Content-Length) unless `length` is given. */
function rawPost(url: string, body: Buffer, length = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...HEADERS, ...(length ? { 'content-length': String(body.length) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, session: null, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorOf = (text: string) => (JSON.parse(text) as { error: { code: number; message: string } }).error;

describe('serveHttp', () => {
  const running: RunningHttpServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((s) => s.close()));
  });
  const serve = async (options: Partial<Parameters<typeof serveHttp>[0]> = {}) => {
    const server = await serveHttp({ port: 0, createServer: newServer, ...options });
    running.push(server);
    return server;
  };

  test('sessions are capped: an initialize beyond the cap is a 503 JSON-RPC error; ending one frees its place', async () => {
    const { url } = await serve({ maxSessions: 2 });
    const first = await post(url, INITIALIZE);
    const second = await post(url, INITIALIZE);
    expect([first.status, second.status]).toEqual([200, 200]);
    const refused = await post(url, INITIALIZE);
    expect(refused.status).toBe(503);
    expect(errorOf(refused.text).message).toMatch(/^Service Unavailable: 2 sessions are open/);
    // the open sessions still work
    expect((await post(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, first.session!)).status).toBe(200);
    const ended = await fetch(url, { method: 'DELETE', headers: { ...HEADERS, 'mcp-session-id': first.session! } });
    expect(ended.status).toBe(200);
    expect((await post(url, INITIALIZE)).status).toBe(200);
  });

  test('a session idle for longer than sessionIdleMs is closed, its server with it', async () => {
    let closed!: () => void;
    const serverClosed = new Promise<void>((resolve) => (closed = resolve));
    const { url } = await serve({
      sessionIdleMs: 20,
      createServer: () => {
        const server = newServer();
        server.onclose = closed;
        return server;
      },
    });
    const { session } = await post(url, INITIALIZE);
    await serverClosed;
    const gone = await post(url, { jsonrpc: '2.0', id: 2, method: 'ping' }, session!);
    expect(gone.status).toBe(404);
    expect(errorOf(gone.text).message).toBe('Session not found');
  });

  test('a body over 4 MiB is answered 413, with or without Content-Length; one that is not JSON is a -32700 parse error', async () => {
    const { url } = await serve();
    const big = Buffer.alloc(5 * 1024 * 1024, 0x20);
    for (const length of [false, true]) {
      const answer = await rawPost(url, big, length);
      expect(answer.status).toBe(413);
      expect(errorOf(answer.text).message).toMatch(/^Payload Too Large/);
    }
    const bad = await post(url, '{not json');
    expect(bad.status).toBe(400);
    expect(errorOf(bad.text)).toEqual({ code: -32700, message: 'Parse error: the request body is not JSON' });
    // a JSON message that does not start a session is still told how to start one
    expect(errorOf((await post(url, { jsonrpc: '2.0', id: 1, method: 'ping' })).text).message).toMatch(/start one with an initialize request/);
  });
});

describe('serveStdio', () => {
  function session(maxMessageBytes?: number) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const lines: string[] = [];
    const waiting: Array<(line: string) => void> = [];
    let partial = '';
    stdout.setEncoding('utf8');
    stdout.on('data', (d: string) => {
      partial += d;
      let nl: number;
      while ((nl = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, nl);
        partial = partial.slice(nl + 1);
        const next = waiting.shift();
        if (next) next(line);
        else lines.push(line);
      }
    });
    const served = serveStdio(newServer(), { stdin, stdout, maxMessageBytes });
    const answer = (text: string): Promise<Record<string, unknown>> => {
      stdin.write(text + '\n');
      return new Promise<string>((resolve) => {
        const queued = lines.shift();
        if (queued !== undefined) resolve(queued);
        else waiting.push(resolve);
      }).then((line) => JSON.parse(line) as Record<string, unknown>);
    };
    return { stdin, served, answer };
  }

  test('a line that is not JSON gets -32700, a request with params that are not an object -32602 under its id; the session goes on', async () => {
    const { stdin, served, answer } = session();
    expect(await answer('{not json')).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(await answer('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":null}')).toEqual({
      jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'Invalid params: params of tools/call must be an object' },
    });
    expect(await answer('[1,2]')).toMatchObject({ id: null, error: { code: -32600 } });
    expect(await answer('{"jsonrpc":"1.0","id":"x","method":"ping"}')).toMatchObject({ id: 'x', error: { code: -32600 } });
    expect(await answer(JSON.stringify(INITIALIZE))).toMatchObject({ id: 1, result: { serverInfo: { name: 'llmspell' } } });
    expect(await answer('{"jsonrpc":"2.0","id":3,"method":"ping"}')).toEqual({ jsonrpc: '2.0', id: 3, result: {} });
    stdin.end();
    await expect(served).resolves.toBeUndefined();
  });

  test('a message over the limit ends the session with SIZE_LIMIT_EXCEEDED, whether its newline has come or not', async () => {
    for (const ending of ['', '\n']) {
      const { stdin, served } = session(1024);
      stdin.write(`{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"${'x'.repeat(2000)}"}}${ending}`);
      const error = await served.then(() => undefined, (e: unknown) => e);
      expect(isLlmspellError(error) && error.code).toBe('SIZE_LIMIT_EXCEEDED');
      expect((error as Error).message).toMatch(/over 1024 bytes/);
    }
  });
});

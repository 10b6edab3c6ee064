import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError } from '@llmspell/core';

/** Serves one MCP server over this process's stdin and stdout until the client goes away. */
export async function serveStdio(server: Server, streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {}): Promise<void> {
  const transport = new StdioServerTransport(streams.stdin as never, streams.stdout as never);
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(transport);
  const stdin = (streams.stdin ?? process.stdin) as NodeJS.ReadableStream;
  // The client closing our stdin is how a stdio session ends.
  stdin.once('end', () => void server.close());
  await closed;
}

export interface HttpServeOptions {
  /** One MCP server per session. */
  createServer(): Server;
  /** 0 picks a free port. */
  port: number;
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Streamable HTTP on 127.0.0.1 only. Before anything else each request's `Host` must name
 * this server (`127.0.0.1:PORT`, `localhost:PORT`) and an `Origin`, when a browser sends one,
 * must be this server's: a web page cannot reach it through DNS rebinding. With a token,
 * every request needs `Authorization: Bearer <token>`.
 */
export async function serveHttp(options: HttpServeOptions): Promise<RunningHttpServer> {
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: Server }>();
  let allowedHosts: string[] = [];
  let allowedOrigins: string[] = [];

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (!allowedHosts.includes(host.toLowerCase())) return reply(res, 403, `Forbidden: Host '${host}' is not this server`);
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.includes(origin.toLowerCase())) return reply(res, 403, `Forbidden: Origin '${origin}' is not allowed`);
    if (options.token !== undefined && !tokenMatches(req.headers.authorization, options.token)) {
      return reply(res, 401, 'Unauthorized: a bearer token is required', { 'www-authenticate': 'Bearer realm="llmspell"' });
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp' && path !== '/') return reply(res, 404, 'Not found: the MCP endpoint is /mcp');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
    if (existing) return existing.transport.handleRequest(req, res);
    if (typeof sessionId === 'string') return reply(res, 404, 'Session not found');
    if (req.method !== 'POST') return reply(res, 400, 'Bad Request: no session; start one with an initialize request');
    const body = await readJson(req);
    if (body === undefined || !(Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body))) {
      return reply(res, 400, 'Bad Request: no session; start one with an initialize request');
    }
    const server = options.createServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      enableDnsRebindingProtection: true,
      allowedHosts,
      allowedOrigins,
      onsessioninitialized: (id) => {
        sessions.set(id, { transport, server });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const httpServer = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) reply(res, 500, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error: NodeJS.ErrnoException) => reject(new LlmspellError('IO_ERROR', `cannot listen on 127.0.0.1:${options.port}: ${error.message}`, { cause: error })));
    httpServer.listen(options.port, '127.0.0.1', resolve);
  });
  const port = (httpServer.address() as AddressInfo).port;
  allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  allowedOrigins = [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    close: async () => {
      await Promise.all([...sessions.values()].map(({ server }) => server.close().catch(() => {})));
      sessions.clear();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

const MAX_BODY = 4 * 1024 * 1024;

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.destroy();
        reject(new LlmspellError('SIZE_LIMIT_EXCEEDED', `request body over ${MAX_BODY} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

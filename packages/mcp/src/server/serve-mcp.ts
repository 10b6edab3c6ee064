import { randomUUID, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError } from '@llmspell/core';
import { StdioServerTransport } from './stdio-server-transport.js';

/**
 * Serves one MCP server over this process's stdin and stdout until the client goes away.
 * Rejects with the reason when the client's input ended the session (a message over the
 * limit), so the command can say it and exit non-zero.
 */
export async function serveStdio(server: Server, streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream; maxMessageBytes?: number } = {}): Promise<void> {
  const stdin = streams.stdin ?? process.stdin;
  const transport = new StdioServerTransport(stdin, streams.stdout ?? process.stdout, streams.maxMessageBytes);
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  await server.connect(transport);
  // The client closing our stdin is how a stdio session ends.
  stdin.once('end', () => void server.close());
  await closed;
  if (transport.fault) throw transport.fault;
}

/** Sessions an HTTP server keeps open at once unless told otherwise. */
export const DEFAULT_MAX_SESSIONS = 100;
/** How long an HTTP session may go without a request before it is closed, unless told otherwise. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60 * 1000;

export interface HttpServeOptions {
  /** One MCP server per session. */
  createServer(): Server;
  /** 0 picks a free port. */
  port: number;
  /** Required as `Authorization: Bearer <token>` when set. */
  token?: string;
  /** Sessions open at once; an initialize beyond them is answered 503. Default DEFAULT_MAX_SESSIONS. */
  maxSessions?: number;
  /** A session with no request in flight for this long is closed. Default DEFAULT_SESSION_IDLE_MS. */
  sessionIdleMs?: number;
}

export interface RunningHttpServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, message: string, headers: Record<string, string> = {}, code = -32000): void {
  const body = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null });
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** Requests of this session whose responses are still open (a GET stream stays open). */
  inFlight: number;
  idle?: NodeJS.Timeout;
}

/**
 * Streamable HTTP on 127.0.0.1 only. Before anything else each request's `Host` must name
 * this server (`127.0.0.1:PORT`, `localhost:PORT`) and an `Origin`, when a browser sends one,
 * must be this server's: a web page cannot reach it through DNS rebinding. With a token,
 * every request needs `Authorization: Bearer <token>`. Each session holds an MCP server, so
 * their number is capped and one left idle is closed: clients that never send DELETE (or a
 * loop of initialize requests) cannot grow the process without end.
 */
export async function serveHttp(options: HttpServeOptions): Promise<RunningHttpServer> {
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const idleMs = options.sessionIdleMs ?? DEFAULT_SESSION_IDLE_MS;
  const sessions = new Map<string, Session>();
  // Sessions being initialized: not in the map yet, but holding a server.
  let starting = 0;
  let allowedHosts: string[] = [];
  let allowedOrigins: string[] = [];

  const drop = (id: string): Session | undefined => {
    const session = sessions.get(id);
    if (!session) return undefined;
    clearTimeout(session.idle);
    sessions.delete(id);
    return session;
  };
  // A session's idle clock runs only while none of its responses is open.
  const track = (id: () => string | undefined, session: Session, res: http.ServerResponse): void => {
    session.inFlight += 1;
    clearTimeout(session.idle);
    session.idle = undefined;
    res.once('close', () => {
      session.inFlight -= 1;
      const sessionId = id();
      if (session.inFlight > 0 || sessionId === undefined || sessions.get(sessionId) !== session) return;
      session.idle = setTimeout(() => {
        if (drop(sessionId)) void session.server.close().catch(() => {});
      }, idleMs).unref();
    });
  };

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
    if (existing) {
      track(() => sessionId as string, existing, res);
      return existing.transport.handleRequest(req, res);
    }
    if (typeof sessionId === 'string') return reply(res, 404, 'Session not found');
    if (req.method !== 'POST') return reply(res, 400, 'Bad Request: no session; start one with an initialize request');
    const body = await readJson(req);
    if (body.status === 'too-large') return reply(res, 413, `Payload Too Large: the request body is over ${MAX_BODY} bytes`);
    if (body.status === 'invalid') return reply(res, 400, 'Parse error: the request body is not JSON', {}, -32700);
    const message = body.value;
    if (!(Array.isArray(message) ? message.some((m) => isInitializeRequest(m)) : isInitializeRequest(message))) {
      return reply(res, 400, 'Bad Request: no session; start one with an initialize request');
    }
    if (sessions.size + starting >= maxSessions) {
      return reply(res, 503, `Service Unavailable: ${maxSessions} sessions are open, the most this server keeps; end one (DELETE /mcp with its Mcp-Session-Id) or retry once an idle one expires`, { 'retry-after': '60' });
    }
    starting += 1;
    try {
      const server = options.createServer();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableDnsRebindingProtection: true,
        allowedHosts,
        allowedOrigins,
        onsessioninitialized: (id) => {
          sessions.set(id, session);
        },
        onsessionclosed: (id) => {
          drop(id);
        },
      });
      const session: Session = { transport, server, inFlight: 0 };
      transport.onclose = () => {
        if (transport.sessionId) drop(transport.sessionId);
      };
      track(() => transport.sessionId, session, res);
      await server.connect(transport);
      await transport.handleRequest(req, res, message);
    } finally {
      starting -= 1;
    }
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
      const open = [...sessions.keys()].map((id) => drop(id)!);
      await Promise.all(open.map(({ server }) => server.close().catch(() => {})));
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}

const MAX_BODY = 4 * 1024 * 1024;

type Body = { status: 'ok'; value: unknown } | { status: 'too-large' } | { status: 'invalid' };

/**
 * The request's JSON body. One over MAX_BODY is not kept, but read to its end (and dropped)
 * so the client, still sending, gets the 413 rather than a reset connection.
 */
function readJson(req: http.IncomingMessage): Promise<Body> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > MAX_BODY) {
      req.resume();
      resolve({ status: 'too-large' });
      return;
    }
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) chunks = undefined;
      else chunks?.push(c);
    });
    req.on('end', () => {
      if (!chunks) return resolve({ status: 'too-large' });
      try {
        resolve({ status: 'ok', value: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      } catch {
        resolve({ status: 'invalid' });
      }
    });
    req.on('error', reject);
  });
}

import { randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmspellError, isLlmspellError } from '@llmspell/core';
import { viewerFiles, type ViewerFile } from '@llmspell/trace-viewer';
import type { CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { openHistory, rejectUnknownFlags, runFilter, type CommandFlags, type HistoryAccess } from './runs.js';

export const DEFAULT_UI_PORT = 8717;

/** The flags of `llmspell ui` besides the global ones. */
export const UI_FLAGS = { port: { type: 'string' }, 'no-auth': { type: 'boolean' } } as const satisfies CommandFlags;

/** The cookie the page carries its token in once `?token=` has been traded for it. */
export const UI_COOKIE = 'llmspell_ui';

/** The page may load only its own files and call only its own API. */
const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendError(res: http.ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

function sameToken(given: string | undefined, token: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The cookie's name on this port: browsers keep cookies by host, not port, so two `llmspell ui`
 * runs on one machine would otherwise overwrite each other's.
 */
export function uiCookieName(port: number | undefined): string {
  return port ? `${UI_COOKIE}_${port}` : UI_COOKIE;
}

function cookieToken(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, f: ViewerFile): void {
  const body = fs.readFileSync(f.file);
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': f.contentType,
    'Content-Length': body.length,
    'Cache-Control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves the trace viewer and the history as JSON: `GET /api/runs` (the same list as `llmspell
 * runs list --output json`, filters `status`, `script`, `limit`) and `GET /api/runs/:id`
 * (`runs show --output json`). Only requests addressed to this loopback server by name are
 * answered, so a web page elsewhere cannot read the history through DNS rebinding. With a
 * `token`, every request also needs it, in the `llmspell_ui` cookie or as `Authorization:
 * Bearer`, since the loopback address alone lets every local user in; the page URL the CLI
 * prints carries it once as `?token=`, traded here for the cookie.
 */
export function createUiHandler(history: HistoryAccess, files: Map<string, ViewerFile>, allowedHosts: () => Set<string>, token?: string) {
  return async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (!allowedHosts().has(String(req.headers.host ?? '').toLowerCase())) {
      return sendError(res, 403, 'FORBIDDEN', 'this server answers only requests for 127.0.0.1 or localhost');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'the viewer is read-only');
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (token !== undefined) {
      const fromQuery = url.searchParams.get('token');
      if (fromQuery !== null && !url.pathname.startsWith('/api/') && sameToken(fromQuery, token)) {
        // Redirected without it, so the token stays out of the address bar, the history and bookmarks.
        url.searchParams.delete('token');
        res.writeHead(302, {
          ...SECURITY_HEADERS,
          // No Secure: the server is plain http on loopback, where a Secure cookie would never be sent back.
          'Set-Cookie': `${uiCookieName(req.socket.localPort)}=${token}; HttpOnly; SameSite=Strict; Path=/`,
          Location: url.pathname + url.search,
          'Cache-Control': 'no-store',
        });
        return void res.end();
      }
      if (!sameToken(cookieToken(req.headers.cookie, uiCookieName(req.socket.localPort)), token) && !sameToken(bearerToken(req.headers.authorization), token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="llmspell"');
        return sendError(res, 401, 'UNAUTHORIZED', 'a token is required: open the URL `llmspell ui` printed (http://127.0.0.1:PORT/?token=…), or send Authorization: Bearer <token>');
      }
    }
    try {
      if (url.pathname === '/api/runs') {
        const options: Record<string, string> = {};
        for (const key of ['status', 'script', 'limit']) {
          const v = url.searchParams.get(key);
          if (v) options[key] = v;
        }
        const filter = runFilter(options);
        return sendJson(res, 200, await history.use((h) => h.list(filter)));
      }
      const m = /^\/api\/runs\/([^/]+)$/.exec(url.pathname);
      if (m) {
        let id: string;
        try {
          id = decodeURIComponent(m[1]);
        } catch {
          return sendError(res, 400, 'INVALID_ARGUMENT', `the run id in ${url.pathname} is not valid percent-encoding`);
        }
        const run = await history.use((h) => h.get(id));
        return run ? sendJson(res, 200, run) : sendError(res, 404, 'NOT_FOUND', `no run '${id}' in the history`);
      }
      if (url.pathname.startsWith('/api/')) return sendError(res, 404, 'NOT_FOUND', `no API route ${url.pathname}`);
      const file = files.get(url.pathname);
      if (file) return sendFile(req, res, file);
      return sendError(res, 404, 'NOT_FOUND', `no page ${url.pathname}`);
    } catch (error) {
      if (isLlmspellError(error)) return sendError(res, error.code === 'INVALID_ARGUMENT' ? 400 : 500, error.code, error.message);
      return sendError(res, 500, 'INTERNAL', error instanceof Error ? error.message : String(error));
    }
  };
}

/**
 * `llmspell ui [--port N] [--no-auth]`: the run history in the browser, on 127.0.0.1 only,
 * behind a token made for this run (as Jupyter does) unless `--no-auth`.
 */
export async function uiCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  rejectUnknownFlags('ui', args.options, UI_FLAGS);
  if (args.positionals.length > 1) throw new UsageError(`unexpected argument '${args.positionals[1]}': llmspell ui [--port N] [--no-auth]`);
  const token = args.options['no-auth'] === true ? undefined : randomBytes(32).toString('base64url');
  const raw = args.options.port;
  const port = raw === undefined ? DEFAULT_UI_PORT : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number (0-65535, 0 picks a free one), got '${String(raw)}'`);
  const files = viewerFiles();
  if (!files.has('/')) throw new LlmspellError('INTERNAL', 'the trace viewer is not built (@llmspell/trace-viewer has no dist/app); reinstall llmspell');
  const history = await openHistory(args.flags, io);
  let hosts = new Set<string>();
  const server = http.createServer((req, res) => void createUiHandler(history, files, () => hosts, token)(req, res));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE'
          ? new LlmspellError('INVALID_ARGUMENT', `port ${port} on 127.0.0.1 is in use; pick another with --port N (0 for any free one)`)
          : error);
      });
      server.listen(port, '127.0.0.1', resolve);
    });
  } catch (error) {
    await history.close();
    throw error;
  }
  const actual = (server.address() as AddressInfo).port;
  hosts = new Set([`127.0.0.1:${actual}`, `localhost:${actual}`]);
  const url = `http://127.0.0.1:${actual}/${token ? `?token=${token}` : ''}`;
  if (args.flags.output === 'json') io.stdout(JSON.stringify({ url, port: actual, backend: history.backend, auth: token !== undefined }) + '\n');
  else {
    io.stdout(`llmspell ui: ${url}  (Ctrl-C to stop)\n`);
    if (!token) io.stderr('note: --no-auth: every local user and process can read the runs\n');
    if (history.backend === 'memory') io.stderr('note: state persistence is off, so no runs are kept between processes\n');
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await history.close();
  return 0;
}

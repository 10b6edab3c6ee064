/**
 * Test support for tool authors: a real HTTP server on a loopback address and a random port,
 * recording every request (`@llmspell/core/testing`). Network tools are tested against it
 * with `new SecurityPolicy({ allowPrivateNetwork: true })`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TestServer {
  url: string;
  port: number;
  host: string;
  /** Every request seen, in order. */
  requests: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }>;
  close(): Promise<void>;
}

/** A real HTTP server on `host` (default 127.0.0.1) and a random port. */
export async function startServer(
  handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => unknown,
  host = '127.0.0.1',
): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      Promise.resolve(handler(req, res, body)).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    host,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

export function json(res: http.ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

/**
 * A handler answering 200 with a body that seems never to end: `prefix`, then `piece` again and
 * again as fast as the client reads. It does end after `capBytes` (64 MiB), so that a client
 * without a limit fails its test instead of filling the memory.
 */
export function endlessBody(contentType: string, piece: string, prefix = '', capBytes = 64 * 1024 * 1024) {
  return (_req: http.IncomingMessage, res: http.ServerResponse): void => {
    res.writeHead(200, { 'Content-Type': contentType });
    res.write(prefix);
    let sent = 0;
    const pump = (): void => {
      while (!res.destroyed && !res.writableEnded) {
        if (sent > capBytes) return void res.end();
        sent += piece.length;
        if (!res.write(piece)) return;
      }
    };
    res.on('drain', pump);
    pump();
  };
}

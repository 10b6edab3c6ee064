import http from 'node:http';
import net from 'node:net';
import { parseHostPort, serviceCheckerTool as tool } from './index.js';
import { type Sandbox, expectCode, sandbox } from './__fixtures__/helpers.js';

let sb: Sandbox;
let closed: Sandbox;
let tcp: net.Server;
let web: http.Server;
let tcpPort: number;
let webPort: number;
let hits = 0;

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
}

beforeAll(async () => {
  tcp = net.createServer((s) => s.end());
  web = http.createServer((req, res) => {
    hits += 1;
    if (req.url === '/broken') res.writeHead(503).end('down');
    else res.writeHead(200, { 'content-type': 'text/plain', server: 'test-server' }).end('ok');
  });
  tcpPort = await listen(tcp);
  webPort = await listen(web);
});
afterAll(async () => {
  await new Promise((r) => tcp.close(r));
  await new Promise((r) => web.close(r));
});
beforeEach(() => {
  sb = sandbox({ allowPrivateNetwork: true });
  closed = sandbox({ allowPrivateNetwork: false });
});
afterEach(() => {
  sb.cleanup();
  closed.cleanup();
});

describe('service_checker', () => {
  it('parses host:port forms', () => {
    expect(parseHostPort('example.com:80')).toEqual({ host: 'example.com', port: 80 });
    expect(parseHostPort('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(parseHostPort('db', 5432)).toEqual({ host: 'db', port: 5432 });
    expect(() => parseHostPort('example.com')).toThrow(/INVALID_ARGUMENT/);
    expect(() => parseHostPort('example.com:70000')).toThrow(/out of range/);
  });

  it('checks a real TCP port on 127.0.0.1 when private networks are allowed', async () => {
    const r = await sb.run(tool, { target: `127.0.0.1:${tcpPort}`, check_type: 'tcp' });
    expect(r.result).toMatchObject({ available: true, host: '127.0.0.1', port: tcpPort, address: '127.0.0.1', check_type: 'tcp' });
    expect((r.result as { response_time_ms: number }).response_time_ms).toBeGreaterThan(0);
  });

  it('reports a closed port as not available', async () => {
    const spare = net.createServer();
    const port = await listen(spare);
    await new Promise((r) => spare.close(r));
    const r = await sb.run(tool, { target: `127.0.0.1:${port}`, check_type: 'tcp', timeout_seconds: 2 });
    expect(r.result).toMatchObject({ available: false });
    expect((r.result as { error: string }).error).toMatch(/ECONNREFUSED/);
  });

  it('checks HTTP status on a real server', async () => {
    const r = await sb.run(tool, { target: `http://127.0.0.1:${webPort}/health`, check_type: 'http' });
    expect(r.result).toMatchObject({ available: true, healthy: true, status_code: 200, headers: { server: 'test-server' } });
    const down = await sb.run(tool, { target: `127.0.0.1:${webPort}/broken`, check_type: 'http' });
    expect(down.result).toMatchObject({ available: false, status_code: 503 });
  });

  it('reports https against a server that does not speak TLS as unavailable', async () => {
    const r = await sb.run(tool, { target: `127.0.0.1:${webPort}`, check_type: 'https', timeout_seconds: 2 });
    expect(r.result).toMatchObject({ available: false, url: `https://127.0.0.1:${webPort}/` });
    expect((r.result as { error: string }).error).toMatch(/SSL|TLS|EPROTO|wrong version/i);
  });

  it('times out on a server that never answers', async () => {
    const silent = net.createServer(() => undefined);
    const port = await listen(silent);
    try {
      const r = await sb.run(tool, { target: `http://127.0.0.1:${port}/`, check_type: 'http', timeout_seconds: 0.2 });
      expect(r.result).toMatchObject({ available: false });
      expect((r.result as { error: string }).error).toMatch(/timed out/);
    } finally {
      silent.close();
    }
  });

  it('refuses loopback targets without allowPrivateNetwork, before connecting', async () => {
    const before = hits;
    await expectCode(closed.run(tool, { target: `127.0.0.1:${tcpPort}`, check_type: 'tcp' }), 'NETWORK_NOT_ALLOWED');
    await expectCode(closed.run(tool, { target: `http://127.0.0.1:${webPort}/`, check_type: 'http' }), 'NETWORK_NOT_ALLOWED');
    await expectCode(closed.run(tool, { target: `http://localhost:${webPort}/`, check_type: 'http' }), 'NETWORK_NOT_ALLOWED');
    await expectCode(closed.run(tool, { target: 'http://169.254.169.254/latest/meta-data', check_type: 'http' }), 'NETWORK_NOT_ALLOWED');
    await expectCode(closed.run(tool, { target: `[::1]:${tcpPort}`, check_type: 'tcp' }), 'NETWORK_NOT_ALLOWED');
    await expectCode(closed.run(tool, { target: 'localhost', check_type: 'dns' }), 'NETWORK_NOT_ALLOWED');
    expect(hits).toBe(before);
  });

  it('reports a name that does not resolve as not available (data, not an error), like the reference', async () => {
    const tcp = await sb.run(tool, { target: 'no-such-host.invalid:80', check_type: 'tcp' });
    expect(tcp.result).toMatchObject({ available: false, status: 'DNS resolution failed' });
    expect((tcp.result as { error: string }).error).toMatch(/DNS resolution failed/);
    const bad = await sb.run(tool, { target: '999.999.999.999:80', check_type: 'tcp' });
    expect(bad.result).toMatchObject({ available: false, status: 'DNS resolution failed' });
    const web = await sb.run(tool, { target: 'http://no-such-host.invalid/', check_type: 'http' });
    expect(web.result).toMatchObject({ available: false, status: 'DNS resolution failed' });
    // A policy refusal is still an error.
    await expectCode(closed.run(tool, { target: `127.0.0.1:${tcpPort}`, check_type: 'tcp' }), 'NETWORK_NOT_ALLOWED');
  });

  it('resolves names with dns', async () => {
    const r = await sb.run(tool, { target: 'localhost', check_type: 'dns' });
    expect(r.result).toMatchObject({ available: true, hostname: 'localhost' });
    const addrs = (r.result as { addresses: Array<{ address: string }> }).addresses.map((a) => a.address);
    expect(addrs.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true);
  });

  it('validates its parameters', async () => {
    await expectCode(sb.run(tool, { target: 'x:1', check_type: 'ftp' }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { check_type: 'tcp' }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { target: `127.0.0.1:${tcpPort}` }), 'INVALID_ARGUMENT');
    await expectCode(sb.run(tool, { target: 'file:///etc/passwd', check_type: 'http' }), 'NETWORK_NOT_ALLOWED');
  });
});

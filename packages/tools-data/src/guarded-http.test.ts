import { promises as dns } from 'node:dns';
import os from 'node:os';
import zlib from 'node:zlib';
import { SecurityPolicy, classifyPrivateAddress, guardedRequest, type LlmspellError } from '@llmspell/core';
import { startServer, type TestServer } from '@llmspell/core/testing';

const open = new SecurityPolicy({ allowPrivateNetwork: true });
const hostAddresses = await dns.lookup(os.hostname(), { all: true }).then((a) => a.map((x) => x.address), () => [] as string[]);
const hostResolvesPrivate = hostAddresses.length > 0 && hostAddresses.every((a) => classifyPrivateAddress(a) !== null);
const strict = new SecurityPolicy();

/**
 * A policy under which exactly one address, 127.0.0.1, counts as public; every other
 * address goes through the real classifier. This lets a local server play "an allowed
 * internet host" so the per-hop check on a redirect can be seen refusing a private target.
 */
class OnlyLoopbackOneIsPublic extends SecurityPolicy {
  override checkAddress(address: string, hostname = address): void {
    if (address === '127.0.0.1') return;
    super.checkAddress(address, hostname);
  }
}

async function codeOf(p: Promise<unknown>): Promise<LlmspellError> {
  try {
    await p;
  } catch (e) {
    return e as LlmspellError;
  }
  throw new Error('expected a rejection');
}

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

describe('guardedRequest', () => {
  test('fetches from a local server when private networks are allowed', async () => {
    const s = await serve((req, res) => {
      res.setHeader('X-Echo', req.headers['x-test'] ?? '');
      res.end('hello');
    });
    const r = await guardedRequest(open, { url: `${s.url}/x`, headers: { 'X-Test': 'yes' } });
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('hello');
    expect(r.headers['x-echo']).toBe('yes');
    expect(r.url).toBe(`${s.url}/x`);
    expect(r.redirects).toEqual([]);
  });

  test('a plain 127.0.0.1 URL is refused by the default policy, with no request made', async () => {
    const s = await serve((_req, res) => res.end('secret'));
    const e = await codeOf(guardedRequest(strict, { url: `${s.url}/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(e.message).toMatch(/loopback/);
    expect(s.requests).toHaveLength(0);
  });

  test('localhost is refused by name', async () => {
    const s = await serve((_req, res) => res.end('secret'));
    const e = await codeOf(guardedRequest(strict, { url: `http://localhost:${s.port}/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(s.requests).toHaveLength(0);
  });

  // This machine's own host name resolves through the system resolver (here /etc/hosts) to a
  // loopback/private address on the boxes we run on; the check must catch it after DNS.
  (hostResolvesPrivate ? test : test.skip)(`a host name that DNS resolves to a private address is refused (${os.hostname()})`, async () => {
    const e = await codeOf(guardedRequest(strict, { url: `http://${os.hostname()}:9/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(e.message).toMatch(/resolves to/);
  });

  test('the metadata address 169.254.169.254 is refused before any connection is tried', async () => {
    const started = Date.now();
    const e = await codeOf(guardedRequest(strict, { url: 'http://169.254.169.254/latest/meta-data/', timeoutMs: 5000 }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(e.details.reason).toBe('link-local / cloud metadata');
    // A connect attempt to that unroutable address would hang until the 5 s timeout.
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('non-http schemes are refused', async () => {
    const e = await codeOf(guardedRequest(open, { url: 'file:///etc/passwd' }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
  });

  test('follows redirects and reports them', async () => {
    const b = await serve((_req, res) => res.end('final'));
    const a = await serve((_req, res) => {
      res.writeHead(302, { Location: `${b.url}/end` });
      res.end();
    });
    const r = await guardedRequest(open, { url: `${a.url}/start` });
    expect(r.body.toString()).toBe('final');
    expect(r.url).toBe(`${b.url}/end`);
    expect(r.redirects).toEqual([`${b.url}/end`]);
  });

  test('every redirect hop is checked: a hop to a blocked host is refused and never contacted', async () => {
    const policy = new SecurityPolicy({ allowPrivateNetwork: true, blockedDomains: ['localhost'] });
    const b = await serve((_req, res) => res.end('internal'));
    const a = await serve((_req, res) => {
      res.writeHead(302, { Location: `http://localhost:${b.port}/admin` });
      res.end();
    });
    const e = await codeOf(guardedRequest(policy, { url: `${a.url}/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(a.requests).toHaveLength(1);
    expect(b.requests).toHaveLength(0);
  });

  test('every redirect hop is checked: an allowed host redirecting to a private address is refused', async () => {
    const policy = new OnlyLoopbackOneIsPublic();
    // 127.0.0.2 is loopback too (Linux routes all of 127/8 to lo) but is classified private.
    const b = await serve((_req, res) => res.end('internal'), '127.0.0.2');
    const a = await serve((req, res) => {
      const to = req.url === '/meta' ? 'http://169.254.169.254/latest/meta-data/' : `${b.url}/admin`;
      res.writeHead(301, { Location: to });
      res.end();
    });
    const first = await guardedRequest(policy, { url: `${a.url}/`, maxRedirects: 0 });
    expect(first.status).toBe(301);
    const e = await codeOf(guardedRequest(policy, { url: `${a.url}/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(e.message).toMatch(/127\.0\.0\.2.*loopback/);
    expect(b.requests).toHaveLength(0);
    const m = await codeOf(guardedRequest(policy, { url: `${a.url}/meta`, timeoutMs: 5000 }));
    expect(m.code).toBe('NETWORK_NOT_ALLOWED');
    expect(m.details.reason).toBe('link-local / cloud metadata');
  });

  // With no stand-in at all: when this machine has an interface address the real
  // classifier treats as public, a server bound there redirects to 127.0.0.1.
  const publicLocal = Object.values(os.networkInterfaces()).flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal && classifyPrivateAddress(i.address) === null)?.address;
  (publicLocal ? test : test.skip)(`default policy refuses a redirect from a public-classified local address (${publicLocal ?? 'none here'}) to loopback`, async () => {
    const inner = await serve((_req, res) => res.end('internal'));
    const a = await serve((_req, res) => {
      res.writeHead(302, { Location: `${inner.url}/admin` });
      res.end();
    }, publicLocal!);
    const e = await codeOf(guardedRequest(strict, { url: `${a.url}/` }));
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(a.requests).toHaveLength(1);
    expect(inner.requests).toHaveLength(0);
  });

  test('DNS rebinding: the address resolved at connect time is checked again', async () => {
    // A scripted resolver stands in for an attacker's DNS (TTL 0): the first answer, used by
    // the URL check, is the "public" 127.0.0.1; the second, at connect time, is 127.0.0.2.
    // Addresses are still judged by the real checkAddress (with 127.0.0.1 counted as public).
    class RebindingDns extends OnlyLoopbackOneIsPublic {
      answers = ['127.0.0.1', '127.0.0.2'];
      lookups: string[] = [];
      override async resolveHost(hostname: string) {
        this.checkHostname(hostname);
        const address = this.answers[Math.min(this.lookups.length, this.answers.length - 1)];
        this.lookups.push(address);
        this.checkAddress(address, hostname);
        return { hostname, addresses: [{ address, family: 4 }] };
      }
    }
    const b = await serve((_req, res) => res.end('internal'), '127.0.0.2');
    const rebinding = new RebindingDns();
    const e = await codeOf(guardedRequest(rebinding, { url: `http://rebind.test:${b.port}/` }));
    expect(rebinding.lookups).toEqual(['127.0.0.1', '127.0.0.2']);
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(b.requests).toHaveLength(0);
    // Same resolver answering 127.0.0.1 both times: the connection is made to what was checked.
    const a = await serve((_req, res) => res.end('public'));
    const stable = new RebindingDns();
    stable.answers = ['127.0.0.1'];
    const r = await guardedRequest(stable, { url: `http://stable.test:${a.port}/` });
    expect(r.body.toString()).toBe('public');
    expect(stable.lookups).toEqual(['127.0.0.1', '127.0.0.1']);
  });

  test('too many redirects fail', async () => {
    const a = await serve((req, res) => {
      res.writeHead(302, { Location: `/n${Number(req.url!.slice(2) || 0) + 1}` });
      res.end();
    });
    const e = await codeOf(guardedRequest(open, { url: `${a.url}/n0`, maxRedirects: 3 }));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).toMatch(/too many redirects/);
    expect(a.requests).toHaveLength(4);
  });

  test('303 after POST becomes GET without body; credentials do not follow to another origin', async () => {
    const b = await serve((_req, res) => res.end('ok'));
    const a = await serve((_req, res) => {
      res.writeHead(303, { Location: `http://localhost:${b.port}/done` });
      res.end();
    });
    await guardedRequest(open, { url: a.url, method: 'POST', body: '{"x":1}', headers: { Authorization: 'Bearer abcdefghijklmnopqrstuvwxyz', 'Content-Type': 'application/json' } });
    expect(a.requests[0].method).toBe('POST');
    expect(a.requests[0].headers.authorization).toBe('Bearer abcdefghijklmnopqrstuvwxyz');
    expect(b.requests[0].method).toBe('GET');
    expect(b.requests[0].body).toBe('');
    expect(b.requests[0].headers.authorization).toBeUndefined();
  });

  test('a body over maxBytes is refused (declared length)', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('Content-Length', 5000);
      res.end('x'.repeat(5000));
    });
    const e = await codeOf(guardedRequest(open, { url: s.url, maxBytes: 1000 }));
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
  });

  test('a streamed body over maxBytes is cut off', async () => {
    const s = await serve((_req, res) => {
      res.write('y'.repeat(800));
      res.write('y'.repeat(800));
      res.end();
    });
    const e = await codeOf(guardedRequest(open, { url: s.url, maxBytes: 1000 }));
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
  });

  test('the default cap is the policy maxResponseBytes, and it applies after decompression', async () => {
    const small = new SecurityPolicy({ allowPrivateNetwork: true, maxResponseBytes: 10_000 });
    const bomb = zlib.gzipSync(Buffer.alloc(1_000_000));
    const s = await serve((req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': bomb.length });
      res.end(req.url === '/small' ? zlib.gzipSync('tiny') : bomb);
    });
    expect(bomb.length).toBeLessThan(10_000);
    const e = await codeOf(guardedRequest(small, { url: s.url }));
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
  });

  test('gzip bodies are decoded', async () => {
    const s = await serve((_req, res) => {
      const z = zlib.gzipSync('compressed hello');
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': z.length });
      res.end(z);
    });
    const r = await guardedRequest(open, { url: s.url });
    expect(r.body.toString()).toBe('compressed hello');
  });

  test('a server that never answers hits the timeout', async () => {
    const s = await serve(() => { /* never responds */ });
    const e = await codeOf(guardedRequest(open, { url: s.url, timeoutMs: 200 }));
    expect(e.code).toBe('TIMEOUT');
  });

  test('aborting the signal cancels the request', async () => {
    const controller = new AbortController();
    const s = await serve(() => { controller.abort(); });
    const e = await codeOf(guardedRequest(open, { url: s.url, signal: controller.signal, timeoutMs: 5000 }));
    expect(e.code).toBe('CANCELLED');
  });

  test('errors carry neither the Authorization header nor secret query values', async () => {
    const s = await serve(() => {});
    await s.close();
    const token = 'Bearer tok_0123456789abcdefghijklmnop';
    const e = await codeOf(guardedRequest(open, { url: `${s.url}/x?api_key=sekrit-value-123&q=1`, headers: { Authorization: token } }));
    expect(e.code).toBe('IO_ERROR');
    expect(e.message).not.toContain('tok_0123456789');
    expect(e.message).not.toContain('sekrit-value-123');
    expect(JSON.stringify(e.details)).not.toContain('sekrit-value-123');
    expect(e.message).toContain('q=1');
  });

  test('header values with line breaks are refused', async () => {
    const e = await codeOf(guardedRequest(open, { url: 'http://127.0.0.1:9/', headers: { 'X-A': 'a\r\nInjected: 1' } }));
    expect(e.code).toBe('INVALID_ARGUMENT');
  });
});

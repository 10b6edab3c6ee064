import zlib from 'node:zlib';
import { SecurityPolicy, guardedFetch, guardedRequest, isCredentialHeader } from '../index.js';
import { endlessBody, startServer, type TestServer } from '../testing/index.js';

const open = new SecurityPolicy({ allowPrivateNetwork: true });

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

/** Every header a client may use to carry a credential, with a value a server could steal. */
const CREDENTIALS: Record<string, string> = {
  Authorization: 'Bearer sk-test-redirect-0123456789abcdef',
  'Proxy-Authorization': 'Basic dXNlcjpwYXNzd29yZA==',
  Cookie: 'session=abc123; other=1',
  'X-Auth-Token': 'xauth-0123456789',
  'Private-Token': 'glpat-0123456789abcdefghij',
  'X-Goog-Api-Key': 'AIzaSy0123456789',
  'X-Api-Key': 'xapikey-0123456789',
  'Api-Key': 'apikey-0123456789',
  'X-Subscription-Token': 'brave-0123456789',
  'Ocp-Apim-Subscription-Key': 'azure-0123456789',
  'X-Amz-Security-Token': 'amz-0123456789',
  'X-Vault-Token': 'hvs.0123456789',
  'X-Client-Secret': 'client-secret-0123',
  'X-Custom-Password': 'hunter2hunter2',
  'X-CSRF-Token': 'csrf-0123456789',
};

/** Two real servers on different ports: different origins. `a` redirects every request to `b`. */
async function redirectPair(status = 302) {
  const b = await serve((_req, res) => res.end('landed'));
  const a = await serve((req, res) => {
    res.writeHead(status, { Location: `${b.url}/landing${req.url}` });
    res.end();
  });
  return { a, b };
}

describe('redirects across origins', () => {
  it('names credential-looking headers', () => {
    for (const name of Object.keys(CREDENTIALS)) expect([name, isCredentialHeader(name)]).toEqual([name, true]);
    for (const name of ['Accept', 'Content-Type', 'User-Agent', 'Accept-Language', 'If-None-Match', 'X-Request-Id']) {
      expect([name, isCredentialHeader(name)]).toEqual([name, false]);
    }
  });

  for (const status of [301, 302, 303, 307, 308]) {
    it(`guardedRequest drops every credential header on a ${status} to another port, keeps the rest`, async () => {
      const { a, b } = await redirectPair(status);
      const r = await guardedRequest(open, { url: `${a.url}/x`, headers: { ...CREDENTIALS, 'X-Trace': 'keep-me' } });
      expect(r.body.toString()).toBe('landed');
      const sentToA = a.requests[0].headers;
      for (const name of Object.keys(CREDENTIALS)) expect(sentToA[name.toLowerCase()]).toBe(CREDENTIALS[name]);
      const sentToB = b.requests[0].headers;
      for (const name of Object.keys(CREDENTIALS)) expect([name, sentToB[name.toLowerCase()]]).toEqual([name, undefined]);
      expect(sentToB['x-trace']).toBe('keep-me');
      expect(JSON.stringify(sentToB)).not.toMatch(/0123456789|hunter2|abc123/);
    });
  }

  it('keeps credentials on a same-origin redirect', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/start') {
        res.writeHead(302, { Location: '/next' });
        res.end();
      } else res.end('ok');
    });
    await guardedRequest(open, { url: `${s.url}/start`, headers: { 'X-Auth-Token': 'xauth-0123456789' } });
    expect(s.requests.map((r) => r.headers['x-auth-token'])).toEqual(['xauth-0123456789', 'xauth-0123456789']);
  });

  it('guardedFetch drops them too', async () => {
    const { a, b } = await redirectPair(307);
    const fetch = guardedFetch(open);
    const r = await fetch(`${a.url}/v1/chat`, { method: 'POST', headers: { ...CREDENTIALS, 'content-type': 'application/json' }, body: '{"q":1}' });
    expect(await r.text()).toBe('landed');
    expect(r.redirected).toBe(true);
    expect(r.url).toBe(`${b.url}/landing/v1/chat`);
    expect(a.requests[0].headers.authorization).toBe(CREDENTIALS.Authorization);
    expect(b.requests[0]).toMatchObject({ method: 'POST', body: '{"q":1}' });
    for (const name of Object.keys(CREDENTIALS)) expect([name, b.requests[0].headers[name.toLowerCase()]]).toEqual([name, undefined]);
  });
});

describe('guardedFetch', () => {
  it('refuses loopback under the default policy before connecting, with the policy error', async () => {
    const s = await serve((_req, res) => res.end('secret'));
    const fetch = guardedFetch(new SecurityPolicy());
    await expect(fetch(`${s.url}/v1/models`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(fetch(`http://localhost:${s.port}/`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(fetch(`http://[::ffff:7f00:1]:${s.port}/`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    expect(s.requests).toHaveLength(0);
  });

  it('checks every redirect hop', async () => {
    const policy = new SecurityPolicy({ allowPrivateNetwork: true, blockedDomains: ['localhost'] });
    const b = await serve((_req, res) => res.end('internal'));
    const a = await serve((_req, res) => {
      res.writeHead(302, { Location: `http://localhost:${b.port}/` });
      res.end();
    });
    await expect(guardedFetch(policy)(a.url)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    expect(b.requests).toHaveLength(0);
  });

  it('streams a body, sends method, headers and body, and decodes gzip', async () => {
    const s = await serve((req, res, body) => {
      if (req.url === '/gz') {
        const z = zlib.gzipSync('zipped');
        res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': z.length });
        res.end(z);
        return;
      }
      res.writeHead(201, { 'Content-Type': 'text/event-stream', 'X-Echo': String(req.headers['x-a']) });
      res.write(`data: ${body}\n\n`);
      res.end('data: [DONE]\n\n');
    });
    const fetch = guardedFetch(open);
    const r = await fetch(new URL(`${s.url}/sse`), { method: 'post', headers: new Headers({ 'X-A': 'b' }), body: new TextEncoder().encode('{"n":1}') });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-echo')).toBe('b');
    const chunks: string[] = [];
    for await (const c of r.body as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c).toString());
    expect(chunks.join('')).toBe('data: {"n":1}\n\ndata: [DONE]\n\n');
    const gz = await fetch(`${s.url}/gz`);
    expect(await gz.text()).toBe('zipped');
    expect(gz.headers.get('content-encoding')).toBeNull();
  });

  it('reports a refused connection as fetch does, and an abort with the signal reason', async () => {
    const s = await serve(() => {});
    const port = s.port;
    await s.close();
    const fetch = guardedFetch(open);
    const e = await fetch(`http://127.0.0.1:${port}/`).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as TypeError).message).toBe('fetch failed');
    expect(((e as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');
    const controller = new AbortController();
    const hang = await serve(() => {
      controller.abort(new Error('stop now'));
    });
    await expect(fetch(hang.url, { signal: controller.signal })).rejects.toThrow('stop now');
  });
});


describe('guardedFetch size limits', () => {
  it('fails an endless body with SIZE_LIMIT_EXCEEDED once maxBytes is passed', async () => {
    const s = await serve(endlessBody('application/json', 'x'.repeat(64 * 1024), '{"choices":[{"message":{"content":"'));
    const fetch = guardedFetch(open, { maxBytes: 1024 * 1024, limitSetting: 'some.setting' });
    const r = await fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: '{}' });
    expect(r.status).toBe(200);
    const e = await r.text().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 1024 * 1024 } });
    expect(String((e as Error).message)).toMatch(/larger than the limit of 1048576 bytes .*some\.setting/);
    // A gzip bomb is counted after decoding.
    const z = zlib.gzipSync(Buffer.alloc(4 * 1024 * 1024, 'a'));
    const gz = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip', 'Content-Length': z.length });
      res.end(z);
    });
    await expect((await fetch(gz.url)).arrayBuffer()).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
    // Within the limit, the body is whole.
    const small = await serve((_req, res) => res.end('y'.repeat(1000)));
    expect(await (await fetch(small.url)).text()).toBe('y'.repeat(1000));
  });

  it('caps each event of a text/event-stream, not the stream, with maxEventBytes', async () => {
    const event = `data: ${JSON.stringify({ choices: [{ delta: { content: 'tok' } }] })}\n\n`;
    const many = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      // 200 KiB of small events, split at awkward places (a blank line across two writes).
      const all = event.repeat(Math.ceil(200 * 1024 / event.length));
      for (let i = 0; i < all.length; i += 1001) res.write(all.slice(i, i + 1001));
      res.end();
    });
    const fetch = guardedFetch(open, { maxEventBytes: 1024 });
    const text = await (await fetch(many.url)).text();
    expect(text.length).toBeGreaterThan(200 * 1024);
    const crlf = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      for (let i = 0; i < 400; i++) res.write('data: ' + 'z'.repeat(500) + '\r\n\r\n');
      res.end();
    });
    expect((await (await fetch(crlf.url)).text()).length).toBeGreaterThan(200_000);
    const one = await serve(endlessBody('text/event-stream', 'data: ' + 'x'.repeat(100) + '\n', ''));
    await expect((await fetch(one.url)).text()).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
    // Without maxEventBytes, maxBytes caps a stream too.
    const endlessJsonAsSse = await serve(endlessBody('text/event-stream', 'data: {}\n\n'));
    await expect((await guardedFetch(open, { maxBytes: 100_000 })(endlessJsonAsSse.url)).text()).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
  });

  it('caps a body that is not an event stream as a whole with maxEventBytes (a streaming request answered with JSON)', async () => {
    const fetch = guardedFetch(open, { maxEventBytes: 64 * 1024, limitSetting: 'some.setting' });
    // No blank line ever comes, and none is needed: the body is not SSE, so it is counted whole.
    const json = await serve(endlessBody('application/json', '{"a":1},\n\n', '['));
    const e = await (await fetch(json.url)).text().catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { limit: 64 * 1024 } });
    expect(String((e as Error).message)).toMatch(/response body from .* larger than the limit of 65536 bytes .*some\.setting/);
    // A small JSON answer still arrives whole.
    const small = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ x: 'y'.repeat(1000) }));
    });
    expect(JSON.parse(await (await fetch(small.url)).text())).toEqual({ x: 'y'.repeat(1000) });
  });
});

describe('guardedFetch trusted origins', () => {
  it('reaches a trusted loopback origin under the default policy, and checks a redirect away from it', async () => {
    const strict = new SecurityPolicy();
    const b = await serve((_req, res) => res.end('elsewhere'));
    const a = await serve((req, res) => {
      if (req.url === '/away') {
        res.writeHead(307, { Location: `${b.url}/landing` });
        res.end();
      } else if (req.url === '/here') {
        res.writeHead(307, { Location: '/ok' });
        res.end();
      } else res.end('ok');
    });
    const fetch = guardedFetch(strict, { trustedOrigins: [a.url] });
    expect(await (await fetch(`${a.url}/here`, { headers: { 'x-api-key': 'sk-ant-same-origin' } })).text()).toBe('ok');
    expect(a.requests[1].headers['x-api-key']).toBe('sk-ant-same-origin');
    await expect(fetch(`${a.url}/away`, { method: 'POST', body: '{}' })).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    expect(b.requests).toHaveLength(0);
    // Another port of the same host is another origin: checked.
    await expect(fetch(`${b.url}/x`)).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
  });
});

describe('header values', () => {
  it('refuses a control character in a header value or name as INVALID_ARGUMENT naming the header, not quoting the value', async () => {
    const s = await serve((_req, res) => res.end('ok'));
    for (const value of ['sk-secret\0tail', 'sk-secret\x01', 'sk-secret\x7f']) {
      const e = await guardedRequest(open, { url: s.url, headers: { 'X-Api-Key': value } }).catch((x: unknown) => x);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'headers', header: 'X-Api-Key' } });
      expect((e as Error).message).toMatch(/header "X-Api-Key" contains a control character/);
      expect((e as Error).message).not.toContain('sk-secret');
    }
    await expect(guardedRequest(open, { url: s.url, headers: { 'Bad Name': 'v' } })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await guardedRequest(open, { url: s.url, headers: { 'X-Ok': 'tab\there, latin-1 caf\u00e9' } })).toMatchObject({ status: 200 });
    expect(s.requests).toHaveLength(1);
  });
});

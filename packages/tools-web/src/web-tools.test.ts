import zlib from 'node:zlib';
import { SecurityPolicy, createExecutionContext, executeComponent, type Tool, type ToolResult } from '@llmspell/core';
import { apiTester, lineDiff, parseSitemap, sitemapCrawler, urlAnalyzer, webScraper, webTools, webhookCaller, webpageMonitor } from './index.js';
import { json, startServer, type TestServer } from '@llmspell/core/testing';

const openCtx = () => createExecutionContext({ policy: new SecurityPolicy({ allowPrivateNetwork: true }) });
const run = (tool: Tool, params: Record<string, unknown>, ctx = openCtx()) => executeComponent(tool, params, ctx) as Promise<ToolResult>;
type R = Record<string, any>;

const servers: TestServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

const PAGE = `<!doctype html>
<html lang="en"><head>
  <title> Test   Shop </title>
  <meta name="description" content="A shop for tests">
  <meta property="og:title" content="OG Shop">
  <meta charset="utf-8">
  <link rel="canonical" href="/home">
  <style>.x { color: red }</style>
  <script>var secret = "do not show";</script>
</head><body>
  <h1>Products</h1>
  <ul id="products">
    <li class="product" data-id="1"><span class="name">Apple</span> <span class="price">1.50</span></li>
    <li class="product" data-id="2"><span class="name">Pear &amp; Co</span> <span class="price">2.25</span></li>
  </ul>
  <p>Visit <a href="/about">About us</a> or <a href="https://example.com/x?a=1">Example</a> <a href="javascript:alert(1)">bad</a></p>
  <img src="/img/a.png" alt="An apple" width="10"><img src="b.png">
  <div id="news"><p>Old headline</p></div>
</body></html>`;

describe('web_scraper', () => {
  test('extracts title, text, selectors, links, images and meta', async () => {
    const s = await serve((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }); res.end(PAGE); });
    const r = await run(webScraper, {
      input: `${s.url}/shop/index.html`,
      selectors: { names: '.product .name', prices: 'li.product > .price', ids: { selector: 'li.product', attribute: 'data-id' }, heading: { selector: 'h1', first: true } },
      extract_links: true, extract_images: true, extract_meta: true,
    });
    const res = r.result as R;
    expect(res.title).toBe('Test Shop');
    expect(res.selectors).toEqual({ names: ['Apple', 'Pear & Co'], prices: ['1.50', '2.25'], ids: ['1', '2'], heading: 'Products' });
    expect(res.text).toContain('Products\nApple 1.50\nPear & Co 2.25');
    expect(res.text).not.toContain('do not show');
    expect(res.text).not.toContain('color: red');
    expect(res.links).toEqual([{ text: 'About us', href: `${s.url}/about` }, { text: 'Example', href: 'https://example.com/x?a=1' }]);
    expect(res.images).toEqual([{ src: `${s.url}/img/a.png`, alt: 'An apple', width: '10' }, { src: `${s.url}/shop/b.png`, alt: null }]);
    expect(res.meta).toMatchObject({ description: 'A shop for tests', 'og:title': 'OG Shop', charset: 'utf-8', canonical: `${s.url}/home`, lang: 'en' });
  });

  test('single selector (DOC url spelling) returns texts and elements', async () => {
    const s = await serve((_req, res) => { res.setHeader('Content-Type', 'text/html'); res.end(PAGE); });
    const r = await run(webScraper, { url: s.url, selector: '#products li' });
    expect((r.result as R).selected).toEqual(['Apple 1.50', 'Pear & Co 2.25']);
    expect((r.result as R).elements[1]).toMatchObject({ tag: 'li', attributes: { class: 'product', 'data-id': '2' } });
  });

  test('bad selector names the parameter; HTTP errors fail; loopback refused by default', async () => {
    const s = await serve((req, res) => { if (req.url === '/missing') { res.statusCode = 404; res.end('no'); } else res.end(PAGE); });
    await expect(run(webScraper, { input: s.url, selectors: { x: 'li[[' } })).rejects.toThrow(/parameter 'selectors.x': invalid CSS selector/);
    await expect(run(webScraper, { input: `${s.url}/missing` })).rejects.toThrow(/HTTP 404/);
    await expect(run(webScraper, { input: s.url }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    await expect(run(webScraper, {})).rejects.toThrow(/parameter 'input'/);
    expect(s.requests.map((q) => q.url)).toEqual(['/', '/missing']);
  });

  test('decodes a latin-1 page by its declared charset', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('Content-Type', 'text/html; charset=iso-8859-1');
      res.end(Buffer.from('<html><head><title>Caf\xe9</title></head><body>cr\xe8me</body></html>', 'latin1'));
    });
    const r = await run(webScraper, { input: s.url });
    expect((r.result as R).title).toBe('Café');
    expect((r.result as R).text).toContain('crème');
  });
});

describe('url_analyzer', () => {
  test('parses every part and decodes parameters', async () => {
    const r = await run(urlAnalyzer, { input: 'https://user:pw-secret-1@shop.example.co.uk:8443/a%20b/file.JSON?q=hello%20world&tag=a&tag=b&api_key=abc123456#frag' });
    const res = r.result as R;
    expect(res).toMatchObject({
      valid: true, scheme: 'https', hostname: 'shop.example.co.uk', port: 8443, explicit_port: true, path: '/a b/file.JSON',
      path_segments: ['a b', 'file.JSON'], file_extension: 'json', fragment: 'frag', has_credentials: true, is_secure: true,
      query_params: { q: 'hello world', tag: ['a', 'b'], api_key: '[REDACTED]' },
      domain: { is_ip: false, tld: 'co.uk', registrable_domain: 'example.co.uk', subdomain: 'shop' },
    });
    expect(r.text).not.toContain('pw-secret-1');
    expect(r.text).not.toContain('abc123456');
  });

  test('domain parts follow the public suffix list (ICANN and private sections, wildcard and exception rules, IDNs)', async () => {
    const domain = async (input: string) => ((await run(urlAnalyzer, { input })).result as R).domain as R;
    const cases: Array<[string, R]> = [
      ['https://example.co.uk/', { tld: 'co.uk', suffix_type: 'icann', registrable_domain: 'example.co.uk', subdomain: null }],
      ['https://foo.github.io/repo', { tld: 'github.io', suffix_type: 'private', registrable_domain: 'foo.github.io', subdomain: null }],
      ['https://a.b.example.com.au/', { tld: 'com.au', registrable_domain: 'example.com.au', subdomain: 'a.b', labels: 5 }],
      ['https://www.example.gov.br/', { tld: 'gov.br', registrable_domain: 'example.gov.br', subdomain: 'www' }],
      ['https://bucket.s3.us-east-1.amazonaws.com/k', { tld: 's3.us-east-1.amazonaws.com', suffix_type: 'private', registrable_domain: 'bucket.s3.us-east-1.amazonaws.com' }],
      // `*.kawasaki.jp` with the exception `!city.kawasaki.jp`.
      ['https://a.b.c.kawasaki.jp/', { tld: 'c.kawasaki.jp', registrable_domain: 'b.c.kawasaki.jp', subdomain: 'a' }],
      ['https://city.kawasaki.jp/', { tld: 'kawasaki.jp', registrable_domain: 'city.kawasaki.jp', subdomain: null }],
      // The WHATWG URL parser gives the A-label; the suffix rule for .рф (xn--p1ai) still applies.
      ['https://www.пример.рф/', { tld: 'xn--p1ai', registrable_domain: 'xn--e1afmkfd.xn--p1ai', subdomain: 'www', is_punycode: true, unicode_hostname: 'www.пример.рф' }],
      // The Cyrillic look-alike of apple.com: is_punycode flags it, unicode_hostname shows what a reader sees.
      ['https://xn--80ak6aa92e.com/', { tld: 'com', registrable_domain: 'xn--80ak6aa92e.com', is_punycode: true, unicode_hostname: '\u0430\u0440\u0440\u04cf\u0435.com' }],
      ['https://co.uk/', { tld: 'co.uk', registrable_domain: null, subdomain: null }],
      ['https://intranet.corp.unlistedtld/', { tld: 'unlistedtld', suffix_type: 'unlisted', registrable_domain: 'corp.unlistedtld', subdomain: 'intranet' }],
      ['foo://WWW.EXAMPLE.CO.UK/x', { tld: 'co.uk', registrable_domain: 'example.co.uk', subdomain: 'www' }],
      ['http://example.com./', { tld: 'com', registrable_domain: 'example.com', labels: 2, is_special_use: true }],
      ['http://app.localhost:3000/', { is_local: true, is_special_use: true, registrable_domain: 'app.localhost' }],
      ['http://printer.home.arpa/', { tld: 'home.arpa', is_special_use: true }],
      ['https://shop.example.org.uk/', { is_special_use: false, is_local: false, is_punycode: false }],
    ];
    for (const [input, expected] of cases) expect({ input, ...(await domain(input)) }).toMatchObject({ input, is_ip: false, ...expected });
  });

  test('decode_params false keeps raw values; IPs are classified; invalid URLs are reported, not thrown', async () => {
    const raw = await run(urlAnalyzer, { input: 'http://10.1.2.3/x?q=a%2Bb', decode_params: false });
    expect((raw.result as R).query_params).toEqual({ q: 'a%2Bb' });
    expect((raw.result as R).port).toBe(80);
    expect((raw.result as R).domain).toMatchObject({ is_ip: true, ip_version: 4, is_private: true });
    const bad = await run(urlAnalyzer, { url: 'not a url' });
    expect(bad.result).toMatchObject({ valid: false });
  });

  test('fetch_metadata reads status, headers and title through the guard', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html', Server: 'tiny' });
      res.end(req.method === 'HEAD' ? undefined : '<title>Meta page</title>');
    });
    const r = await run(urlAnalyzer, { input: `${s.url}/p`, fetch_metadata: true });
    expect((r.result as R).metadata).toMatchObject({ status: 200, content_type: 'text/html', title: 'Meta page', headers: { server: 'tiny' } });
    expect(s.requests.map((q) => q.method)).toEqual(['HEAD', 'GET']);
    await expect(run(urlAnalyzer, { input: `${s.url}/p`, fetch_metadata: true }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
    // Without fetch_metadata no network is used, so the default policy does not matter.
    expect((await run(urlAnalyzer, { input: `${s.url}/p` }, createExecutionContext())).result).toMatchObject({ valid: true });
  });
});

describe('api_tester', () => {
  test('reports status, parsed body, headers and timing', async () => {
    const s = await serve((req, res, body) => json(res, 201, { echo: JSON.parse(body || 'null'), auth: req.headers.authorization ?? null }));
    const r = await run(apiTester, { input: `${s.url}/items`, method: 'post', body: { a: 1 }, headers: { Authorization: 'Bearer tkn-0987654321' } });
    const res = r.result as R;
    expect(r.success).toBe(true);
    expect(res.response).toMatchObject({ status: 201, ok: true, body: { echo: { a: 1 } } });
    expect(res.request).toMatchObject({ method: 'POST', headers: { Authorization: '[REDACTED]', 'Content-Type': 'application/json' } });
    expect(res.timing.total_ms).toBeGreaterThan(0);
    expect(r.text).not.toContain('tkn-0987654321');
    expect(s.requests[0].headers.authorization).toBe('Bearer tkn-0987654321');
  });

  test('expected_status (DOC) turns a mismatch into a soft failure; DOC ms timeout accepted', async () => {
    const s = await serve((_req, res) => json(res, 404, { error: 'nope' }));
    const r = await run(apiTester, { url: s.url, expected_status: 200, timeout: 5000 });
    expect(r.success).toBe(false);
    expect(r.error).toMatchObject({ code: 'UNEXPECTED_STATUS', message: 'expected status 200, got 404' });
    expect((r.result as R).passed).toBe(false);
    const ok = await run(apiTester, { url: s.url, expected_status: [404, 410] });
    expect(ok.success).toBe(true);
  });

  test('times out on a silent server', async () => {
    const s = await serve(() => {});
    await expect(run(apiTester, { input: s.url, timeout: 700 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });
});

describe('webhook_caller', () => {
  test('retries 5xx with back-off and reports attempts', async () => {
    let n = 0;
    const s = await serve((_req, res) => { n += 1; if (n < 3) json(res, 502, { e: n }); else json(res, 200, { received: true }); });
    const r = await run(webhookCaller, { input: s.url, payload: { event: 'deploy', id: 7 }, retry_delay: 5 });
    const res = r.result as R;
    expect(r.success).toBe(true);
    expect(res).toMatchObject({ delivered: true, status: 200, attempts: 3, response: { received: true } });
    expect(res.attempt_log.map((a: R) => a.status)).toEqual([502, 502, 200]);
    expect(s.requests.every((q) => q.method === 'POST' && q.body === '{"event":"deploy","id":7}')).toBe(true);
    expect(s.requests[0].headers['content-type']).toBe('application/json');
  });

  test('gives up after max_retries and reports a soft failure; 4xx is not retried', async () => {
    const s = await serve((req, res) => json(res, req.url === '/bad' ? 400 : 503, {}));
    const r = await run(webhookCaller, { input: s.url, max_retries: 2, retry_delay: 1 });
    expect(r.success).toBe(false);
    expect((r.result as R).attempts).toBe(3);
    expect(r.error).toMatchObject({ code: 'HTTP_ERROR' });
    const four = await run(webhookCaller, { input: `${s.url}/bad`, retry_delay: 1 });
    expect((four.result as R).attempts).toBe(1);
  });

  test('connection failures are retried, then reported', async () => {
    const s = await serve(() => {});
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const r = await run(webhookCaller, { input: url, max_retries: 1, retry_delay: 1 });
    expect(r.success).toBe(false);
    expect((r.result as R).attempts).toBe(2);
    expect(r.error).toMatchObject({ code: 'IO_ERROR' });
  });

  test('policy refusals are not retried', async () => {
    await expect(run(webhookCaller, { input: 'http://169.254.169.254/hook', retry_delay: 1 }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
  });
});

describe('webpage_monitor', () => {
  test('line diff against previous content, with a selector', async () => {
    let headline = 'Old headline';
    const s = await serve((_req, res) => { res.setHeader('Content-Type', 'text/html'); res.end(PAGE.replace('Old headline', headline)); });
    const first = await run(webpageMonitor, { input: s.url, selector: '#news' });
    const baseline = (first.result as R).content;
    expect(baseline).toBe('Old headline');
    expect((first.result as R).has_changes).toBeUndefined();
    const same = await run(webpageMonitor, { input: s.url, selector: '#news', previous_content: baseline });
    expect((same.result as R).has_changes).toBe(false);
    headline = 'New headline';
    const changed = await run(webpageMonitor, { input: s.url, selector: '#news', previous_content: baseline });
    expect((changed.result as R).has_changes).toBe(true);
    expect((changed.result as R).changes).toEqual([
      { type: 'removed', line: 1, content: 'Old headline' },
      { type: 'added', line: 1, content: 'New headline' },
    ]);
    expect((changed.result as R).summary).toEqual({ added: 1, removed: 1, truncated: false });
  });

  test('whole page; ignore_whitespace decides whether spacing counts; previous_hash (DOC) works', async () => {
    const s = await serve((_req, res) => { res.setHeader('Content-Type', 'text/plain'); res.end('line one\nline two\n'); });
    const spaced = '  line   one\n\nline two';
    expect(((await run(webpageMonitor, { input: s.url, previous_content: spaced })).result as R).has_changes).toBe(false);
    expect(((await run(webpageMonitor, { input: s.url, previous_content: spaced, ignore_whitespace: false })).result as R).has_changes).toBe(true);
    const base = await run(webpageMonitor, { input: s.url });
    const hash = (base.result as R).content_hash;
    expect(((await run(webpageMonitor, { url: s.url, previous_hash: hash })).result as R).has_changes).toBe(false);
    expect(((await run(webpageMonitor, { url: s.url, previous_hash: 'abc' })).result as R).has_changes).toBe(true);
  });

  test('lineDiff reports positions', () => {
    expect(lineDiff('a\nb\nc', 'a\nc\nd', true)).toEqual([
      { type: 'removed', line: 2, content: 'b' },
      { type: 'added', line: 3, content: 'd' },
    ]);
  });
});

const urlset = (base: string, n: number, from = 0) => `<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
${Array.from({ length: n }, (_, i) => `  <url><loc>${base}/page${from + i}?a=1&amp;b=2</loc><lastmod>2024-01-0${(i % 9) + 1}</lastmod><changefreq>daily</changefreq><priority>0.${(i % 9) + 1}</priority></url>`).join('\n')}
</urlset>`;

describe('sitemap_crawler', () => {
  test('reads a urlset with lastmod/changefreq/priority; entities decoded', async () => {
    const s = await serve((_req, res) => { res.setHeader('Content-Type', 'application/xml'); res.end(urlset('https://site.test', 3)); });
    const r = await run(sitemapCrawler, { input: `${s.url}/sitemap.xml` });
    const res = r.result as R;
    expect(res.count).toBe(3);
    expect(res.urls[0]).toEqual({ loc: 'https://site.test/page0?a=1&b=2', lastmod: '2024-01-01', changefreq: 'daily', priority: 0.1 });
    expect(res.sitemaps_processed).toEqual([`${s.url}/sitemap.xml`]);
  });

  test('follows a sitemap index (incl. a gzipped child), respects max_urls, reports broken children', async () => {
    const s = await serve((req, res) => {
      const base = `http://127.0.0.1:${(req.socket.localPort)}`;
      if (req.url === '/index.xml') {
        res.end(`<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
          <sitemap><loc>${base}/a.xml</loc></sitemap><sitemap><loc>/b.xml.gz</loc></sitemap><sitemap><loc>${base}/broken.xml</loc></sitemap></sitemapindex>`);
      } else if (req.url === '/a.xml') res.end(urlset('https://site.test', 2));
      else if (req.url === '/b.xml.gz') { res.setHeader('Content-Type', 'application/gzip'); res.end(zlib.gzipSync(urlset('https://site.test', 3, 10))); }
      else { res.statusCode = 500; res.end('boom'); }
    });
    const all = await run(sitemapCrawler, { input: `${s.url}/index.xml` });
    const res = all.result as R;
    expect(res.urls.map((u: R) => u.loc.replace(/\?.*/, ''))).toEqual(['page0', 'page1', 'page10', 'page11', 'page12'].map((p) => `https://site.test/${p}`));
    expect(res.sitemaps_processed).toHaveLength(3);
    expect(res.errors).toEqual([{ sitemap: `${s.url}/broken.xml`, error: expect.stringContaining('HTTP 500'), code: 'TOOL_EXECUTION_FAILED' }]);
    const capped = await run(sitemapCrawler, { input: `${s.url}/index.xml`, max_urls: 3 });
    expect((capped.result as R).count).toBe(3);
    expect((capped.result as R).truncated).toBe(true);
    const noFollow = await run(sitemapCrawler, { input: `${s.url}/index.xml`, follow_sitemaps: false });
    expect((noFollow.result as R).count).toBe(0);
    expect((noFollow.result as R).child_sitemaps).toHaveLength(3);
  });

  test('child sitemaps pointing at private addresses are refused per hop', async () => {
    // The index itself is served from an allowed host; its child points at the metadata address.
    // A policy where only 127.0.0.1 counts as public; every other address meets the real classifier.
    class OnlyLoopbackOneIsPublic extends SecurityPolicy {
      override checkAddress(address: string, hostname = address): void {
        if (address !== '127.0.0.1') super.checkAddress(address, hostname);
      }
    }
    const s = await serve((_req, res) => res.end('<sitemapindex><sitemap><loc>http://169.254.169.254/s.xml</loc></sitemap></sitemapindex>'));
    const r = await run(sitemapCrawler, { input: s.url }, createExecutionContext({ policy: new OnlyLoopbackOneIsPublic() }));
    expect((r.result as R).sitemaps_processed).toEqual([`${s.url}/`]);
    expect((r.result as R).errors).toEqual([{ sitemap: 'http://169.254.169.254/s.xml', error: expect.stringContaining('NETWORK_NOT_ALLOWED'), code: 'NETWORK_NOT_ALLOWED' }]);
  });

  test('parseSitemap: text sitemaps; DTD entities refused; junk rejected', () => {
    expect(parseSitemap('https://a.test/1\nhttps://a.test/2\n').urls).toEqual([{ loc: 'https://a.test/1' }, { loc: 'https://a.test/2' }]);
    expect(() => parseSitemap('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><urlset><url><loc>&a;</loc></url></urlset>')).toThrow(/DTD entities/);
    expect(() => parseSitemap('<html><body>hi</body></html>')).toThrow(/neither a <urlset> nor a <sitemapindex>/);
  });
});

test.each([
  ['api_tester', apiTester],
  ['webpage_monitor', webpageMonitor],
  ['sitemap_crawler', sitemapCrawler],
  ['webhook_caller', webhookCaller],
] as const)('%s refuses a loopback URL under the default policy without contacting it', async (_name, tool) => {
  const s = await serve((_req, res) => res.end('secret'));
  await expect(run(tool, { input: s.url }, createExecutionContext())).rejects.toMatchObject({ code: 'NETWORK_NOT_ALLOWED' });
  expect(s.requests).toHaveLength(0);
});

test('webTools: snake_case names, hyphenated aliases, CODE security levels', () => {
  expect(webTools.map((t) => [t.name, t.aliases[0], t.securityLevel])).toEqual([
    ['web_scraper', 'web-scraper', 'restricted'],
    ['url_analyzer', 'url-analyzer', 'safe'],
    ['api_tester', 'api-tester', 'restricted'],
    ['webhook_caller', 'webhook-caller', 'restricted'],
    ['webpage_monitor', 'webpage-monitor', 'restricted'],
    ['sitemap_crawler', 'sitemap-crawler', 'restricted'],
  ]);
});

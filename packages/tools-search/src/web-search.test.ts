import fs from 'node:fs';
import { SecurityPolicy, createExecutionContext, executeComponent, type ToolResult } from '@llmspell/core';
import { parseDuckDuckGoHtml, providerConfig, resetSearchQuotas, searchTools, webSearch } from './index.js';
import { json, startServer, type TestServer } from '@llmspell/core/testing';

const fixture = (name: string) => fs.readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
type R = Record<string, any>;

const KEY_VARS = ['SERPER_API_KEY', 'SERPERDEV_API_KEY', 'LLMSPELL_API_KEY_SERPERDEV', 'BRAVE_API_KEY', 'BRAVE_SEARCH_API_KEY', 'LLMSPELL_API_KEY_BRAVE',
  'GOOGLE_API_KEY', 'GOOGLE_SEARCH_API_KEY', 'LLMSPELL_API_KEY_GOOGLE', 'SERPAPI_API_KEY', 'SERPAPI_KEY', 'LLMSPELL_API_KEY_SERPAPI', 'GOOGLE_SEARCH_ENGINE_ID', 'GOOGLE_CSE_ID', 'GOOGLE_CX'];
const saved: Record<string, string | undefined> = {};
beforeAll(() => { for (const k of KEY_VARS) { saved[k] = process.env[k]; delete process.env[k]; } });
afterAll(() => { for (const k of KEY_VARS) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; } });

const KEYS = { serperdev: 'serper-key-123456', brave: 'brave-key-123456', google: 'google-key-123456', serpapi: 'serpapi-key-123456' };

/** One local server answering like each provider's real endpoint, checking the credentials it gets. */
let server: TestServer;
let fail: Record<string, number> = {};
beforeEach(async () => {
  resetSearchQuotas();
  fail = {};
  server = await startServer((req, res, body) => {
    const u = new URL(req.url!, 'http://x');
    const failing = (name: string) => {
      if (fail[name] === undefined) return false;
      if (fail[name] === 400) json(res, 400, { error: { code: 400, message: `API key not valid: ${u.searchParams.get('key')}` } });
      else json(res, fail[name], { error: 'down' });
      return true;
    };
    if (u.pathname === '/html/' && req.method === 'POST') {
      if (failing('duckduckgo')) return;
      const form = new URLSearchParams(body);
      if (!form.get('q')) return json(res, 400, {});
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      return res.end(fixture('duckduckgo.html'));
    }
    if ((u.pathname === '/search' || u.pathname === '/news') && req.method === 'POST') {
      if (failing('serperdev')) return;
      if (req.headers['x-api-key'] !== KEYS.serperdev) return json(res, 403, { message: 'Unauthorized' });
      return res.end(fixture(u.pathname === '/news' ? 'serperdev-news.json' : 'serperdev.json'));
    }
    if (u.pathname === '/res/v1/web/search') {
      if (failing('brave')) return;
      if (req.headers['x-subscription-token'] !== KEYS.brave) return json(res, 401, {});
      return res.end(fixture('brave.json'));
    }
    if (u.pathname === '/customsearch/v1') {
      if (failing('google')) return;
      if (u.searchParams.get('key') !== KEYS.google || u.searchParams.get('cx') !== 'engine-1') return json(res, 403, {});
      return res.end(fixture('google.json'));
    }
    if (u.pathname === '/search.json') {
      if (failing('serpapi')) return;
      if (u.searchParams.get('api_key') !== KEYS.serpapi) return json(res, 401, { error: 'Invalid API key.' });
      return res.end(fixture('serpapi.json'));
    }
    json(res, 404, {});
  });
});
afterEach(async () => { await server.close(); });

const baseUrls = () => Object.fromEntries(['duckduckgo', 'serperdev', 'brave', 'google', 'serpapi'].map((p) => [p, server.url]));
const settings = (extra: Record<string, unknown> = {}) => ({
  base_urls: baseUrls(),
  api_keys: { serperdev: KEYS.serperdev, brave: KEYS.brave, google: KEYS.google, serpapi: KEYS.serpapi },
  google_search_engine_id: 'engine-1',
  ...extra,
});
const ctxWith = (s: Record<string, unknown>, policy = new SecurityPolicy({ allowPrivateNetwork: true })) => createExecutionContext({ policy, settings: s });
const search = (params: Record<string, unknown>, s: Record<string, unknown> = settings(), policy?: SecurityPolicy) =>
  executeComponent(webSearch, params, ctxWith(s, policy)) as Promise<ToolResult>;

const TOP = { title: 'Asynchronous Programming in Rust', url: 'https://rust-lang.github.io/async-book/', rank: 1 };

describe('web_search providers against local imitations', () => {
  test.each(['duckduckgo', 'serperdev', 'brave', 'google', 'serpapi'])('%s', async (provider) => {
    const r = await search({ input: 'rust async', provider, max_results: 2 });
    const res = r.result as R;
    expect(res).toMatchObject({ query: 'rust async', provider, count: 2 });
    expect(res.results[0]).toMatchObject(TOP);
    expect(res.results[0].snippet).toMatch(/^Getting started with async\/\.await/);
    expect(res.results[1]).toMatchObject({ rank: 2 });
    expect(res.results[1].url).toMatch(/^https:\/\/tokio\.rs\/?$/);
    expect(server.requests).toHaveLength(1);
    expect(r.text).not.toMatch(/key-123456/);
  });

  test('duckduckgo: ads skipped, redirect links unwrapped, whitespace collapsed', async () => {
    const results = await parseDuckDuckGoHtml(fixture('duckduckgo.html'), 'https://html.duckduckgo.com/html/', 10);
    expect(results.map((r) => r.url)).toEqual(['https://rust-lang.github.io/async-book/', 'https://tokio.rs/', 'https://docs.rs/futures']);
    expect(results[0].title).toBe('Asynchronous Programming in Rust');
    expect(results[0].snippet).toBe('Getting started with async/.await in Rust & friends.');
    expect(results[1].snippet).toBe('Tokio is an asynchronous runtime for the Rust programming language.');
  });

  test('request shape: query, count, safe search and language reach the provider', async () => {
    await search({ query: 'q1', provider: 'brave', limit: 5, safe_search: false, language: 'de' });
    const u = new URL(server.requests[0].url, 'http://x');
    expect(Object.fromEntries(u.searchParams)).toEqual({ q: 'q1', count: '5', safesearch: 'off', search_lang: 'de' });
    await search({ input: 'q2', provider: 'serperdev', max_results: 3 });
    expect(JSON.parse(server.requests[1].body)).toEqual({ q: 'q2', num: 3 });
    await search({ input: 'q3', provider: 'duckduckgo' });
    expect(new URLSearchParams(server.requests[2].body).get('kp')).toBe('1');
  });

  test('news search through serper', async () => {
    const r = await search({ input: 'rust release', provider: 'serperdev', search_type: 'news' });
    expect((r.result as R).results).toEqual([{ title: 'Rust 1.90 released', url: 'https://blog.rust-lang.org/1.90', snippet: 'The Rust team is happy to announce...', date: '2 days ago', source: 'Rust Blog', rank: 1 }]);
  });
});

describe('web_search configuration and fallback', () => {
  test('provider and max_results come from settings when not given', async () => {
    const r = await search({ input: 'rust' }, settings({ provider: 'serpapi', max_results: 1 }));
    expect((r.result as R)).toMatchObject({ provider: 'serpapi', count: 1 });
  });

  test('per-provider tables and environment keys are read', async () => {
    process.env.BRAVE_API_KEY = KEYS.brave;
    try {
      const r = await search({ input: 'rust', provider: 'brave' }, { brave: { base_url: server.url }, fallback: false });
      expect((r.result as R).provider).toBe('brave');
    } finally {
      delete process.env.BRAVE_API_KEY;
    }
    expect(providerConfig('google', { google: { api_key: 'k-abcdef', cx: 'cx1' } }, {})).toEqual({ apiKey: 'k-abcdef', engineId: 'cx1', baseUrl: 'https://www.googleapis.com' });
    expect(providerConfig('serpapi', { serpapi_api_key: 'k2-abcdef', serpapi_base_url: 'http://h' }, {})).toEqual({ apiKey: 'k2-abcdef', baseUrl: 'http://h' });
    expect(providerConfig('serperdev', {}, { SERPER_API_KEY: 'env-key-1' })).toMatchObject({ apiKey: 'env-key-1' });
  });

  test('a failing provider falls back along the chain, and the attempts are reported', async () => {
    fail.brave = 500;
    const r = await search({ input: 'rust', provider: 'brave' });
    expect((r.result as R).provider).toBe('duckduckgo');
    expect(r.metadata.fallback_from).toEqual([{ provider: 'brave', code: 'PROVIDER_ERROR', error: expect.stringContaining('HTTP 500') }]);
  });

  test('providers without keys are skipped', async () => {
    const r = await search({ input: 'rust', provider: 'serperdev' }, { base_urls: baseUrls(), providers_order: ['serperdev', 'brave', 'duckduckgo'] });
    expect((r.result as R).provider).toBe('duckduckgo');
    expect((r.metadata.fallback_from as R[]).map((a) => [a.provider, a.code])).toEqual([['serperdev', 'MISSING_API_KEY'], ['brave', 'MISSING_API_KEY']]);
    expect(server.requests).toHaveLength(1);
  });

  test('429 counts as a provider failure; when all fail the error lists every attempt without keys', async () => {
    fail = { duckduckgo: 429, serperdev: 503, brave: 500, google: 400, serpapi: 500 };
    const e = await search({ input: 'rust' }).catch((x) => x);
    expect(e.code).toBe('PROVIDER_ERROR');
    expect(e.details.attempts.map((a: R) => [a.provider, a.code])).toEqual([
      ['duckduckgo', 'RATE_LIMITED'], ['serperdev', 'PROVIDER_ERROR'], ['brave', 'PROVIDER_ERROR'], ['google', 'PROVIDER_ERROR'], ['serpapi', 'PROVIDER_ERROR'],
    ]);
    // google's error echoed its key; neither the message nor the details may carry it.
    expect(e.message).not.toContain(KEYS.google);
    expect(JSON.stringify(e.details)).not.toContain(KEYS.google);
  });

  test('images search without keys: every provider is skipped, MISSING_API_KEY, no request made', async () => {
    const e = await search({ input: 'rust', search_type: 'images' }, { base_urls: baseUrls() }).catch((x) => x);
    expect(e.code).toBe('MISSING_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  test('local per-provider quota moves on to the next provider', async () => {
    const s = settings({ rate_limits: { duckduckgo: 1 } });
    expect(((await search({ input: 'a' }, s)).result as R).provider).toBe('duckduckgo');
    const second = await search({ input: 'b' }, s);
    expect((second.result as R).provider).toBe('serperdev');
    expect((second.metadata.fallback_from as R[])[0]).toMatchObject({ provider: 'duckduckgo', code: 'RATE_LIMITED' });
  });

  test('the default policy refuses a loopback base URL', async () => {
    const e = await search({ input: 'rust', provider: 'duckduckgo' }, settings({ fallback: false }), new SecurityPolicy()).catch((x) => x);
    expect(e.code).toBe('NETWORK_NOT_ALLOWED');
    expect(server.requests).toHaveLength(0);
  });

  test('bad input is named', async () => {
    await expect(search({})).rejects.toThrow(/parameter 'input'/);
    await expect(search({ input: 'x', provider: 'bing' })).rejects.toThrow(/parameter 'provider': unknown search provider 'bing'/);
    await expect(search({ input: 'x', max_results: 500 })).rejects.toThrow(/max_results/);
  });

  test('searchTools exports web_search at the CODE level', () => {
    expect(searchTools.map((t) => [t.name, t.securityLevel, t.aliases])).toEqual([['web_search', 'safe', ['web-search', 'web-search-tool']]]);
  });
});

import type { AnyNode, Element } from 'domhandler';
import { LlmspellError, guardedRequest, redactUrl, type ExecutionContext, type GuardedResponse } from '@llmspell/core';

export type SearchType = 'web' | 'news' | 'images';

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
  rank: number;
  /** Extra fields some providers give (news date/source, image URL). */
  date?: string;
  source?: string;
  image_url?: string;
}

export interface SearchRequest {
  query: string;
  maxResults: number;
  searchType: SearchType;
  safeSearch: boolean;
  language?: string;
  timeoutMs: number;
}

export interface ProviderConfig {
  apiKey?: string;
  /** Google's search-engine id (cx). */
  engineId?: string;
  baseUrl: string;
}

export interface SearchProvider {
  name: ProviderName;
  needsKey: boolean;
  defaultBaseUrl: string;
  /** Free-tier style default quota, requests per minute (external-tools guide). */
  perMinute: number;
  supports: readonly SearchType[];
  search(ctx: ExecutionContext, req: SearchRequest, cfg: ProviderConfig): Promise<SearchResult[]>;
}

export const PROVIDER_NAMES = ['duckduckgo', 'serperdev', 'brave', 'google', 'serpapi'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

// Loaded on first use, so importing the tool package only builds its definitions.
let htmlLibs: Promise<readonly [typeof import('css-select'), typeof import('domutils'), typeof import('htmlparser2')]> | undefined;
// One after the other: jest's ESM loader fails on concurrent imports sharing modules.
const loadHtmlLibs = () => (htmlLibs ??= (async () => [await import('css-select'), await import('domutils'), await import('htmlparser2')] as const)());
const clean = (s: string | undefined | null) => (s ?? '').replace(/\s+/g, ' ').trim();

function join(base: string, path: string): string {
  return base.replace(/\/+$/, '') + path;
}

/** Turns a provider's HTTP answer into results or a PROVIDER_ERROR / RATE_LIMITED / MISSING_API_KEY. */
function expectJson(provider: string, res: GuardedResponse): Record<string, unknown> {
  if (res.status === 429) throw new LlmspellError('RATE_LIMITED', `${provider}: rate limited (HTTP 429)`, { details: { provider, status: 429 } });
  if (res.status === 401 || res.status === 403) throw new LlmspellError('MISSING_API_KEY', `${provider}: API key rejected (HTTP ${res.status})`, { details: { provider, status: res.status } });
  let json: unknown;
  try {
    json = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw new LlmspellError('PROVIDER_ERROR', `${provider}: HTTP ${res.status} with a non-JSON body`, { details: { provider, status: res.status } });
  }
  if (res.status >= 400) {
    const msg = (json as { error?: { message?: string } | string; message?: string }) ?? {};
    const detail = typeof msg.error === 'string' ? msg.error : msg.error?.message ?? msg.message ?? '';
    throw new LlmspellError('PROVIDER_ERROR', `${provider}: HTTP ${res.status}${detail ? `: ${detail}` : ''}`, { details: { provider, status: res.status } });
  }
  if (typeof json !== 'object' || json === null) throw new LlmspellError('PROVIDER_ERROR', `${provider}: unexpected response`);
  return json as Record<string, unknown>;
}

function list(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v.filter((x) => typeof x === 'object' && x !== null) as Array<Record<string, unknown>>) : [];
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function rank(results: Array<Omit<SearchResult, 'rank'>>, max: number): SearchResult[] {
  return results.filter((r) => r.url).slice(0, max).map((r, i) => ({ ...r, title: clean(r.title), snippet: clean(r.snippet), rank: i + 1 }));
}

/** DuckDuckGo wraps result links as `//duckduckgo.com/l/?uddg=<target>`; unwrap them. */
function unwrapDdgLink(href: string, base: string): string {
  let u: URL;
  try {
    u = new URL(href, base);
  } catch {
    return '';
  }
  const target = u.searchParams.get('uddg');
  if (target) return target;
  return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : '';
}

/** Parses DuckDuckGo's HTML results page (html.duckduckgo.com/html). */
export async function parseDuckDuckGoHtml(html: string, baseUrl: string, max: number): Promise<SearchResult[]> {
  const [{ selectAll: cssSelectAll }, { getAttributeValue, textContent }, { parseDocument }] = await loadHtmlLibs();
  const selectAll = (query: string, root: AnyNode | AnyNode[]): Element[] => cssSelectAll<AnyNode, Element>(query, root);
  const doc = parseDocument(html, { decodeEntities: true });
  if (selectAll('.anomaly-modal, #challenge-form, form[action*="anomaly"]', doc).length) {
    throw new LlmspellError('RATE_LIMITED', 'duckduckgo: the results page asked for a bot challenge');
  }
  const out: Array<Omit<SearchResult, 'rank'>> = [];
  for (const r of selectAll('.result', doc)) {
    const cls = getAttributeValue(r, 'class') ?? '';
    if (/\bresult--ad\b/.test(cls)) continue;
    const a = selectAll('a.result__a', r)[0];
    if (!a) continue;
    const url = unwrapDdgLink(getAttributeValue(a, 'href') ?? '', baseUrl);
    if (!url || /duckduckgo\.com\/y\.js/.test(url)) continue;
    const snippet = selectAll('.result__snippet', r)[0];
    out.push({ title: textContent(a), url, snippet: snippet ? textContent(snippet) : '' });
  }
  return rank(out, max);
}

const duckduckgo: SearchProvider = {
  name: 'duckduckgo',
  needsKey: false,
  defaultBaseUrl: 'https://html.duckduckgo.com',
  perMinute: 60,
  supports: ['web'],
  async search(ctx, req, cfg) {
    const form = new URLSearchParams({ q: req.query, b: '' });
    if (req.language) form.set('kl', req.language.includes('-') ? req.language.toLowerCase() : `wt-wt`);
    form.set('kp', req.safeSearch ? '1' : '-2');
    const url = join(cfg.baseUrl, '/html/');
    const res = await guardedRequest(ctx.policy, {
      url,
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'text/html', 'User-Agent': 'Mozilla/5.0 (compatible; llmspell/0.1)' },
      body: form.toString(),
      timeoutMs: req.timeoutMs,
      signal: ctx.signal,
      parameter: 'duckduckgo.base_url',
    });
    if (res.status === 429 || res.status === 202) throw new LlmspellError('RATE_LIMITED', `duckduckgo: HTTP ${res.status} (throttled)`);
    if (res.status >= 400) throw new LlmspellError('PROVIDER_ERROR', `duckduckgo: HTTP ${res.status}`);
    return parseDuckDuckGoHtml(res.body.toString('utf8'), res.url, req.maxResults);
  },
};

const serperdev: SearchProvider = {
  name: 'serperdev',
  needsKey: true,
  defaultBaseUrl: 'https://google.serper.dev',
  perMinute: 100,
  supports: ['web', 'news', 'images'],
  async search(ctx, req, cfg) {
    const path = req.searchType === 'web' ? '/search' : `/${req.searchType}`;
    const body: Record<string, unknown> = { q: req.query, num: Math.min(req.maxResults, 100) };
    if (req.language) body.hl = req.language;
    if (!req.safeSearch) body.safe = 'off';
    const res = await guardedRequest(ctx.policy, {
      url: join(cfg.baseUrl, path),
      method: 'POST',
      headers: { 'X-API-KEY': cfg.apiKey!, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: req.timeoutMs,
      signal: ctx.signal,
      parameter: 'serperdev.base_url',
    });
    const json = expectJson('serperdev', res);
    if (req.searchType === 'news') {
      return rank(list(json.news).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.snippet), date: str(r.date) || undefined, source: str(r.source) || undefined })), req.maxResults);
    }
    if (req.searchType === 'images') {
      return rank(list(json.images).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.source), image_url: str(r.imageUrl) || undefined })), req.maxResults);
    }
    return rank(list(json.organic).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.snippet) })), req.maxResults);
  },
};

const brave: SearchProvider = {
  name: 'brave',
  needsKey: true,
  defaultBaseUrl: 'https://api.search.brave.com',
  perMinute: 50,
  supports: ['web', 'news', 'images'],
  async search(ctx, req, cfg) {
    const path = req.searchType === 'web' ? '/res/v1/web/search' : `/res/v1/${req.searchType}/search`;
    const u = new URL(join(cfg.baseUrl, path));
    u.searchParams.set('q', req.query);
    u.searchParams.set('count', String(Math.min(req.maxResults, req.searchType === 'images' ? 100 : 20)));
    u.searchParams.set('safesearch', req.safeSearch ? 'strict' : 'off');
    if (req.language) u.searchParams.set('search_lang', req.language.split('-')[0]);
    const res = await guardedRequest(ctx.policy, {
      url: u.toString(),
      headers: { 'X-Subscription-Token': cfg.apiKey!, Accept: 'application/json' },
      timeoutMs: req.timeoutMs,
      signal: ctx.signal,
      parameter: 'brave.base_url',
    });
    const json = expectJson('brave', res);
    if (req.searchType === 'web') {
      const web = (json.web ?? {}) as Record<string, unknown>;
      return rank(list(web.results).map((r) => ({ title: str(r.title), url: str(r.url), snippet: str(r.description).replace(/<\/?strong>/g, '') })), req.maxResults);
    }
    return rank(list(json.results).map((r) => ({
      title: str(r.title),
      url: str(r.url),
      snippet: str(r.description),
      ...(req.searchType === 'news' ? { date: str(r.age) || undefined, source: str((r.meta_url as Record<string, unknown> | undefined)?.hostname) || undefined } : {}),
      ...(req.searchType === 'images' ? { image_url: str((r.properties as Record<string, unknown> | undefined)?.url) || str((r.thumbnail as Record<string, unknown> | undefined)?.src) || undefined } : {}),
    })), req.maxResults);
  },
};

const google: SearchProvider = {
  name: 'google',
  needsKey: true,
  defaultBaseUrl: 'https://www.googleapis.com',
  perMinute: 100,
  supports: ['web', 'images'],
  async search(ctx, req, cfg) {
    if (!cfg.engineId) throw new LlmspellError('MISSING_API_KEY', 'google: a search engine id is needed (GOOGLE_SEARCH_ENGINE_ID or [tools.web_search] google_search_engine_id)');
    const out: SearchResult[] = [];
    // The Custom Search API returns at most 10 per page; page through up to maxResults.
    for (let start = 1; out.length < req.maxResults && start <= 91; start += 10) {
      const u = new URL(join(cfg.baseUrl, '/customsearch/v1'));
      u.searchParams.set('key', cfg.apiKey!);
      u.searchParams.set('cx', cfg.engineId);
      u.searchParams.set('q', req.query);
      u.searchParams.set('num', String(Math.min(10, req.maxResults - out.length)));
      u.searchParams.set('start', String(start));
      u.searchParams.set('safe', req.safeSearch ? 'active' : 'off');
      if (req.language) u.searchParams.set('lr', `lang_${req.language.split('-')[0]}`);
      if (req.searchType === 'images') u.searchParams.set('searchType', 'image');
      const res = await guardedRequest(ctx.policy, { url: u.toString(), headers: { Accept: 'application/json' }, timeoutMs: req.timeoutMs, signal: ctx.signal, parameter: 'google.base_url' });
      const json = expectJson('google', res);
      const items = list(json.items);
      for (const r of items) {
        out.push({
          title: clean(str(r.title)),
          url: str(r.link),
          snippet: clean(str(r.snippet)),
          rank: out.length + 1,
          ...(req.searchType === 'images' ? { image_url: str(r.link) || undefined, url: str((r.image as Record<string, unknown> | undefined)?.contextLink) || str(r.link) } : {}),
        });
      }
      const next = (json.queries as Record<string, unknown> | undefined)?.nextPage;
      if (items.length === 0 || !next) break;
    }
    return out.slice(0, req.maxResults);
  },
};

const serpapi: SearchProvider = {
  name: 'serpapi',
  needsKey: true,
  defaultBaseUrl: 'https://serpapi.com',
  perMinute: 100,
  supports: ['web', 'news', 'images'],
  async search(ctx, req, cfg) {
    const u = new URL(join(cfg.baseUrl, '/search.json'));
    u.searchParams.set('engine', 'google');
    u.searchParams.set('q', req.query);
    u.searchParams.set('api_key', cfg.apiKey!);
    u.searchParams.set('num', String(Math.min(req.maxResults, 100)));
    u.searchParams.set('safe', req.safeSearch ? 'active' : 'off');
    if (req.language) u.searchParams.set('hl', req.language.split('-')[0]);
    if (req.searchType === 'news') u.searchParams.set('tbm', 'nws');
    if (req.searchType === 'images') u.searchParams.set('tbm', 'isch');
    const res = await guardedRequest(ctx.policy, { url: u.toString(), headers: { Accept: 'application/json' }, timeoutMs: req.timeoutMs, signal: ctx.signal, parameter: 'serpapi.base_url' });
    const json = expectJson('serpapi', res);
    if (typeof json.error === 'string' && !json.organic_results && !json.news_results && !json.images_results) {
      if (/no results/i.test(json.error)) return [];
      throw new LlmspellError(/api key/i.test(json.error) ? 'MISSING_API_KEY' : 'PROVIDER_ERROR', `serpapi: ${json.error}`);
    }
    if (req.searchType === 'news') {
      return rank(list(json.news_results).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.snippet), date: str(r.date) || undefined, source: str(typeof r.source === 'object' ? (r.source as Record<string, unknown>)?.name : r.source) || undefined })), req.maxResults);
    }
    if (req.searchType === 'images') {
      return rank(list(json.images_results).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.source), image_url: str(r.original) || undefined })), req.maxResults);
    }
    return rank(list(json.organic_results).map((r) => ({ title: str(r.title), url: str(r.link), snippet: str(r.snippet) })), req.maxResults);
  },
};

export const PROVIDERS: Record<ProviderName, SearchProvider> = { duckduckgo, serperdev, brave, google, serpapi };

export function describeUrl(url: string): string {
  return redactUrl(url);
}

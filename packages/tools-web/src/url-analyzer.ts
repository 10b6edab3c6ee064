import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import { domainToUnicode } from 'node:url';
import type { parse as TldtsParse } from 'tldts';
import { REDACTED, classifyPrivateAddress, defineTool, looksLikeSecretName, guardedRequest, redactUrl, z, urlParameters } from '@llmspell/core';
import { decodeText } from './fetch-page.js';
import { parseHtml, title } from './html.js';
import { HTML_ACCEPT, timeoutMs, urlParam } from './support.js';

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443, 'ftp:': 21, 'ws:': 80, 'wss:': 443 };

/** Query parameters whose values are credentials (same rule as redactUrl). */
const SECRET_PARAMS = new Set(['key', 'api_key', 'apikey', 'token', 'access_token', 'sig', 'signature', 'password', 'secret', 'auth', 'code']);

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

/** The public suffix list (ICANN and private sections, as browsers use for sites and cookies) via tldts. */
const PSL_OPTIONS = { allowPrivateDomains: true, extractHostname: false, detectSpecialUse: true } as const;

// Loaded on first use, from its CommonJS build so domainInfo stays synchronous: the list is a
// large module that importing the tool package should not pay for.
let parsePsl: typeof TldtsParse | undefined;

function domainInfo(hostname: string): Record<string, unknown> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const ipVersion = isIP(host);
  if (ipVersion) {
    const why = classifyPrivateAddress(host);
    return { is_ip: true, ip_version: ipVersion, is_private: why !== null, ...(why ? { address_class: why } : {}) };
  }
  // Hosts of non-special schemes (`foo://EXAMPLE.COM`) keep their case; DNS names do not have one.
  const name = host.toLowerCase().replace(/\.$/, '');
  parsePsl ??= (createRequire(import.meta.url)('tldts') as typeof import('tldts')).parse;
  const psl = parsePsl(name, PSL_OPTIONS);
  const labels = name.split('.').filter(Boolean);
  return {
    is_ip: false,
    tld: psl.publicSuffix,
    suffix_type: psl.isPrivate ? 'private' : psl.isIcann ? 'icann' : 'unlisted',
    registrable_domain: psl.domain,
    subdomain: psl.subdomain || null,
    labels: labels.length,
    is_local: name === 'localhost' || name.endsWith('.localhost') || name.endsWith('.local') || name.endsWith('.internal'),
    is_special_use: psl.isSpecialUse === true,
    is_punycode: labels.some((l) => l.startsWith('xn--')),
    unicode_hostname: domainToUnicode(name) || name,
  };
}

export const urlAnalyzer = defineTool({
  name: 'url_analyzer',
  aliases: ['url-analyzer'],
  description: 'Parse and validate a URL: scheme, host, port, path, decoded query parameters, domain parts; optionally fetch HTTP metadata',
  outputSchema: z.union([
    z.object({
      valid: z.literal(true), url: z.string(), scheme: z.string(), host: z.string(), hostname: z.string(), port: z.number().nullable(), explicit_port: z.boolean(),
      path: z.string(), path_segments: z.array(z.string()), file_extension: z.string().nullable(), query: z.string().nullable(),
      query_params: z.record(z.string(), z.union([z.string(), z.array(z.string())])).describe('Secret-looking values redacted'), fragment: z.string().nullable(),
      has_credentials: z.boolean(), origin: z.string(), is_secure: z.boolean(),
      domain: z.union([
        z.object({ is_ip: z.literal(true), ip_version: z.number(), is_private: z.boolean(), address_class: z.string().optional() }),
        z.object({
          is_ip: z.literal(false), tld: z.string().nullable().describe('The public suffix'), suffix_type: z.enum(['icann', 'private', 'unlisted']),
          registrable_domain: z.string().nullable(), subdomain: z.string().nullable(), labels: z.number(), is_local: z.boolean(), is_special_use: z.boolean(),
          is_punycode: z.boolean(), unicode_hostname: z.string(),
        }),
      ]).nullable(),
      metadata: z.union([
        z.object({
          status: z.number(), status_text: z.string(), final_url: z.string(), redirects: z.array(z.string()), content_type: z.string().nullable(),
          content_length: z.number().nullable(), headers: z.record(z.string(), z.string()), title: z.string().nullable(), response_time_ms: z.number(),
        }),
        z.object({ error: z.string() }),
      ]).optional().describe('With fetch_metadata'),
    }),
    z.object({ valid: z.literal(false), input: z.string(), error: z.string() }),
  ]),
  examples: [
    { description: 'Take a URL apart', params: { input: 'https://user@docs.example.co.uk:8443/guide/intro.html?lang=en&page=2#setup' } },
    { description: 'Also fetch status, headers and the page title', params: { input: 'https://example.com/', fetch_metadata: true } },
  ],
  category: 'web',
  securityLevel: 'safe',
  // Parsing is `safe`; fetching the URL is network access.
  parameterLevels: { fetch_metadata: 'restricted' },
  tags: ['url', 'parse', 'validate', 'web'],
  parameters: z.object({
    ...urlParameters('The URL'),
    fetch_metadata: z.boolean().default(false).describe('Also request the URL for status, headers and title'),
    decode_params: z.boolean().default(true).describe('Percent-decode query parameters'),
    timeout: z.number().optional().describe('Seconds for fetch_metadata (default 30)'),
    operation: z.string().optional().describe('DOC only (analyze/validate); ignored'),
  }),
  async execute(params, ctx) {
    const raw = urlParam(params);
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return {
        operation: 'analyze',
        result: { valid: false, input: redactUrl(raw), error: 'not a valid absolute URL (expected scheme://host/...)' },
        message: 'invalid URL',
      };
    }
    const query: Record<string, string | string[]> = {};
    const rawQuery = u.search.replace(/^\?/, '');
    if (rawQuery) {
      for (const part of rawQuery.split('&')) {
        if (!part) continue;
        const eq = part.indexOf('=');
        const k = eq < 0 ? part : part.slice(0, eq);
        const v = eq < 0 ? '' : part.slice(eq + 1);
        const key = params.decode_params ? safeDecode(k) : k;
        const value = params.decode_params ? safeDecode(v) : v;
        const hidden = SECRET_PARAMS.has(key.toLowerCase()) || looksLikeSecretName(key);
        if (hidden && value) ctx.policy.secrets.add(value);
        const shown = hidden && value ? REDACTED : value;
        const prev = query[key];
        query[key] = prev === undefined ? shown : Array.isArray(prev) ? [...prev, shown] : [prev, shown];
      }
    }
    const path = params.decode_params ? safeDecode(u.pathname) : u.pathname;
    const lastSegment = u.pathname.split('/').pop() ?? '';
    const ext = /\.([A-Za-z0-9]{1,10})$/.exec(lastSegment)?.[1]?.toLowerCase() ?? null;
    const result: Record<string, unknown> = {
      valid: true,
      url: redactUrl(u),
      scheme: u.protocol.replace(/:$/, ''),
      host: u.host,
      hostname: u.hostname,
      port: u.port ? Number(u.port) : DEFAULT_PORTS[u.protocol] ?? null,
      explicit_port: u.port !== '',
      path,
      path_segments: u.pathname.split('/').filter(Boolean).map((s) => (params.decode_params ? safeDecode(s) : s)),
      file_extension: ext,
      query: new URL(redactUrl(u)).search.slice(1) || null,
      query_params: query,
      fragment: u.hash ? u.hash.slice(1) : null,
      has_credentials: u.username !== '' || u.password !== '',
      origin: u.origin,
      is_secure: u.protocol === 'https:' || u.protocol === 'wss:',
      domain: u.hostname ? domainInfo(u.hostname) : null,
    };
    if (u.password) ctx.policy.secrets.add(safeDecode(u.password));
    if (params.fetch_metadata) {
      if (u.protocol !== 'http:' && u.protocol !== 'https:') {
        result.metadata = { error: `cannot fetch ${u.protocol} URLs` };
      } else {
        const t = timeoutMs(params.timeout, ctx);
        let res = await guardedRequest(ctx.policy, { url: raw, method: 'HEAD', headers: { Accept: HTML_ACCEPT }, timeoutMs: t, signal: ctx.signal });
        let pageTitle: string | null = null;
        const ct = () => res.headers['content-type'] ?? '';
        if (res.status === 405 || res.status === 501 || /html/i.test(ct())) {
          // HEAD has no title; HTML pages (and servers refusing HEAD) get a capped GET.
          res = await guardedRequest(ctx.policy, { url: raw, headers: { Accept: HTML_ACCEPT }, timeoutMs: t, signal: ctx.signal, maxBytes: Math.min(ctx.policy.maxResponseBytes, 2 * 1024 * 1024) });
          if (/html/i.test(ct())) pageTitle = title(await parseHtml(decodeText(res.body, ct())));
        }
        const pick = ['content-type', 'content-length', 'server', 'last-modified', 'etag', 'cache-control', 'location'];
        result.metadata = {
          status: res.status,
          status_text: res.statusText,
          final_url: redactUrl(res.url),
          redirects: res.redirects.map(redactUrl),
          content_type: res.headers['content-type'] ?? null,
          content_length: res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : res.body.length || null,
          headers: Object.fromEntries(pick.filter((h) => res.headers[h] !== undefined).map((h) => [h, res.headers[h]])),
          title: pageTitle,
          response_time_ms: res.durationMs,
        };
      }
    }
    return { operation: 'analyze', result, metadata: { valid: true } };
  },
});

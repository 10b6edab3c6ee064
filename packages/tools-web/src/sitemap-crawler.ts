import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import type { XMLParser } from 'fast-xml-parser';
import { LlmspellError, defineTool, guardedRequest, isLlmspellError, redactUrl, z, urlParameters } from '@llmspell/core';
import { timeoutMs, urlParam } from './support.js';

const MAX_SITEMAPS = 50;
const MAX_DEPTH = 3;

export interface SitemapUrl {
  loc: string;
  lastmod?: string;
  changefreq?: string;
  priority?: number;
}

/** The five XML entities and numeric references; no DTD entities (no expansion bombs). */
function decodeXml(s: string): string {
  return s.replace(/&(?:#(\d+)|#x([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));/g, (m, dec: string, hex: string, named: string) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(parseInt(hex, 16));
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[named] ?? m;
  });
}

// Loaded on first use, from its CommonJS build so parseSitemap stays synchronous; importing
// the tool package only builds its definitions.
let parser: XMLParser | undefined;
const xmlParser = (): XMLParser => (parser ??= new (createRequire(import.meta.url)('fast-xml-parser') as typeof import('fast-xml-parser')).XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => name === 'url' || name === 'sitemap',
}));

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const t = (v as Record<string, unknown>)['#text'];
    return t === undefined ? undefined : decodeXml(String(t)).trim();
  }
  return decodeXml(String(v)).trim();
}

/** Parses one sitemap document into page URLs and child sitemap URLs. */
export function parseSitemap(xml: string): { urls: SitemapUrl[]; sitemaps: string[]; kind: 'urlset' | 'sitemapindex' | 'text' } {
  const trimmed = xml.trim();
  if (!trimmed.startsWith('<')) {
    // Plain-text sitemaps: one URL per line (allowed by sitemaps.org).
    const urls = trimmed.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^https?:\/\//i.test(l)).map((loc) => ({ loc }));
    return { urls, sitemaps: [], kind: 'text' };
  }
  if (/<!ENTITY/i.test(trimmed.slice(0, 4096))) throw new LlmspellError('INVALID_ARGUMENT', 'sitemap declares DTD entities, which are refused');
  let doc: Record<string, unknown>;
  try {
    doc = xmlParser().parse(trimmed) as Record<string, unknown>;
  } catch (error) {
    throw new LlmspellError('TOOL_EXECUTION_FAILED', `sitemap is not valid XML: ${(error as Error).message}`);
  }
  const index = doc.sitemapindex as { sitemap?: Array<Record<string, unknown>> } | undefined;
  if (index) {
    const sitemaps = (index.sitemap ?? []).map((s) => text(s.loc)).filter((s): s is string => !!s);
    return { urls: [], sitemaps, kind: 'sitemapindex' };
  }
  const set = doc.urlset as { url?: Array<Record<string, unknown>> } | undefined;
  if (!set) throw new LlmspellError('TOOL_EXECUTION_FAILED', 'document is neither a <urlset> nor a <sitemapindex>');
  const urls: SitemapUrl[] = [];
  for (const u of set.url ?? []) {
    const loc = text(u.loc);
    if (!loc) continue;
    const entry: SitemapUrl = { loc };
    const lastmod = text(u.lastmod);
    const changefreq = text(u.changefreq);
    const priority = text(u.priority);
    if (lastmod) entry.lastmod = lastmod;
    if (changefreq) entry.changefreq = changefreq;
    if (priority !== undefined && priority !== '' && Number.isFinite(Number(priority))) entry.priority = Number(priority);
    urls.push(entry);
  }
  return { urls, sitemaps: [], kind: 'urlset' };
}

export const sitemapCrawler = defineTool({
  name: 'sitemap_crawler',
  aliases: ['sitemap-crawler'],
  description: 'Read a sitemap (XML, gzip or text; sitemap indexes followed) into a list of page URLs with lastmod/changefreq/priority',
  outputSchema: z.object({
    sitemap_url: z.string(),
    urls: z.array(z.object({ loc: z.string(), lastmod: z.string().optional(), changefreq: z.string().optional(), priority: z.number().optional() })),
    count: z.number(), sitemaps_processed: z.array(z.string()), child_sitemaps: z.array(z.string()).describe('Listed by a sitemap index'),
    truncated: z.boolean().describe('Stopped at max_urls'),
    errors: z.array(z.object({ sitemap: z.string(), error: z.string(), code: z.string().optional() })).describe('Child sitemaps that could not be read'),
  }),
  ignoredParameters: ['max_depth'],
  examples: [
    { description: 'The pages a site lists', params: { input: 'https://www.sitemaps.org/sitemap.xml', max_urls: 100 } },
  ],
  category: 'web',
  // A script-chosen URL is network access: what `restricted` means (the reference said Safe).
  securityLevel: 'restricted',
  tags: ['sitemap', 'crawler', 'seo', 'web'],
  parameters: z.object({
    ...urlParameters('Sitemap URL'),
    follow_sitemaps: z.boolean().default(true).describe('Follow child sitemaps of a sitemap index'),
    max_urls: z.number().int().min(1).max(100_000).default(1000),
    timeout: z.number().optional().describe('Seconds per request (default 30)'),
    operation: z.string().optional().describe('DOC only (crawl/extract_urls); ignored'),
  }),
  async execute(params, ctx) {
    const start = urlParam(params);
    const perRequest = timeoutMs(params.timeout, ctx);
    const urls: SitemapUrl[] = [];
    const seenUrls = new Set<string>();
    const processed: string[] = [];
    const childSitemaps: string[] = [];
    const errors: Array<{ sitemap: string; error: string; code?: string }> = [];
    const visited = new Set<string>();
    let truncated = false;

    const crawl = async (sitemapUrl: string, depth: number, isRoot: boolean): Promise<void> => {
      if (urls.length >= params.max_urls) { truncated = true; return; }
      if (visited.has(sitemapUrl)) return;
      if (visited.size >= MAX_SITEMAPS) {
        errors.push({ sitemap: redactUrl(sitemapUrl), error: `not fetched: more than ${MAX_SITEMAPS} sitemaps` });
        return;
      }
      visited.add(sitemapUrl);
      let parsed: ReturnType<typeof parseSitemap>;
      try {
        const res = await guardedRequest(ctx.policy, {
          url: sitemapUrl,
          parameter: isRoot ? 'input' : 'sitemap',
          headers: { Accept: 'application/xml, text/xml, text/plain;q=0.8, */*;q=0.5' },
          timeoutMs: perRequest,
          signal: ctx.signal,
        });
        if (res.status >= 400) throw new LlmspellError('TOOL_EXECUTION_FAILED', `GET ${redactUrl(sitemapUrl)} answered HTTP ${res.status}`);
        let body = res.body;
        if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
          // .xml.gz files served as application/gzip (not Content-Encoding): inflate with the same cap.
          try {
            body = zlib.gunzipSync(body, { maxOutputLength: ctx.policy.maxResponseBytes });
          } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            if (code === 'ERR_BUFFER_TOO_LARGE') throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `gzipped sitemap ${redactUrl(sitemapUrl)} inflates past ${ctx.policy.maxResponseBytes} bytes`);
            throw new LlmspellError('TOOL_EXECUTION_FAILED', `gzipped sitemap ${redactUrl(sitemapUrl)} is corrupt: ${(error as Error).message}`);
          }
        }
        parsed = parseSitemap(body.toString('utf8'));
      } catch (error) {
        // The root sitemap failing fails the call; a broken child is reported and skipped.
        if (isRoot || !isLlmspellError(error) || error.code === 'CANCELLED') throw error;
        errors.push({ sitemap: redactUrl(sitemapUrl), error: ctx.policy.redact(error.message), code: error.code });
        return;
      }
      processed.push(redactUrl(sitemapUrl));
      for (const u of parsed.urls) {
        if (urls.length >= params.max_urls) { truncated = true; break; }
        if (seenUrls.has(u.loc)) continue;
        seenUrls.add(u.loc);
        urls.push(u);
      }
      if (parsed.kind === 'sitemapindex') {
        for (const s of parsed.sitemaps) childSitemaps.push(redactUrl(s));
        if (!params.follow_sitemaps) return;
        if (depth >= MAX_DEPTH) {
          errors.push({ sitemap: redactUrl(sitemapUrl), error: `sitemap index nesting deeper than ${MAX_DEPTH} not followed` });
          return;
        }
        for (const child of parsed.sitemaps) {
          let abs: string;
          try { abs = new URL(child, sitemapUrl).toString(); } catch { errors.push({ sitemap: child, error: 'invalid URL' }); continue; }
          await crawl(abs, depth + 1, false);
          if (urls.length >= params.max_urls) { truncated = truncated || parsed.sitemaps.length > 0; break; }
        }
      }
    };
    await crawl(start, 0, true);
    return {
      operation: 'crawl',
      result: {
        sitemap_url: redactUrl(start),
        urls,
        count: urls.length,
        sitemaps_processed: processed,
        child_sitemaps: childSitemaps,
        truncated,
        errors,
      },
      metadata: { count: urls.length, sitemaps: processed.length, truncated },
    };
  },
});

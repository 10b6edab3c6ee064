import { LlmspellError, defineTool, redactUrl, z, urlParameters } from '@llmspell/core';
import { fetchPage } from './fetch-page.js';
import { attribute, baseUrl, boundedText, elementText, images, links, meta, MAX_TEXT_VISITS, outerHtml, parseHtml, select, TextBudget, title } from './html.js';
import { timeoutMs, urlParam } from './support.js';

const MAX_TEXT_CHARS = 200_000;
/**
 * Most characters of selected values one call returns. Selected elements can nest (every `div`
 * of a page), so each value is cut at MAX_TEXT_CHARS and the values together at this.
 */
export const MAX_SELECTED_CHARS = 4_000_000;

const SelectorSpec = z.union([
  z.string(),
  z.looseObject({ selector: z.string(), attribute: z.string().optional(), html: z.boolean().optional(), first: z.boolean().optional() }),
]);

export const webScraper = defineTool({
  name: 'web_scraper',
  aliases: ['web-scraper'],
  description: 'Fetch a web page and extract content with CSS selectors, plus optional links, images and meta tags',
  outputSchema: z.object({
    url: z.string().describe('After redirects'), status: z.number(), content_type: z.string(), title: z.string().nullable(),
    text: z.string().describe('The visible text (at most 200,000 characters)'), text_truncated: z.boolean().optional(),
    selected: z.array(z.string()).optional().describe('selector: the text of each match'),
    elements: z.array(z.object({ tag: z.string(), text: z.string(), attributes: z.record(z.string(), z.string()) })).optional().describe('selector: the first 500 matches'),
    selectors: z.record(z.string(), z.union([z.array(z.string().nullable()), z.string(), z.null()])).optional()
      .describe('selectors: name → the values found (one value, or null, with first = true)'),
    links: z.array(z.object({ text: z.string(), href: z.string(), rel: z.string().optional() })).optional(),
    images: z.array(z.object({ src: z.string(), alt: z.string().nullable(), width: z.string().optional(), height: z.string().optional() })).optional(),
    meta: z.record(z.string(), z.string()).optional(),
    warnings: z.array(z.string()).optional(),
  }),
  examples: [
    { description: 'The heading and links of a page', params: { input: 'https://example.com/', selector: 'h1', extract_links: true } },
    { description: 'Named selectors: one title, every paragraph', params: { input: 'https://example.com/', selectors: { heading: { selector: 'h1', first: true }, paragraphs: 'p' }, extract_meta: true } },
  ],
  category: 'web',
  securityLevel: 'restricted',
  tags: ['web', 'scraping', 'html', 'css', 'selectors'],
  parameters: z.object({
    ...urlParameters('URL of the page'),
    selectors: z.record(z.string(), SelectorSpec).optional().describe('name → CSS selector (or {selector, attribute, html, first})'),
    selector: z.string().optional().describe('A single CSS selector'),
    extract_links: z.boolean().default(false),
    extract_images: z.boolean().default(false),
    extract_meta: z.boolean().default(false),
    wait_for_js: z.boolean().default(false).describe('Not supported: pages are not rendered'),
    timeout: z.number().optional().describe('Seconds (default 30; values over 600 are read as ms)'),
    operation: z.string().optional().describe('DOC only (scrape/extract); ignored'),
  }),
  async execute(params, ctx) {
    const url = urlParam(params);
    const page = await fetchPage(ctx, url, timeoutMs(params.timeout, ctx));
    const doc = await parseHtml(page.text);
    const base = baseUrl(doc, page.response.url);
    const text = boundedText(doc, MAX_TEXT_CHARS);
    const result: Record<string, unknown> = {
      url: redactUrl(page.response.url),
      status: page.response.status,
      content_type: page.contentType,
      title: title(doc),
      text: text.text,
    };
    if (text.truncated) result.text_truncated = true;
    const warnings: string[] = [];
    let room = MAX_SELECTED_CHARS;
    let stopped = false;
    const visits = new TextBudget();
    /** Gives each selected value its share of what is left, or stops. */
    const take = <T>(make: (max: number) => T, size: (v: T) => number): T | undefined => {
      if (room <= 0 || visits.exhausted) {
        stopped = true;
        return undefined;
      }
      const value = make(Math.min(MAX_TEXT_CHARS, room));
      // A value whose walk ran out of visits is incomplete: it is left out.
      if (visits.exhausted) {
        stopped = true;
        return undefined;
      }
      room -= size(value) + 1;
      return value;
    };
    const textOf = (v: string | null) => v?.length ?? 0;
    if (params.selector !== undefined) {
      const els = select(params.selector, doc, 'selector');
      const selected: string[] = [];
      for (const el of els) {
        const v = take((max) => elementText(el, max, visits), textOf);
        if (v === undefined) break;
        selected.push(v);
      }
      result.selected = selected;
      result.elements = els.slice(0, Math.min(500, selected.length)).map((el, i) => ({ tag: el.name, text: selected[i], attributes: { ...el.attribs } }));
    }
    if (params.selectors !== undefined) {
      const out: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(params.selectors)) {
        const s = typeof spec === 'string' ? { selector: spec } : spec;
        if (s.selector.trim() === '') throw new LlmspellError('INVALID_ARGUMENT', `parameter 'selectors.${name}' is an empty selector`);
        const els = select(s.selector, doc, `selectors.${name}`);
        const values: Array<string | null> = [];
        for (const el of s.first ? els.slice(0, 1) : els) {
          const v = take((max) => (s.attribute ? attribute(el, s.attribute) : s.html ? outerHtml(el, max) : elementText(el, max, visits)), textOf);
          if (v === undefined) break;
          values.push(v);
        }
        out[name] = s.first ? values[0] ?? null : values;
      }
      result.selectors = out;
    }
    if (params.extract_links) result.links = links(doc, base);
    if (params.extract_images) result.images = images(doc, base);
    if (params.extract_meta) result.meta = meta(doc, base);
    if (stopped) warnings.push(`selected values stop after ${MAX_SELECTED_CHARS} characters or ${MAX_TEXT_VISITS} visited nodes; narrow the selectors`);
    if (params.wait_for_js) warnings.push('wait_for_js is not supported: the page is parsed as served, without running scripts');
    if (warnings.length) result.warnings = warnings;
    return {
      operation: 'scrape',
      result,
      metadata: { url: redactUrl(page.response.url), status: page.response.status, bytes: page.response.body.length, duration_ms: page.response.durationMs },
    };
  },
});

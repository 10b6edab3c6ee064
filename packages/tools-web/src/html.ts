import type { AnyNode, Document, Element, Text } from 'domhandler';
import { LlmspellError } from '@llmspell/core';

export type { Document, Element };

// Loaded on first use by parseHtml (every other helper needs its document), so importing
// the tool package only builds its definitions.
interface HtmlLibs {
  cssSelect: typeof import('css-select');
  domhandler: typeof import('domhandler');
  domutils: typeof import('domutils');
  htmlparser2: typeof import('htmlparser2');
}
let libs: HtmlLibs | undefined;
let loading: Promise<HtmlLibs> | undefined;
const loadHtmlLibs = async (): Promise<HtmlLibs> =>
  (libs ??= await (loading ??= (async () => ({
    // One after the other: jest's ESM loader fails on concurrent imports sharing modules.
    cssSelect: await import('css-select'),
    domhandler: await import('domhandler'),
    domutils: await import('domutils'),
    htmlparser2: await import('htmlparser2'),
  }))()));
const isTag = (n: AnyNode): n is Element => libs!.domhandler.isTag(n);
const isText = (n: AnyNode): n is Text => libs!.domhandler.isText(n);
const getAttributeValue = (el: Element, name: string): string | undefined => libs!.domutils.getAttributeValue(el, name);
const getOuterHTML = (node: AnyNode): string => libs!.domutils.getOuterHTML(node);
const textContent = (node: AnyNode): string => libs!.domutils.textContent(node);
const selectAll = (query: string, root: AnyNode | AnyNode[]): Element[] => libs!.cssSelect.selectAll<AnyNode, Element>(query, root);

export async function parseHtml(html: string): Promise<Document> {
  const { parseDocument } = (await loadHtmlLibs()).htmlparser2;
  return parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true });
}

/** Runs a CSS selector, turning a bad selector into INVALID_ARGUMENT naming the parameter. */
export function select(selector: string, root: AnyNode | AnyNode[], parameter: string): Element[] {
  try {
    return selectAll(selector, root);
  } catch (error) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}': invalid CSS selector '${selector}': ${(error as Error).message}`);
  }
}

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'head', 'iframe', 'object']);
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'fieldset', 'figcaption', 'figure', 'footer', 'form',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'nav', 'ol', 'p', 'pre', 'section', 'table', 'tr', 'ul', 'title',
  'td', 'th', 'caption', 'option', 'body', 'html',
]);

/**
 * Visible text with one line per block element (paragraphs, list items, headings, rows…),
 * whitespace inside a line collapsed. Scripts, styles and the head are skipped.
 */
export function visibleText(nodes: AnyNode | AnyNode[]): string {
  const out: string[] = [];
  let line = '';
  const flush = () => {
    const t = line.replace(/\s+/g, ' ').trim();
    if (t) out.push(t);
    line = '';
  };
  const walk = (n: AnyNode) => {
    if (isText(n)) {
      line += n.data;
      return;
    }
    if (!isTag(n)) {
      if ('children' in n) for (const c of (n as unknown as { children: AnyNode[] }).children) walk(c);
      return;
    }
    if (SKIP.has(n.name)) return;
    const block = BLOCK.has(n.name);
    if (block) flush();
    if (n.name === 'td' || n.name === 'th') line += ' ';
    for (const c of n.children) walk(c);
    if (block) flush();
  };
  for (const n of Array.isArray(nodes) ? nodes : [nodes]) walk(n);
  flush();
  return out.join('\n');
}

/** Text of one element on a single line. */
export function elementText(el: AnyNode): string {
  return visibleText(el).replace(/\n/g, ' ').trim();
}

export function title(doc: Document): string | null {
  const t = selectAll('title', doc)[0];
  return t ? textContent(t).replace(/\s+/g, ' ').trim() : null;
}

function absolute(href: string, base: string): string | null {
  try {
    return new URL(href.trim(), base).toString();
  } catch {
    return null;
  }
}

/** The document's base URL (`<base href>` if present). */
export function baseUrl(doc: Document, pageUrl: string): string {
  const base = selectAll('base[href]', doc)[0];
  const href = base ? getAttributeValue(base, 'href') : undefined;
  return (href && absolute(href, pageUrl)) || pageUrl;
}

export function links(doc: Document, base: string): Array<{ text: string; href: string; rel?: string }> {
  const out: Array<{ text: string; href: string; rel?: string }> = [];
  for (const a of selectAll('a[href]', doc)) {
    const raw = getAttributeValue(a, 'href') ?? '';
    if (/^\s*(javascript|data|vbscript):/i.test(raw)) continue;
    const href = absolute(raw, base);
    if (!href) continue;
    const rel = getAttributeValue(a, 'rel');
    out.push({ text: elementText(a), href, ...(rel ? { rel } : {}) });
  }
  return out;
}

export function images(doc: Document, base: string): Array<{ src: string; alt: string | null; width?: string; height?: string }> {
  const out: Array<{ src: string; alt: string | null; width?: string; height?: string }> = [];
  for (const img of selectAll('img[src]', doc)) {
    const src = absolute(getAttributeValue(img, 'src') ?? '', base);
    if (!src) continue;
    const width = getAttributeValue(img, 'width');
    const height = getAttributeValue(img, 'height');
    out.push({ src, alt: getAttributeValue(img, 'alt') ?? null, ...(width ? { width } : {}), ...(height ? { height } : {}) });
  }
  return out;
}

/** `<meta name|property|http-equiv=… content=…>` as a map, plus charset and canonical link. */
export function meta(doc: Document, base: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of selectAll('meta', doc)) {
    const key = getAttributeValue(m, 'name') ?? getAttributeValue(m, 'property') ?? getAttributeValue(m, 'http-equiv') ?? getAttributeValue(m, 'itemprop');
    const content = getAttributeValue(m, 'content');
    if (key && content !== undefined) out[key.toLowerCase()] = content;
    const charset = getAttributeValue(m, 'charset');
    if (charset) out.charset = charset;
  }
  const canonical = selectAll('link[rel=canonical][href]', doc)[0];
  if (canonical) {
    const href = absolute(getAttributeValue(canonical, 'href') ?? '', base);
    if (href) out.canonical = href;
  }
  const lang = selectAll('html[lang]', doc)[0];
  if (lang) out.lang = getAttributeValue(lang, 'lang') ?? '';
  return out;
}

export function attribute(el: Element, name: string): string | null {
  return getAttributeValue(el, name) ?? null;
}

export function outerHtml(el: AnyNode): string {
  return getOuterHTML(el);
}

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

/**
 * Deepest element nesting kept, as in browsers (Chromium's parser stops at 512): an element that
 * would open deeper is added beside the deepest one instead. Every later walk (text, selectors,
 * serialising) then recurses at most this far, and the parser's own open-element list stays
 * short, so 300 000 nested `<div>` parse in linear time (the list was searched and shifted at
 * every tag: quadratic).
 */
export const MAX_HTML_DEPTH = 512;

/** Adapter calls one CSS selector may make on one page (about a few seconds of work). */
export const MAX_SELECTOR_WORK = 50_000_000;

type ParserClass = typeof import('htmlparser2').Parser;
let DepthLimitedParser: ParserClass | undefined;

/** htmlparser2's Parser, closing the innermost open element before one would open past MAX_HTML_DEPTH. */
function depthLimitedParser(Parser: ParserClass): ParserClass {
  return (DepthLimitedParser ??= class extends Parser {
    override onopentagname(start: number, endIndex: number): void {
      // The open-element list and pop are the parser's own (htmlparser2 12); a test parses 1M levels.
      const self = this as unknown as { stack: string[]; popElement(implied: boolean): void };
      if (self.stack.length >= MAX_HTML_DEPTH) self.popElement(true);
      super.onopentagname(start, endIndex);
    }
  });
}

export async function parseHtml(html: string): Promise<Document> {
  const { htmlparser2 } = await loadHtmlLibs();
  const options = { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, withStartIndices: true, withEndIndices: true };
  const handler = new htmlparser2.DomHandler(undefined, options);
  const Parser = depthLimitedParser(htmlparser2.Parser);
  new Parser(handler, options).end(html);
  sources.set(handler.root, html);
  return handler.root;
}

/** Each parsed document's source text, for outer HTML by position. */
const sources = new WeakMap<Document, string>();

/** css-select's DOM adapter with a work counter: a selector that would take too long on a page is stopped. */
function countingAdapter(parameter: string, selector: string): Record<string, unknown> {
  const { domutils, domhandler } = libs!;
  let work = 0;
  const count = <A extends unknown[], R>(fn: (...args: A) => R) => (...args: A): R => {
    if (++work > MAX_SELECTOR_WORK) {
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter '${parameter}': the CSS selector '${selector}' needs more than ${MAX_SELECTOR_WORK} steps on this page`);
    }
    return fn(...args);
  };
  return {
    ...domutils,
    isTag: count(domhandler.isTag),
    getParent: count(domutils.getParent),
    getChildren: count(domutils.getChildren),
    getSiblings: count(domutils.getSiblings),
    getName: count(domutils.getName),
    getAttributeValue: count(domutils.getAttributeValue),
    hasAttrib: count(domutils.hasAttrib),
    prevElementSibling: count(domutils.prevElementSibling),
  };
}

const selectAll = (query: string, root: AnyNode | AnyNode[], parameter = 'selector'): Element[] =>
  libs!.cssSelect.selectAll<AnyNode, Element>(query, root, { adapter: countingAdapter(parameter, query) as never });

/** Runs a CSS selector, turning a bad selector into INVALID_ARGUMENT naming the parameter. */
export function select(selector: string, root: AnyNode | AnyNode[], parameter: string): Element[] {
  try {
    return selectAll(selector, root, parameter);
  } catch (error) {
    if (error instanceof LlmspellError) throw error;
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
 * Nodes the text walks of one tool call may visit together. Selected elements can nest (every
 * `div` of a page), and each one's text walks its whole subtree: without a shared budget, 300 000
 * nested elements cost 300 000 × their size.
 */
export const MAX_TEXT_VISITS = 10_000_000;

/** A count of node visits shared by the text walks of one call. */
export class TextBudget {
  constructor(public visits = MAX_TEXT_VISITS) {}
  get exhausted(): boolean {
    return this.visits <= 0;
  }
}

/** Marks the end of a block element on the walk's stack. */
const BLOCK_END = Symbol('block end');

/**
 * Visible text with one line per block element (paragraphs, list items, headings, rows…),
 * whitespace inside a line collapsed. Scripts, styles and the head are skipped. The walk keeps its
 * own stack (no recursion per level) and stops once `maxChars` are gathered, so the text of an
 * element that holds a whole large page costs at most that much.
 */
export function boundedText(nodes: AnyNode | AnyNode[], maxChars = Infinity, budget = new TextBudget()): { text: string; truncated: boolean } {
  const out: string[] = [];
  let length = 0;
  let line = '';
  let truncated = false;
  const flush = () => {
    const t = line.replace(/\s+/g, ' ').trim();
    if (t) {
      out.push(t);
      length += t.length + 1;
    }
    line = '';
  };
  const stack: Array<AnyNode | typeof BLOCK_END> = (Array.isArray(nodes) ? [...nodes] : [nodes]).reverse();
  const pushChildren = (children: AnyNode[]) => {
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  };
  while (stack.length > 0) {
    if (length + line.length > maxChars || --budget.visits < 0) {
      truncated = true;
      break;
    }
    const n = stack.pop()!;
    if (n === BLOCK_END) {
      flush();
      continue;
    }
    if (isText(n)) {
      line += n.data;
      continue;
    }
    if (!isTag(n)) {
      if ('children' in n) pushChildren((n as unknown as { children: AnyNode[] }).children);
      continue;
    }
    if (SKIP.has(n.name)) continue;
    if (BLOCK.has(n.name)) {
      flush();
      stack.push(BLOCK_END);
    }
    if (n.name === 'td' || n.name === 'th') line += ' ';
    pushChildren(n.children);
  }
  flush();
  const text = out.join('\n');
  return text.length > maxChars ? { text: text.slice(0, maxChars), truncated: true } : { text, truncated };
}

export function visibleText(nodes: AnyNode | AnyNode[]): string {
  return boundedText(nodes).text;
}

/** Text of one element on a single line, at most `maxChars`. */
export function elementText(el: AnyNode, maxChars = Infinity, budget?: TextBudget): string {
  return boundedText(el, maxChars, budget).text.replace(/\n/g, ' ').trim();
}

export function title(doc: Document): string | null {
  const t = libs!.domutils.findOne((n) => n.name === 'title', doc.children);
  if (!t) return null;
  // Title text is the element's text children (what `textContent` gave), without recursion.
  const text = t.children.map((c) => (isText(c) ? c.data : '')).join('');
  return text.replace(/\s+/g, ' ').trim();
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

/** Longest link text kept (a link can wrap a whole page). */
const MAX_LINK_TEXT = 1000;

export function links(doc: Document, base: string): Array<{ text: string; href: string; rel?: string }> {
  const out: Array<{ text: string; href: string; rel?: string }> = [];
  for (const a of selectAll('a[href]', doc)) {
    const raw = getAttributeValue(a, 'href') ?? '';
    if (/^\s*(javascript|data|vbscript):/i.test(raw)) continue;
    const href = absolute(raw, base);
    if (!href) continue;
    const rel = getAttributeValue(a, 'rel');
    out.push({ text: elementText(a, MAX_LINK_TEXT), href, ...(rel ? { rel } : {}) });
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

/**
 * The element's markup as it is in the page source (by its parsed position), at most `maxChars`:
 * a slice of the page, so nested elements selected together do not each re-serialise their subtree.
 */
export function outerHtml(el: AnyNode, maxChars = Infinity): string {
  let root: AnyNode = el;
  while (root.parent) root = root.parent;
  const source = sources.get(root as Document);
  if (source === undefined || el.startIndex === null || el.endIndex === null) return libs!.domutils.getOuterHTML(el).slice(0, maxChars);
  return source.slice(el.startIndex, Math.min(el.endIndex + 1, el.startIndex + maxChars));
}

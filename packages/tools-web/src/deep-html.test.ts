import { SecurityPolicy, createExecutionContext, executeComponent, isLlmspellError, type Tool, type ToolResult } from '@llmspell/core';
import { startServer, type TestServer } from '@llmspell/core/testing';
import type { AnyNode } from 'domhandler';
import { boundedText, parseHtml, select } from './html.js';
import { lineDiff, MAX_DIFF_EDITS, MAX_HTML_DEPTH, MAX_SELECTOR_WORK, webpageMonitor, webScraper } from './index.js';

type R = Record<string, any>;

const ctx = () => createExecutionContext({ policy: new SecurityPolicy({ allowPrivateNetwork: true, maxResponseBytes: 16 * 1024 * 1024 }) });
const run = (tool: Tool, params: Record<string, unknown>) => executeComponent(tool, params, ctx()) as Promise<ToolResult>;

const servers: TestServer[] = [];
afterEach(async () => { await Promise.all(servers.splice(0).map((s) => s.close())); });
async function page(html: string): Promise<string> {
  const s = await startServer((_req, res) => { res.writeHead(200, { 'Content-Type': 'text/html' }); res.end(html); });
  servers.push(s);
  return s.url;
}

/** `levels` nested `<div>`s, the innermost holding the text. */
const nested = (levels: number, text = 'deep text', tag = 'div') => `<html><body>${`<${tag}>`.repeat(levels)}${text}${`</${tag}>`.repeat(levels)}</body></html>`;

/** Deepest element nesting, measured without recursion. */
function depth(root: AnyNode): number {
  let max = 0;
  const stack: Array<[AnyNode, number]> = [[root, 0]];
  while (stack.length) {
    const [n, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of (n as { children?: AnyNode[] }).children ?? []) stack.push([c, d + 1]);
  }
  return max;
}

describe('deeply nested HTML', () => {
  it.each([300_000, 1_000_000])('parses %i nested divs with nesting capped like a browser, keeping all text', async (levels) => {
    const doc = await parseHtml(nested(levels));
    expect(depth(doc)).toBeLessThanOrEqual(MAX_HTML_DEPTH + 2);
    expect(boundedText(doc).text).toBe('deep text');
    expect(select('div', doc, 'selector')).toHaveLength(levels);
  });

  it('parses unmatched closing tags and repeated forms at depth in linear time', async () => {
    const doc = await parseHtml(`${'<span>'.repeat(300_000)}${'</i>'.repeat(300_000)}${'<form>'.repeat(100_000)}end`);
    expect(boundedText(doc).text).toBe('end');
  });

  it('stops a selector whose work grows with the square of the page', async () => {
    const doc = await parseHtml(nested(300_000));
    let error: unknown;
    try {
      select('div:nth-child(2n) div:nth-last-child(3)', doc, 'selectors.x');
    } catch (e) {
      error = e;
    }
    expect(isLlmspellError(error)).toBe(true);
    expect((error as Error).message).toContain(`SIZE_LIMIT_EXCEEDED: parameter 'selectors.x': the CSS selector 'div:nth-child(2n) div:nth-last-child(3)' needs more than ${MAX_SELECTOR_WORK} steps`);
  });

  it('web_scraper returns text and bounded selections from 300k nested divs', async () => {
    const url = await page(nested(300_000));
    const r = (await run(webScraper, { input: url, selector: 'div', selectors: { inner: { selector: 'div div div', first: true } } })).result as R;
    expect(r.text).toBe('deep text');
    expect(r.selected.length).toBeGreaterThan(0);
    expect(r.selected.every((t: string) => t === 'deep text')).toBe(true);
    expect(r.warnings).toEqual([expect.stringContaining('selected values stop after')]);
    const html = (await run(webScraper, { input: url, selectors: { html: { selector: 'div', html: true } } })).result as R;
    const values = html.selectors.html as string[];
    expect(values.reduce((n, h) => n + h.length, 0)).toBeLessThanOrEqual(4_000_000);
    expect(values[0].startsWith('<div><div>')).toBe(true);
    expect(values.length).toBeGreaterThan(10);
  });

  it('webpage_monitor watches 300k nested divs and diffs against earlier content', async () => {
    const url = await page(nested(300_000, 'line one<p>line two</p>'));
    const r = (await run(webpageMonitor, { input: url, selector: 'p', previous_content: 'line two\nline zero' })).result as R;
    expect(r.content).toBe('line two');
    expect(r.summary).toMatchObject({ added: 0, removed: 1 });
    const all = (await run(webpageMonitor, { input: url })).result as R;
    expect(all.content).toBe('line one\nline two');
  });

  it('diffs very different texts by content in linear time when the edit distance is large', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `old ${i}`).join('\n');
    const b = Array.from({ length: 100_000 }, (_, i) => (i % 2 ? `old ${i}` : `new ${i}`)).join('\n');
    const changes = lineDiff(a, b, true);
    expect(changes.approximate).toBe(true);
    expect(changes.filter((c) => c.type === 'added')).toHaveLength(50_000);
    expect(changes.filter((c) => c.type === 'removed')).toHaveLength(50_000);
    const small = lineDiff('a\nb\nc', 'a\nc\nd', false);
    expect(small.approximate).toBeUndefined();
    expect(small).toEqual([{ type: 'removed', line: 2, content: 'b' }, { type: 'added', line: 3, content: 'd' }]);
    expect(MAX_DIFF_EDITS).toBeGreaterThan(100);
  });
});

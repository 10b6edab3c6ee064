import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { diffArrays as DiffArrays } from 'diff';
import { defineTool, redactUrl, z } from '@llmspell/core';
import { fetchPage } from './fetch-page.js';
import { parseHtml, select, visibleText } from './html.js';
import { timeoutMs, urlParam } from './support.js';

const MAX_CHANGES = 1000;

// Loaded on first use, from its CommonJS build so lineDiff stays synchronous; importing the
// tool package only builds its definitions.
let diffArrays: typeof DiffArrays | undefined;

function lines(text: string, ignoreWhitespace: boolean): string[] {
  const all = text.replace(/\r\n?/g, '\n').split('\n');
  return ignoreWhitespace ? all.map((l) => l.replace(/\s+/g, ' ').trim()).filter((l) => l !== '') : all;
}

export interface LineChange {
  type: 'added' | 'removed';
  /** 1-based line number in the old (removed) or new (added) content. */
  line: number;
  content: string;
}

/** Line diff of two texts (LCS via jsdiff), as added/removed lines with their positions. */
export function lineDiff(oldText: string, newText: string, ignoreWhitespace: boolean): LineChange[] {
  const changes: LineChange[] = [];
  let oldLine = 1;
  let newLine = 1;
  diffArrays ??= (createRequire(import.meta.url)('diff') as typeof import('diff')).diffArrays;
  for (const part of diffArrays(lines(oldText, ignoreWhitespace), lines(newText, ignoreWhitespace))) {
    for (const value of part.value) {
      if (part.removed) changes.push({ type: 'removed', line: oldLine++, content: value });
      else if (part.added) changes.push({ type: 'added', line: newLine++, content: value });
      else {
        oldLine++;
        newLine++;
      }
    }
  }
  return changes;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const webpageMonitor = defineTool({
  name: 'webpage_monitor',
  aliases: ['webpage-monitor'],
  description: 'Fetch a page (or a CSS-selected part of it) and report line changes against previously seen content',
  outputSchema: z.object({
    url: z.string(), status: z.number(), content: z.string().describe('The watched text: keep it for the next check'), content_hash: z.string().describe('sha256 of it'),
    checked_at: z.string(), selector: z.string().optional(), matched_elements: z.number().optional(),
    has_changes: z.boolean().optional().describe('With previous_content or previous_hash'),
    changes: z.array(z.object({ type: z.enum(['added', 'removed']), line: z.number(), content: z.string() })).optional().describe('With previous_content'),
    summary: z.object({ added: z.number(), removed: z.number(), truncated: z.boolean() }).optional(),
  }),
  ignoredParameters: ['metrics'],
  examples: [
    { description: 'Capture a baseline of the main heading', params: { input: 'https://example.com/', selector: 'h1' } },
    { description: 'Compare with what was seen before', params: { input: 'https://example.com/', selector: 'h1', previous_content: 'Example Page' } },
  ],
  category: 'web',
  securityLevel: 'restricted',
  tags: ['web', 'monitor', 'diff', 'changes'],
  parameters: z.object({
    input: z.string().optional().describe('URL to check'),
    url: z.string().optional().describe('DOC alias of input'),
    previous_content: z.string().optional().describe('Content from an earlier check to diff against'),
    previous_hash: z.string().optional().describe('DOC: sha256 of earlier content (detects change, no line diff)'),
    selector: z.string().optional().describe('CSS selector restricting what is watched'),
    ignore_whitespace: z.boolean().default(true),
    timeout: z.number().optional().describe('Seconds (default 30)'),
    operation: z.string().optional().describe('DOC only (monitor/check_changes); ignored'),
  }),
  async execute(params, ctx) {
    const url = urlParam(params);
    const page = await fetchPage(ctx, url, timeoutMs(params.timeout, ctx));
    const isHtml = /html|xml/i.test(page.contentType) || /<html|<body|<div|<p[ >]/i.test(page.text.slice(0, 4096));
    let content: string;
    let matched: number | undefined;
    if (isHtml) {
      const doc = await parseHtml(page.text);
      if (params.selector !== undefined) {
        const els = select(params.selector, doc, 'selector');
        matched = els.length;
        content = els.map((el) => visibleText(el)).join('\n');
      } else content = visibleText(doc);
    } else content = page.text;
    const normalized = lines(content, params.ignore_whitespace).join('\n');
    const hash = sha256(normalized);
    const result: Record<string, unknown> = {
      url: redactUrl(page.response.url),
      status: page.response.status,
      content,
      content_hash: hash,
      checked_at: new Date().toISOString(),
      ...(params.selector !== undefined ? { selector: params.selector, matched_elements: matched ?? 0 } : {}),
    };
    if (params.previous_content !== undefined) {
      const changes = lineDiff(params.previous_content, content, params.ignore_whitespace);
      result.has_changes = changes.length > 0;
      result.changes = changes.slice(0, MAX_CHANGES);
      result.summary = {
        added: changes.filter((c) => c.type === 'added').length,
        removed: changes.filter((c) => c.type === 'removed').length,
        truncated: changes.length > MAX_CHANGES,
      };
    } else if (params.previous_hash !== undefined) {
      result.has_changes = params.previous_hash.toLowerCase() !== hash;
    }
    return {
      operation: 'monitor',
      result,
      message: result.has_changes === undefined ? 'baseline captured' : result.has_changes ? 'content changed' : 'no changes',
      metadata: { url: redactUrl(page.response.url), content_hash: hash, ...(result.has_changes !== undefined ? { has_changes: result.has_changes } : {}) },
    };
  },
});

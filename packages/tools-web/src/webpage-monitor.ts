import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { diffArrays as DiffArrays } from 'diff';
import { defineTool, redactUrl, z, urlParameters } from '@llmspell/core';
import { fetchPage } from './fetch-page.js';
import { boundedText, parseHtml, select, TextBudget } from './html.js';
import { timeoutMs, urlParam } from './support.js';

const MAX_CHANGES = 1000;
/** Most characters of watched content kept from one page (selected elements can nest). */
export const MAX_CONTENT_CHARS = 4_000_000;
/**
 * Edit distance up to which changes are found by a line-by-line diff (Myers, O(lines × edits));
 * past it the lines are matched by content, in linear time.
 */
export const MAX_DIFF_EDITS = 2000;

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

/**
 * Line diff of two texts (LCS via jsdiff), as added/removed lines with their positions. When the
 * texts differ by more than MAX_DIFF_EDITS lines, lines are matched by content instead (each line
 * of one text not found, as often, in the other): linear, and `approximate` is set.
 */
export function lineDiff(oldText: string, newText: string, ignoreWhitespace: boolean): LineChange[] & { approximate?: boolean } {
  const changes: LineChange[] & { approximate?: boolean } = [];
  let oldLine = 1;
  let newLine = 1;
  diffArrays ??= (createRequire(import.meta.url)('diff') as typeof import('diff')).diffArrays;
  const a = lines(oldText, ignoreWhitespace);
  const b = lines(newText, ignoreWhitespace);
  const parts = diffArrays(a, b, { maxEditLength: MAX_DIFF_EDITS });
  if (parts === undefined) return contentDiff(a, b);
  for (const part of parts) {
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

function contentDiff(a: string[], b: string[]): LineChange[] & { approximate?: boolean } {
  const count = (xs: string[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
    return m;
  };
  const inOld = count(a);
  const inNew = count(b);
  const changes: LineChange[] & { approximate?: boolean } = [];
  a.forEach((content, i) => {
    const left = inNew.get(content) ?? 0;
    if (left > 0) inNew.set(content, left - 1);
    else changes.push({ type: 'removed', line: i + 1, content });
  });
  b.forEach((content, i) => {
    const left = inOld.get(content) ?? 0;
    if (left > 0) inOld.set(content, left - 1);
    else changes.push({ type: 'added', line: i + 1, content });
  });
  changes.approximate = true;
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
    ...urlParameters('URL to check'),
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
    let truncated = false;
    if (isHtml) {
      const doc = await parseHtml(page.text);
      if (params.selector !== undefined) {
        const els = select(params.selector, doc, 'selector');
        matched = els.length;
        const parts: string[] = [];
        let room = MAX_CONTENT_CHARS;
        const visits = new TextBudget();
        for (const el of els) {
          if (room <= 0 || visits.exhausted) {
            truncated = true;
            break;
          }
          const text = boundedText(el, room, visits);
          parts.push(text.text);
          room -= text.text.length + 1;
          truncated ||= text.truncated;
        }
        content = parts.join('\n');
      } else {
        const text = boundedText(doc, MAX_CONTENT_CHARS);
        content = text.text;
        truncated = text.truncated;
      }
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
      ...(truncated ? { content_truncated: true } : {}),
    };
    if (params.previous_content !== undefined) {
      const changes = lineDiff(params.previous_content, content, params.ignore_whitespace);
      result.has_changes = changes.length > 0;
      result.changes = changes.slice(0, MAX_CHANGES);
      result.summary = {
        added: changes.filter((c) => c.type === 'added').length,
        removed: changes.filter((c) => c.type === 'removed').length,
        truncated: changes.length > MAX_CHANGES,
        ...(changes.approximate ? { approximate: true } : {}),
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

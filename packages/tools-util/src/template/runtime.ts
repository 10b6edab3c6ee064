/** Pieces shared by both template dialects: errors, limits, escaping and value printing. */

export class TemplateError extends Error {
  constructor(message: string, readonly line?: number, readonly code: 'syntax' | 'render' | 'limit' = 'render') {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.name = 'TemplateError';
  }
}

export interface RenderLimits {
  /** Wall-time budget for one render, ms. */
  maxRenderMs: number;
  /** Largest rendered output, characters. */
  maxOutputChars: number;
  /** Deepest block nesting. */
  maxDepth: number;
}

/** Tracks time and output size while rendering; loops call `tick` so a runaway template stops. */
export class RenderBudget {
  private readonly deadline: number;
  private ticks = 0;
  constructor(readonly limits: RenderLimits, private readonly signal?: AbortSignal) {
    this.deadline = performance.now() + limits.maxRenderMs;
  }

  tick(): void {
    this.ticks += 1;
    if ((this.ticks & 255) === 0) {
      if (performance.now() > this.deadline) throw new TemplateError(`rendering took longer than ${this.limits.maxRenderMs} ms`, undefined, 'limit');
      if (this.signal?.aborted) throw new TemplateError('rendering was cancelled', undefined, 'limit');
    }
  }

  checkOutput(length: number): void {
    if (length > this.limits.maxOutputChars) throw new TemplateError(`rendered output exceeds ${this.limits.maxOutputChars} characters`, undefined, 'limit');
  }
}

/** Marks a string that must not be escaped again (Tera `safe`, Handlebars `{{{ }}}`). */
export class SafeString {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** A missing variable: rendering it is an error, testing it is falsy. */
export const UNDEFINED: unique symbol = Symbol('undefined');
export type Undefined = typeof UNDEFINED;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;', '/': '&#x2F;', '`': '&#x60;', '=': '&#x3D;' };

export function escapeHtml(text: string, chars: RegExp): string {
  return text.replace(chars, (c) => HTML_ESCAPES[c]);
}

export const TERA_ESCAPE = /[&<>"'/]/g;
export const HANDLEBARS_ESCAPE = /[&<>"'`=]/g;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof SafeString);
}

/** How a value prints: strings as-is, numbers without trailing `.0`, null as empty, structures as JSON. */
export function display(v: unknown): string {
  if (v === null || v === undefined || v === UNDEFINED) return '';
  if (typeof v === 'string') return v;
  if (v instanceof SafeString) return v.value;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

export function lineAt(src: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < src.length; i += 1) if (src.charCodeAt(i) === 10) line += 1;
  return line;
}

/**
 * Collects the literal text between a template's tags, with the whitespace control both
 * dialects have (`{{~ … ~}}`, `{%- … -%}`): `trimPrev()` strips the end of the text before a
 * tag, `trimNext = true` the start of the text after it. Empty text is not kept.
 */
export class TextSegments {
  trimNext = false;
  constructor(private readonly segs: Array<{ k: string; v?: string }>) {}

  push(text: string): void {
    const v = this.trimNext ? text.replace(/^\s+/, '') : text;
    this.trimNext = false;
    if (v) this.segs.push({ k: 'text', v });
  }

  trimPrev(): void {
    const last = this.segs[this.segs.length - 1];
    if (last && last.k === 'text') {
      last.v = (last.v ?? '').replace(/\s+$/, '');
      if (!last.v) this.segs.pop();
    }
  }
}

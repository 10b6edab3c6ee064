// Hand-written because the `handlebars` package compiles each template to JavaScript with `new Function`; this renderer only interprets.
import { jsonEqual } from '../json-equal.js';
import {
  HANDLEBARS_ESCAPE, RenderBudget, SafeString, TemplateError, TextSegments, UNDEFINED, display, escapeHtml, isPlainObject, lineAt,
} from './runtime.js';

/**
 * A sandboxed Handlebars renderer: `{{path}}` (HTML-escaped), `{{{path}}}` / `{{&path}}` (raw),
 * `{{#if}}`/`{{else if}}`/`{{else}}`, `{{#unless}}`, `{{#each}}` (with `this`, `@index`, `@key`,
 * `@first`, `@last`, `as |item i|`), `{{#with}}`, `../` parent access, `@root`, comments,
 * `~` whitespace control, and helpers usable inline or as `(subexpressions)`. Partials are
 * refused: a template sees only its context. Strict like the reference: printing a missing
 * variable is an error; block conditions treat it as false.
 */

type Param =
  | { p: 'lit'; v: unknown }
  | { p: 'path'; raw: string; up: number; segs: string[]; data: boolean; root: boolean; thisRef: boolean }
  | { p: 'sub'; name: string; params: Param[]; hash: Record<string, Param> };

type HNode =
  | { t: 'text'; v: string }
  | { t: 'mustache'; name: string; params: Param[]; hash: Record<string, Param>; raw: boolean; line: number }
  | { t: 'block'; name: string; params: Param[]; hash: Record<string, Param>; blockParams: string[]; body: HNode[]; inverse?: HNode[]; line: number };

type Seg =
  | { k: 'text'; v: string }
  | { k: 'tag'; kind: 'open' | 'close' | 'else' | 'plain' | 'raw' | 'inverse'; body: string; line: number };

const BLOCK_HELPERS = ['if', 'unless', 'each', 'with'];

function lex(src: string): Seg[] {
  const segs: Seg[] = [];
  let i = 0;
  const text = new TextSegments(segs);
  while (i < src.length) {
    const start = src.indexOf('{{', i);
    if (start < 0) {
      text.push(src.slice(i));
      break;
    }
    if (start > 0 && src[start - 1] === '\\') {
      // \{{ prints a literal {{ … }} without evaluating it.
      text.push(src.slice(i, start - 1));
      const close = src.indexOf('}}', start);
      const end = close < 0 ? src.length : close + 2;
      segs.push({ k: 'text', v: src.slice(start, end) });
      i = end;
      continue;
    }
    text.push(src.slice(i, start));
    const line = lineAt(src, start);
    let p = start + 2;
    const trimL = src[p] === '~';
    if (trimL) p += 1;
    const comment = src.startsWith('!--', p);
    const triple = !comment && src[p] === '{';
    if (triple) p += 1;
    const closeRe = comment ? /--(~?)\}\}/g : triple ? /\}(~?)\}\}/g : /(~?)\}\}/g;
    closeRe.lastIndex = comment ? p + 3 : p;
    const cm = closeRe.exec(src);
    if (!cm) throw new TemplateError(`unclosed '${comment ? '{{!--' : triple ? '{{{' : '{{'}'`, line, 'syntax');
    let body = src.slice(p, cm.index);
    i = cm.index + cm[0].length;
    if (trimL) text.trimPrev();
    text.trimNext = cm[1] === '~';
    if (comment) continue;
    body = body.trim();
    if (body.startsWith('!')) continue;
    if (triple) segs.push({ k: 'tag', kind: 'raw', body, line });
    else if (body.startsWith('#')) segs.push({ k: 'tag', kind: 'open', body: body.slice(1).trim(), line });
    else if (body.startsWith('^')) {
      const rest = body.slice(1).trim();
      segs.push(rest ? { k: 'tag', kind: 'inverse', body: rest, line } : { k: 'tag', kind: 'else', body: '', line });
    } else if (body.startsWith('/')) segs.push({ k: 'tag', kind: 'close', body: body.slice(1).trim(), line });
    else if (body === 'else' || body.startsWith('else ')) segs.push({ k: 'tag', kind: 'else', body: body.slice(4).trim(), line });
    else if (body.startsWith('&')) segs.push({ k: 'tag', kind: 'raw', body: body.slice(1).trim(), line });
    else if (body.startsWith('>')) throw new TemplateError(`partials ('{{> ${body.slice(1).trim()}}}') are not supported: templates are sandboxed`, line, 'syntax');
    else segs.push({ k: 'tag', kind: 'plain', body, line });
  }
  return segs;
}

function tokenizeParams(body: string, line: number): string[] {
  const toks: string[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i];
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '(' || c === ')' || c === '=' || c === '|') {
      toks.push(c);
      i += 1;
    } else if (c === '"' || c === "'") {
      const end = body.indexOf(c, i + 1);
      if (end < 0) throw new TemplateError(`unterminated string in '{{${body}}}'`, line, 'syntax');
      toks.push(body.slice(i, end + 1));
      i = end + 1;
    } else {
      let j = i;
      while (j < body.length && !/[\s()=|]/.test(body[j])) {
        if (body[j] === '[') {
          const end = body.indexOf(']', j);
          j = end < 0 ? body.length : end + 1;
        } else j += 1;
      }
      toks.push(body.slice(i, j));
      i = j;
    }
  }
  return toks;
}

function parsePath(tok: string, line: number): Param {
  let rest = tok;
  let up = 0;
  while (rest.startsWith('../')) {
    up += 1;
    rest = rest.slice(3);
  }
  const data = rest.startsWith('@');
  if (data) rest = rest.slice(1);
  let root = false;
  if (data && (rest === 'root' || rest.startsWith('root.'))) {
    root = true;
    rest = rest.slice(5);
  }
  let thisRef = false;
  if (rest === 'this' || rest === '.') {
    thisRef = true;
    rest = '';
  } else if (rest.startsWith('this.') || rest.startsWith('./')) {
    thisRef = true;
    rest = rest.slice(rest[0] === '.' ? 2 : 5);
  }
  const segs: string[] = [];
  const re = /\[([^\]]*)\]|([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest))) segs.push(m[1] ?? m[2]);
  if (!segs.length && !thisRef && !root && !data) throw new TemplateError(`invalid path '${tok}'`, line, 'syntax');
  return { p: 'path', raw: tok, up, segs, data: data && !root, root, thisRef };
}

function parseParams(toks: string[], line: number): { params: Param[]; hash: Record<string, Param>; blockParams: string[] } {
  let i = 0;
  const one = (): Param => {
    const t = toks[i++];
    if (t === undefined) throw new TemplateError('missing parameter', line, 'syntax');
    if (t === '(') {
      const name = toks[i++];
      if (!name || name === ')') throw new TemplateError('empty subexpression', line, 'syntax');
      const params: Param[] = [];
      const hash: Record<string, Param> = {};
      while (toks[i] !== ')') {
        if (i >= toks.length) throw new TemplateError("subexpression missing ')'", line, 'syntax');
        if (toks[i + 1] === '=') {
          const key = toks[i];
          i += 2;
          hash[key] = one();
        } else params.push(one());
      }
      i += 1;
      return { p: 'sub', name, params, hash };
    }
    if (t === ')' || t === '=' || t === '|') throw new TemplateError(`unexpected '${t}'`, line, 'syntax');
    if (/^["'].*["']$/s.test(t)) return { p: 'lit', v: t.slice(1, -1) };
    if (/^-?\d+(?:\.\d+)?$/.test(t)) return { p: 'lit', v: Number(t) };
    if (t === 'true' || t === 'false') return { p: 'lit', v: t === 'true' };
    if (t === 'null' || t === 'undefined') return { p: 'lit', v: null };
    return parsePath(t, line);
  };
  const params: Param[] = [];
  const hash: Record<string, Param> = {};
  let blockParams: string[] = [];
  while (i < toks.length) {
    if (toks[i] === 'as' && toks[i + 1] === '|') {
      const end = toks.indexOf('|', i + 2);
      if (end < 0) throw new TemplateError("block parameters missing closing '|'", line, 'syntax');
      blockParams = toks.slice(i + 2, end);
      i = end + 1;
      continue;
    }
    if (toks[i + 1] === '=') {
      const key = toks[i];
      i += 2;
      hash[key] = one();
    } else params.push(one());
  }
  return { params, hash, blockParams };
}

const MAX_NESTING = 100;

class HbParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly segs: Seg[]) {}

  parseAll(): HNode[] {
    const r = this.body();
    if (r.stop) {
      const s = r.stop;
      throw new TemplateError(s.kind === 'close' ? `unexpected '{{/${s.body}}}'` : "'{{else}}' outside a block", s.line, 'syntax');
    }
    return r.nodes;
  }

  private body(): { nodes: HNode[]; stop?: Extract<Seg, { k: 'tag' }> } {
    const nodes: HNode[] = [];
    while (this.i < this.segs.length) {
      const s = this.segs[this.i++];
      if (s.k === 'text') {
        nodes.push({ t: 'text', v: s.v });
        continue;
      }
      if (s.kind === 'close' || s.kind === 'else') return { nodes, stop: s };
      if (s.kind === 'open' || s.kind === 'inverse') {
        nodes.push(this.block(s.kind === 'inverse' ? `unless ${s.body}` : s.body, s.line, s.kind === 'inverse' ? s.body.split(/\s+/)[0] : undefined));
        continue;
      }
      const toks = tokenizeParams(s.body, s.line);
      if (!toks.length) throw new TemplateError('empty mustache {{}}', s.line, 'syntax');
      const name = toks[0];
      const { params, hash } = parseParams(toks.slice(1), s.line);
      nodes.push({ t: 'mustache', name, params, hash, raw: s.kind === 'raw', line: s.line });
    }
    return { nodes };
  }

  /** Parses a block whose opening tag body is `header`; `closeName` is what `{{/…}}` must say. */
  private block(header: string, line: number, closeName?: string): HNode {
    this.depth += 1;
    try {
      if (this.depth > MAX_NESTING) throw new TemplateError(`blocks nest deeper than ${MAX_NESTING} levels`, line, 'syntax');
      return this.blockBody(header, line, closeName);
    } finally {
      this.depth -= 1;
    }
  }

  private blockBody(header: string, line: number, closeName?: string): HNode {
    const toks = tokenizeParams(header, line);
    const name = toks[0];
    if (!name) throw new TemplateError('block without a name', line, 'syntax');
    const expected = closeName ?? name;
    const { params, hash, blockParams } = parseParams(toks.slice(1), line);
    const node: Extract<HNode, { t: 'block' }> = { t: 'block', name, params, hash, blockParams, body: [], line };
    const first = this.body();
    node.body = first.nodes;
    let stop = first.stop;
    if (stop && stop.kind === 'else') {
      if (stop.body) {
        // {{else if x}} chains: the nested block consumes the shared closing tag.
        node.inverse = [this.block(stop.body, stop.line, expected)];
        return node;
      }
      const second = this.body();
      node.inverse = second.nodes;
      stop = second.stop;
      if (stop && stop.kind === 'else') throw new TemplateError(`second '{{else}}' in '{{#${name}}}'`, stop.line, 'syntax');
    }
    if (!stop) throw new TemplateError(`'{{#${name}}}' is never closed (expected '{{/${expected}}}')`, line, 'syntax');
    if (stop.body !== expected) throw new TemplateError(`'{{/${stop.body}}}' does not match '{{#${expected}}}'`, stop.line, 'syntax');
    return node;
  }
}

interface Frame {
  value: unknown;
  data: Record<string, unknown>;
  blockParams: Record<string, unknown>;
}

const MISSING = UNDEFINED;

function truthy(v: unknown): boolean {
  if (v === MISSING || v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

function child(v: unknown, key: string): unknown {
  if (Array.isArray(v)) {
    if (key === 'length') return v.length;
    const idx = Number(key);
    return Number.isInteger(idx) && idx >= 0 && idx < v.length ? v[idx] : MISSING;
  }
  if (isPlainObject(v) && Object.hasOwn(v, key)) return v[key];
  return MISSING;
}

type Helper = (args: unknown[], hash: Record<string, unknown>) => unknown;

const HELPERS: Record<string, Helper> = {
  eq: ([a, b]) => jsonEqual(a, b),
  ne: ([a, b]) => !jsonEqual(a, b),
  gt: ([a, b]) => (a as number) > (b as number),
  gte: ([a, b]) => (a as number) >= (b as number),
  lt: ([a, b]) => (a as number) < (b as number),
  lte: ([a, b]) => (a as number) <= (b as number),
  and: (args) => args.every(truthy),
  or: (args) => args.some(truthy),
  not: ([a]) => !truthy(a),
  len: ([a]) => (Array.isArray(a) ? a.length : isPlainObject(a) ? Object.keys(a).length : Array.from(display(a)).length),
  uppercase: ([a]) => display(a).toUpperCase(),
  lowercase: ([a]) => display(a).toLowerCase(),
  upper: ([a]) => display(a).toUpperCase(),
  lower: ([a]) => display(a).toLowerCase(),
  capitalize: ([a]) => { const s = display(a); return s.charAt(0).toUpperCase() + s.slice(1); },
  trim: ([a]) => display(a).trim(),
  json: ([a]) => JSON.stringify(a === MISSING ? null : a),
  join: ([a, sep]) => (Array.isArray(a) ? a.map(display).join(sep === undefined ? ',' : display(sep)) : display(a)),
  lookup: ([a, key]) => child(a, display(key)),
  default: ([a, fallback]) => (a === MISSING || a === null || a === '' ? fallback : a),
  concat: (args) => args.map(display).join(''),
  truncate: ([a, n, end]) => {
    const cs = Array.from(display(a));
    const len = Number(n ?? 50);
    return cs.length <= len ? display(a) : cs.slice(0, len).join('') + (end === undefined ? '…' : display(end));
  },
};

export class HandlebarsRenderer {
  private out: string[] = [];
  private outLength = 0;
  private readonly stack: Frame[];

  constructor(private readonly root: Record<string, unknown>, private readonly escape: boolean, private readonly budget: RenderBudget) {
    this.stack = [{ value: root, data: {}, blockParams: {} }];
  }

  render(template: string): string {
    this.nodes(new HbParser(lex(template)).parseAll(), 0);
    return this.out.join('');
  }

  private emit(s: string): void {
    this.outLength += s.length;
    this.budget.checkOutput(this.outLength);
    this.out.push(s);
  }

  private resolve(p: Param, line: number): unknown {
    if (p.p === 'lit') return p.v;
    if (p.p === 'sub') {
      const helper = Object.hasOwn(HELPERS, p.name) ? HELPERS[p.name] : undefined;
      if (!helper) throw new TemplateError(`unknown helper '${p.name}'`, line);
      return helper(p.params.map((x) => this.resolve(x, line)), this.hashValues(p.hash, line));
    }
    if (p.root) return p.segs.reduce<unknown>((v, s) => (v === MISSING ? v : child(v, s)), this.root);
    const frameIndex = this.stack.length - 1 - p.up;
    if (frameIndex < 0) return MISSING;
    const frame = this.stack[frameIndex];
    if (p.data) {
      const [first, ...rest] = p.segs;
      const start = Object.hasOwn(frame.data, first) ? frame.data[first] : MISSING;
      return rest.reduce<unknown>((v, s) => (v === MISSING ? v : child(v, s)), start);
    }
    if (p.thisRef) return p.segs.reduce<unknown>((v, s) => (v === MISSING ? v : child(v, s)), frame.value);
    const [first, ...rest] = p.segs;
    // Block params (`as |item|`) are visible in nested blocks too.
    let start: unknown = MISSING;
    if (p.up === 0) {
      for (let i = this.stack.length - 1; i >= 0; i -= 1) {
        if (Object.hasOwn(this.stack[i].blockParams, first)) {
          start = this.stack[i].blockParams[first];
          break;
        }
      }
    }
    if (start === MISSING) start = child(frame.value, first);
    return rest.reduce<unknown>((v, s) => (v === MISSING ? v : child(v, s)), start);
  }

  private hashValues(hash: Record<string, Param>, line: number): Record<string, unknown> {
    return Object.fromEntries(Object.entries(hash).map(([k, v]) => [k, this.resolve(v, line)]));
  }

  private nodes(nodes: HNode[], depth: number): void {
    if (depth > this.budget.limits.maxDepth) throw new TemplateError(`blocks nest deeper than ${this.budget.limits.maxDepth} levels`, undefined, 'limit');
    for (const n of nodes) {
      this.budget.tick();
      if (n.t === 'text') this.emit(n.v);
      else if (n.t === 'mustache') this.mustache(n);
      else this.block(n, depth);
    }
  }

  private mustache(n: Extract<HNode, { t: 'mustache' }>): void {
    let value: unknown;
    const helper = Object.hasOwn(HELPERS, n.name) ? HELPERS[n.name] : undefined;
    if (helper && (n.params.length > 0 || Object.keys(n.hash).length > 0)) {
      value = helper(n.params.map((p) => this.resolve(p, n.line)), this.hashValues(n.hash, n.line));
    } else {
      if (n.params.length > 0) throw new TemplateError(`unknown helper '${n.name}'`, n.line);
      value = this.resolve(parsePath(n.name, n.line), n.line);
      if (value === MISSING) throw new TemplateError(`variable '${n.name}' not found in context`, n.line);
    }
    const text = value instanceof SafeString ? value.value : display(value);
    this.emit(n.raw || !this.escape ? text : escapeHtml(text, HANDLEBARS_ESCAPE));
  }

  private block(n: Extract<HNode, { t: 'block' }>, depth: number): void {
    if (!BLOCK_HELPERS.includes(n.name)) {
      throw new TemplateError(`unknown block helper '{{#${n.name}}}' (available: ${BLOCK_HELPERS.join(', ')})`, n.line);
    }
    if (n.params.length !== 1) throw new TemplateError(`'{{#${n.name}}}' needs exactly one parameter`, n.line);
    const value = this.resolve(n.params[0], n.line);
    const top = this.stack[this.stack.length - 1];
    switch (n.name) {
      case 'if':
      case 'unless': {
        const cond = n.name === 'if' ? truthy(value) : !truthy(value);
        if (cond) this.nodes(n.body, depth + 1);
        else if (n.inverse) this.nodes(n.inverse, depth + 1);
        return;
      }
      case 'with': {
        if (!truthy(value)) {
          if (n.inverse) this.nodes(n.inverse, depth + 1);
          return;
        }
        this.stack.push({ value, data: top.data, blockParams: n.blockParams[0] ? { [n.blockParams[0]]: value } : {} });
        try {
          this.nodes(n.body, depth + 1);
        } finally {
          this.stack.pop();
        }
        return;
      }
      default: {
        let entries: Array<[string | number, unknown]> = [];
        if (Array.isArray(value)) entries = value.map((v, i) => [i, v]);
        else if (isPlainObject(value)) entries = Object.entries(value);
        else if (value !== MISSING && value !== null && value !== undefined && value !== false) {
          throw new TemplateError(`'{{#each}}' needs an array or object, got ${typeof value}`, n.line);
        }
        if (entries.length === 0) {
          if (n.inverse) this.nodes(n.inverse, depth + 1);
          return;
        }
        for (let i = 0; i < entries.length; i += 1) {
          this.budget.tick();
          const [key, item] = entries[i];
          const data: Record<string, unknown> = { ...top.data, index: i, first: i === 0, last: i === entries.length - 1, root: this.root };
          if (typeof key === 'string') data.key = key;
          const blockParams: Record<string, unknown> = {};
          if (n.blockParams[0]) blockParams[n.blockParams[0]] = item;
          if (n.blockParams[1]) blockParams[n.blockParams[1]] = key;
          this.stack.push({ value: item, data, blockParams });
          try {
            this.nodes(n.body, depth + 1);
          } finally {
            this.stack.pop();
          }
        }
      }
    }
  }
}

export function renderHandlebars(template: string, context: Record<string, unknown>, escape: boolean, budget: RenderBudget): string {
  return new HandlebarsRenderer(context, escape, budget).render(template);
}

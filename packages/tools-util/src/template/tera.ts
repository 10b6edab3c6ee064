// Hand-written because Tera is a Rust engine with no JavaScript port, and the Jinja-like JS engines (nunjucks) compile templates with `new Function`.
import { compileScriptRegex } from '@llmspell/core';
import { jsonEqual, jsonKey } from '../json-equal.js';
import { type Args, type Expr, ExprParser } from './tera-expression.js';
import {
  RenderBudget, SafeString, TERA_ESCAPE, TemplateError, TextSegments, UNDEFINED, display, escapeHtml, isPlainObject, lineAt,
} from './runtime.js';

/**
 * A sandboxed Tera/Jinja2-style renderer: `{{ expr | filter }}`, `{% if/elif/else %}`,
 * `{% for x in xs %}` (with `loop.*`, `{% else %}`, break/continue), `{% set %}`,
 * `{% filter %}`, `{% raw %}`, comments and whitespace control. No include, extends, import or
 * macros: a template sees only its context.
 */

type Node =
  | { t: 'text'; v: string }
  | { t: 'out'; x: Expr; line: number }
  | { t: 'if'; branches: Array<{ cond: Expr; body: Node[]; line: number }>; otherwise?: Node[] }
  | { t: 'for'; key?: string; value: string; iter: Expr; body: Node[]; otherwise?: Node[]; line: number }
  | { t: 'set'; name: string; x: Expr; global: boolean; line: number }
  | { t: 'filter'; name: string; args: Args; body: Node[]; line: number }
  | { t: 'break' }
  | { t: 'continue' };

type Seg =
  | { k: 'text'; v: string }
  | { k: 'out' | 'stmt'; body: string; line: number; trimL: boolean; trimR: boolean };

const UNSUPPORTED = ['include', 'extends', 'import', 'macro', 'block', 'endblock', 'endmacro'];

function findClose(src: string, from: number, close: string): number {
  let quote: string | null = null;
  for (let i = from; i < src.length; i += 1) {
    const c = src[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (src.startsWith(close, i)) return i;
  }
  return -1;
}

function lex(src: string): Seg[] {
  const segs: Seg[] = [];
  let i = 0;
  const text = new TextSegments(segs);
  while (i < src.length) {
    const open = /\{[{%#]/g;
    open.lastIndex = i;
    const m = open.exec(src);
    if (!m) {
      text.push(src.slice(i));
      break;
    }
    text.push(src.slice(i, m.index));
    const kind = m[0][1];
    const close = kind === '{' ? '}}' : kind === '%' ? '%}' : '#}';
    const line = lineAt(src, m.index);
    const end = kind === '#' ? src.indexOf('#}', m.index + 2) : findClose(src, m.index + 2, close);
    if (end < 0) throw new TemplateError(`unclosed '${m[0]}' (expected '${close}')`, line, 'syntax');
    let body = src.slice(m.index + 2, end);
    const trimL = body.startsWith('-');
    const trimR = body.endsWith('-');
    if (trimL) body = body.slice(1);
    if (trimR) body = body.slice(0, -1);
    if (trimL) text.trimPrev();
    i = end + 2;
    if (kind === '#') {
      text.trimNext = trimR;
      continue;
    }
    if (kind === '%' && /^\s*raw\s*$/.test(body)) {
      const endRaw = /\{%-?\s*endraw\s*-?%\}/g;
      endRaw.lastIndex = i;
      const r = endRaw.exec(src);
      if (!r) throw new TemplateError("'{% raw %}' without '{% endraw %}'", line, 'syntax');
      text.trimNext = trimR;
      text.push(src.slice(i, r.index));
      if (r[0].startsWith('{%-')) text.trimPrev();
      i = r.index + r[0].length;
      text.trimNext = r[0].endsWith('-%}');
      continue;
    }
    segs.push({ k: kind === '{' ? 'out' : 'stmt', body, line, trimL, trimR });
    text.trimNext = trimR;
  }
  return segs;
}

const MAX_NESTING = 100;

class TeraParser {
  private i = 0;
  private depth = 0;
  constructor(private readonly segs: Seg[]) {}

  parseAll(): Node[] {
    const { nodes, end } = this.block([]);
    if (end) throw new TemplateError(`unexpected '{% ${end.word} %}'`, end.line, 'syntax');
    return nodes;
  }

  /** Parses until one of `stops` (statement keywords); returns the nodes and the stopping tag. */
  private block(stops: string[]): { nodes: Node[]; end?: { word: string; rest: string; line: number } } {
    this.depth += 1;
    try {
      return this.blockBody(stops);
    } finally {
      this.depth -= 1;
    }
  }

  private blockBody(stops: string[]): { nodes: Node[]; end?: { word: string; rest: string; line: number } } {
    if (this.depth > MAX_NESTING) {
      const s = this.segs[Math.max(0, this.i - 1)];
      throw new TemplateError(`blocks nest deeper than ${MAX_NESTING} levels`, s && s.k !== 'text' ? s.line : undefined, 'syntax');
    }
    const nodes: Node[] = [];
    while (this.i < this.segs.length) {
      const s = this.segs[this.i++];
      if (s.k === 'text') {
        nodes.push({ t: 'text', v: s.v });
        continue;
      }
      if (s.k === 'out') {
        const p = new ExprParser(s.body, s.line);
        const x = p.expr();
        p.expectEnd();
        nodes.push({ t: 'out', x, line: s.line });
        continue;
      }
      const m = /^\s*([A-Za-z_]+)\s*([\s\S]*?)\s*$/.exec(s.body);
      if (!m) throw new TemplateError(`empty tag '{%${s.body}%}'`, s.line, 'syntax');
      const [, word, rest] = m;
      if (stops.includes(word)) return { nodes, end: { word, rest, line: s.line } };
      if (UNSUPPORTED.includes(word)) {
        throw new TemplateError(`'{% ${word} %}' is not supported: templates are sandboxed and cannot load other templates`, s.line, 'syntax');
      }
      switch (word) {
        case 'if': nodes.push(this.ifNode(rest, s.line)); break;
        case 'for': nodes.push(this.forNode(rest, s.line)); break;
        case 'set':
        case 'set_global': {
          const p = new ExprParser(rest, s.line);
          const name = p.ident();
          p.expectOp('=');
          const x = p.expr();
          p.expectEnd();
          nodes.push({ t: 'set', name, x, global: word === 'set_global', line: s.line });
          break;
        }
        case 'filter': {
          const p = new ExprParser(rest, s.line);
          const name = p.ident();
          const args = p.isOp('(') ? p.args() : { pos: [], named: {} };
          p.expectEnd();
          const inner = this.block(['endfilter']);
          if (!inner.end) throw new TemplateError("'{% filter %}' without '{% endfilter %}'", s.line, 'syntax');
          nodes.push({ t: 'filter', name, args, body: inner.nodes, line: s.line });
          break;
        }
        case 'break': nodes.push({ t: 'break' }); break;
        case 'continue': nodes.push({ t: 'continue' }); break;
        default:
          if (word.startsWith('end') || word === 'elif' || word === 'else') {
            throw new TemplateError(`unexpected '{% ${word} %}' without a matching opening tag`, s.line, 'syntax');
          }
          throw new TemplateError(`unknown tag '{% ${word} %}'`, s.line, 'syntax');
      }
    }
    return { nodes };
  }

  private cond(src: string, line: number): Expr {
    const p = new ExprParser(src, line);
    const x = p.expr();
    p.expectEnd();
    return x;
  }

  private ifNode(rest: string, line: number): Node {
    const branches: Array<{ cond: Expr; body: Node[]; line: number }> = [];
    let cond = this.cond(rest, line);
    let condLine = line;
    for (;;) {
      const b = this.block(['elif', 'else', 'endif']);
      if (!b.end) throw new TemplateError("'{% if %}' without '{% endif %}'", line, 'syntax');
      branches.push({ cond, body: b.nodes, line: condLine });
      if (b.end.word === 'elif') {
        cond = this.cond(b.end.rest, b.end.line);
        condLine = b.end.line;
        continue;
      }
      if (b.end.word === 'else') {
        const e = this.block(['endif']);
        if (!e.end) throw new TemplateError("'{% if %}' without '{% endif %}'", line, 'syntax');
        return { t: 'if', branches, otherwise: e.nodes };
      }
      return { t: 'if', branches };
    }
  }

  private forNode(rest: string, line: number): Node {
    const p = new ExprParser(rest, line);
    let key: string | undefined;
    let value = p.ident();
    if (p.isOp(',')) {
      p.next();
      key = value;
      value = p.ident();
    }
    if (!p.isWord('in')) p.fail("expected 'in'");
    p.next();
    const iter = p.expr();
    p.expectEnd();
    const b = this.block(['else', 'endfor']);
    if (!b.end) throw new TemplateError("'{% for %}' without '{% endfor %}'", line, 'syntax');
    if (b.end.word === 'else') {
      const e = this.block(['endfor']);
      if (!e.end) throw new TemplateError("'{% for %}' without '{% endfor %}'", line, 'syntax');
      return { t: 'for', key, value, iter, body: b.nodes, otherwise: e.nodes, line };
    }
    return { t: 'for', key, value, iter, body: b.nodes, line };
  }
}

class LoopSignal {
  constructor(readonly kind: 'break' | 'continue') {}
}

function truthy(v: unknown): boolean {
  if (v === UNDEFINED || v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (v instanceof SafeString) return v.value !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (isPlainObject(v)) return Object.keys(v).length > 0;
  return true;
}

function plain(v: unknown): unknown {
  return v instanceof SafeString ? v.value : v;
}

/** A safe-marked string equals the same plain string. */
function valuesEqual(a: unknown, b: unknown): boolean {
  return jsonEqual(plain(a), plain(b));
}

type Scope = Map<string, unknown>;

export class TeraRenderer {
  private readonly scopes: Scope[] = [new Map()];
  private out: string[] = [];
  private outLength = 0;

  constructor(private readonly context: Record<string, unknown>, private readonly autoescape: boolean, private readonly budget: RenderBudget) {}

  render(template: string): string {
    const nodes = new TeraParser(lex(template)).parseAll();
    this.nodes(nodes, 0);
    return this.out.join('');
  }

  private emit(s: string): void {
    this.outLength += s.length;
    this.budget.checkOutput(this.outLength);
    this.out.push(s);
  }

  private lookup(name: string): unknown {
    for (let i = this.scopes.length - 1; i >= 0; i -= 1) if (this.scopes[i].has(name)) return this.scopes[i].get(name);
    if (Object.hasOwn(this.context, name)) return this.context[name];
    return UNDEFINED;
  }

  private nodes(nodes: Node[], depth: number): void {
    if (depth > this.budget.limits.maxDepth) throw new TemplateError(`blocks nest deeper than ${this.budget.limits.maxDepth} levels`, undefined, 'limit');
    for (const n of nodes) {
      this.budget.tick();
      switch (n.t) {
        case 'text': this.emit(n.v); break;
        case 'out': {
          const v = this.eval(n.x, n.line);
          if (v === UNDEFINED) throw new TemplateError(`variable '${describe(n.x)}' not found in context`, n.line);
          if (v instanceof SafeString) this.emit(v.value);
          else this.emit(this.autoescape ? escapeHtml(display(v), TERA_ESCAPE) : display(v));
          break;
        }
        case 'if': {
          const hit = n.branches.find((b) => truthy(this.eval(b.cond, b.line)));
          if (hit) this.nodes(hit.body, depth + 1);
          else if (n.otherwise) this.nodes(n.otherwise, depth + 1);
          break;
        }
        case 'for': this.forLoop(n, depth); break;
        case 'set': {
          const v = this.eval(n.x, n.line);
          (n.global ? this.scopes[0] : this.scopes[this.scopes.length - 1]).set(n.name, v);
          break;
        }
        case 'filter': {
          const saved = this.out;
          const savedLength = this.outLength;
          this.out = [];
          this.nodes(n.body, depth + 1);
          const inner = this.out.join('');
          this.out = saved;
          this.outLength = savedLength;
          this.emit(display(this.applyFilter(n.name, new SafeString(inner), n.args, n.line)));
          break;
        }
        case 'break': throw new LoopSignal('break');
        case 'continue': throw new LoopSignal('continue');
      }
    }
  }

  private forLoop(n: Extract<Node, { t: 'for' }>, depth: number): void {
    const raw = plain(this.eval(n.iter, n.line));
    let entries: Array<[unknown, unknown]>;
    if (raw === UNDEFINED) throw new TemplateError(`variable '${describe(n.iter)}' not found in context`, n.line);
    if (Array.isArray(raw)) entries = raw.map((v, i) => [i, v]);
    else if (isPlainObject(raw)) entries = Object.entries(raw);
    else if (typeof raw === 'string') entries = Array.from(raw).map((c, i) => [i, c]);
    else if (raw === null) entries = [];
    else throw new TemplateError(`cannot iterate over ${typeof raw} '${describe(n.iter)}'`, n.line);
    if (entries.length === 0) {
      if (n.otherwise) this.nodes(n.otherwise, depth + 1);
      return;
    }
    const scope: Scope = new Map();
    this.scopes.push(scope);
    try {
      for (let i = 0; i < entries.length; i += 1) {
        this.budget.tick();
        scope.clear();
        if (n.key !== undefined) scope.set(n.key, entries[i][0]);
        scope.set(n.value, entries[i][1]);
        scope.set('loop', { index: i + 1, index0: i, first: i === 0, last: i === entries.length - 1, length: entries.length, revindex: entries.length - i, revindex0: entries.length - i - 1 });
        try {
          this.nodes(n.body, depth + 1);
        } catch (signal) {
          if (!(signal instanceof LoopSignal)) throw signal;
          if (signal.kind === 'break') break;
        }
      }
    } finally {
      this.scopes.pop();
    }
  }

  eval(x: Expr, line: number): unknown {
    switch (x.e) {
      case 'lit': return x.v;
      case 'arr': return x.items.map((i) => plain(this.eval(i, line)));
      case 'var': {
        let v = this.lookup(x.name);
        for (const seg of x.path) {
          if (v === UNDEFINED || v === null) return UNDEFINED;
          const key = typeof seg === 'object' ? plain(this.eval(seg, line)) : seg;
          v = plain(v);
          if (Array.isArray(v)) {
            const idx = typeof key === 'number' ? key : Number(key);
            v = Number.isInteger(idx) ? (idx < 0 ? v[v.length + idx] : v[idx]) : UNDEFINED;
            if (v === undefined) v = UNDEFINED;
          } else if (isPlainObject(v) && (typeof key === 'string' || typeof key === 'number') && Object.hasOwn(v, String(key))) v = v[String(key)];
          else return UNDEFINED;
        }
        return v;
      }
      case 'not': return !truthy(this.eval(x.x, line));
      case 'neg': {
        const v = plain(this.eval(x.x, line));
        if (typeof v !== 'number') throw new TemplateError(`cannot negate ${typeof v}`, line || undefined);
        return -v;
      }
      case 'bin': return this.binary(x, line);
      case 'filter': return this.applyFilter(x.name, this.eval(x.x, line), x.args, line, x.x);
      case 'test': {
        const r = this.test(x.name, this.eval(x.x, line), x.args.map((a) => plain(this.eval(a, line))), line);
        return x.negate ? !r : r;
      }
      case 'call': return this.call(x.name, x.args, line);
    }
  }

  private binary(x: Extract<Expr, { e: 'bin' }>, line: number): unknown {
    if (x.op === 'and') return truthy(this.eval(x.l, line)) && truthy(this.eval(x.r, line));
    if (x.op === 'or') return truthy(this.eval(x.l, line)) || truthy(this.eval(x.r, line));
    const l = plain(this.eval(x.l, line));
    const r = plain(this.eval(x.r, line));
    switch (x.op) {
      case '==': return valuesEqual(l, r);
      case '!=': return !valuesEqual(l, r);
      case '~': return display(l) + display(r);
      case 'in':
        if (Array.isArray(r)) return r.some((v) => valuesEqual(v, l));
        if (typeof r === 'string') return r.includes(display(l));
        if (isPlainObject(r)) return Object.hasOwn(r, display(l));
        return false;
      default: break;
    }
    if (l === UNDEFINED) throw new TemplateError(`variable '${describe(x.l)}' not found in context`, line || undefined);
    if (r === UNDEFINED) throw new TemplateError(`variable '${describe(x.r)}' not found in context`, line || undefined);
    if (['<', '>', '<=', '>='].includes(x.op)) {
      if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string'))) {
        throw new TemplateError(`cannot compare ${typeof l} with ${typeof r} using '${x.op}'`, line || undefined);
      }
      const a = l as number | string;
      const b = r as number | string;
      return x.op === '<' ? a < b : x.op === '>' ? a > b : x.op === '<=' ? a <= b : a >= b;
    }
    if (x.op === '+' && typeof l === 'string' && typeof r === 'string') return l + r;
    if (typeof l !== 'number' || typeof r !== 'number') throw new TemplateError(`operator '${x.op}' needs numbers, got ${typeof l} and ${typeof r}`, line || undefined);
    switch (x.op) {
      case '+': return l + r;
      case '-': return l - r;
      case '*': return l * r;
      case '/':
        if (r === 0) throw new TemplateError('division by zero', line || undefined);
        return l / r;
      case '//':
        if (r === 0) throw new TemplateError('division by zero', line || undefined);
        return Math.floor(l / r);
      case '%':
        if (r === 0) throw new TemplateError('modulo by zero', line || undefined);
        return l % r;
      default: throw new TemplateError(`unknown operator '${x.op}'`, line || undefined);
    }
  }

  private call(name: string, args: Args, line: number): unknown {
    const get = (key: string, idx: number): unknown => {
      const e = args.named[key] ?? args.pos[idx];
      return e === undefined ? undefined : plain(this.eval(e, line));
    };
    if (name === 'range') {
      let start = Number(get('start', -1) ?? 0);
      let end = get('end', 0);
      if (args.pos.length >= 2 && args.named.start === undefined) {
        start = Number(get('', 0));
        end = get('', 1);
      }
      const step = Number(get('step_by', 2) ?? 1);
      if (typeof end !== 'number' || !Number.isFinite(start) || !Number.isFinite(step) || step === 0) throw new TemplateError('range() needs numeric end (and start, step_by)', line || undefined);
      const count = Math.max(0, Math.ceil((end - start) / step));
      if (count > 100_000) throw new TemplateError(`range() of ${count} items is over the limit of 100000`, line || undefined, 'limit');
      return Array.from({ length: count }, (_, i) => start + i * step);
    }
    if (name === 'now') return new Date().toISOString();
    throw new TemplateError(`unknown function '${name}' (available: range, now)`, line || undefined);
  }

  private test(name: string, v: unknown, args: unknown[], line: number): boolean {
    const p = plain(v);
    switch (name) {
      case 'defined': return v !== UNDEFINED;
      case 'undefined': return v === UNDEFINED;
      case 'none': return p === null;
      case 'odd': return typeof p === 'number' && Math.abs(p % 2) === 1;
      case 'even': return typeof p === 'number' && p % 2 === 0;
      case 'number': return typeof p === 'number';
      case 'string': return typeof p === 'string';
      case 'iterable': return Array.isArray(p) || isPlainObject(p);
      case 'object': return isPlainObject(p);
      case 'divisibleby': return typeof p === 'number' && typeof args[0] === 'number' && args[0] !== 0 && p % args[0] === 0;
      case 'starting_with': return typeof p === 'string' && p.startsWith(display(args[0]));
      case 'ending_with': return typeof p === 'string' && p.endsWith(display(args[0]));
      case 'containing':
        if (Array.isArray(p)) return p.some((x) => valuesEqual(x, args[0]));
        if (isPlainObject(p)) return Object.hasOwn(p, display(args[0]));
        return typeof p === 'string' && p.includes(display(args[0]));
      case 'matching': {
        try {
          // Templates and their data come from scripts: linear-time matching.
          return typeof p === 'string' && compileScriptRegex(display(args[0]), { parameter: 'matching', flags: 'u' }).test(p);
        } catch (error) {
          throw new TemplateError(`invalid regex in 'matching': ${(error as Error & { detail?: string }).detail ?? (error as Error).message}`, line || undefined);
        }
      }
      default: throw new TemplateError(`unknown test '${name}'`, line || undefined);
    }
  }

  applyFilter(name: string, input: unknown, args: Args, line: number, source?: Expr): unknown {
    const arg = (key: string, idx: number): unknown => {
      const e = args.named[key] ?? args.pos[idx];
      return e === undefined ? undefined : plain(this.eval(e, line));
    };
    if (name === 'default') {
      const fallback = arg('value', 0);
      const boolean = arg('boolean', 1) === true;
      return input === UNDEFINED || input === null || (boolean && !truthy(input)) ? fallback : input;
    }
    if (input === UNDEFINED) throw new TemplateError(`variable '${source ? describe(source) : '?'}' not found in context (use the 'default' filter)`, line || undefined);
    if (name === 'safe') return new SafeString(display(input));
    const v = plain(input);
    const str = (): string => display(v);
    const arr = (): unknown[] => {
      if (Array.isArray(v)) return v;
      throw new TemplateError(`filter '${name}' needs an array, got ${typeof v}`, line || undefined);
    };
    const num = (): number => {
      if (typeof v === 'number') return v;
      const n = Number(v);
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(n)) return n;
      throw new TemplateError(`filter '${name}' needs a number, got ${typeof v}`, line || undefined);
    };
    switch (name) {
      case 'upper': return str().toUpperCase();
      case 'lower': return str().toLowerCase();
      case 'capitalize': { const s = str(); return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase(); }
      case 'title': return str().replace(/\S+/g, (w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase());
      case 'trim': return str().trim();
      case 'trim_start': return str().trimStart();
      case 'trim_end': return str().trimEnd();
      case 'length':
        if (Array.isArray(v)) return v.length;
        if (isPlainObject(v)) return Object.keys(v).length;
        return Array.from(str()).length;
      case 'wordcount': return str().split(/\s+/).filter(Boolean).length;
      case 'reverse': return Array.isArray(v) ? [...v].reverse() : Array.from(str()).reverse().join('');
      case 'join': return arr().map(display).join(display(arg('sep', 0) ?? ''));
      case 'split': return str().split(display(arg('pat', 0) ?? ' '));
      case 'first': return arr()[0] ?? UNDEFINED;
      case 'last': { const a = arr(); return a[a.length - 1] ?? UNDEFINED; }
      case 'nth': return arr()[Number(arg('n', 0))] ?? UNDEFINED;
      case 'sort': {
        const attr = arg('attribute', 0);
        const key = (x: unknown) => (attr !== undefined && isPlainObject(x) ? x[display(attr)] : x) as never;
        return [...arr()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
      }
      case 'unique': {
        // One pass with a set of jsonKey texts (equal exactly when valuesEqual is): linear, not n².
        const seen = new Set<string>();
        return arr().filter((x) => {
          const key = jsonKey(plain(x));
          if (seen.has(key)) return false;
          seen.add(key);
          return true;
        });
      }
      case 'slice': {
        const a = Array.isArray(v) ? v : Array.from(str());
        const out = a.slice(Number(arg('start', 0) ?? 0), arg('end', 1) === undefined ? undefined : Number(arg('end', 1)));
        return Array.isArray(v) ? out : out.join('');
      }
      case 'concat': { const w = arg('with', 0); return [...arr(), ...(Array.isArray(w) ? w : [w])]; }
      case 'map': { const attr = display(arg('attribute', 0)); return arr().map((x) => (isPlainObject(x) ? x[attr] : undefined)); }
      case 'filter': {
        const attr = display(arg('attribute', 0));
        const want = arg('value', 1);
        return arr().filter((x) => isPlainObject(x) && (want === undefined ? truthy(x[attr]) : valuesEqual(x[attr], want)));
      }
      case 'truncate': {
        const length = Number(arg('length', 0) ?? 255);
        const end = display(arg('end', 1) ?? '…');
        const cs = Array.from(str());
        return cs.length <= length ? str() : cs.slice(0, length).join('') + end;
      }
      case 'replace': return str().split(display(arg('from', 0))).join(display(arg('to', 1)));
      case 'escape': case 'e': return new SafeString(escapeHtml(str(), TERA_ESCAPE));
      case 'striptags': return str().replace(/<[^>]*>/g, '');
      case 'urlencode': return encodeURIComponent(str()).replace(/%2F/g, '/');
      case 'urlencode_strict': return encodeURIComponent(str());
      case 'json_encode': {
        const pretty = arg('pretty', 0) === true;
        return JSON.stringify(v, null, pretty ? 2 : undefined);
      }
      case 'as_str': case 'string': return str();
      case 'int': { const n = num(); return Math.trunc(n); }
      case 'float': return num();
      case 'abs': return Math.abs(num());
      case 'round': {
        const precision = Number(arg('precision', 1) ?? 0);
        const method = display(arg('method', 0) ?? 'common');
        const f = 10 ** precision;
        const n = num() * f;
        return (method === 'ceil' ? Math.ceil(n) : method === 'floor' ? Math.floor(n) : Math.sign(n) * Math.round(Math.abs(n))) / f;
      }
      case 'plus': return num() + Number(arg('n', 0) ?? 0);
      case 'pluralize': {
        const n = num();
        return n === 1 ? display(arg('singular', 0) ?? '') : display(arg('plural', 1) ?? 's');
      }
      case 'filesizeformat': {
        let n = num();
        const units = ['B', 'KB', 'MB', 'GB', 'TB'];
        let u = 0;
        while (n >= 1024 && u < units.length - 1) {
          n /= 1024;
          u += 1;
        }
        return u === 0 ? `${n} B` : `${n.toFixed(1)} ${units[u]}`;
      }
      case 'linebreaksbr': return new SafeString(escapeHtml(str(), TERA_ESCAPE).replace(/\r?\n/g, '<br>'));
      case 'indent': {
        const prefix = ' '.repeat(Number(arg('width', 0) ?? 4));
        const first = arg('first', 1) === true;
        return str().split('\n').map((l, i) => ((i > 0 || first) && l ? prefix + l : l)).join('\n');
      }
      default: throw new TemplateError(`unknown filter '${name}'`, line || undefined);
    }
  }
}

function describe(x: Expr): string {
  if (x.e === 'var') return [x.name, ...x.path.map((p) => (typeof p === 'object' ? '[…]' : String(p)))].join('.');
  if (x.e === 'filter') return describe(x.x);
  return 'expression';
}

export function renderTera(template: string, context: Record<string, unknown>, autoescape: boolean, budget: RenderBudget): string {
  return new TeraRenderer(context, autoescape, budget).render(template);
}

import { LlmspellError } from '@llmspell/core';

/** The jq subset's syntax tree. */
export type Node =
  | { t: 'identity' }
  | { t: 'recurse' }
  | { t: 'field'; target: Node; name: string; opt: boolean }
  | { t: 'index'; target: Node; index: Node; opt: boolean }
  | { t: 'slice'; target: Node; from: Node | null; to: Node | null; opt: boolean }
  | { t: 'iterate'; target: Node; opt: boolean }
  | { t: 'literal'; value: unknown }
  | { t: 'string'; parts: Array<string | Node>; format?: string }
  | { t: 'format'; name: string }
  | { t: 'array'; body: Node | null }
  | { t: 'object'; entries: Array<{ key: Node | string; value: Node | null; keyVar?: string }> }
  | { t: 'pipe'; left: Node; right: Node }
  | { t: 'comma'; left: Node; right: Node }
  | { t: 'binop'; op: string; left: Node; right: Node }
  | { t: 'and'; left: Node; right: Node }
  | { t: 'or'; left: Node; right: Node }
  | { t: 'alt'; left: Node; right: Node }
  | { t: 'neg'; body: Node }
  | { t: 'var'; name: string }
  | { t: 'as'; source: Node; names: Pattern; body: Node }
  | { t: 'call'; name: string; args: Node[] }
  | { t: 'if'; cond: Node; then: Node; elifs: Array<[Node, Node]>; else: Node | null }
  | { t: 'try'; body: Node; catch: Node | null }
  | { t: 'reduce'; source: Node; name: Pattern; init: Node; update: Node }
  | { t: 'foreach'; source: Node; name: Pattern; init: Node; update: Node; extract: Node | null }
  | { t: 'assign'; op: string; left: Node; right: Node }
  | { t: 'def'; name: string; params: string[]; body: Node; rest: Node };

/** `$x`, `[$a, $b]` or `{a: $x}` destructuring in `as`, `reduce`, `foreach`. */
export type Pattern =
  | { p: 'var'; name: string }
  | { p: 'array'; items: Pattern[] }
  | { p: 'object'; entries: Array<{ key: string | Node; keyVar?: string; value: Pattern | null }> };

type Tok =
  | { k: 'num'; v: number; pos: number }
  | { k: 'str'; parts: Array<string | Tok[]>; pos: number }
  | { k: 'ident'; v: string; pos: number }
  | { k: 'field'; v: string; pos: number }
  | { k: 'var'; v: string; pos: number }
  | { k: 'format'; v: string; pos: number }
  | { k: 'op'; v: string; pos: number }
  | { k: 'eof'; pos: number };

const OPS = ['?//', '|=', '+=', '-=', '*=', '/=', '%=', '//=', '==', '!=', '<=', '>=', '//', '..', '|', ',', '+', '-', '*', '/', '%', '<', '>', '=', '(', ')', '[', ']', '{', '}', ':', ';', '?', '.'];

function syntaxError(src: string, pos: number, what: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `parameter 'query': jq syntax error at column ${pos + 1}: ${what} (in ${JSON.stringify(src.length > 80 ? src.slice(0, 77) + '...' : src)})`);
}

/** Tokenises from `start`; with `inInterp` it stops at the `)` closing a `\(` interpolation. */
function tokenize(src: string, start: number, inInterp: boolean): { toks: Tok[]; end: number } {
  const toks: Tok[] = [];
  let i = start;
  let depth = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue; }
    if (c === '#') { while (i < src.length && src[i] !== '\n') i++; continue; }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      toks.push({ k: 'num', v: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      const pos = i;
      i++;
      const parts: Array<string | Tok[]> = [];
      let buf = '';
      for (;;) {
        if (i >= src.length) throw syntaxError(src, pos, 'unterminated string');
        const ch = src[i];
        if (ch === '"') { i++; break; }
        if (ch === '\\') {
          const e = src[i + 1];
          if (e === '(') {
            if (buf) parts.push(buf);
            buf = '';
            const inner = tokenize(src, i + 2, true);
            parts.push(inner.toks);
            i = inner.end + 1;
            continue;
          }
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '"': '"', '\\': '\\', '/': '/' };
          if (e === 'u') {
            buf += String.fromCharCode(parseInt(src.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          if (!(e in map)) throw syntaxError(src, i, `invalid escape \\${e}`);
          buf += map[e];
          i += 2;
          continue;
        }
        buf += ch;
        i++;
      }
      if (buf || parts.length === 0) parts.push(buf);
      toks.push({ k: 'str', parts, pos });
      continue;
    }
    if (c === '$') {
      const m = /^\$(__loc__|[A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i));
      if (!m) throw syntaxError(src, i, 'expected a variable name after $');
      toks.push({ k: 'var', v: m[1], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '@') {
      const m = /^@([A-Za-z0-9_]+)/.exec(src.slice(i));
      if (!m) throw syntaxError(src, i, 'expected a format name after @');
      toks.push({ k: 'format', v: m[1], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*/.exec(src.slice(i))!;
      toks.push({ k: 'ident', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (c === '.' && /[A-Za-z_]/.test(src[i + 1] ?? '')) {
      const m = /^\.([A-Za-z_][A-Za-z0-9_]*)/.exec(src.slice(i))!;
      toks.push({ k: 'field', v: m[1], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw syntaxError(src, i, `unexpected character '${c}'`);
    if (inInterp) {
      if (op === '(') depth++;
      if (op === ')') {
        if (depth === 0) {
          toks.push({ k: 'eof', pos: i });
          return { toks, end: i };
        }
        depth--;
      }
    }
    toks.push({ k: 'op', v: op, pos: i });
    i += op.length;
  }
  if (inInterp) throw syntaxError(src, start, 'unterminated \\( interpolation');
  toks.push({ k: 'eof', pos: i });
  return { toks, end: i };
}

const KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'end', 'as', 'reduce', 'foreach', 'try', 'catch', 'and', 'or', 'not_kw', 'def', 'label', 'import', 'include', '__loc__']);

class Parser {
  private i = 0;
  constructor(private readonly src: string, private readonly toks: Tok[]) {}

  private peek(): Tok { return this.toks[this.i]; }
  private next(): Tok { return this.toks[this.i++]; }
  private isOp(v: string): boolean { const t = this.peek(); return t.k === 'op' && t.v === v; }
  private isIdent(v: string): boolean { const t = this.peek(); return t.k === 'ident' && t.v === v; }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== v) throw syntaxError(this.src, t.pos, `expected '${v}'`);
  }
  private expectIdent(v: string): void {
    const t = this.next();
    if (t.k !== 'ident' || t.v !== v) throw syntaxError(this.src, t.pos, `expected '${v}'`);
  }

  parseProgram(): Node {
    const n = this.parsePipe(false);
    const t = this.peek();
    if (t.k !== 'eof') throw syntaxError(this.src, t.pos, `unexpected ${t.k === 'op' || t.k === 'ident' ? `'${t.v}'` : t.k}`);
    return n;
  }

  /** pipe: lowest precedence, right-associative; `def` and `as` bind here. */
  parsePipe(noComma: boolean): Node {
    if (this.isIdent('def')) {
      this.next();
      const nameTok = this.next();
      if (nameTok.k !== 'ident') throw syntaxError(this.src, nameTok.pos, 'expected a function name');
      const params: string[] = [];
      if (this.isOp('(')) {
        this.next();
        for (;;) {
          const p = this.next();
          if (p.k === 'ident') params.push(p.v);
          else if (p.k === 'var') params.push('$' + p.v);
          else throw syntaxError(this.src, p.pos, 'expected a parameter name');
          if (this.isOp(';')) { this.next(); continue; }
          this.expectOp(')');
          break;
        }
      }
      this.expectOp(':');
      const body = this.parsePipe(false);
      this.expectOp(';');
      const rest = this.parsePipe(noComma);
      return { t: 'def', name: nameTok.v, params, body, rest };
    }
    const left = noComma ? this.parseAlt() : this.parseComma();
    if (this.isIdent('as')) {
      this.next();
      const names = this.parsePattern();
      this.expectOp('|');
      const body = this.parsePipe(noComma);
      return { t: 'as', source: left, names, body };
    }
    if (this.isOp('|')) {
      this.next();
      return { t: 'pipe', left, right: this.parsePipe(noComma) };
    }
    return left;
  }

  private parsePattern(): Pattern {
    const t = this.next();
    if (t.k === 'var') return { p: 'var', name: t.v };
    if (t.k === 'op' && t.v === '[') {
      const items: Pattern[] = [];
      if (!this.isOp(']')) {
        for (;;) {
          items.push(this.parsePattern());
          if (this.isOp(',')) { this.next(); continue; }
          break;
        }
      }
      this.expectOp(']');
      return { p: 'array', items };
    }
    if (t.k === 'op' && t.v === '{') {
      const entries: Array<{ key: string | Node; keyVar?: string; value: Pattern | null }> = [];
      for (;;) {
        const k = this.next();
        if (k.k === 'var') {
          const value = this.isOp(':') ? (this.next(), this.parsePattern()) : null;
          entries.push({ key: k.v, keyVar: k.v, value });
        } else if (k.k === 'ident') {
          this.expectOp(':');
          entries.push({ key: k.v, value: this.parsePattern() });
        } else if (k.k === 'str') {
          this.expectOp(':');
          entries.push({ key: this.stringNode(k), value: this.parsePattern() });
        } else if (k.k === 'op' && k.v === '(') {
          const key = this.parsePipe(false);
          this.expectOp(')');
          this.expectOp(':');
          entries.push({ key, value: this.parsePattern() });
        } else throw syntaxError(this.src, k.pos, 'bad object pattern');
        if (this.isOp(',')) { this.next(); continue; }
        break;
      }
      this.expectOp('}');
      return { p: 'object', entries };
    }
    throw syntaxError(this.src, t.pos, 'expected $name or a destructuring pattern');
  }

  private parseComma(): Node {
    let left = this.parseAlt();
    while (this.isOp(',')) {
      this.next();
      left = { t: 'comma', left, right: this.parseAlt() };
    }
    return left;
  }

  /** `//` (right-assoc) sits above assignment in jq; we fold assignment in here too. */
  private parseAlt(): Node {
    const left = this.parseOr();
    if (this.isOp('//')) {
      this.next();
      return { t: 'alt', left, right: this.parseAlt() };
    }
    const t = this.peek();
    if (t.k === 'op' && ['=', '|=', '+=', '-=', '*=', '/=', '%=', '//='].includes(t.v)) {
      this.next();
      return { t: 'assign', op: t.v, left, right: this.parseAlt() };
    }
    return left;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isIdent('or')) {
      this.next();
      left = { t: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseCompare();
    while (this.isIdent('and')) {
      this.next();
      left = { t: 'and', left, right: this.parseCompare() };
    }
    return left;
  }

  private parseCompare(): Node {
    const left = this.parseAdditive();
    const t = this.peek();
    if (t.k === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      this.next();
      return { t: 'binop', op: t.v, left, right: this.parseAdditive() };
    }
    return left;
  }

  private parseAdditive(): Node {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && (t.v === '+' || t.v === '-')) {
        this.next();
        left = { t: 'binop', op: t.v, left, right: this.parseMultiplicative() };
      } else return left;
    }
  }

  private parseMultiplicative(): Node {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && (t.v === '*' || t.v === '/' || t.v === '%')) {
        this.next();
        left = { t: 'binop', op: t.v, left, right: this.parseUnary() };
      } else return left;
    }
  }

  private parseUnary(): Node {
    if (this.isOp('-')) {
      this.next();
      return { t: 'neg', body: this.parseUnary() };
    }
    return this.parsePostfix();
  }

  private parsePostfix(): Node {
    let node = this.parseTerm();
    for (;;) {
      const t = this.peek();
      if (t.k === 'field') {
        this.next();
        node = { t: 'field', target: node, name: t.v, opt: this.optional() };
      } else if (t.k === 'op' && t.v === '.' && this.toks[this.i + 1]?.k === 'str') {
        this.next();
        const s = this.next() as Extract<Tok, { k: 'str' }>;
        node = { t: 'index', target: node, index: this.stringNode(s), opt: this.optional() };
      } else if (t.k === 'op' && t.v === '.' && this.toks[this.i + 1]?.k === 'op' && (this.toks[this.i + 1] as { v: string }).v === '[') {
        this.next();
        node = this.bracketSuffix(node);
      } else if (t.k === 'op' && t.v === '[') {
        node = this.bracketSuffix(node);
      } else if (t.k === 'op' && t.v === '?') {
        this.next();
        node = { t: 'try', body: node, catch: null };
      } else if (t.k === 'ident' && t.v === 'as' && false) {
        return node;
      } else return node;
    }
  }

  private optional(): boolean {
    if (this.isOp('?')) { this.next(); return true; }
    return false;
  }

  private bracketSuffix(target: Node): Node {
    this.expectOp('[');
    if (this.isOp(']')) {
      this.next();
      return { t: 'iterate', target, opt: this.optional() };
    }
    if (this.isOp(':')) {
      this.next();
      const to = this.parsePipe(false);
      this.expectOp(']');
      return { t: 'slice', target, from: null, to, opt: this.optional() };
    }
    const index = this.parsePipe(false);
    if (this.isOp(':')) {
      this.next();
      const to = this.isOp(']') ? null : this.parsePipe(false);
      this.expectOp(']');
      return { t: 'slice', target, from: index, to, opt: this.optional() };
    }
    this.expectOp(']');
    return { t: 'index', target, index, opt: this.optional() };
  }

  private stringNode(tok: Extract<Tok, { k: 'str' }>, format?: string): Node {
    const parts = tok.parts.map((p) => (typeof p === 'string' ? p : new Parser(this.src, p).parseProgram()));
    if (parts.every((p) => typeof p === 'string') && !format) return { t: 'literal', value: parts.join('') };
    return { t: 'string', parts, format };
  }

  private parseTerm(): Node {
    const t = this.next();
    switch (t.k) {
      case 'num':
        return { t: 'literal', value: t.v };
      case 'str':
        return this.stringNode(t);
      case 'format': {
        if (this.peek().k === 'str') return this.stringNode(this.next() as Extract<Tok, { k: 'str' }>, t.v);
        return { t: 'format', name: t.v };
      }
      case 'field':
        return { t: 'field', target: { t: 'identity' }, name: t.v, opt: this.optional() };
      case 'var':
        return { t: 'var', name: t.v };
      case 'op':
        switch (t.v) {
          case '.':
            if (this.peek().k === 'str') {
              const s = this.next() as Extract<Tok, { k: 'str' }>;
              return { t: 'index', target: { t: 'identity' }, index: this.stringNode(s), opt: this.optional() };
            }
            if (this.isOp('[')) return this.bracketSuffix({ t: 'identity' });
            return { t: 'identity' };
          case '..':
            return { t: 'recurse' };
          case '(': {
            const body = this.parsePipe(false);
            this.expectOp(')');
            return body;
          }
          case '[': {
            if (this.isOp(']')) { this.next(); return { t: 'array', body: null }; }
            const body = this.parsePipe(false);
            this.expectOp(']');
            return { t: 'array', body };
          }
          case '{':
            return this.parseObject();
          default:
            throw syntaxError(this.src, t.pos, `unexpected '${t.v}'`);
        }
      case 'ident':
        return this.parseIdentTerm(t);
      case 'eof':
        throw syntaxError(this.src, t.pos, 'unexpected end of query');
    }
  }

  private parseIdentTerm(t: Extract<Tok, { k: 'ident' }>): Node {
    switch (t.v) {
      case 'true': return { t: 'literal', value: true };
      case 'false': return { t: 'literal', value: false };
      case 'null': return { t: 'literal', value: null };
      case 'if': {
        const cond = this.parsePipe(false);
        this.expectIdent('then');
        const then = this.parsePipe(false);
        const elifs: Array<[Node, Node]> = [];
        let otherwise: Node | null = null;
        for (;;) {
          if (this.isIdent('elif')) {
            this.next();
            const c = this.parsePipe(false);
            this.expectIdent('then');
            elifs.push([c, this.parsePipe(false)]);
            continue;
          }
          if (this.isIdent('else')) {
            this.next();
            otherwise = this.parsePipe(false);
          }
          this.expectIdent('end');
          break;
        }
        return { t: 'if', cond, then, elifs, else: otherwise };
      }
      case 'try': {
        const body = this.parsePostfixNoTry();
        let handler: Node | null = null;
        if (this.isIdent('catch')) {
          this.next();
          handler = this.parsePostfixNoTry();
        }
        return { t: 'try', body, catch: handler };
      }
      case 'reduce': {
        const source = this.parsePostfix();
        this.expectIdent('as');
        const name = this.parsePattern();
        this.expectOp('(');
        const init = this.parsePipe(false);
        this.expectOp(';');
        const update = this.parsePipe(false);
        this.expectOp(')');
        return { t: 'reduce', source, name, init, update };
      }
      case 'foreach': {
        const source = this.parsePostfix();
        this.expectIdent('as');
        const name = this.parsePattern();
        this.expectOp('(');
        const init = this.parsePipe(false);
        this.expectOp(';');
        const update = this.parsePipe(false);
        let extract: Node | null = null;
        if (this.isOp(';')) {
          this.next();
          extract = this.parsePipe(false);
        }
        this.expectOp(')');
        return { t: 'foreach', source, name, init, update, extract };
      }
      default: {
        if (KEYWORDS.has(t.v)) throw syntaxError(this.src, t.pos, `unexpected keyword '${t.v}'`);
        const args: Node[] = [];
        if (this.isOp('(')) {
          this.next();
          for (;;) {
            args.push(this.parsePipe(false));
            if (this.isOp(';')) { this.next(); continue; }
            this.expectOp(')');
            break;
          }
        }
        return { t: 'call', name: t.v, args };
      }
    }
  }

  private parsePostfixNoTry(): Node {
    return this.parsePostfix();
  }

  private parseObject(): Node {
    const entries: Array<{ key: Node | string; value: Node | null; keyVar?: string }> = [];
    if (this.isOp('}')) { this.next(); return { t: 'object', entries }; }
    for (;;) {
      const k = this.next();
      let key: Node | string;
      let keyVar: string | undefined;
      if (k.k === 'ident') key = k.v;
      else if (k.k === 'var') { key = k.v; keyVar = k.v; }
      else if (k.k === 'num') key = String(k.v);
      else if (k.k === 'str') key = this.stringNode(k);
      else if (k.k === 'format' && this.peek().k === 'str') key = this.stringNode(this.next() as Extract<Tok, { k: 'str' }>, k.v);
      else if (k.k === 'op' && k.v === '(') {
        key = this.parsePipe(false);
        this.expectOp(')');
      } else throw syntaxError(this.src, k.pos, 'expected an object key');
      let value: Node | null = null;
      if (this.isOp(':')) {
        this.next();
        value = this.parseObjectValue();
      } else if (typeof key !== 'string' && key.t !== 'literal' && key.t !== 'string') {
        throw syntaxError(this.src, k.pos, "a computed key needs ': value'");
      }
      entries.push({ key, value, keyVar });
      if (this.isOp(',')) { this.next(); continue; }
      this.expectOp('}');
      break;
    }
    return { t: 'object', entries };
  }

  /** Object values: a pipe of terms without a top-level comma (jq's ExpD). */
  private parseObjectValue(): Node {
    const left = this.parseAlt();
    if (this.isOp('|')) {
      this.next();
      return { t: 'pipe', left, right: this.parseObjectValue() };
    }
    return left;
  }
}

const cache = new Map<string, Node>();

/** Parses a jq program (cached: scripts tend to reuse the same query). */
export function parseJq(src: string): Node {
  const hit = cache.get(src);
  if (hit) return hit;
  const { toks } = tokenize(src, 0, false);
  const node = new Parser(src, toks).parseProgram();
  if (cache.size > 500) cache.clear();
  cache.set(src, node);
  return node;
}

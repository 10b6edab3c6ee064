import { TemplateError } from './runtime.js';

/** Expressions inside Tera `{{ }}` and `{% %}` tags. */
export type Expr =
  | { e: 'lit'; v: unknown }
  | { e: 'var'; name: string; path: Array<string | number | Expr> }
  | { e: 'arr'; items: Expr[] }
  | { e: 'bin'; op: string; l: Expr; r: Expr }
  | { e: 'not'; x: Expr }
  | { e: 'neg'; x: Expr }
  | { e: 'filter'; x: Expr; name: string; args: Args }
  | { e: 'test'; x: Expr; name: string; args: Expr[]; negate: boolean }
  | { e: 'call'; name: string; args: Args };

export interface Args {
  pos: Expr[];
  named: Record<string, Expr>;
}

interface Tok {
  k: 'str' | 'num' | 'id' | 'op' | 'end';
  v: string;
  n?: number;
}

const OPS = ['==', '!=', '<=', '>=', '//', '<', '>', '+', '-', '*', '/', '%', '~', '|', '(', ')', '[', ']', ',', '.', '=', ':'];

function tokenize(src: string, line: number): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i += 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && j + 1 < src.length) {
          const n = src[j + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n;
          j += 2;
        } else {
          s += src[j];
          j += 1;
        }
      }
      if (j >= src.length) throw new TemplateError(`unterminated string in '${src}'`, line, 'syntax');
      toks.push({ k: 'str', v: s });
      i = j + 1;
      continue;
    }
    const num = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      toks.push({ k: 'num', v: num[0], n: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i));
    if (id) {
      toks.push({ k: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new TemplateError(`unexpected character '${c}' in '${src}'`, line, 'syntax');
    toks.push({ k: 'op', v: op });
    i += op.length;
  }
  toks.push({ k: 'end', v: 'end of expression' });
  return toks;
}

export class ExprParser {
  private i = 0;
  private readonly toks: Tok[];
  private depth = 0;
  constructor(private readonly src: string, private readonly line: number) {
    this.toks = tokenize(src, line);
  }

  fail(msg: string): never {
    throw new TemplateError(`${msg} in '${this.src.trim()}'`, this.line, 'syntax');
  }

  peek(offset = 0): Tok {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)];
  }

  next(): Tok {
    return this.toks[this.i++] ?? this.toks[this.toks.length - 1];
  }

  isOp(v: string): boolean {
    const t = this.peek();
    return t.k === 'op' && t.v === v;
  }

  isWord(v: string): boolean {
    const t = this.peek();
    return t.k === 'id' && t.v === v;
  }

  expectOp(v: string): void {
    const t = this.next();
    if (t.k !== 'op' || t.v !== v) this.fail(`expected '${v}', found '${t.v}'`);
  }

  ident(): string {
    const t = this.next();
    if (t.k !== 'id') this.fail(`expected a name, found '${t.v}'`);
    return t.v;
  }

  atEnd(): boolean {
    return this.peek().k === 'end';
  }

  expectEnd(): void {
    if (!this.atEnd()) this.fail(`unexpected '${this.peek().v}'`);
  }

  expr(): Expr {
    this.depth += 1;
    if (this.depth > 100) this.fail('expression nested too deeply');
    const e = this.or();
    this.depth -= 1;
    return e;
  }

  private or(): Expr {
    let l = this.and();
    while (this.isWord('or')) {
      this.next();
      l = { e: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.not();
    while (this.isWord('and')) {
      this.next();
      l = { e: 'bin', op: 'and', l, r: this.not() };
    }
    return l;
  }

  private not(): Expr {
    if (this.isWord('not')) {
      this.next();
      return { e: 'not', x: this.not() };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    let l = this.concat();
    for (;;) {
      const t = this.peek();
      if (t.k === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        this.next();
        l = { e: 'bin', op: t.v, l, r: this.concat() };
      } else if (this.isWord('in')) {
        this.next();
        l = { e: 'bin', op: 'in', l, r: this.concat() };
      } else if (this.isWord('not') && this.peek(1).k === 'id' && this.peek(1).v === 'in') {
        this.next();
        this.next();
        l = { e: 'not', x: { e: 'bin', op: 'in', l, r: this.concat() } };
      } else if (this.isWord('is')) {
        this.next();
        let negate = false;
        if (this.isWord('not')) {
          this.next();
          negate = true;
        }
        const name = this.ident();
        const args: Expr[] = [];
        if (this.isOp('(')) {
          this.next();
          while (!this.isOp(')')) {
            args.push(this.expr());
            if (this.isOp(',')) this.next();
            else break;
          }
          this.expectOp(')');
        }
        l = { e: 'test', x: l, name, args, negate };
      } else return l;
    }
  }

  private concat(): Expr {
    let l = this.additive();
    while (this.isOp('~')) {
      this.next();
      l = { e: 'bin', op: '~', l, r: this.additive() };
    }
    return l;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().v;
      l = { e: 'bin', op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.unary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%') || this.isOp('//')) {
      const op = this.next().v;
      l = { e: 'bin', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      this.next();
      return { e: 'neg', x: this.unary() };
    }
    return this.filtered();
  }

  private filtered(): Expr {
    let x = this.postfix(this.primary());
    while (this.isOp('|')) {
      this.next();
      const name = this.ident();
      const args = this.isOp('(') ? this.args() : { pos: [], named: {} };
      x = { e: 'filter', x, name, args };
    }
    return x;
  }

  args(): Args {
    this.expectOp('(');
    const args: Args = { pos: [], named: {} };
    while (!this.isOp(')')) {
      if (this.peek().k === 'id' && this.peek(1).k === 'op' && this.peek(1).v === '=') {
        const name = this.ident();
        this.next();
        args.named[name] = this.expr();
      } else args.pos.push(this.expr());
      if (this.isOp(',')) this.next();
      else break;
    }
    this.expectOp(')');
    return args;
  }

  private postfix(base: Expr): Expr {
    if (base.e !== 'var') return base;
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.next();
        if (t.k === 'id') base.path.push(t.v);
        else if (t.k === 'num' && Number.isInteger(t.n)) base.path.push(t.n!);
        else this.fail(`expected a field name after '.', found '${t.v}'`);
      } else if (this.isOp('[')) {
        this.next();
        base.path.push(this.expr());
        this.expectOp(']');
      } else return base;
    }
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.k) {
      case 'str': return { e: 'lit', v: t.v };
      case 'num': return { e: 'lit', v: t.n };
      case 'id':
        if (t.v === 'true' || t.v === 'True') return { e: 'lit', v: true };
        if (t.v === 'false' || t.v === 'False') return { e: 'lit', v: false };
        if (t.v === 'none' || t.v === 'None' || t.v === 'null') return { e: 'lit', v: null };
        if (this.isOp('(')) return { e: 'call', name: t.v, args: this.args() };
        return { e: 'var', name: t.v, path: [] };
      case 'op':
        if (t.v === '(') {
          const inner = this.expr();
          this.expectOp(')');
          return inner;
        }
        if (t.v === '[') {
          const items: Expr[] = [];
          while (!this.isOp(']')) {
            items.push(this.expr());
            if (this.isOp(',')) this.next();
            else break;
          }
          this.expectOp(']');
          return { e: 'arr', items };
        }
        return this.fail(`unexpected '${t.v}'`);
      default:
        return this.fail('unexpected end of expression');
    }
  }
}

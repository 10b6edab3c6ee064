// Hand-written so the grammar, functions and limits are the reference's and no path leads to JavaScript; a math library (mathjs) is far larger than this one job.
/**
 * A small, safe expression language for the calculator: a tokenizer, a recursive-descent
 * parser producing an AST, and an evaluator. No `eval`/`Function`; every identifier must be
 * a known function, constant or supplied variable.
 */

export const MAX_EXPRESSION_LENGTH = 1000;
export const MAX_NESTING_DEPTH = 50;

export type Value = number | boolean;

/** A syntax or evaluation problem, with a 1-based column where it applies. */
export class ExpressionError extends Error {
  constructor(message: string, readonly position?: number) {
    super(position === undefined ? message : `${message} at position ${position}`);
    this.name = 'ExpressionError';
  }
}

type TokenKind = 'number' | 'ident' | 'op' | 'lparen' | 'rparen' | 'comma' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: number;
  pos: number; // 1-based column
}

export type Node =
  | { type: 'num'; value: number; pos: number }
  | { type: 'var'; name: string; pos: number }
  | { type: 'unary'; op: '-' | '+' | '!'; arg: Node; pos: number }
  | { type: 'binary'; op: string; left: Node; right: Node; pos: number }
  | { type: 'call'; name: string; args: Node[]; pos: number };

interface FunctionSpec {
  min: number;
  max: number;
  description: string;
  fn: (...args: number[]) => number;
}

const unary = (description: string, fn: (x: number) => number): FunctionSpec => ({ min: 1, max: 1, description, fn });

export const FUNCTIONS: Record<string, FunctionSpec> = {
  sqrt: unary('square root', Math.sqrt),
  cbrt: unary('cube root', Math.cbrt),
  abs: unary('absolute value', Math.abs),
  sin: unary('sine (radians)', Math.sin),
  cos: unary('cosine (radians)', Math.cos),
  tan: unary('tangent (radians)', Math.tan),
  asin: unary('arc sine (radians)', Math.asin),
  acos: unary('arc cosine (radians)', Math.acos),
  atan: unary('arc tangent (radians)', Math.atan),
  atan2: { min: 2, max: 2, description: 'atan2(y, x): angle of the point (x, y) in radians', fn: Math.atan2 },
  sinh: unary('hyperbolic sine', Math.sinh),
  cosh: unary('hyperbolic cosine', Math.cosh),
  tanh: unary('hyperbolic tangent', Math.tanh),
  ln: unary('natural logarithm', Math.log),
  // Base first, as in rs-llmspell (fasteval): its own examples write log(10, 100) = 2.
  log: {
    min: 1,
    max: 2,
    description: 'log(x): base-10 logarithm; log(base, x): logarithm of x to the given base',
    fn: (a, b) => (b === undefined ? Math.log10(a) : Math.log(b) / Math.log(a)),
  },
  log10: unary('base-10 logarithm', Math.log10),
  log2: unary('base-2 logarithm', Math.log2),
  exp: unary('e raised to x', Math.exp),
  floor: unary('round down', Math.floor),
  ceil: unary('round up', Math.ceil),
  round: {
    min: 1,
    max: 2,
    description: 'round(x): nearest integer (halves away from zero); round(x, digits): to that many decimals',
    fn: (x, digits) => {
      const f = 10 ** (digits === undefined ? 0 : Math.trunc(digits));
      return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
    },
  },
  trunc: unary('drop the fractional part', Math.trunc),
  int: unary('integer part (same as trunc)', Math.trunc),
  asinh: unary('inverse hyperbolic sine', Math.asinh),
  acosh: unary('inverse hyperbolic cosine', Math.acosh),
  atanh: unary('inverse hyperbolic tangent', Math.atanh),
  // rs-llmspell scripts write the constants as calls: sin(pi()/2), ln(e()).
  pi: { min: 0, max: 0, description: 'pi() = 3.14159… (same as the constant pi)', fn: () => Math.PI },
  e: { min: 0, max: 0, description: "e() = 2.71828… (same as the constant e)", fn: () => Math.E },
  sign: unary('-1, 0 or 1', Math.sign),
  min: { min: 1, max: Infinity, description: 'smallest argument', fn: Math.min },
  max: { min: 1, max: Infinity, description: 'largest argument', fn: Math.max },
  pow: { min: 2, max: 2, description: 'pow(x, y): x raised to y', fn: Math.pow },
  hypot: { min: 1, max: Infinity, description: 'square root of the sum of squares', fn: Math.hypot },
};

export const CONSTANTS: Record<string, number> = { pi: Math.PI, e: Math.E, tau: 2 * Math.PI };

export const OPERATORS = [
  { op: '+ - * /', description: 'arithmetic' },
  { op: '%', description: 'remainder (sign of the dividend)' },
  { op: '^', description: 'power, right-associative: 2^3^2 = 2^9; -2^2 = -4' },
  { op: '== != < <= > >=', description: 'comparison, gives a boolean' },
  { op: '&& || ! (and or not)', description: 'boolean logic, short-circuit' },
  { op: '( )', description: 'grouping' },
];

const WORD_OPS: Record<string, string> = { and: '&&', or: '||', not: '!' };
const TWO_CHAR_OPS = ['==', '!=', '<=', '>=', '&&', '||', '**'];
const ONE_CHAR_OPS = '+-*/%^<>!';

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const pos = i + 1;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i += 1;
      continue;
    }
    if ((c >= '0' && c <= '9') || (c === '.' && src[i + 1] >= '0' && src[i + 1] <= '9')) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      tokens.push({ kind: 'number', text: m[0], value: Number(m[0]), pos });
      i += m[0].length;
      if (/[A-Za-z_0-9.]/.test(src[i] ?? '')) throw new ExpressionError(`malformed number '${m[0]}${src[i]}'`, pos);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))!;
      const word = m[0];
      if (Object.hasOwn(WORD_OPS, word.toLowerCase())) tokens.push({ kind: 'op', text: WORD_OPS[word.toLowerCase()], pos });
      else tokens.push({ kind: 'ident', text: word, pos });
      i += word.length;
      continue;
    }
    if (c === '(') tokens.push({ kind: 'lparen', text: c, pos });
    else if (c === ')') tokens.push({ kind: 'rparen', text: c, pos });
    else if (c === ',') tokens.push({ kind: 'comma', text: c, pos });
    else {
      const two = src.slice(i, i + 2);
      if (TWO_CHAR_OPS.includes(two)) {
        tokens.push({ kind: 'op', text: two === '**' ? '^' : two, pos });
        i += 2;
        continue;
      }
      if (!ONE_CHAR_OPS.includes(c)) {
        if (c === '=') throw new ExpressionError("unexpected '=' (use '==' to compare)", pos);
        if (c === '&' || c === '|') throw new ExpressionError(`unexpected '${c}' (use '${c}${c}')`, pos);
        throw new ExpressionError(`unexpected character '${c}'`, pos);
      }
      tokens.push({ kind: 'op', text: c, pos });
    }
    i += 1;
  }
  tokens.push({ kind: 'end', text: 'end of expression', pos: src.length + 1 });
  return tokens;
}

// Binary precedence, lowest first. '^' and unary are handled separately.
const LEVELS: string[][] = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    if (this.peek().kind === 'end') throw new ExpressionError('empty expression', 1);
    const node = this.binary(0);
    const t = this.peek();
    if (t.kind !== 'end') throw new ExpressionError(`unexpected '${t.text}'`, t.pos);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.i];
  }

  private next(): Token {
    return this.tokens[this.i++];
  }

  private enter(pos: number): void {
    this.depth += 1;
    if (this.depth > MAX_NESTING_DEPTH) throw new ExpressionError(`nesting deeper than ${MAX_NESTING_DEPTH} levels`, pos);
  }

  private binary(level: number): Node {
    if (level === LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !LEVELS[level].includes(t.text)) return left;
      this.next();
      const right = this.binary(level + 1);
      left = { type: 'binary', op: t.text, left, right, pos: t.pos };
    }
  }

  private unary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '!')) {
      this.next();
      this.enter(t.pos);
      const arg = this.unary();
      this.depth -= 1;
      return { type: 'unary', op: t.text as '-' | '+' | '!', arg, pos: t.pos };
    }
    return this.power();
  }

  private power(): Node {
    const base = this.primary();
    const t = this.peek();
    if (t.kind === 'op' && t.text === '^') {
      this.next();
      this.enter(t.pos);
      // Right operand goes through unary so that 2^-1 works and 2^3^2 = 2^(3^2).
      const exponent = this.unary();
      this.depth -= 1;
      return { type: 'binary', op: '^', left: base, right: exponent, pos: t.pos };
    }
    return base;
  }

  private primary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        return { type: 'num', value: t.value!, pos: t.pos };
      case 'ident': {
        if (this.peek().kind === 'lparen') {
          const open = this.next();
          this.enter(open.pos);
          const args: Node[] = [];
          if (this.peek().kind !== 'rparen') {
            for (;;) {
              args.push(this.binary(0));
              if (this.peek().kind === 'comma') {
                this.next();
                continue;
              }
              break;
            }
          }
          const close = this.next();
          if (close.kind !== 'rparen') throw new ExpressionError(`expected ')' to close '${t.text}(' opened at position ${open.pos}, found '${close.text}'`, close.pos);
          this.depth -= 1;
          return { type: 'call', name: t.text, args, pos: t.pos };
        }
        return { type: 'var', name: t.text, pos: t.pos };
      }
      case 'lparen': {
        this.enter(t.pos);
        const inner = this.binary(0);
        const close = this.next();
        if (close.kind !== 'rparen') throw new ExpressionError(`expected ')' to close '(' opened at position ${t.pos}, found '${close.text}'`, close.pos);
        this.depth -= 1;
        return inner;
      }
      case 'end':
        throw new ExpressionError('unexpected end of expression', t.pos);
      default:
        throw new ExpressionError(`unexpected '${t.text}'`, t.pos);
    }
  }
}

/** Parses an expression after the length guard; throws ExpressionError. */
export function parseExpression(src: string): Node {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(`expression is ${src.length} characters, over the limit of ${MAX_EXPRESSION_LENGTH}`);
  }
  return new Parser(tokenize(src)).parse();
}

/** Checks every identifier is a known function (with a valid argument count), constant or variable. */
export function checkNames(node: Node, variables: Record<string, Value>): void {
  switch (node.type) {
    case 'num':
      return;
    case 'var':
      if (!Object.hasOwn(variables, node.name) && !Object.hasOwn(CONSTANTS, node.name)) {
        if (Object.hasOwn(FUNCTIONS, node.name)) throw new ExpressionError(`function '${node.name}' used without arguments`, node.pos);
        throw new ExpressionError(`unknown variable '${node.name}'`, node.pos);
      }
      return;
    case 'unary':
      return checkNames(node.arg, variables);
    case 'binary':
      checkNames(node.left, variables);
      return checkNames(node.right, variables);
    case 'call': {
      const spec = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
      if (!spec) throw new ExpressionError(`unknown function '${node.name}'`, node.pos);
      if (node.args.length < spec.min || node.args.length > spec.max) {
        const want = spec.min === spec.max ? `${spec.min}` : spec.max === Infinity ? `at least ${spec.min}` : `${spec.min} to ${spec.max}`;
        throw new ExpressionError(`function '${node.name}' takes ${want} argument(s), got ${node.args.length}`, node.pos);
      }
      node.args.forEach((a) => checkNames(a, variables));
    }
  }
}

function num(v: Value, what: string, pos: number): number {
  if (typeof v !== 'number') throw new ExpressionError(`${what} needs a number, got a boolean`, pos);
  return v;
}

function bool(v: Value, what: string, pos: number): boolean {
  if (typeof v !== 'boolean') throw new ExpressionError(`${what} needs a boolean, got a number`, pos);
  return v;
}

export function evaluate(node: Node, variables: Record<string, Value>): Value {
  switch (node.type) {
    case 'num':
      return node.value;
    case 'var':
      if (Object.hasOwn(variables, node.name)) return variables[node.name];
      if (Object.hasOwn(CONSTANTS, node.name)) return CONSTANTS[node.name];
      throw new ExpressionError(`unknown variable '${node.name}'`, node.pos);
    case 'unary': {
      const v = evaluate(node.arg, variables);
      if (node.op === '!') return !bool(v, "operator '!'", node.pos);
      const n = num(v, `unary '${node.op}'`, node.pos);
      return node.op === '-' ? -n : n;
    }
    case 'binary': {
      const { op, pos } = node;
      if (op === '&&' || op === '||') {
        const l = bool(evaluate(node.left, variables), `operator '${op}'`, pos);
        if (op === '&&' ? !l : l) return l;
        return bool(evaluate(node.right, variables), `operator '${op}'`, pos);
      }
      const lv = evaluate(node.left, variables);
      const rv = evaluate(node.right, variables);
      if (op === '==') return lv === rv;
      if (op === '!=') return lv !== rv;
      const l = num(lv, `operator '${op}'`, pos);
      const r = num(rv, `operator '${op}'`, pos);
      switch (op) {
        case '+': return l + r;
        case '-': return l - r;
        case '*': return l * r;
        case '/':
          if (r === 0) throw new ExpressionError('division by zero', pos);
          return l / r;
        case '%':
          if (r === 0) throw new ExpressionError('modulo by zero', pos);
          return l % r;
        case '^': return l ** r;
        case '<': return l < r;
        case '<=': return l <= r;
        case '>': return l > r;
        case '>=': return l >= r;
        default: throw new ExpressionError(`unknown operator '${op}'`, pos);
      }
    }
    case 'call': {
      const spec = Object.hasOwn(FUNCTIONS, node.name) ? FUNCTIONS[node.name] : undefined;
      if (!spec) throw new ExpressionError(`unknown function '${node.name}'`, node.pos);
      const args = node.args.map((a) => num(evaluate(a, variables), `function '${node.name}'`, a.pos));
      const out = spec.fn(...args);
      if (Number.isNaN(out)) throw new ExpressionError(`${node.name}(${args.join(', ')}) is undefined (not a number)`, node.pos);
      return out;
    }
  }
}

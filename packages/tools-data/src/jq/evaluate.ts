import { compileScriptRegex, LlmspellError, type ScriptRegex, type ScriptRegexMatch } from '@llmspell/core';
import { parseJq, type Node, type Pattern } from './parse.js';
import { appendOnlyUpdate } from './reduce-append.js';
import { arrayBytes, Budget, objectBytes, stringBytes, type JqLimits } from './budget.js';
import { jsonPreview, jsonSizeWithin } from './json-size.js';

export type { JqLimits } from './budget.js';

type Json = unknown;
type Path = Array<string | number | { start: number | null; end: number | null }>;

interface Closure { node: Node; env: Env }
interface FnDef { params: string[]; body: Node; env: Env; name: string }

class Env {
  constructor(
    readonly parent: Env | null,
    readonly vars: Map<string, Json> = new Map(),
    readonly fns: Map<string, FnDef | Closure> = new Map(),
  ) {}
  getVar(name: string): Json {
    for (let e: Env | null = this; e; e = e.parent) if (e.vars.has(name)) return e.vars.get(name);
    throw new JqError(`$${name} is not defined`);
  }
  getFn(key: string): FnDef | Closure | undefined {
    for (let e: Env | null = this; e; e = e.parent) if (e.fns.has(key)) return e.fns.get(key);
    return undefined;
  }
  withVar(name: string, value: Json): Env { return new Env(this, new Map([[name, value]])); }
}

/** A jq runtime error; `value` is what `error(v)` raised, for `try ... catch`. */
export class JqError extends Error {
  constructor(message: string, readonly value: Json = message) { super(message); }
}

/**
 * The budget of the evaluation running now. Evaluation is synchronous, so module helpers
 * (comparison, merging, flattening) reach it here to watch the deadline in their loops.
 */
let active: Budget | undefined;
const touch = (n = 1): void => active?.touch(n);
const allocate = (bytes: number, what: string): void => active?.allocate(bytes, what);

const typeName = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : 'null';

const truthy = (v: Json): boolean => v !== false && v !== null && v !== undefined;

const typeOrder: Record<string, number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5 };

function describe(v: Json): string {
  // A preview, not JSON.stringify: a value built by sharing (`[., .]` repeated) is huge as text.
  const s = jsonPreview(v, 30);
  return `${typeName(v)} (${s.length > 30 ? s.slice(0, 27) + '...' : s})`;
}

export function compare(a: Json, b: Json): number {
  if (a === b && typeof a === 'object') return 0;
  const ta = typeName(a);
  const tb = typeName(b);
  if (ta !== tb) return typeOrder[ta] - typeOrder[tb];
  switch (ta) {
    case 'null': return 0;
    case 'boolean': return (a === b ? 0 : a ? 1 : -1);
    case 'number': return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 'string': return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 'array': {
      const x = a as Json[];
      const y = b as Json[];
      touch(Math.min(x.length, y.length) + 1);
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compare(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default: {
      const x = a as Record<string, Json>;
      const y = b as Record<string, Json>;
      touch(Object.keys(x).length + 1);
      const kc = compare(Object.keys(x).sort(), Object.keys(y).sort());
      if (kc !== 0) return kc;
      for (const k of Object.keys(x).sort()) {
        const c = compare(x[k], y[k]);
        if (c !== 0) return c;
      }
      return 0;
    }
  }
}

const equal = (a: Json, b: Json): boolean => compare(a, b) === 0;

function add(a: Json, b: Json): Json {
  if (a === null) return b;
  if (b === null) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string' && typeof b === 'string') {
    allocate(stringBytes(a) + stringBytes(b), 'a string');
    return a + b;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    allocate(arrayBytes(a.length + b.length), 'an array');
    touch(a.length + b.length);
    return a.concat(b);
  }
  if (typeName(a) === 'object' && typeName(b) === 'object') {
    const keys = Object.keys(a as object).length + Object.keys(b as object).length;
    allocate(objectBytes(keys), 'an object');
    touch(keys);
    return { ...(a as object), ...(b as object) };
  }
  throw new JqError(`${describe(a)} and ${describe(b)} cannot be added`);
}

function deepMerge(a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  const keys = Object.keys(a).length + Object.keys(b).length;
  allocate(objectBytes(keys), 'an object');
  touch(keys);
  const out: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = typeName(out[k]) === 'object' && typeName(v) === 'object' ? deepMerge(out[k] as Record<string, Json>, v as Record<string, Json>) : v;
  }
  return out;
}

function repeatString(s: string, times: number): Json {
  if (times <= 0) return null;
  const n = Math.max(Math.ceil(times), 1);
  allocate(stringBytes(s) * n, 'a string');
  return s.repeat(n);
}

function binop(op: string, a: Json, b: Json): Json {
  switch (op) {
    case '+': return add(a, b);
    case '-':
      if (typeof a === 'number' && typeof b === 'number') return a - b;
      if (Array.isArray(a) && Array.isArray(b)) {
        touch(a.length * b.length);
        return a.filter((x) => !b.some((y) => equal(x, y)));
      }
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be subtracted`);
    case '*':
      if (typeof a === 'number' && typeof b === 'number') return a * b;
      if (typeof a === 'string' && typeof b === 'number') return repeatString(a, b);
      if (typeof b === 'string' && typeof a === 'number') return repeatString(b, a);
      if (typeName(a) === 'object' && typeName(b) === 'object') return deepMerge(a as Record<string, Json>, b as Record<string, Json>);
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be multiplied`);
    case '/':
      if (typeof a === 'number' && typeof b === 'number') {
        if (b === 0) throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
        return a / b;
      }
      if (typeof a === 'string' && typeof b === 'string') return a === '' ? [] : a.split(b);
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
    case '%':
      if (typeof a === 'number' && typeof b === 'number') {
        const bi = Math.trunc(b);
        if (bi === 0) throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided because the divisor is zero`);
        const r = Math.trunc(a) % bi;
        return r === 0 ? 0 : r;
      }
      throw new JqError(`${describe(a)} and ${describe(b)} cannot be divided`);
    case '==': return equal(a, b);
    case '!=': return !equal(a, b);
    case '<': return compare(a, b) < 0;
    case '<=': return compare(a, b) <= 0;
    case '>': return compare(a, b) > 0;
    case '>=': return compare(a, b) >= 0;
    default: throw new JqError(`unknown operator ${op}`);
  }
}

function indexValue(v: Json, k: Json, opt: boolean): Json[] {
  if (v === null) {
    if (typeof k === 'string' || typeof k === 'number' || k === null) return [null];
    if (typeName(k) === 'object') return [null];
  }
  if (typeof k === 'string' && typeName(v) === 'object') {
    const o = v as Record<string, Json>;
    return [Object.prototype.hasOwnProperty.call(o, k) ? o[k] : null];
  }
  if (typeof k === 'number' && Array.isArray(v)) {
    if (Number.isNaN(k)) return [null];
    const i = Math.floor(k < 0 ? v.length + k : k);
    return [i >= 0 && i < v.length ? v[i] : null];
  }
  if (typeName(k) === 'object' && (Array.isArray(v) || typeof v === 'string')) {
    const s = k as { start?: Json; end?: Json };
    return [sliceValue(v, s.start ?? null, s.end ?? null)];
  }
  if (Array.isArray(k) && Array.isArray(v)) return [indices(v, k)];
  if (opt) return [];
  throw new JqError(`Cannot index ${typeName(v)} with ${typeof k === 'string' ? `"${k}"` : typeName(k)}`);
}

function sliceBounds(len: number, from: Json, to: Json): [number, number] {
  const norm = (x: Json, dflt: number) => {
    if (x === null) return dflt;
    if (typeof x !== 'number') throw new JqError('Start and end indices of an array slice must be numbers');
    let n = x < 0 ? len + x : x;
    n = Math.max(0, Math.min(len, n));
    return n;
  };
  const s = Math.floor(norm(from, 0));
  const e = Math.max(s, Math.ceil(norm(to, len)));
  return [s, e];
}

function sliceValue(v: Json, from: Json, to: Json): Json {
  if (v === null) return null;
  if (typeof v === 'string') {
    const chars = [...v];
    const [s, e] = sliceBounds(chars.length, from, to);
    return chars.slice(s, e).join('');
  }
  if (Array.isArray(v)) {
    const [s, e] = sliceBounds(v.length, from, to);
    return v.slice(s, e);
  }
  throw new JqError(`Cannot index ${typeName(v)} with object`);
}

function indices(v: Json, x: Json): Json {
  if (v === null) return null;
  if (typeof v === 'string' && typeof x === 'string') {
    if (x === '') return null;
    const out: number[] = [];
    for (let i = v.indexOf(x); i >= 0; i = v.indexOf(x, i + 1)) {
      touch();
      out.push(i);
    }
    return out;
  }
  if (Array.isArray(v)) {
    const needle = Array.isArray(x) ? x : [x];
    if (needle.length === 0) return null;
    const out: number[] = [];
    touch(v.length * needle.length);
    for (let i = 0; i + needle.length <= v.length; i++) if (needle.every((n, j) => equal(v[i + j], n))) out.push(i);
    return out;
  }
  throw new JqError(`Cannot determine indices of ${typeName(x)} in ${typeName(v)}`);
}

function iterate(v: Json, opt: boolean): Json[] {
  if (Array.isArray(v)) return v;
  if (typeName(v) === 'object') return Object.values(v as object);
  if (opt) return [];
  throw new JqError(`Cannot iterate over ${describe(v)}`);
}

function contains(a: Json, b: Json): boolean {
  touch();
  if (typeName(a) !== typeName(b)) throw new JqError(`${describe(a)} and ${describe(b)} cannot have their containment checked`);
  if (typeof a === 'string') return a.includes(b as string);
  if (Array.isArray(a)) return (b as Json[]).every((y) => a.some((x) => typeName(x) === typeName(y) && contains(x, y)));
  if (typeName(a) === 'object') {
    return Object.entries(b as Record<string, Json>).every(([k, y]) => {
      const o = a as Record<string, Json>;
      return Object.prototype.hasOwnProperty.call(o, k) && typeName(o[k]) === typeName(y) && contains(o[k], y);
    });
  }
  return equal(a, b);
}

function length(v: Json): Json {
  if (v === null) return 0;
  if (typeof v === 'boolean') throw new JqError(`boolean (${v}) has no length`);
  if (typeof v === 'number') return Math.abs(v);
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  return Object.keys(v as object).length;
}

function keysOf(v: Json, sorted: boolean): Json {
  if (Array.isArray(v)) return v.map((_, i) => i);
  if (typeName(v) === 'object') {
    const k = Object.keys(v as object);
    return sorted ? k.sort() : k;
  }
  throw new JqError(`${describe(v)} has no keys`);
}

function tostring(v: Json): string {
  return typeof v === 'string' ? v : toJson(v);
}

/** JSON text of a value, refused past the value limit before any of it is written. */
function toJson(v: Json): string {
  const limit = active?.maxValueBytes ?? Infinity;
  const size = jsonSizeWithin(v, limit);
  if (size === Infinity) allocate(limit + 1, 'JSON text');
  return JSON.stringify(v);
}

function getPath(v: Json, path: Path): Json {
  let cur = v;
  for (const p of path) {
    if (cur === null) return null;
    cur = typeof p === 'object' ? sliceValue(cur, p.start, p.end) : indexValue(cur, p, false)[0];
  }
  return cur;
}

function setPath(v: Json, path: Path, value: Json, i = 0): Json {
  if (i === path.length) return value;
  const p = path[i];
  if (typeof p === 'string') {
    if (v !== null && typeName(v) !== 'object') throw new JqError(`Cannot index ${typeName(v)} with "${p}"`);
    const o = { ...((v ?? {}) as Record<string, Json>) };
    o[p] = setPath(o[p] ?? null, path, value, i + 1);
    return o;
  }
  if (typeof p === 'number') {
    if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeName(v)} with number`);
    const a = [...((v ?? []) as Json[])];
    const idx = p < 0 ? a.length + p : p;
    if (idx < 0) throw new JqError('Out of bounds negative array index');
    if (idx >= a.length) {
      allocate(arrayBytes(idx + 1), 'an array');
      touch(idx + 1 - a.length);
    }
    while (a.length <= idx) a.push(null);
    a[idx] = setPath(a[idx], path, value, i + 1);
    return a;
  }
  const a = (v ?? []) as Json[];
  if (!Array.isArray(a)) throw new JqError(`Cannot update field at object index of ${typeName(v)}`);
  const [s, e] = sliceBounds(a.length, p.start, p.end);
  const repl = setPath(a.slice(s, e), path, value, i + 1);
  if (!Array.isArray(repl)) throw new JqError('A slice of an array can only be assigned another array');
  return [...a.slice(0, s), ...repl, ...a.slice(e)];
}

function deletePaths(v: Json, paths: Path[]): Json {
  const sorted = [...paths].sort((x, y) => compare(y, x));
  let out = v;
  for (const p of sorted) out = deletePath(out, p);
  return out;
}

function deletePath(v: Json, path: Path): Json {
  if (path.length === 0) return null;
  if (v === null) return null;
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (typeof head === 'string') {
      if (typeName(v) !== 'object') throw new JqError(`Cannot delete field at object index of ${typeName(v)}`);
      const o = { ...(v as Record<string, Json>) };
      delete o[head];
      return o;
    }
    if (!Array.isArray(v)) throw new JqError(`Cannot delete field at index of ${typeName(v)}`);
    if (typeof head === 'number') {
      const idx = head < 0 ? v.length + head : head;
      return v.filter((_, i) => i !== idx);
    }
    const [s, e] = sliceBounds(v.length, head.start, head.end);
    return [...v.slice(0, s), ...v.slice(e)];
  }
  const child = getPath(v, [head]);
  return setPath(v, [head], deletePath(child, rest));
}

function toEntries(v: Json): Json {
  if (typeName(v) !== 'object') throw new JqError(`${describe(v)} has no keys`);
  return Object.entries(v as object).map(([key, value]) => ({ key, value }));
}

function fromEntries(v: Json): Json {
  if (!Array.isArray(v)) throw new JqError(`Cannot iterate over ${describe(v)}`);
  const out: Record<string, Json> = {};
  for (const e of v) {
    if (typeName(e) !== 'object') throw new JqError(`Cannot index ${typeName(e)} with "key"`);
    const o = e as Record<string, Json>;
    const pick = (...names: string[]) => { for (const n of names) if (o[n] !== undefined && o[n] !== null && o[n] !== false) return o[n]; return undefined; };
    const k = pick('key', 'k', 'name', 'Name', 'Key', 'K');
    const key = k === undefined ? (o.key === false || o.k === false ? 'false' : null) : k;
    if (key === null) throw new JqError('Cannot use null (null) as object key');
    const value = 'value' in o ? o.value : 'v' in o ? o.v : 'Value' in o ? o.Value : null;
    out[typeof key === 'string' ? key : tostring(key)] = value;
  }
  return out;
}

function flatten(v: Json, depth: number): Json[] {
  if (!Array.isArray(v)) throw new JqError(`Cannot iterate over ${describe(v)}`);
  if (depth < 0) throw new JqError('flatten depth must not be negative');
  const out: Json[] = [];
  const into = (xs: Json[], d: number): void => {
    touch(xs.length);
    for (const x of xs) {
      if (Array.isArray(x) && d > 0) into(x, d - 1);
      else {
        out.push(x);
        if ((out.length & 0xffff) === 0) allocate(arrayBytes(out.length), 'an array');
      }
    }
  };
  into(v, depth);
  return out;
}

function toNumber(v: Json): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new JqError(`${describe(v)} cannot be parsed as a number`);
}

function format(name: string, v: Json): string {
  switch (name) {
    case 'text': return tostring(v);
    case 'json': return toJson(v);
    case 'html': return tostring(v).replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&quot;' }[c]!));
    case 'uri': return encodeURIComponent(tostring(v)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
    case 'base64': return Buffer.from(tostring(v), 'utf8').toString('base64');
    case 'base64d': return Buffer.from(tostring(v), 'base64').toString('utf8');
    case 'sh': {
      const q = (x: Json) => {
        if (typeof x === 'string') return `'${x.replace(/'/g, "'\\''")}'`;
        if (typeof x === 'object' && x !== null) throw new JqError(`${describe(x)} can not be escaped for shell`);
        return String(JSON.stringify(x));
      };
      return Array.isArray(v) ? v.map(q).join(' ') : q(v);
    }
    case 'csv':
    case 'tsv': {
      if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be ${name}-formatted, only an array can be`);
      return v.map((x) => {
        if (typeof x === 'number' || typeof x === 'boolean') return String(x);
        if (x === null) return '';
        if (typeof x !== 'string') throw new JqError(`${describe(x)} is not valid in a csv row`);
        return name === 'csv' ? `"${x.replace(/"/g, '""')}"` : x.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
      }).join(name === 'csv' ? ',' : '\t');
    }
    default: throw new JqError(`${name} is not a valid format`);
  }
}

function regex(re: Json, flags: Json): { rx: ScriptRegex; global: boolean; skipEmpty: boolean } {
  if (typeof re !== 'string') throw new JqError(`${describe(re)} cannot be matched, as it is not a string`);
  const f = flags === null || flags === undefined ? '' : String(flags);
  let js = '';
  let global = false;
  let skipEmpty = false;
  for (const c of f) {
    if (c === 'g') global = true;
    else if (c === 'i') js += 'i';
    else if (c === 'x') { /* extended: strip whitespace below */ }
    else if (c === 's') js += 's';
    else if (c === 'n') skipEmpty = true;
    else if (c === 'l' || c === 'p') { /* longest / multi-line: approximated */ if (c === 'p') js += 's'; }
    else throw new JqError(`${f} is not a valid modifier string`);
  }
  const source = f.includes('x') ? re.replace(/\\#/g, '\u0000').replace(/\s+|#.*$/gm, '').replace(/\u0000/g, '\\#') : re;
  // Query regexes run on the linear-time engine: no pattern can stall the host. What it cannot
  // do (backreferences, lookahead) is a jq error, which `try` catches like any bad regex.
  try {
    return { rx: compileScriptRegex(source, { parameter: 'query', flags: js }), global, skipEmpty };
  } catch (error) {
    throw new JqError(`${re} (at offset 0) is not a valid regex: ${(error as LlmspellError).detail.replace(/^parameter 'query': /, '')}`);
  }
}

function matches(input: Json, re: Json, flags: Json, forceGlobal = false): Array<Record<string, Json>> {
  if (typeof input !== 'string') throw new JqError(`${describe(input)} cannot be matched, as it is not a string`);
  const { rx, global, skipEmpty } = regex(re, flags);
  const names = rx.groupNames;
  const out: Array<Record<string, Json>> = [];
  for (const m of rx.matchAll(input) as Iterable<ScriptRegexMatch>) {
    touch();
    if (skipEmpty && m[0] === '') continue;
    const captures: Json[] = [];
    for (let gi = 1; gi < m.length; gi++) {
      const text = m[gi];
      captures.push({ offset: text === undefined ? -1 : input.indexOf(text, m.index), length: text === undefined ? 0 : [...text].length, string: text ?? null, name: names[gi] ?? null });
    }
    out.push({ offset: m.index, length: [...m[0]].length, string: m[0], captures });
    if (!global && !forceGlobal) break;
  }
  return out;
}

function captureObject(m: Record<string, Json>): Json {
  const out: Record<string, Json> = {};
  for (const c of m.captures as Array<Record<string, Json>>) if (typeof c.name === 'string') out[c.name] = c.string;
  return out;
}

function implode(codes: Json[]): string {
  allocate(codes.length * 2, 'a string');
  touch(codes.length);
  // In slices: spreading a long array into one call overflows the stack.
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCodePoint(...(codes.slice(i, i + 8192) as number[]));
  return out;
}

/** `add` over a list: arrays and strings are joined in one go (jq adds them in place; copying each step would be quadratic). */
function addAll(items: Json[]): Json {
  const nonNull = items.filter((x) => x !== null);
  if (nonNull.length > 1 && nonNull.every(Array.isArray)) {
    let total = 0;
    for (const a of nonNull as Json[][]) total += a.length;
    allocate(arrayBytes(total), 'an array');
    touch(total);
    const out: Json[] = [];
    for (const a of nonNull as Json[][]) for (const x of a) out.push(x);
    return out;
  }
  if (nonNull.length > 1 && nonNull.every((x) => typeof x === 'string')) {
    let total = 0;
    for (const x of nonNull as string[]) total += x.length;
    allocate(total, 'a string');
    return (nonNull as string[]).join('');
  }
  return items.reduce((acc: Json, x) => add(acc, x), null);
}

/** Carries an error raised downstream of a `try` body's output past that `try`. */
class Passthrough {
  constructor(readonly inner: unknown, readonly token: object) {}
}

function safeIndex(v: Json, k: Json, opt: boolean): Json[] {
  if (!opt) return indexValue(v, k, false);
  try { return indexValue(v, k, true); } catch (e) { if (e instanceof JqError) return []; throw e; }
}

export class Interpreter {
  constructor(private readonly budget: Budget) {}

  run(node: Node, input: Json, env: Env): Json[] {
    const out: Json[] = [];
    this.ev(node, input, env, (v) => {
      out.push(v);
      if ((out.length & 0x3fff) === 0) this.budget.allocate(arrayBytes(out.length), 'an array');
    });
    return out;
  }

  /** Calls `emit` for each output; generators stream so `first(range(1e9))`-style use stays cheap-ish. */
  ev(node: Node, input: Json, env: Env, emit: (v: Json) => void): void {
    this.budget.tick();
    switch (node.t) {
      case 'identity': emit(input); return;
      case 'recurse': this.recurseAll(input, emit); return;
      case 'literal': emit(node.value); return;
      case 'field':
        this.ev(node.target, input, env, (v) => {
          for (const x of safeIndex(v, node.name, node.opt)) emit(x);
        });
        return;
      case 'index':
        this.ev(node.target, input, env, (v) => {
          this.ev(node.index, input, env, (k) => {
            for (const x of safeIndex(v, k, node.opt)) emit(x);
          });
        });
        return;
      case 'slice':
        this.ev(node.target, input, env, (v) => {
          const tos = node.to ? this.run(node.to, input, env) : [null];
          const froms = node.from ? this.run(node.from, input, env) : [null];
          for (const t of tos) for (const f of froms) {
            let r: Json[];
            try { r = [sliceValue(v, f, t)]; } catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; r = []; }
            for (const x of r) emit(x);
          }
        });
        return;
      case 'iterate':
        this.ev(node.target, input, env, (v) => { for (const x of iterate(v, node.opt)) emit(x); });
        return;
      case 'string': {
        const render = (i: number, acc: string): void => {
          if (i === node.parts.length) { emit(acc); return; }
          const p = node.parts[i];
          if (typeof p === 'string') { render(i + 1, acc + p); return; }
          this.ev(p, input, env, (v) => {
            const piece = node.format ? format(node.format, v) : tostring(v);
            this.budget.allocate(stringBytes(acc) + stringBytes(piece), 'a string');
            render(i + 1, acc + piece);
          });
        };
        render(0, '');
        return;
      }
      case 'format': emit(format(node.name, input)); return;
      case 'array': emit(node.body ? this.run(node.body, input, env) : []); return;
      case 'object': {
        const build = (i: number, acc: Record<string, Json>): void => {
          if (i === node.entries.length) { emit({ ...acc }); return; }
          const e = node.entries[i];
          const withKey = (key: Json) => {
            if (typeof key !== 'string') throw new JqError(`Object keys must be strings, got ${describe(key)}`);
            const valueNode: Node | null = e.value;
            if (valueNode === null) {
              const val = e.keyVar !== undefined ? env.getVar(e.keyVar) : indexValue(input, key, false)[0];
              build(i + 1, { ...acc, [key]: val });
            } else this.ev(valueNode, input, env, (val) => build(i + 1, { ...acc, [key]: val }));
          };
          if (typeof e.key === 'string') withKey(e.key);
          else this.ev(e.key, input, env, withKey);
        };
        build(0, {});
        return;
      }
      case 'pipe': this.ev(node.left, input, env, (v) => this.ev(node.right, v, env, emit)); return;
      case 'comma': this.ev(node.left, input, env, emit); this.ev(node.right, input, env, emit); return;
      case 'binop':
        this.ev(node.right, input, env, (b) => this.ev(node.left, input, env, (a) => emit(binop(node.op, a, b))));
        return;
      case 'and':
        this.ev(node.left, input, env, (a) => {
          if (!truthy(a)) { emit(false); return; }
          this.ev(node.right, input, env, (b) => emit(truthy(b)));
        });
        return;
      case 'or':
        this.ev(node.left, input, env, (a) => {
          if (truthy(a)) { emit(true); return; }
          this.ev(node.right, input, env, (b) => emit(truthy(b)));
        });
        return;
      case 'alt': {
        const good: Json[] = [];
        try {
          this.ev(node.left, input, env, (v) => { if (truthy(v)) good.push(v); });
        } catch (e) {
          if (!(e instanceof JqError)) throw e;
        }
        if (good.length) for (const v of good) emit(v);
        else this.ev(node.right, input, env, emit);
        return;
      }
      case 'neg':
        this.ev(node.body, input, env, (v) => {
          if (typeof v !== 'number') throw new JqError(`${describe(v)} cannot be negated`);
          emit(-v);
        });
        return;
      case 'var':
        if (node.name === '__loc__') { emit({ file: '<query>', line: 1 }); return; }
        emit(env.getVar(node.name));
        return;
      case 'as':
        this.ev(node.source, input, env, (v) => this.ev(node.body, input, this.bind(node.names, v, input, env), emit));
        return;
      case 'if': {
        const branches: Array<[Node, Node]> = [[node.cond, node.then], ...node.elifs];
        const go = (i: number): void => {
          if (i === branches.length) {
            if (node.else) this.ev(node.else, input, env, emit); else emit(input);
            return;
          }
          this.ev(branches[i][0], input, env, (c) => {
            if (truthy(c)) this.ev(branches[i][1], input, env, emit);
            else go(i + 1);
          });
        };
        go(0);
        return;
      }
      case 'try': {
        // Outputs before an error are kept; the error itself is swallowed or handled.
        // Errors raised downstream of an output are not this try's to catch.
        const token = {};
        try {
          this.ev(node.body, input, env, (v) => {
            try { emit(v); } catch (e) { throw new Passthrough(e, token); }
          });
        } catch (e) {
          if (e instanceof Passthrough && e.token === token) throw e.inner;
          if (!(e instanceof JqError)) throw e;
          if (node.catch) this.ev(node.catch, e.value, env, emit);
        }
        return;
      }
      case 'reduce': {
        let accs = this.run(node.init, input, env);
        const append = appendOnlyUpdate(node.update);
        let owned: Json[] | undefined;
        this.ev(node.source, input, env, (item) => {
          const next: Json[] = [];
          const e2 = this.bind(node.name, item, input, env);
          if (append && accs.length === 1 && Array.isArray(accs[0])) {
            // `. + [E]`: push E's outputs into an array this reduce owns (copied once), not a copy per step.
            const items = this.run(append, null, e2)[0] as Json[];
            allocate(arrayBytes(accs[0].length + items.length), 'an array');
            touch(items.length);
            let target = accs[0];
            if (owned !== target) accs = [(target = owned = target.slice())];
            for (const v of items) target.push(v);
            return;
          }
          for (const acc of accs) this.ev(node.update, acc, e2, (v) => next.push(v));
          accs = next.length ? [next[next.length - 1]] : [];
        });
        for (const a of accs) emit(a);
        return;
      }
      case 'foreach': {
        for (const init of this.run(node.init, input, env)) {
          let acc: Json = init;
          this.ev(node.source, input, env, (item) => {
            const e2 = this.bind(node.name, item, input, env);
            this.ev(node.update, acc, e2, (v) => {
              acc = v;
              if (node.extract) this.ev(node.extract, v, e2, emit); else emit(v);
            });
          });
        }
        return;
      }
      case 'assign': this.assign(node, input, env, emit); return;
      case 'def': {
        const fns = new Map<string, FnDef>();
        const e2 = new Env(env, new Map(), fns);
        fns.set(`${node.name}/${node.params.length}`, { params: node.params, body: node.body, env: e2, name: node.name });
        this.ev(node.rest, input, e2, emit);
        return;
      }
      case 'call': this.call(node.name, node.args, input, env, emit); return;
    }
  }

  private recurseAll(v: Json, emit: (v: Json) => void): void {
    this.budget.tick();
    emit(v);
    if (Array.isArray(v)) for (const x of v) this.recurseAll(x, emit);
    else if (typeName(v) === 'object') for (const x of Object.values(v as object)) this.recurseAll(x, emit);
  }

  private bind(pattern: Pattern, value: Json, input: Json, env: Env): Env {
    const vars = new Map<string, Json>();
    const walk = (p: Pattern, v: Json) => {
      if (p.p === 'var') { vars.set(p.name, v); return; }
      if (p.p === 'array') {
        if (v !== null && !Array.isArray(v)) throw new JqError(`Cannot index ${typeName(v)} with number`);
        p.items.forEach((item, i) => walk(item, v === null ? null : (v as Json[])[i] ?? null));
        return;
      }
      for (const e of p.entries) {
        const key = typeof e.key === 'string' ? e.key : this.run(e.key, input, new Env(env, vars))[0];
        const sub = indexValue(v, key, false)[0];
        if (e.keyVar) vars.set(e.keyVar, sub);
        if (e.value) walk(e.value, sub);
      }
    };
    walk(pattern, value);
    return new Env(env, vars);
  }

  /** The paths `node` denotes in `input` (for del, path, |=, = …). */
  paths(node: Node, input: Json, env: Env, base: Path, emit: (p: Path, v: Json) => void): void {
    this.budget.tick();
    switch (node.t) {
      case 'identity': emit(base, input); return;
      case 'recurse': {
        const walk = (p: Path, v: Json) => {
          this.budget.tick();
          emit(p, v);
          if (Array.isArray(v)) v.forEach((x, i) => walk([...p, i], x));
          else if (typeName(v) === 'object') for (const [k, x] of Object.entries(v as object)) walk([...p, k], x);
        };
        walk(base, input);
        return;
      }
      case 'field':
        this.paths(node.target, input, env, base, (p, v) => {
          try { for (const x of indexValue(v, node.name, false)) emit([...p, node.name], x); }
          catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; }
        });
        return;
      case 'index':
        this.paths(node.target, input, env, base, (p, v) => {
          this.ev(node.index, input, env, (k) => {
            try {
              for (const x of indexValue(v, k, false)) {
                if (typeName(k) === 'object') emit([...p, { start: (k as { start?: number }).start ?? null, end: (k as { end?: number }).end ?? null }], x);
                else emit([...p, k as string | number], x);
              }
            } catch (e) { if (!node.opt || !(e instanceof JqError)) throw e; }
          });
        });
        return;
      case 'slice':
        this.paths(node.target, input, env, base, (p, v) => {
          const from = node.from ? this.run(node.from, input, env)[0] : null;
          const to = node.to ? this.run(node.to, input, env)[0] : null;
          emit([...p, { start: from as number | null, end: to as number | null }], sliceValue(v, from, to));
        });
        return;
      case 'iterate':
        this.paths(node.target, input, env, base, (p, v) => {
          if (Array.isArray(v)) v.forEach((x, i) => emit([...p, i], x));
          else if (typeName(v) === 'object') for (const [k, x] of Object.entries(v as object)) emit([...p, k], x);
          else if (v === null) return;
          else if (!node.opt) throw new JqError(`Cannot iterate over ${describe(v)}`);
        });
        return;
      case 'pipe': this.paths(node.left, input, env, base, (p, v) => this.paths(node.right, v, env, p, emit)); return;
      case 'comma': this.paths(node.left, input, env, base, emit); this.paths(node.right, input, env, base, emit); return;
      case 'if': {
        const branches: Array<[Node, Node]> = [[node.cond, node.then], ...node.elifs];
        const go = (i: number): void => {
          if (i === branches.length) {
            if (node.else) this.paths(node.else, input, env, base, emit); else emit(base, input);
            return;
          }
          this.ev(branches[i][0], input, env, (c) => (truthy(c) ? this.paths(branches[i][1], input, env, base, emit) : go(i + 1)));
        };
        go(0);
        return;
      }
      case 'alt': {
        let any = false;
        try { this.paths(node.left, input, env, base, (p, v) => { if (truthy(v)) { any = true; emit(p, v); } }); }
        catch (e) { if (!(e instanceof JqError)) throw e; }
        if (!any) this.paths(node.right, input, env, base, emit);
        return;
      }
      case 'try':
        try { this.paths(node.body, input, env, base, emit); } catch (e) { if (!(e instanceof JqError)) throw e; }
        return;
      case 'as':
        this.ev(node.source, input, env, (v) => this.paths(node.body, input, this.bind(node.names, v, input, env), base, emit));
        return;
      case 'literal':
        if (node.value === null) { emit(base, null); return; }
        break;
      case 'reduce': {
        let accs: Array<[Path, Json]> = [];
        this.paths(node.init, input, env, base, (p, v) => accs.push([p, v]));
        this.ev(node.source, input, env, (item) => {
          const e2 = this.bind(node.name, item, input, env);
          const next: Array<[Path, Json]> = [];
          for (const [p, v] of accs) this.paths(node.update, v, e2, p, (p2, v2) => next.push([p2, v2]));
          accs = next.length ? [next[next.length - 1]] : [];
        });
        for (const [p, v] of accs) emit(p, v);
        return;
      }
      case 'def': {
        const fns = new Map<string, FnDef>();
        const e2 = new Env(env, new Map(), fns);
        fns.set(`${node.name}/${node.params.length}`, { params: node.params, body: node.body, env: e2, name: node.name });
        this.paths(node.rest, input, e2, base, emit);
        return;
      }
      case 'call': {
        const { name, args } = node;
        const user = env.getFn(`${name}/${args.length}`);
        if (user && 'params' in user) {
          this.paths(user.body, input, this.bindArgs(user, args, input, env), base, emit);
          return;
        }
        if (user && !('params' in user)) { this.paths(user.node, input, user.env, base, emit); return; }
        if (name === 'empty' && args.length === 0) return;
        if (name === 'select' && args.length === 1) {
          this.ev(args[0], input, env, (c) => { if (truthy(c)) emit(base, input); });
          return;
        }
        if ((name === 'recurse' && args.length <= 1)) {
          const f = args[0] ?? ({ t: 'iterate', target: { t: 'identity' }, opt: true } as Node);
          const walk = (p: Path, v: Json) => { emit(p, v); this.paths(f, v, env, p, walk); };
          walk(base, input);
          return;
        }
        if (name === 'first' && args.length === 0) { emit([...base, 0], indexValue(input, 0, false)[0]); return; }
        if (name === 'last' && args.length === 0) { emit([...base, -1], indexValue(input, -1, false)[0]); return; }
        if (name === 'getpath' && args.length === 1) {
          this.ev(args[0], input, env, (p) => emit([...base, ...(p as Path)], getPath(input, p as Path)));
          return;
        }
        if ((name === 'first' || name === 'last' || name === 'limit') ) {
          const all: Array<[Path, Json]> = [];
          const f = args[args.length - 1];
          this.paths(f, input, env, base, (p, v) => all.push([p, v]));
          const pick = name === 'first' ? all.slice(0, 1) : name === 'last' ? all.slice(-1) : all.slice(0, Math.max(0, Number(this.run(args[0], input, env)[0])));
          for (const [p, v] of pick) emit(p, v);
          return;
        }
        if (name === 'paths' || name === 'to_entries' || name === 'map' || name === 'map_values') break;
        break;
      }
      default:
        break;
    }
    throw new JqError(`Invalid path expression with result ${describe(this.run(node, input, env)[0] ?? null)}`);
  }

  private assign(node: Extract<Node, { t: 'assign' }>, input: Json, env: Env, emit: (v: Json) => void): void {
    const collect = (): Path[] => {
      const ps: Path[] = [];
      this.paths(node.left, input, env, [], (p) => ps.push(p));
      return ps;
    };
    if (node.op === '|=') {
      let out = input;
      for (const p of collect()) {
        const results = this.run(node.right, getPath(out, p), env);
        out = results.length === 0 ? deletePaths(out, [p]) : setPath(out, p, results[0]);
      }
      emit(out);
      return;
    }
    if (node.op === '=') {
      this.ev(node.right, input, env, (val) => {
        let out = input;
        for (const p of collect()) out = setPath(out, p, val);
        emit(out);
      });
      return;
    }
    const op = node.op.slice(0, -1);
    this.ev(node.right, input, env, (val) => {
      let out = input;
      for (const p of collect()) {
        const cur = getPath(out, p);
        out = setPath(out, p, op === '//' ? (truthy(cur) ? cur : val) : binop(op, cur, val));
      }
      emit(out);
    });
  }

  private bindArgs(fn: FnDef, args: Node[], input: Json, callerEnv: Env): Env {
    // jq binds the callee's own name for recursion; params that are `$x` are values (one per output; we take the cartesian product lazily by only supporting the first value per $param).
    const fns = new Map<string, FnDef | Closure>();
    const vars = new Map<string, Json>();
    fn.params.forEach((p, i) => {
      if (p.startsWith('$')) {
        const v = this.run(args[i], input, callerEnv);
        vars.set(p.slice(1), v[0] ?? null);
        fns.set(`${p.slice(1)}/0`, { node: { t: 'literal', value: v[0] ?? null }, env: callerEnv });
      } else fns.set(`${p}/0`, { node: args[i], env: callerEnv });
    });
    return new Env(fn.env, vars, fns);
  }

  private call(name: string, args: Node[], input: Json, env: Env, emit: (v: Json) => void): void {
    const user = env.getFn(`${name}/${args.length}`);
    if (user) {
      if ('params' in user) {
        // Value parameters with several outputs run the body once per combination.
        const valueIdx = user.params.map((p, i) => (p.startsWith('$') ? i : -1)).filter((i) => i >= 0);
        if (valueIdx.some((i) => this.run(args[i], input, env).length !== 1)) {
          const combos = (k: number, fixed: Node[]): void => {
            if (k === valueIdx.length) { this.ev(user.body, input, this.bindArgs(user, fixed, input, env), emit); return; }
            for (const v of this.run(args[valueIdx[k]], input, env)) {
              const next = [...fixed];
              next[valueIdx[k]] = { t: 'literal', value: v };
              combos(k + 1, next);
            }
          };
          combos(0, [...args]);
          return;
        }
        this.ev(user.body, input, this.bindArgs(user, args, input, env), emit);
      } else this.ev(user.node, input, user.env, emit);
      return;
    }
    const arity = `${name}/${args.length}`;
    const one = (f: (v: Json) => Json) => emit(f(input));
    const withArg = (i: number, f: (a: Json) => void) => this.ev(args[i], input, env, f);
    switch (arity) {
      case 'empty/0': return;
      case 'not/0': return one((v) => !truthy(v));
      case 'length/0': return one(length);
      case 'utf8bytelength/0':
        if (typeof input !== 'string') throw new JqError(`${describe(input)} only strings have UTF-8 byte length`);
        return one((v) => Buffer.byteLength(v as string, 'utf8'));
      case 'keys/0': return one((v) => keysOf(v, true));
      case 'keys_unsorted/0': return one((v) => keysOf(v, false));
      case 'values/0': if (input !== null) emit(input); return;
      case 'has/1':
        return withArg(0, (k) => {
          if (typeName(input) === 'object' && typeof k === 'string') emit(Object.prototype.hasOwnProperty.call(input, k));
          else if (Array.isArray(input) && typeof k === 'number') emit(k >= 0 && k < input.length);
          else throw new JqError(`Cannot check whether ${typeName(input)} has a ${typeName(k)} key`);
        });
      case 'in/1':
        return withArg(0, (o) => {
          if (typeName(o) === 'object' && typeof input === 'string') emit(Object.prototype.hasOwnProperty.call(o, input));
          else if (Array.isArray(o) && typeof input === 'number') emit(input >= 0 && input < o.length);
          else throw new JqError(`Cannot check whether ${typeName(o)} has a ${typeName(input)} key`);
        });
      case 'contains/1': return withArg(0, (b) => emit(contains(input, b)));
      case 'inside/1': return withArg(0, (b) => emit(contains(b, input)));
      case 'select/1': return withArg(0, (c) => { if (truthy(c)) emit(input); });
      case 'map/1': {
        const arr = iterate(input, false);
        const out: Json[] = [];
        for (const x of arr) this.ev(args[0], x, env, (v) => out.push(v));
        emit(out);
        return;
      }
      case 'map_values/1': {
        if (Array.isArray(input)) {
          const out: Json[] = [];
          for (const x of input) { const r = this.run(args[0], x, env); if (r.length) out.push(r[0]); }
          emit(out);
        } else if (typeName(input) === 'object') {
          const out: Record<string, Json> = {};
          for (const [k, x] of Object.entries(input as object)) { const r = this.run(args[0], x, env); if (r.length) out[k] = r[0]; }
          emit(out);
        } else throw new JqError(`Cannot iterate over ${describe(input)}`);
        return;
      }
      case 'add/0': {
        const arr = iterate(input, false);
        this.budget.tick(arr.length);
        emit(addAll(arr));
        return;
      }
      case 'add/1': {
        let acc: Json = null;
        this.ev(args[0], input, env, (x) => { acc = add(acc, x); });
        emit(acc);
        return;
      }
      case 'any/0': return one((v) => iterate(v, false).some(truthy));
      case 'all/0': return one((v) => iterate(v, false).every(truthy));
      case 'any/1': return one((v) => iterate(v, false).some((x) => this.run(args[0], x, env).some(truthy)));
      case 'all/1': return one((v) => iterate(v, false).every((x) => this.run(args[0], x, env).every(truthy)));
      case 'any/2': return emit(this.run(args[0], input, env).some((x) => this.run(args[1], x, env).some(truthy)));
      case 'all/2': return emit(this.run(args[0], input, env).every((x) => this.run(args[1], x, env).every(truthy)));
      case 'range/1': return withArg(0, (n) => { for (let i = 0; i < toNumber(n); i++) { this.budget.tick(); emit(i); } });
      case 'range/2':
        return withArg(0, (a) => withArg(1, (b) => { for (let i = toNumber(a); i < toNumber(b); i++) { this.budget.tick(); emit(i); } }));
      case 'range/3':
        return withArg(0, (a) => withArg(1, (b) => withArg(2, (s) => {
          const st = toNumber(s);
          if (st > 0) for (let i = toNumber(a); i < toNumber(b); i += st) { this.budget.tick(); emit(i); }
          else if (st < 0) for (let i = toNumber(a); i > toNumber(b); i += st) { this.budget.tick(); emit(i); }
        })));
      case 'floor/0': return one((v) => Math.floor(toNumStrict(v, 'floor')));
      case 'ceil/0': return one((v) => Math.ceil(toNumStrict(v, 'ceil')));
      case 'round/0': return one((v) => Math.round(toNumStrict(v, 'round')));
      case 'fabs/0': case 'abs/0': return one((v) => Math.abs(toNumStrict(v, 'abs')));
      case 'sqrt/0': return one((v) => Math.sqrt(toNumStrict(v, 'sqrt')));
      case 'log/0': return one((v) => Math.log(toNumStrict(v, 'log')));
      case 'log10/0': return one((v) => Math.log10(toNumStrict(v, 'log10')));
      case 'log2/0': return one((v) => Math.log2(toNumStrict(v, 'log2')));
      case 'exp/0': return one((v) => Math.exp(toNumStrict(v, 'exp')));
      case 'exp10/0': return one((v) => 10 ** toNumStrict(v, 'exp10'));
      case 'pow/2': return withArg(0, (a) => withArg(1, (b) => emit(Math.pow(toNumStrict(a, 'pow'), toNumStrict(b, 'pow')))));
      case 'log/1': return withArg(0, (b) => emit(Math.log(toNumStrict(input, 'log')) / Math.log(toNumStrict(b, 'log'))));
      case 'infinite/0': return emit(Number.MAX_VALUE);
      case 'nan/0': return emit(NaN);
      case 'isnan/0': return one((v) => typeof v === 'number' && Number.isNaN(v));
      case 'isinfinite/0': return one((v) => typeof v === 'number' && !Number.isFinite(v) && !Number.isNaN(v));
      case 'isnormal/0': return one((v) => typeof v === 'number' && Number.isFinite(v) && v !== 0);
      case 'tostring/0': return one(tostring);
      case 'tonumber/0': return one(toNumber);
      case 'type/0': return one(typeName);
      case 'tojson/0': return one(toJson);
      case 'fromjson/0':
        return one((v) => {
          try { return JSON.parse(v as string); } catch (e) { throw new JqError(`${describe(v)} cannot be parsed as JSON: ${(e as Error).message}`); }
        });
      case 'ascii_downcase/0': return one((v) => strOf(v, 'ascii_downcase').replace(/[A-Z]/g, (c) => c.toLowerCase()));
      case 'ascii_upcase/0': return one((v) => strOf(v, 'ascii_upcase').replace(/[a-z]/g, (c) => c.toUpperCase()));
      case 'ltrimstr/1': return withArg(0, (s) => emit(typeof input === 'string' && typeof s === 'string' && input.startsWith(s) ? input.slice(s.length) : input));
      case 'rtrimstr/1':
        return withArg(0, (s) => emit(typeof input === 'string' && typeof s === 'string' && s.length > 0 && input.endsWith(s) ? input.slice(0, -s.length) : input));
      case 'trim/0': return one((v) => strOf(v, 'trim').trim());
      case 'ltrim/0': return one((v) => strOf(v, 'ltrim').trimStart());
      case 'rtrim/0': return one((v) => strOf(v, 'rtrim').trimEnd());
      case 'startswith/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('startswith() requires string inputs'); emit(input.startsWith(s)); });
      case 'endswith/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('endswith() requires string inputs'); emit(input.endsWith(s)); });
      case 'split/1': return withArg(0, (s) => { if (typeof input !== 'string' || typeof s !== 'string') throw new JqError('split input and separator must be strings'); emit(input === '' ? [] : input.split(s)); });
      case 'split/2': return withArg(0, (re) => withArg(1, (fl) => emit(regex(re, fl).rx.split(strOf(input, 'split')))));
      case 'join/1':
        return withArg(0, (sep) => {
          const arr = iterate(input, false);
          this.budget.tick(arr.length);
          let total = tostring(sep).length * arr.length;
          for (const x of arr) if (typeof x === 'string') total += x.length;
          this.budget.allocate(total, 'a string');
          emit(arr.map((x) => {
            if (x === null) return '';
            if (typeof x === 'object') throw new JqError(`Cannot join with ${typeName(x)}`);
            return String(x);
          }).join(tostring(sep)));
        });
      case 'explode/0': return one((v) => {
        const s = strOf(v, 'explode');
        this.budget.allocate(arrayBytes(s.length), 'an array');
        this.budget.tick(s.length);
        return Array.from(s, (c) => c.codePointAt(0)!);
      });
      case 'implode/0': return one((v) => implode(iterate(v, false)));
      case 'ascii/0': return one((v) => String.fromCharCode(v as number));
      case 'test/1': return withArg(0, (re) => emit(matches(input, re, null).length > 0));
      case 'test/2': return withArg(0, (re) => withArg(1, (fl) => emit(matches(input, re, fl).length > 0)));
      case 'match/1': return withArg(0, (re) => { for (const m of matches(input, re, null)) emit(m); });
      case 'match/2': return withArg(0, (re) => withArg(1, (fl) => { for (const m of matches(input, re, fl)) emit(m); }));
      case 'capture/1': return withArg(0, (re) => { for (const m of matches(input, re, null)) emit(captureObject(m)); });
      case 'capture/2': return withArg(0, (re) => withArg(1, (fl) => { for (const m of matches(input, re, fl)) emit(captureObject(m)); }));
      case 'scan/1': case 'scan/2':
        return withArg(0, (re) => {
          const fl = args[1] ? this.run(args[1], input, env)[0] : null;
          for (const m of matches(input, re, fl, true)) {
            const caps = m.captures as Array<{ string: Json }>;
            emit(caps.length ? caps.map((c) => c.string) : m.string);
          }
        });
      case 'splits/1': case 'splits/2':
        return withArg(0, (re) => {
          const fl = args[1] ? this.run(args[1], input, env)[0] : null;
          for (const s of regex(re, fl).rx.split(strOf(input, 'splits'))) emit(s);
        });
      case 'sub/2': case 'sub/3': case 'gsub/2': case 'gsub/3': {
        const s = strOf(input, name);
        return withArg(0, (re) => {
          const fl = args[2] ? this.run(args[2], input, env)[0] : null;
          const all = matches(s, re, fl, name === 'gsub');
          let out = '';
          let last = 0;
          for (const m of all) {
            const rep = this.run(args[1], captureObject(m), env)[0];
            const offset = m.offset as number;
            const piece = s.slice(last, offset) + tostring(rep);
            this.budget.allocate(stringBytes(out) + stringBytes(piece), 'a string');
            out += piece;
            last = offset + (m.string as string).length;
          }
          emit(out + s.slice(last));
        });
      }
      case 'sort/0': return one((v) => { const arr = arrOf(v, 'sort'); this.budget.tick(arr.length); return [...arr].sort(compare); });
      case 'sort_by/1': {
        const arr = arrOf(input, 'sort_by');
        this.budget.tick(arr.length);
        const keyed = arr.map((x) => ({ x, k: this.run(args[0], x, env) }));
        keyed.sort((a, b) => compare(a.k, b.k));
        emit(keyed.map((e) => e.x));
        return;
      }
      case 'group_by/1': {
        const arr = arrOf(input, 'group_by');
        this.budget.tick(arr.length);
        const keyed = arr.map((x) => ({ x, k: this.run(args[0], x, env) })).sort((a, b) => compare(a.k, b.k));
        const groups: Json[][] = [];
        let prev: Json[] | undefined;
        for (const e of keyed) {
          if (prev && equal(prev, e.k)) groups[groups.length - 1].push(e.x);
          else groups.push([e.x]);
          prev = e.k;
        }
        emit(groups);
        return;
      }
      case 'unique/0': {
        const arr = arrOf(input, 'unique');
        this.budget.tick(arr.length);
        const sorted = [...arr].sort(compare);
        emit(sorted.filter((x, i) => i === 0 || !equal(x, sorted[i - 1])));
        return;
      }
      case 'unique_by/1': {
        const keyed = arrOf(input, 'unique_by').map((x) => ({ x, k: this.run(args[0], x, env) })).sort((a, b) => compare(a.k, b.k));
        emit(keyed.filter((e, i) => i === 0 || !equal(e.k, keyed[i - 1].k)).map((e) => e.x));
        return;
      }
      case 'min/0': case 'max/0': {
        const arr = arrOf(input, name);
        if (arr.length === 0) return emit(null);
        emit(arr.reduce((a, b) => (name === 'min' ? (compare(b, a) < 0 ? b : a) : (compare(b, a) >= 0 ? b : a))));
        return;
      }
      case 'min_by/1': case 'max_by/1': {
        const arr = arrOf(input, name);
        if (arr.length === 0) return emit(null);
        const keyed = arr.map((x) => ({ x, k: this.run(args[0], x, env) }));
        emit(keyed.reduce((a, b) => (name === 'min_by' ? (compare(b.k, a.k) < 0 ? b : a) : (compare(b.k, a.k) >= 0 ? b : a))).x);
        return;
      }
      case 'reverse/0':
        return one((v) => (v === null ? [] : typeof v === 'string' ? [...v].reverse().join('') : [...arrOf(v, 'reverse')].reverse()));
      case 'flatten/0': return one((v) => flatten(v, 1e9));
      case 'flatten/1': return withArg(0, (d) => emit(flatten(input, toNumber(d))));
      case 'to_entries/0': return one(toEntries);
      case 'from_entries/0': return one(fromEntries);
      case 'with_entries/1': {
        const entries = toEntries(input) as Json[];
        const out: Json[] = [];
        for (const e of entries) this.ev(args[0], e, env, (v) => out.push(v));
        emit(fromEntries(out));
        return;
      }
      case 'first/0': return one((v) => indexValue(v, 0, false)[0]);
      case 'last/0': return one((v) => indexValue(v, -1, false)[0]);
      case 'nth/1': return withArg(0, (n) => emit(indexValue(input, n, false)[0]));
      case 'first/1': {
        const out = this.firstOf(args[0], input, env);
        if (out.found) emit(out.value);
        return;
      }
      case 'last/1': {
        const all = this.run(args[0], input, env);
        if (all.length) emit(all[all.length - 1]);
        return;
      }
      case 'nth/2': return withArg(0, (n) => { const all = this.run(args[1], input, env); const i = toNumber(n); if (i < 0) throw new JqError("Out of bounds negative array index"); if (i < all.length) emit(all[i]); });
      case 'limit/2':
        return withArg(0, (n) => {
          const max = toNumber(n);
          if (max <= 0) return;
          let count = 0;
          const STOP = {};
          try {
            this.ev(args[1], input, env, (v) => { emit(v); count++; if (count >= max) throw STOP; });
          } catch (e) { if (e !== STOP) throw e; }
        });
      case 'isempty/1': return emit(!this.firstOf(args[0], input, env).found);
      case 'until/2': {
        let cur = input;
        for (;;) {
          this.budget.tick();
          if (truthy(this.run(args[0], cur, env)[0])) break;
          cur = this.run(args[1], cur, env)[0];
        }
        emit(cur);
        return;
      }
      case 'while/2': {
        let cur = input;
        while (truthy(this.run(args[0], cur, env)[0])) { this.budget.tick(); emit(cur); cur = this.run(args[1], cur, env)[0]; }
        return;
      }
      case 'repeat/1': {
        const go = (v: Json): void => { emit(v); this.ev(args[0], v, env, go); };
        go(input);
        return;
      }
      case 'recurse/0': this.recurseAll(input, emit); return;
      case 'recurse/1': { const go = (v: Json): void => { emit(v); this.ev(args[0], v, env, go); }; go(input); return; }
      case 'recurse/2': {
        const go = (v: Json): void => { emit(v); this.ev(args[0], v, env, (n) => { if (truthy(this.run(args[1], n, env)[0])) go(n); }); };
        go(input);
        return;
      }
      case 'walk/1': {
        const w = (v: Json): Json => {
          let inner = v;
          if (Array.isArray(v)) inner = v.map(w);
          else if (typeName(v) === 'object') inner = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, w(x)]));
          const r = this.run(args[0], inner, env);
          return r.length ? r[0] : null;
        };
        emit(w(input));
        return;
      }
      case 'transpose/0': {
        const rows = arrOf(input, 'transpose') as Json[][];
        let n = 0;
        for (const r of rows) if (Array.isArray(r) && r.length > n) n = r.length;
        this.budget.allocate(arrayBytes(n * rows.length), 'an array');
        this.budget.tick(n * rows.length);
        emit(Array.from({ length: n }, (_, i) => rows.map((r) => r[i] ?? null)));
        return;
      }
      case 'indices/1': return withArg(0, (x) => emit(indices(input, x)));
      case 'index/1': return withArg(0, (x) => { const r = indices(input, x) as number[] | null; emit(r && r.length ? r[0] : null); });
      case 'rindex/1': return withArg(0, (x) => { const r = indices(input, x) as number[] | null; emit(r && r.length ? r[r.length - 1] : null); });
      case 'path/1': { const out: Json[] = []; this.paths(args[0], input, env, [], (p) => out.push(p)); for (const p of out) emit(p); return; }
      case 'paths/0': {
        this.paths({ t: 'recurse' }, input, env, [], (p) => { if (p.length) emit(p); });
        return;
      }
      case 'paths/1': {
        this.paths({ t: 'recurse' }, input, env, [], (p, v) => { if (p.length && this.run(args[0], v, env).some(truthy)) emit(p); });
        return;
      }
      case 'leaf_paths/0': {
        // jq: paths(scalars), and paths(f) keeps a path only when f's output is truthy, so null/false leaves drop out.
        this.paths({ t: 'recurse' }, input, env, [], (p, v) => { if (p.length && v !== null && v !== false && typeof v !== 'object') emit(p); });
        return;
      }
      case 'getpath/1': return withArg(0, (p) => { try { emit(getPath(input, p as Path)); } catch { emit(null); } });
      case 'setpath/2': return withArg(0, (p) => withArg(1, (v) => emit(setPath(input, p as Path, v))));
      case 'delpaths/1': return withArg(0, (ps) => emit(deletePaths(input, ps as Path[])));
      case 'del/1': {
        const ps: Path[] = [];
        this.paths(args[0], input, env, [], (p) => ps.push(p));
        emit(deletePaths(input, ps));
        return;
      }
      case 'to_array/0': return one((v) => (Array.isArray(v) ? v : [v]));
      case 'tostream/0': {
        const walk = (p: Path, v: Json, top: boolean): void => {
          this.budget.tick();
          if (v !== null && typeof v === 'object' && Object.keys(v).length) {
            const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v);
            entries.forEach(([k, x]) => walk([...p, k], x, false));
            const lastKey = entries[entries.length - 1][0];
            emit([[...p, lastKey]]);
          } else emit([p, v]);
          void top;
        };
        walk([], input, true);
        return;
      }
      case 'error/0': throw new JqError(typeof input === 'string' ? input : `${jsonPreview(input, 8192)} (not a string)`, input);
      case 'error/1': return withArg(0, (m) => { throw new JqError(typeof m === 'string' ? m : `${jsonPreview(m, 8192)} (not a string)`, m); });
      case 'debug/0': case 'debug/1': emit(input); return;
      case 'now/0': return emit(Date.now() / 1000);
      case 'todate/0': case 'todateiso8601/0': return one((v) => new Date(toNumber(v) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      case 'fromdate/0': case 'fromdateiso8601/0':
        return one((v) => { const t = Date.parse(strOf(v, 'fromdate')); if (Number.isNaN(t)) throw new JqError(`date "${v}" does not match format "%Y-%m-%dT%H:%M:%SZ"`); return Math.floor(t / 1000); });
      case 'combinations/0': {
        const arrs = arrOf(input, 'combinations') as Json[][];
        const go = (i: number, acc: Json[]): void => {
          this.budget.tick();
          if (i === arrs.length) { emit(acc); return; }
          for (const x of arrs[i]) go(i + 1, [...acc, x]);
        };
        go(0, []);
        return;
      }
      case 'input/0': case 'inputs/0': throw new JqError(`${name} is not available: the tool evaluates one input at a time`);
      case 'env/0': case '$ENV/0': return emit({});
      case 'splits/0': break;
      case 'getpath/2': break;
      case 'objects/0': if (typeName(input) === 'object') emit(input); return;
      case 'arrays/0': if (Array.isArray(input)) emit(input); return;
      case 'strings/0': if (typeof input === 'string') emit(input); return;
      case 'numbers/0': if (typeof input === 'number') emit(input); return;
      case 'booleans/0': if (typeof input === 'boolean') emit(input); return;
      case 'nulls/0': if (input === null) emit(input); return;
      case 'iterables/0': if (input !== null && typeof input === 'object') emit(input); return;
      case 'scalars/0': if (input === null || typeof input !== 'object') emit(input); return;
      case 'halt/0': case 'halt_error/0': case 'halt_error/1': throw new JqError(`${name} is not supported`);
      case 'tojson/1': break;
      case 'ascii/1': break;
      case 'min_by/0': break;
      case 'group_by/0': break;
      case 'significand/0': return one((v) => { const n = toNumber(v); if (n === 0) return 0; const e = Math.floor(Math.log2(Math.abs(n))); return n / 2 ** e; });
      case 'trunc/0': return one((v) => Math.trunc(toNumStrict(v, 'trunc')));
      case 'getpath/0': break;
      case 'abs/1': break;
      case 'splits/3': break;
      case 'ltrimstr/0': break;
      case 'has/0': break;
      case 'pick/1': {
        const ps: Path[] = [];
        this.paths(args[0], input, env, [], (p) => ps.push(p));
        let out: Json = null;
        for (const p of ps) out = setPath(out, p, getPath(input, p));
        emit(out);
        return;
      }
      default: break;
    }
    throw new JqError(`${arity} is not defined`);
  }

  private firstOf(node: Node, input: Json, env: Env): { found: boolean; value?: Json } {
    const STOP = {};
    let value: Json;
    let found = false;
    try {
      this.ev(node, input, env, (v) => { value = v; found = true; throw STOP; });
    } catch (e) { if (e !== STOP) throw e; }
    return found ? { found, value } : { found };
  }
}

function toNumStrict(v: Json, fn: string): number {
  if (typeof v !== 'number') throw new JqError(`${describe(v)} number required (${fn})`);
  return v;
}
function strOf(v: Json, fn: string): string {
  if (typeof v !== 'string') throw new JqError(`${describe(v)} cannot be processed by ${fn}, as it is not a string`);
  return v;
}
function arrOf(v: Json, fn: string): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be processed by ${fn}, as it is not an array`);
  return v;
}

/**
 * Runs a jq program against one input and returns every output. Errors become
 * INVALID_ARGUMENT naming the `query` parameter, with jq's message.
 */
export function runJq(query: string, input: Json, limits: JqLimits = {}, vars: Record<string, Json> = {}): Json[] {
  const ast = parseJq(query);
  const budget = new Budget(limits);
  const env = new Env(null, new Map(Object.entries(vars)));
  const outer = active;
  active = budget;
  try {
    const outputs = new Interpreter(budget).run(ast, input, env);
    // The outputs become JSON text for the script: a value built by sharing must not expand past the limit there.
    let room = budget.maxValueBytes;
    for (const o of outputs) {
      const size = jsonSizeWithin(o, room);
      if (size === Infinity) {
        throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter 'query': the jq output is over ${budget.maxValueBytes} bytes of JSON ([tools.json_processor] max_output_bytes)`);
      }
      room -= size;
    }
    return outputs;
  } catch (error) {
    if (error instanceof JqError) {
      // The raised value goes into details only when it is small: it may be a huge shared structure.
      const value = jsonSizeWithin(error.value, 8192) === Infinity ? jsonPreview(error.value, 8192) : error.value;
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'query': jq error: ${error.message}`, { details: { query, jq_error: value } });
    }
    if (error instanceof RangeError) {
      const tooLarge = !/call stack/i.test(error.message);
      throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter 'query': jq evaluation too ${tooLarge ? 'large' : 'deep'} (${error.message})`);
    }
    throw error;
  } finally {
    active = outer;
  }
}

import { compileScriptRegex, LlmspellError, type ScriptRegex, type ScriptRegexMatch } from '@llmspell/core';
import type { Node } from './parse.js';
import { arrayBytes, type Budget, objectBytes, stringBytes } from './budget.js';
import { jsonPreview, jsonSizeWithin } from './json-size.js';

/*
 * jq's values: the type order and comparison, arithmetic, indexing, paths, formats, regexes, and
 * the environment of variables and functions. Shared by the interpreter and the builtins.
 */
export type Json = unknown;
export type Path = Array<string | number | { start: number | null; end: number | null }>;

export interface Closure { node: Node; env: Env }
export interface FnDef { params: string[]; body: Node; env: Env; name: string }

export class Env {
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

/** Makes `budget` the one helpers watch until the returned function restores the previous one. */
export function activateBudget(budget: Budget): () => void {
  const outer = active;
  active = budget;
  return () => {
    active = outer;
  };
}

export const touch = (n = 1): void => active?.touch(n);
export const allocate = (bytes: number, what: string): void => active?.allocate(bytes, what);

export const typeName = (v: Json): string =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : typeof v === 'boolean' ? 'boolean' : 'null';

export const truthy = (v: Json): boolean => v !== false && v !== null && v !== undefined;

export const typeOrder: Record<string, number> = { null: 0, boolean: 1, number: 2, string: 3, array: 4, object: 5 };

export function describe(v: Json): string {
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

export const equal = (a: Json, b: Json): boolean => compare(a, b) === 0;

export function add(a: Json, b: Json): Json {
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

export function deepMerge(a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  const keys = Object.keys(a).length + Object.keys(b).length;
  allocate(objectBytes(keys), 'an object');
  touch(keys);
  const out: Record<string, Json> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = typeName(out[k]) === 'object' && typeName(v) === 'object' ? deepMerge(out[k] as Record<string, Json>, v as Record<string, Json>) : v;
  }
  return out;
}

export function repeatString(s: string, times: number): Json {
  if (times <= 0) return null;
  const n = Math.max(Math.ceil(times), 1);
  allocate(stringBytes(s) * n, 'a string');
  return s.repeat(n);
}

export function binop(op: string, a: Json, b: Json): Json {
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

export function indexValue(v: Json, k: Json, opt: boolean): Json[] {
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

export function sliceBounds(len: number, from: Json, to: Json): [number, number] {
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

export function sliceValue(v: Json, from: Json, to: Json): Json {
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

export function indices(v: Json, x: Json): Json {
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

export function iterate(v: Json, opt: boolean): Json[] {
  if (Array.isArray(v)) return v;
  if (typeName(v) === 'object') return Object.values(v as object);
  if (opt) return [];
  throw new JqError(`Cannot iterate over ${describe(v)}`);
}

export function contains(a: Json, b: Json): boolean {
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

export function length(v: Json): Json {
  if (v === null) return 0;
  if (typeof v === 'boolean') throw new JqError(`boolean (${v}) has no length`);
  if (typeof v === 'number') return Math.abs(v);
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  return Object.keys(v as object).length;
}

export function keysOf(v: Json, sorted: boolean): Json {
  if (Array.isArray(v)) return v.map((_, i) => i);
  if (typeName(v) === 'object') {
    const k = Object.keys(v as object);
    return sorted ? k.sort() : k;
  }
  throw new JqError(`${describe(v)} has no keys`);
}

export function tostring(v: Json): string {
  return typeof v === 'string' ? v : toJson(v);
}

/** JSON text of a value, refused past the value limit before any of it is written. */
export function toJson(v: Json): string {
  const limit = active?.maxValueBytes ?? Infinity;
  const size = jsonSizeWithin(v, limit);
  if (size === Infinity) allocate(limit + 1, 'JSON text');
  return JSON.stringify(v);
}

export function getPath(v: Json, path: Path): Json {
  let cur = v;
  for (const p of path) {
    if (cur === null) return null;
    cur = typeof p === 'object' ? sliceValue(cur, p.start, p.end) : indexValue(cur, p, false)[0];
  }
  return cur;
}

export function setPath(v: Json, path: Path, value: Json, i = 0): Json {
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

export function deletePaths(v: Json, paths: Path[]): Json {
  const sorted = [...paths].sort((x, y) => compare(y, x));
  let out = v;
  for (const p of sorted) out = deletePath(out, p);
  return out;
}

export function deletePath(v: Json, path: Path): Json {
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

export function toEntries(v: Json): Json {
  if (typeName(v) !== 'object') throw new JqError(`${describe(v)} has no keys`);
  return Object.entries(v as object).map(([key, value]) => ({ key, value }));
}

export function fromEntries(v: Json): Json {
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

export function flatten(v: Json, depth: number): Json[] {
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

export function toNumber(v: Json): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new JqError(`${describe(v)} cannot be parsed as a number`);
}

export function format(name: string, v: Json): string {
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

export function regex(re: Json, flags: Json): { rx: ScriptRegex; global: boolean; skipEmpty: boolean } {
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

export function matches(input: Json, re: Json, flags: Json, forceGlobal = false): Array<Record<string, Json>> {
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

export function captureObject(m: Record<string, Json>): Json {
  const out: Record<string, Json> = {};
  for (const c of m.captures as Array<Record<string, Json>>) if (typeof c.name === 'string') out[c.name] = c.string;
  return out;
}

export function implode(codes: Json[]): string {
  allocate(codes.length * 2, 'a string');
  touch(codes.length);
  // In slices: spreading a long array into one call overflows the stack.
  let out = '';
  for (let i = 0; i < codes.length; i += 8192) out += String.fromCodePoint(...(codes.slice(i, i + 8192) as number[]));
  return out;
}

/** `add` over a list: arrays and strings are joined in one go (jq adds them in place; copying each step would be quadratic). */
export function addAll(items: Json[]): Json {
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


export function safeIndex(v: Json, k: Json, opt: boolean): Json[] {
  if (!opt) return indexValue(v, k, false);
  try { return indexValue(v, k, true); } catch (e) { if (e instanceof JqError) return []; throw e; }
}

export function toNumStrict(v: Json, fn: string): number {
  if (typeof v !== 'number') throw new JqError(`${describe(v)} number required (${fn})`);
  return v;
}
export function strOf(v: Json, fn: string): string {
  if (typeof v !== 'string') throw new JqError(`${describe(v)} cannot be processed by ${fn}, as it is not a string`);
  return v;
}
export function arrOf(v: Json, fn: string): Json[] {
  if (!Array.isArray(v)) throw new JqError(`${describe(v)} cannot be processed by ${fn}, as it is not an array`);
  return v;
}

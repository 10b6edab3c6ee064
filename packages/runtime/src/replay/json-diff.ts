import { LlmspellError, isPlainObject, isScriptCallback } from '@llmspell/core';

/** A JSON value after `toJsonValue`: no functions, no undefined, no non-finite numbers. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type DifferenceKind = 'changed' | 'type_changed' | 'added' | 'removed';

export interface JsonDifference {
  /** Where, as a script would write it: `metadata.timestamp`, `items[4]` (Lua) / `items[3]` (JS). */
  path: string;
  kind: DifferenceKind;
  description: string;
  /** The value in the original document (absent for `added`). */
  original?: JsonValue;
  /** The value in the replayed document (absent for `removed`). */
  replayed?: JsonValue;
}

export interface JsonComparison {
  identical: boolean;
  /** matched / (matched + unmatched) leaf values, rounded to three decimals; 1 only when identical. */
  similarity_score: number;
  summary: string;
  differences: JsonDifference[];
  /** Leaf values equal at the same place in both documents. */
  matched: number;
  /** Leaf values that differ, or exist in one document only. */
  unmatched: number;
}

export interface CompareOptions {
  /** 1 for Lua (paths read `items[1]` for the first item), 0 for JavaScript. */
  indexBase: number;
  /** Paths (as reported) whose subtrees are left out of the comparison, e.g. `metadata.timestamp`. */
  ignorePaths?: readonly string[];
}

/** Past this many cells an array's alignment is positional (after common prefix/suffix). */
const MAX_ALIGN_CELLS = 250_000;
const ROOT = '(root)';

/**
 * A script value as JSON, or an INVALID_ARGUMENT naming where it is not JSON. `where` is the
 * parameter name (`original`), so the error reads `original.metadata.fn is a function`.
 */
export function toJsonValue(value: unknown, where: string, fn: string, indexBase = 1): JsonValue {
  const seen: object[] = [];
  const convert = (v: unknown, at: string): JsonValue => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new LlmspellError('INVALID_ARGUMENT', `${fn}: ${at} is ${v}, which JSON cannot hold`, { details: { parameter: where, path: at } });
      return v;
    }
    if (Array.isArray(v) || isPlainObject(v)) {
      if (seen.includes(v)) throw new LlmspellError('INVALID_ARGUMENT', `${fn}: ${at} contains itself (a cycle)`, { details: { parameter: where, path: at } });
      seen.push(v);
      try {
        if (Array.isArray(v)) return v.map((x, i) => convert(x, `${at}[${i + indexBase}]`));
        const out: Record<string, JsonValue> = {};
        for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = convert(x, `${at}.${k}`);
        return out;
      } finally {
        seen.pop();
      }
    }
    const kind = typeof v === 'function' || isScriptCallback(v) ? 'a function' : `a ${typeof v}`;
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: ${at} is ${kind}, which is not JSON data`, { details: { parameter: where, path: at } });
  };
  return convert(value, where);
}

function isObject(v: JsonValue): v is Record<string, JsonValue> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isEmptyObject(v: JsonValue): boolean {
  return isObject(v) && Object.keys(v).length === 0;
}

/**
 * Lua has one table type, so `{}` reaches the host as an empty object even where the script
 * meant an empty list: an empty object next to an array is read as an empty array.
 */
function asArray(v: JsonValue, other: JsonValue): JsonValue[] | undefined {
  if (Array.isArray(v)) return v;
  if (isEmptyObject(v) && Array.isArray(other)) return [];
  return undefined;
}

function typeName(v: JsonValue): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Canonical text: equal documents (key order aside, `{}` = `[]`) give equal text. */
function canon(v: JsonValue): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    if (keys.length === 0) return '[]';
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canon(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** How many leaf values a document holds (an empty array or object counts as one). */
export function leafCount(v: JsonValue): number {
  if (Array.isArray(v)) return v.length === 0 ? 1 : v.reduce<number>((n, x) => n + leafCount(x), 0);
  if (isObject(v)) {
    const values = Object.values(v);
    return values.length === 0 ? 1 : values.reduce<number>((n, x) => n + leafCount(x), 0);
  }
  return 1;
}

function show(v: JsonValue): string {
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function keyPath(parent: string, key: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(key);
  if (parent === ROOT) return plain ? key : `[${JSON.stringify(key)}]`;
  return plain ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function indexPath(parent: string, index: number): string {
  return `${parent === ROOT ? '' : parent}[${index}]`;
}

type Op = { kind: 'same'; i: number; j: number } | { kind: 'del'; i: number } | { kind: 'ins'; j: number };

/**
 * The edit script turning `a` into `b`: elements kept in order (a longest common subsequence
 * by deep equality, so an inserted step is one addition, not a shift of every later step),
 * deletions and insertions. Long arrays fall back to pairing by position after the common
 * prefix and suffix, to bound the work.
 */
function align(a: JsonValue[], b: JsonValue[]): Op[] {
  const ka = a.map(canon);
  const kb = b.map(canon);
  let start = 0;
  while (start < a.length && start < b.length && ka[start] === kb[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && ka[endA - 1] === kb[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: Op[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: 'same', i, j: i });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_ALIGN_CELLS) {
    for (let k = 0; k < n; k++) ops.push({ kind: 'del', i: start + k });
    for (let k = 0; k < m; k++) ops.push({ kind: 'ins', j: start + k });
  } else {
    // lengths[i][j]: LCS of a[start+i..endA) and b[start+j..endB)
    const lengths = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lengths[i][j] = ka[start + i] === kb[start + j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && ka[start + i] === kb[start + j]) {
        ops.push({ kind: 'same', i: start + i, j: start + j });
        i++;
        j++;
      } else if (j < m && (i === n || lengths[i][j + 1] >= lengths[i + 1][j])) {
        ops.push({ kind: 'ins', j: start + j });
        j++;
      } else {
        ops.push({ kind: 'del', i: start + i });
        i++;
      }
    }
  }
  for (let k = 0; k < a.length - endA; k++) ops.push({ kind: 'same', i: endA + k, j: endB + k });
  return ops;
}

class Differ {
  readonly differences: JsonDifference[] = [];
  matched = 0;
  unmatched = 0;
  private readonly ignore: Set<string>;

  constructor(private readonly options: CompareOptions) {
    this.ignore = new Set(options.ignorePaths ?? []);
  }

  compare(a: JsonValue, b: JsonValue, path: string): void {
    if (this.ignore.has(path)) return;
    const arrA = asArray(a, b);
    const arrB = asArray(b, a);
    if (arrA && arrB) return this.compareArrays(arrA, arrB, path);
    if (isObject(a) && isObject(b)) return this.compareObjects(a, b, path);
    if (canon(a) === canon(b)) {
      this.matched += leafCount(a);
      return;
    }
    if (typeName(a) !== typeName(b)) {
      this.unmatched += Math.max(leafCount(a), leafCount(b));
      this.push({ path, kind: 'type_changed', description: `changed from ${typeName(a)} ${show(a)} to ${typeName(b)} ${show(b)}`, original: a, replayed: b });
      return;
    }
    this.unmatched += 1;
    this.push({ path, kind: 'changed', description: `changed from ${show(a)} to ${show(b)}`, original: a, replayed: b });
  }

  private push(d: JsonDifference): void {
    this.differences.push(d);
  }

  private added(path: string, v: JsonValue): void {
    if (this.ignore.has(path)) return;
    this.unmatched += leafCount(v);
    this.push({ path, kind: 'added', description: `added in replayed: ${show(v)}`, replayed: v });
  }

  private removed(path: string, v: JsonValue): void {
    if (this.ignore.has(path)) return;
    this.unmatched += leafCount(v);
    this.push({ path, kind: 'removed', description: `missing in replayed (was ${show(v)})`, original: v });
  }

  private compareObjects(a: Record<string, JsonValue>, b: Record<string, JsonValue>, path: string): void {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    if (keys.length === 0) {
      this.matched += 1;
      return;
    }
    for (const key of keys) {
      const p = keyPath(path, key);
      if (!(key in b)) this.removed(p, a[key]);
      else if (!(key in a)) this.added(p, b[key]);
      else this.compare(a[key], b[key], p);
    }
  }

  private compareArrays(a: JsonValue[], b: JsonValue[], path: string): void {
    if (a.length === 0 && b.length === 0) {
      this.matched += 1;
      return;
    }
    const base = this.options.indexBase;
    const ops = align(a, b);
    // A run of deletions and insertions between kept elements: pair them up by position (an
    // edited element is one change inside it, not a removal plus an addition), the rest are
    // removed or added.
    let dels: number[] = [];
    let inss: number[] = [];
    const flush = () => {
      const paired = Math.min(dels.length, inss.length);
      for (let k = 0; k < paired; k++) this.compare(a[dels[k]], b[inss[k]], indexPath(path, inss[k] + base));
      for (let k = paired; k < dels.length; k++) this.removed(indexPath(path, dels[k] + base), a[dels[k]]);
      for (let k = paired; k < inss.length; k++) this.added(indexPath(path, inss[k] + base), b[inss[k]]);
      dels = [];
      inss = [];
    };
    for (const op of ops) {
      if (op.kind === 'del') dels.push(op.i);
      else if (op.kind === 'ins') inss.push(op.j);
      else {
        flush();
        const p = indexPath(path, op.j + base);
        if (!this.ignore.has(p)) this.matched += leafCount(a[op.i]);
      }
    }
    flush();
  }
}

function summarize(differences: JsonDifference[], score: number): string {
  if (differences.length === 0) return 'Results are identical';
  const counts = new Map<DifferenceKind, number>();
  for (const d of differences) counts.set(d.kind, (counts.get(d.kind) ?? 0) + 1);
  const parts = (['changed', 'type_changed', 'added', 'removed'] as const)
    .filter((k) => counts.has(k))
    .map((k) => `${counts.get(k)} ${k.replace('_', ' ')}`);
  const n = differences.length;
  return `Found ${n} difference${n === 1 ? '' : 's'} (${parts.join(', ')}); similarity ${score}`;
}

/**
 * A structural diff of two JSON documents. Objects are compared key by key, arrays by an
 * alignment that keeps their common elements in order. The similarity score is the share of
 * leaf values (scalars, and empty arrays or objects) found equal at the same place in both
 * documents, over all leaf values either document has at a place the other lacks or holds
 * differently: 1 when identical, 0 when nothing matches. It is rounded to three decimals and
 * never rounds up to 1 for documents that differ.
 */
export function compareJson(original: JsonValue, replayed: JsonValue, options: CompareOptions): JsonComparison {
  const differ = new Differ(options);
  differ.compare(original, replayed, ROOT);
  const { differences, matched, unmatched } = differ;
  const total = matched + unmatched;
  let score = total === 0 ? 1 : Math.round((matched / total) * 1000) / 1000;
  if (differences.length > 0 && score === 1) score = 0.999;
  return { identical: differences.length === 0, similarity_score: score, summary: summarize(differences, score), differences, matched, unmatched };
}

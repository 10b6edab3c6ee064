import { isDeepStrictEqual } from 'node:util';

/**
 * Equality of JSON-like values (data_validation's enum and unique rules, template `==`, the JSON
 * diff): Node's `isDeepStrictEqual` (objects by their own keys in any order, a key holding
 * `undefined` differs from a missing key, NaN equals NaN), except that 0 equals -0 at any depth,
 * as in JSON (one zero), JSON Schema and the template languages, where `Math.round(-0.4) == 0`.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) {
    return a === b || (Number.isNaN(a) && Number.isNaN(b));
  }
  if (isDeepStrictEqual(a, b)) return true;
  const x = withoutNegativeZero(a, new Set());
  const y = withoutNegativeZero(b, new Set());
  return (x !== a || y !== b) && isDeepStrictEqual(x, y);
}

/** The value with every -0 made 0: the same object when it holds none, else a changed copy. */
function withoutNegativeZero(value: unknown, seen: Set<object>): unknown {
  if (Object.is(value, -0)) return 0;
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(value)) {
    const fixed = withoutNegativeZero(item, seen);
    if (Object.is(fixed, item)) continue;
    copy ??= (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
    copy[key] = fixed;
  }
  return copy ?? value;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A text that is equal exactly for `jsonEqual` values (object keys sorted, 0 and -0 alike, NaN equal
 * to NaN, a key holding undefined apart from a missing one), so repeats are found with one pass and
 * a set instead of comparing every pair.
 */
export function jsonKey(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(jsonKey).join(',')}]`;
  if (isRecord(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${jsonKey(v[k])}`).join(',')}}`;
  if (typeof v === 'number') return String(v);
  return v === undefined ? 'undefined' : JSON.stringify(v) ?? String(v);
}

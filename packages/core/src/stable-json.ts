import { LlmspellError } from './errors.js';
import { isScriptCallback } from './script-values.js';

/**
 * JSON text that is the same for equal values whatever their key order: what `JSON.stringify`
 * writes, with every object's keys sorted by UTF-16 code unit (integer-like keys too). The rule
 * for what JSON cannot hold is JSON.stringify's: an object property whose value is `undefined`, a
 * function or a symbol is left out, and in an array it becomes `null`; `toJSON` is honoured
 * (a Date becomes its ISO string); NaN and ±Infinity become `null`. A value with no JSON form
 * at the top (`undefined`) gives `"null"`, so the result is always a string. A cyclic value is
 * refused with `INVALID_ARGUMENT`. Used for hashes, cache keys and signatures.
 */
export function stableJson(value: unknown): string {
  return write(value, '', []) ?? 'null';
}

/** The JSON text of `value`, or undefined where JSON.stringify would leave the value out. */
function write(input: unknown, key: string, ancestors: object[]): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (value === null || typeof value !== 'object' || value instanceof Number || value instanceof String || value instanceof Boolean) {
    return JSON.stringify(value);
  }
  // a script's function is a function to JSON, left out, whatever fields its host object has
  if (isScriptCallback(value)) return undefined;
  if (ancestors.includes(value)) throw new LlmspellError('INVALID_ARGUMENT', 'cannot write a cyclic value as JSON');
  ancestors.push(value);
  let text: string;
  if (Array.isArray(value)) {
    text = `[${value.map((item, i) => write(item, String(i), ancestors) ?? 'null').join(',')}]`;
  } else {
    const record = value as Record<string, unknown>;
    const members: string[] = [];
    for (const k of Object.keys(record).sort()) {
      const member = write(record[k], k, ancestors);
      if (member !== undefined) members.push(`${JSON.stringify(k)}:${member}`);
    }
    text = `{${members.join(',')}}`;
  }
  ancestors.pop();
  return text;
}

import { LlmspellError } from '@llmspell/core';
import { isWellFormed } from './well-formed.js';

export const MAX_KEY_BYTES = 256;
export const MAX_PHYSICAL_KEY_BYTES = 512;

/**
 * The reference's key rules: not empty; at most 256 bytes; no `..`, `\` or `//`; no NUL or
 * line breaks; not starting with `__` or `$$` (reserved); scoped key at most 512 bytes.
 * Returns the NFC-normalised key.
 */
export function validateKey(key: unknown, prefix = ''): string {
  if (typeof key !== 'string') {
    // nil in Lua, undefined in JavaScript: said in neither language's word
    throw new LlmspellError('STATE_INVALID_KEY', key === null || key === undefined ? 'key is missing: it must be a string' : `key must be a string, got ${typeof key}`);
  }
  const bad = (why: string) => new LlmspellError('STATE_INVALID_KEY', `invalid key ${JSON.stringify(key.slice(0, 80))}: ${why}`, { details: { key: key.slice(0, 80) } });
  if (key === '') throw bad('must not be empty');
  if (!isWellFormed(key)) throw bad('contains an unpaired surrogate');
  const k = key.normalize('NFC');
  // A UTF-16 unit is at most 3 UTF-8 bytes: short keys (nearly all) skip counting bytes.
  if (k.length * 3 > MAX_KEY_BYTES && Buffer.byteLength(k) > MAX_KEY_BYTES) throw bad(`longer than ${MAX_KEY_BYTES} bytes`);
  if (k.includes('..')) throw bad("must not contain '..'");
  if (k.includes('\\')) throw bad("must not contain '\\'");
  if (k.includes('//')) throw bad("must not contain '//'");
  if (/[\0\n\r]/.test(k)) throw bad('must not contain NUL, \\n or \\r');
  if (k.startsWith('__') || k.startsWith('$$')) throw bad("keys starting with '__' or '$$' are reserved");
  if ((prefix.length + k.length) * 3 > MAX_PHYSICAL_KEY_BYTES && Buffer.byteLength(prefix) + Buffer.byteLength(k) > MAX_PHYSICAL_KEY_BYTES) throw bad(`the scoped key is longer than ${MAX_PHYSICAL_KEY_BYTES} bytes`);
  return k;
}

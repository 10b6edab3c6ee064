// Plain data in QuickJS's own binary object format (JS_WriteObject / JS_ReadObject), both ways across a host call.
import { getIndexFallback, isScriptError, type ScriptValue } from '@llmspell/core';

/** The format version this reader knows (QuickJS's BC_VERSION); any other is refused. */
const VERSION = 5;
const TAG_NULL = 1;
const TAG_UNDEFINED = 2;
const TAG_FALSE = 3;
const TAG_TRUE = 4;
const TAG_INT32 = 5;
const TAG_FLOAT64 = 6;
const TAG_STRING = 7;
const TAG_OBJECT = 8;
const TAG_ARRAY = 9;
const MAX_DEPTH = 200;

/** Returned when the bytes hold more than plain data (a shared object, a Date, …) or are not what this reader knows. */
export const NOT_PLAIN: unique symbol = Symbol('llmspell.notPlain');

const float = new Float64Array(1);
const floatBytes = new Uint8Array(float.buffer);

class Refused extends Error {}
const REFUSED = new Refused();

/** Up to this length a Latin-1 text is looked up in (and kept by) the cache below instead of decoded. */
const CACHED_TEXT = 32;
/**
 * The short texts read lately (keys, tool names, small values), by a hash of their bytes:
 * a script sends the same ones call after call, and comparing a kept string with the bytes
 * costs less than building it again (and gives V8 the same string, not a new one per call).
 */
const textCache = new Array<string | undefined>(512).fill(undefined);

// The value being read. readBinaryValue calls nothing that could read another value meanwhile.
let bytes: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
let atoms: string[] = [];
let atomCount = 0;

function leb(): number {
  if (at < end && bytes[at]! < 0x80) return bytes[at++]!; // one byte: most headers and counts
  let value = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) throw REFUSED;
    const byte = bytes[at++]!;
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return value;
  }
  throw REFUSED;
}

function latin1(from: number, length: number): string {
  if (length > CACHED_TEXT) {
    // Node's decoders, not TextDecoder: its 'latin1' is windows-1252
    return Buffer.from(bytes.buffer, bytes.byteOffset + from, length).toString('latin1');
  }
  let hash = length;
  for (let i = from; i < from + length; i++) hash = (Math.imul(hash, 31) + bytes[i]!) | 0;
  const slot = (hash ^ (hash >>> 9)) & 511;
  const kept = textCache[slot];
  if (kept !== undefined && kept.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (kept.charCodeAt(i) !== bytes[from + i]) {
        same = false;
        break;
      }
    }
    if (same) return kept;
  }
  let text = '';
  for (let i = from; i < from + length; i++) text += String.fromCharCode(bytes[i]!);
  textCache[slot] = text;
  return text;
}

function string(): string {
  const header = leb();
  const wide = header % 2 === 1;
  const length = Math.floor(header / 2);
  const size = wide ? length * 2 : length;
  if (end - at < size) throw REFUSED;
  const from = at;
  at += size;
  if (length === 0) return '';
  if (!wide) return latin1(from, length);
  // Node's UTF-16 decoder keeps lone surrogates (TextDecoder replaces them)
  return Buffer.from(bytes.buffer, bytes.byteOffset + from, size).toString('utf16le');
}

function key(): string {
  const v = leb();
  if (v % 2 === 1) return String(Math.floor(v / 2)); // an integer key
  const index = v / 2 - 1; // atoms are numbered from 1 when no bytecode is written
  if (index < 0 || index >= atomCount) throw REFUSED;
  return atoms[index]!;
}

function value(depth: number): ScriptValue {
  if (depth > MAX_DEPTH || at >= end) throw REFUSED;
  switch (bytes[at++]) {
    case TAG_NULL:
      return null;
    case TAG_UNDEFINED:
      return undefined;
    case TAG_FALSE:
      return false;
    case TAG_TRUE:
      return true;
    case TAG_INT32: {
      const zigzag = leb();
      return zigzag % 2 === 1 ? -(zigzag + 1) / 2 : zigzag / 2;
    }
    case TAG_FLOAT64: {
      if (end - at < 8) throw REFUSED;
      for (let i = 0; i < 8; i++) floatBytes[i] = bytes[at++]!; // little-endian, as WASM and every Node host
      return float[0]!;
    }
    case TAG_STRING:
      return string();
    case TAG_OBJECT: {
      const count = leb();
      if (count > end - at) throw REFUSED;
      const out: Record<string, ScriptValue> = {};
      for (let i = 0; i < count; i++) {
        const name = key();
        const item = value(depth + 1);
        // an own "__proto__" key stays a key (as JSON.parse makes it), never the prototype
        if (name === '__proto__') Object.defineProperty(out, name, { value: item, enumerable: true, writable: true, configurable: true });
        else out[name] = item;
      }
      return out;
    }
    case TAG_ARRAY: {
      const length = leb();
      if (length > end - at) throw REFUSED; // every item takes at least one byte
      const out = new Array<ScriptValue>(length);
      for (let i = 0; i < length; i++) out[i] = value(depth + 1);
      return out;
    }
    default:
      throw REFUSED;
  }
}

/**
 * Reads `bytes[start, end)` as QuickJS wrote them with JS_WriteObject (what
 * quickjs-emscripten's `encodeBinaryJSON` gives): plain data only (null, undefined,
 * booleans, numbers, strings, plain objects and arrays). Anything else — an object written
 * as a reference to one written before, a Date, a typed array, another format version, bytes
 * that end early — answers NOT_PLAIN, and the caller reads the value the slow way.
 *
 * Why: the engine writes a value in one C call, much cheaper than JSON.stringify there and
 * reading the text back (the per-call cost of a script's arguments).
 */
export function readBinaryValue(source: Uint8Array, start: number, stop: number): ScriptValue | typeof NOT_PLAIN {
  bytes = source;
  at = start;
  end = stop;
  try {
    if (at >= end || bytes[at++] !== VERSION) return NOT_PLAIN;
    atomCount = leb();
    if (atomCount > end - at) throw REFUSED;
    if (atoms.length < atomCount) atoms = new Array<string>(atomCount);
    for (let i = 0; i < atomCount; i++) atoms[i] = string();
    const result = value(0);
    return at === end ? result : NOT_PLAIN;
  } catch (error) {
    if (error instanceof Refused) return NOT_PLAIN;
    throw error;
  } finally {
    bytes = EMPTY; // the engine's heap is not kept alive from here
    for (let i = 0; i < atomCount; i++) atoms[i] = '';
  }
}
const EMPTY: Uint8Array = new Uint8Array(0);

/** A growable byte buffer kept between calls. */
class Bytes {
  buffer = Buffer.allocUnsafe(1024);
  length = 0;

  reserve(more: number): void {
    if (this.length + more <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + more));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  /** Lets a large buffer go (a big answer once) instead of keeping it for the context's life. */
  shrink(): void {
    if (this.buffer.length > 1024 * 1024) this.buffer = Buffer.allocUnsafe(1024);
  }

  byte(value: number): void {
    if (this.length >= this.buffer.length) this.reserve(1);
    this.buffer[this.length++] = value;
  }

  leb(value: number): void {
    if (value < 0x80) return this.byte(value); // one byte: most headers, counts and small integers
    this.reserve(5);
    while (value >= 0x80) {
      this.buffer[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.buffer[this.length++] = value;
  }

  string(text: string): void {
    const length = text.length;
    if (length <= SHORT_TEXT) {
      // Short texts (keys, most values) byte by byte, in one pass: the header of a Latin-1
      // text (2n) and of a wide one (2n + 1) take as many bytes, so it is written first and
      // the pass starts over the slow way only if a wide character turns up.
      const start = this.length;
      this.leb(length * 2);
      this.reserve(length);
      const buffer = this.buffer;
      const at = this.length;
      let i = 0;
      for (; i < length; i++) {
        const code = text.charCodeAt(i);
        if (code > 0xff) break;
        buffer[at + i] = code;
      }
      if (i === length) {
        this.length = at + length;
        return;
      }
      this.length = start;
    }
    const wide = NOT_LATIN1.test(text);
    this.leb(length * 2 + (wide ? 1 : 0));
    if (length === 0) return;
    this.reserve(wide ? length * 2 : length);
    this.length += this.buffer.write(text, this.length, wide ? 'utf16le' : 'latin1');
  }

  float(value: number): void {
    this.reserve(8);
    float[0] = value;
    for (let i = 0; i < 8; i++) this.buffer[this.length++] = floatBytes[i]!;
  }
}

const NOT_LATIN1 = /[^\u0000-\u00ff]/;
/**
 * Up to this length a text is copied in a loop; past it a native write (and a regex for wide
 * characters) is cheaper. A tool result's `text` (a hundred characters or so) is under it.
 */
const SHORT_TEXT = 256;

/** Copies `length` bytes: a few in a loop (no view made), more in one native copy. */
function copyBytes(from: Uint8Array, length: number, to: Uint8Array, at: number): void {
  if (length <= 32) {
    for (let i = 0; i < length; i++) to[at + i] = from[i]!;
  } else {
    to.set(from.subarray(0, length), at);
  }
}

/** Writes plain host data in the format QuickJS reads (see writeBinaryValue). */
export class BinaryWriter {
  private readonly body = new Bytes();
  private readonly head = new Bytes();
  private readonly atoms = new Map<string, number>();
  /** The atom names the head holds now: the next value with the same names (the same shape, most calls) reuses it. */
  private headAtoms: string[] = [];
  private headValid = false;

  /**
   * The bytes of `value` (valid until the next call), or undefined when it is more than
   * plain data: null, undefined, booleans, numbers, strings, arrays without holes or extra
   * keys, plain objects (no index fallback) of those, at most 200 levels deep. The engine
   * reads them in one call (JS_ReadObject), much cheaper than parsing JSON text there.
   */
  write(value: unknown): Uint8Array | undefined {
    const size = this.encode(value);
    if (size < 0) return undefined;
    const out = new Uint8Array(size);
    this.copyInto(out, 0);
    return out;
  }

  /** Encodes `value` and returns its size in bytes (−1 when it is more than plain data); copyInto then writes it. */
  encode(value: unknown): number {
    this.body.shrink();
    this.body.length = 0;
    this.atoms.clear();
    if (!this.value(value, 0)) return -1;
    this.writeHead();
    return this.head.length + this.body.length;
  }

  /** Writes the value `encode` took to `target` at `at` (head, then body). */
  copyInto(target: Uint8Array, at: number): void {
    copyBytes(this.head.buffer, this.head.length, target, at);
    copyBytes(this.body.buffer, this.body.length, target, at + this.head.length);
  }

  private writeHead(): void {
    const atoms = this.atoms;
    const known = this.headAtoms;
    if (this.headValid && known.length === atoms.size) {
      let same = true;
      let i = 0;
      for (const name of atoms.keys()) {
        if (known[i++] !== name) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    const head = this.head;
    head.shrink();
    head.length = 0;
    head.byte(VERSION);
    head.leb(atoms.size);
    for (const name of atoms.keys()) head.string(name);
    this.headAtoms = [...atoms.keys()];
    this.headValid = true;
  }

  private value(value: unknown, depth: number): boolean {
    const out = this.body;
    switch (typeof value) {
      case 'undefined':
        out.byte(TAG_UNDEFINED);
        return true;
      case 'boolean':
        out.byte(value ? TAG_TRUE : TAG_FALSE);
        return true;
      case 'number':
        if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && !Object.is(value, -0)) {
          out.byte(TAG_INT32);
          out.leb(value >= 0 ? value * 2 : -value * 2 - 1);
        } else {
          out.byte(TAG_FLOAT64);
          out.float(value);
        }
        return true;
      case 'string':
        out.byte(TAG_STRING);
        out.string(value);
        return true;
      case 'object':
        break;
      default:
        return false; // functions, symbols, bigints: the slow way
    }
    if (value === null) {
      out.byte(TAG_NULL);
      return true;
    }
    if (depth >= MAX_DEPTH) return false;
    const proto = Object.getPrototypeOf(value);
    if (Array.isArray(value)) {
      if (proto !== Array.prototype) return false;
      const length = value.length;
      // no extra keys (with no holes, an array has exactly its indices as keys) and no holes
      if (Object.keys(value).length !== length) return false;
      out.byte(TAG_ARRAY);
      out.leb(length);
      for (let i = 0; i < length; i++) {
        const item: unknown = value[i];
        if (item === undefined && !(i in value)) return false;
        if (!this.value(item, depth + 1)) return false;
      }
      return true;
    }
    // an error record gets its prototype in toHandle (scriptError in prelude.ts)
    if ((proto !== Object.prototype && proto !== null) || getIndexFallback(value as object) || isScriptError(value)) return false;
    const keys = Object.keys(value);
    out.byte(TAG_OBJECT);
    out.leb(keys.length);
    for (const key of keys) {
      let index = this.atoms.get(key);
      if (index === undefined) {
        index = this.atoms.size + 1; // atoms are numbered from 1 when no bytecode is written
        this.atoms.set(key, index);
      }
      out.leb(index * 2);
      if (!this.value((value as Record<string, unknown>)[key], depth + 1)) return false;
    }
    return true;
  }
}

// A host value written as one table into Lua by a single call into WebAssembly.
import { getIndexFallback, isScriptCallback, isScriptError } from '@llmspell/core';
import { leb, signedLeb, vector, type HelperPart, type PartIndices } from './lua-helper-module.js';
import { writeUtf8, type LuaModule } from './lua-module.js';

/*
 * Building a table through the C API from JavaScript costs a crossing per table, value and
 * field (about 20 for a tool result), each with its argument conversions (a BigInt per
 * integer). Instead the value is written as a compact list of operations into a buffer in
 * the Lua module's memory, and a small WebAssembly function (below) replays them by calling
 * the module's own lua_createtable / lua_pushlstring / lua_setfield… directly: one crossing.
 * The operations are exactly the calls LuaValues.push makes for the same value, in the same
 * order, so the table is the same table (sizes, insertion order, integers, bytes).
 *
 * The builder, assembled by this file (imports are the Lua module's exports; $L, $p params):
 *
 *   (if (i32.eqz (call $checkstack $L 24)) (then (return 0)))
 *   (loop $next
 *     $op = load8_u($p); $p += 1
 *     (br_table $op)                                  ;; one block per operation:
 *     0 END        return 1
 *     1 TRUE       lua_pushboolean(L, 1)
 *     2 FALSE      lua_pushboolean(L, 0)
 *     3 INT  i64   lua_pushinteger(L, load i64)
 *     4 NUM  f64   lua_pushnumber(L, load f64)
 *     5 STR  n, bytes  lua_pushlstring(L, p + 4, n)
 *     6 TABLE a, h lua_createtable(L, a, h)
 *     7 FIELD k    lua_setfield(L, -2, k)            ;; k: a kept NUL-terminated key
 *     8 INDEX i    lua_rawseti(L, -2, i)
 *     9 RAWSET     lua_rawset(L, -3)                 ;; key and value pushed before
 *    10 COPY f, t  lua_getfield(L, -1, f); lua_setfield(L, -2, t)
 *   )
 */
const OP_END = 0;
const OP_TRUE = 1;
const OP_FALSE = 2;
const OP_INT = 3;
const OP_NUM = 4;
const OP_STR = 5;
const OP_TABLE = 6;
const OP_FIELD = 7;
const OP_INDEX = 8;
const OP_RAWSET = 9;
const OP_COPY = 10;

/** The Lua module's exports the builder calls, in import order, with their WebAssembly types. */
const IMPORTS = [
  ['lua_createtable', 0], ['lua_pushlstring', 1], ['lua_pushinteger', 2], ['lua_pushnumber', 3], ['lua_pushboolean', 4],
  ['lua_setfield', 0], ['lua_getfield', 1], ['lua_rawseti', 5], ['lua_rawset', 4], ['lua_checkstack', 6],
] as const;
const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
const TYPES: [number[], number[]][] = [
  [[I32, I32, I32], []], [[I32, I32, I32], [I32]], [[I32, I64], []], [[I32, F64], []], [[I32, I32], []], [[I32, I32, I64], []], [[I32, I32], [I32]],
];

/** The builder's body (see the comment above). */
function builderBody(at: PartIndices): number[] {
  const [L, P, OP, N] = [0, 1, 2, 3];
  const call = (fn: number) => at.imported(fn);
  const get = (local: number) => [0x20, local];
  const set = (local: number) => [0x21, local];
  const i32 = (value: number) => [0x41, ...signedLeb(value)];
  const load = (opcode: number, offset = 0) => [opcode, 0, ...leb(offset)];
  const advance = (bytes: number) => [...get(P), ...i32(bytes), 0x6a, ...set(P)];
  const br = (depth: number) => [0x0c, depth];
  const ops: number[][] = [
    [...i32(1), 0x0f],
    [...get(L), ...i32(1), ...call(4)],
    [...get(L), ...i32(0), ...call(4)],
    [...get(L), ...get(P), ...load(0x29), ...call(2), ...advance(8)],
    [...get(L), ...get(P), ...load(0x2b), ...call(3), ...advance(8)],
    [...get(P), ...load(0x28), ...set(N), ...get(L), ...get(P), ...i32(4), 0x6a, ...get(N), ...call(1), 0x1a,
      ...get(P), ...i32(4), 0x6a, ...get(N), 0x6a, ...set(P)],
    [...get(L), ...get(P), ...load(0x28), ...get(P), ...load(0x28, 4), ...call(0), ...advance(8)],
    [...get(L), ...i32(-2), ...get(P), ...load(0x28), ...call(5), ...advance(4)],
    [...get(L), ...i32(-2), ...get(P), ...load(0x28), 0xad, ...call(7), ...advance(4)],
    [...get(L), ...i32(-3), ...call(8)],
    [...get(L), ...i32(-1), ...get(P), ...load(0x28), ...call(6), 0x1a, ...get(L), ...i32(-2), ...get(P), ...load(0x28, 4), ...call(5), ...advance(8)],
  ];
  const last = ops.length - 1;
  const body: number[] = [
    ...vector([[2, I32]]),
    ...get(L), ...i32(24), ...call(9), 0x45, 0x04, 0x40, ...i32(0), 0x0f, 0x0b,
    0x03, 0x40,
    ...ops.flatMap(() => [0x02, 0x40]),
    ...get(P), 0x2d, 0, 0, ...set(OP), ...advance(1),
    ...get(OP), 0x0e, ...vector(ops.map((_, i) => [i])), 0,
  ];
  // after block i ends, the loop is (last - i) labels out
  ops.forEach((code, i) => body.push(0x0b, ...code, ...(i === 0 ? [] : br(last - i))));
  body.push(0x0b, ...i32(0), 0x0b);
  return body;
}

/** The builder's part of the helper module (lua-helper-module.ts): `build(L, pointer)`. */
export const WRITER_PART: HelperPart = {
  imports: IMPORTS,
  types: TYPES,
  globals: 0,
  functions: [{ type: 6, body: builderBody }],
  exports: [['build', 0]],
};
export type Build = (L: number, pointer: number) => number;

const INT64_LIMIT = 2 ** 63;
/** Values nested deeper are written by the JavaScript path (which tracks cycles from there on). */
const MAX_WRITE_DEPTH = 8;
/** Strings longer than this (UTF-16 units) take the JavaScript path, which copies them on their own. */
const MAX_STRING = 16 * 1024;
/**
 * The operation buffer's size. A value whose operations do not fit is built in several calls:
 * the tables under construction wait on Lua's stack between them (the stack is the builder's
 * only state), so a large result still crosses once per 64 KB instead of once per field.
 */
const BUFFER_SIZE = 64 * 1024;
const ASCII_COPY_LIMIT = 128;

/** Thrown inside `write` when the value is not one the builder writes; caught by `push`. */
const NOT_WRITTEN = Symbol('not written');

/**
 * Writes plain host data (objects, arrays, strings, numbers, booleans) into Lua as one table
 * through the builder. `push` answers false, having touched nothing in Lua, for anything else
 * (functions, callbacks, bytes, dates, errors, index fallbacks, error values, bigints, deep data, long texts),
 * which the caller then pushes the usual way.
 */
export class LuaTableWriter {
  private readonly build: Build | null;
  private buffer = 0;
  private view?: DataView;
  private heap?: Uint8Array;
  private at = 0;
  private end = 0;
  /** A build is running: a push from inside it (a __gc run by Lua's collector calling the host) takes the other path. */
  private busy = false;
  /** The push in progress: its Lua state, and its stack's top before it once a part was built. */
  private L = 0;
  private base = -1;

  /** `build`: the helper module's builder bound to `m` (null: every value takes the JavaScript path). */
  constructor(private readonly m: LuaModule, build: Build | null, private readonly keyPointer: (key: string) => number) {
    this.build = build;
  }

  /** Pushes `value` (an object) onto L's stack as a table; false when it was left to the caller. */
  push(L: number, value: object): boolean {
    if (!this.build || this.busy) return false;
    if (!this.buffer) {
      this.buffer = this.m._malloc(BUFFER_SIZE);
      if (!this.buffer) return false;
    }
    this.at = this.buffer;
    // one byte kept for the END of a part built early (flush)
    this.end = this.buffer + BUFFER_SIZE - 1;
    this.L = L;
    this.base = -1;
    this.busy = true;
    try {
      try {
        this.writeObject(value, 0);
        this.op(OP_END);
        if (this.build(L, this.buffer) !== 1) throw NOT_WRITTEN;
        return true;
      } catch (error) {
        if (error !== NOT_WRITTEN) throw error;
        // parts already built are dropped: Lua is as it was, and the JavaScript path starts over
        if (this.base >= 0) this.m._lua_settop(L, this.base);
        return false;
      }
    } finally {
      this.busy = false;
    }
  }

  /** Builds the operations written so far, leaving the unfinished tables on L's stack, and empties the buffer. */
  private flush(): void {
    if (this.base < 0) this.base = this.m._lua_gettop(this.L);
    this.views().setUint8(this.at, OP_END);
    if (this.build!(this.L, this.buffer) !== 1) throw NOT_WRITTEN;
    this.at = this.buffer;
  }

  dispose(): void {
    if (this.buffer) this.m._free(this.buffer);
    this.buffer = 0;
  }

  /** The memory views, fetched again after anything that may have grown the module's memory. */
  private views(): DataView {
    const heap = this.m.HEAPU8;
    if (heap !== this.heap || !this.view) {
      this.heap = heap;
      this.view = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
    }
    return this.view;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.end) return;
    if (bytes > BUFFER_SIZE - 1) throw NOT_WRITTEN;
    this.flush();
  }

  private op(code: number): void {
    this.room(1);
    this.views().setUint8(this.at++, code);
  }

  private opWith(code: number, a: number): void {
    this.room(5);
    const view = this.views();
    view.setUint8(this.at, code);
    view.setUint32(this.at + 1, a, true);
    this.at += 5;
  }

  private opWith2(code: number, a: number, b: number): void {
    this.room(9);
    const view = this.views();
    view.setUint8(this.at, code);
    view.setUint32(this.at + 1, a, true);
    view.setUint32(this.at + 5, b, true);
    this.at += 9;
  }

  private writeString(text: string): void {
    const length = text.length;
    if (length > MAX_STRING) throw NOT_WRITTEN;
    this.room(5 + length * 3);
    const view = this.views();
    const start = this.at + 5;
    const bytes = writeUtf8(this.heap!, start, text, ASCII_COPY_LIMIT);
    view.setUint8(this.at, OP_STR);
    view.setUint32(this.at + 1, bytes, true);
    this.at = start + bytes;
  }

  private writeNumber(value: number): void {
    this.room(9);
    const view = this.views();
    if (Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT) {
      // the two 32-bit halves of the integer, little-endian (exact for any integer double)
      const high = Math.floor(value / 2 ** 32);
      view.setUint8(this.at, OP_INT);
      view.setUint32(this.at + 1, value - high * 2 ** 32, true);
      view.setInt32(this.at + 5, high, true);
    } else {
      view.setUint8(this.at, OP_NUM);
      view.setFloat64(this.at + 1, value, true);
    }
    this.at += 9;
  }

  /** Writes the push of one value that is not null or undefined. */
  private writeValue(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'boolean':
        return this.op(value ? OP_TRUE : OP_FALSE);
      case 'number':
        return this.writeNumber(value);
      case 'string':
        return this.writeString(value);
      case 'object':
        return this.writeObject(value as object, depth);
      default:
        throw NOT_WRITTEN;
    }
  }

  private writeObject(object: object, depth: number): void {
    if (depth >= MAX_WRITE_DEPTH || isScriptCallback(object) || object instanceof Uint8Array || object instanceof Date || object instanceof Error) {
      throw NOT_WRITTEN;
    }
    if (Array.isArray(object)) {
      if (Object.keys(object).length !== object.length) throw NOT_WRITTEN;
      this.opWith2(OP_TABLE, object.length, 0);
      for (let i = 0; i < object.length; i++) {
        const item: unknown = object[i];
        if (item === null || item === undefined) continue;
        this.writeValue(item, depth + 1);
        this.opWith(OP_INDEX, i + 1);
      }
      return;
    }
    // a metatable to set: an index fallback's, or an error value's (a failed call's result, off the hot path)
    if (getIndexFallback(object) || isScriptError(object)) throw NOT_WRITTEN;
    const record = object as Record<string, unknown>;
    const keys = Object.keys(record);
    this.opWith2(OP_TABLE, 0, keys.length);
    // the same fields as LuaValues.push: a text equal to the field before's is copied in Lua
    let lastText: string | undefined;
    let lastTextPointer = 0;
    for (const key of keys) {
      const value = record[key];
      if (typeof value === 'string') {
        if (value === lastText && lastTextPointer) {
          const pointer = this.keyPointer(key);
          if (pointer) {
            this.opWith2(OP_COPY, lastTextPointer, pointer);
            continue;
          }
        }
        lastText = value;
        lastTextPointer = this.keyPointer(key);
      } else lastText = undefined;
      if (value === null || value === undefined) continue;
      const pointer = lastText === undefined ? this.keyPointer(key) : lastTextPointer;
      if (!pointer) this.writeString(key);
      this.writeValue(value, depth + 1);
      if (pointer) this.opWith(OP_FIELD, pointer);
      else this.op(OP_RAWSET);
    }
  }
}

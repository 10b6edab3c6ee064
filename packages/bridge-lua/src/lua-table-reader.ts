// A Lua table read into the host by a single call into WebAssembly.
import type { ScriptValue } from '@llmspell/core';
import { leb, signedLeb, vector, type HelperPart, type PartIndices } from './lua-helper-module.js';
import { LUA_REGISTRYINDEX, type LuaModule } from './lua-module.js';

/*
 * Reading a table through the C API from JavaScript costs a crossing per key and value (a
 * lua_next, two lua_type, a lua_tolstring and a lua_settop: about 20 for a workflow step's
 * table), and a script's first reads run on cold code, where each crossing costs most: a
 * 5,000-step workflow spent about 14 µs a step reading its configuration. Instead a small
 * WebAssembly function (below) walks the table with the Lua module's own lua_next /
 * lua_rawgeti / lua_tolstring… and writes what it finds into a buffer in the module's memory:
 * one crossing. It makes exactly the calls LuaValues.readTable makes (raw reads, the array
 * part when rawlen > 0, string and number keys only, a registry reference per Lua function),
 * so the host gets the same value.
 *
 * The records (little-endian; a table records its address for the lazy tables' check):
 *   1 NIL · 2 TRUE · 3 FALSE · 4 INT i64 · 5 NUM f64 · 6 STR len, address, bytes
 *   7 ARRAY n, address, then n values · 8 MAP address, then key and value pairs, then 9 END
 *   10 FUNCTION registry ref
 * A table deeper than MAX_SCAN_DEPTH, a host function (the trampoline) or any other type
 * makes the reader give up (0): the JavaScript path then reads the value, cycles, errors and
 * all. A full buffer (2) is grown and the read tried again. Either way the references made so
 * far are released first and Lua's stack is left as it was.
 */
const NIL = 1;
const TRUE = 2;
const FALSE = 3;
const INT = 4;
const NUM = 5;
const STR = 6;
const ARRAY = 7;
const MAP = 8;
const END = 9;
const FUNCTION = 10;

/** Tables nested deeper go to the JavaScript path (which tracks cycles from depth 8 on). */
const MAX_SCAN_DEPTH = 8;
/** Stack slots a read needs at most: a key and a value per level, and a function's copy. */
const SCAN_STACK_SLOTS = 2 * MAX_SCAN_DEPTH + 8;
const FIRST_BUFFER = 64 * 1024;
/** A full buffer grows this many times over: each try scans the table from its start again. */
const GROWTH = 16;
/** A buffer this large is freed after its read rather than kept for the next. */
const KEPT_BUFFER = 1024 * 1024;
/** Past this, a table is read the usual way rather than through an ever larger buffer. */
const MAX_BUFFER = 16 * 1024 * 1024;

const I32 = 0x7f;
const I64 = 0x7e;
const F64 = 0x7c;
/** The types of the imports and functions, by index. */
const TYPES: [number[], number[]][] = [
  [[I32, I32], [I32]], // 0
  [[I32, I32], [I64]], // 1
  [[I32, I32, I64], [I32]], // 2
  [[I32, I32, I32], [I32]], // 3
  [[I32, I32, I32], [I64]], // 4
  [[I32, I32, I32], [F64]], // 5
  [[I32, I32], []], // 6
  [[I32], []], // 7
  [[I32], [I32]], // 8
  [[I32, I32, I32, I32, I32], [I32]], // 9
  [[], [I32]], // 10
];
/** The Lua module's exports the reader calls, in import order (function index), with their types. */
const IMPORTS = [
  ['lua_next', 0], ['lua_type', 0], ['lua_rawlen', 1], ['lua_rawgeti', 2], ['lua_tolstring', 3], ['lua_tointegerx', 4],
  ['lua_tonumberx', 5], ['lua_toboolean', 0], ['lua_settop', 6], ['lua_checkstack', 0], ['lua_tocfunction', 0],
  ['lua_pushvalue', 6], ['luaL_ref', 0], ['lua_topointer', 0], ['lua_isinteger', 0], ['lua_absindex', 0],
  ['lua_pushnil', 7], ['lua_gettop', 8],
] as const;
const fn = Object.fromEntries(IMPORTS.map(([field], i) => [field, i])) as Record<(typeof IMPORTS)[number][0], number>;
/** The reader's own functions (their index in READER_PART.functions). */
const [VALUE, TABLE, SCAN, AT, STRING, NUMBER] = [0, 1, 2, 3, 4, 5];
/** Globals: the write position, the buffer's end, the trampoline's address. */
const [G_AT, G_END, G_TRAMPOLINE] = [0, 1, 2];

// instructions
const VOID = 0x40;
const block = [0x02, VOID];
const loop = [0x03, VOID];
const ifVoid = [0x04, VOID];
const ifI32 = [0x04, I32];
const ELSE = 0x05;
const END_ = 0x0b;
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const RETURN = 0x0f;
const DROP = 0x1a;
const SELECT = 0x1b;
const get = (local: number) => [0x20, local];
const set = (local: number) => [0x21, local];
const tee = (local: number) => [0x22, local];
const i32 = (value: number) => [0x41, ...signedLeb(value)];
const i64one = [0x42, 0x01];
const load32 = (offset: number) => [0x28, 0, ...leb(offset)];
const store8 = [0x3a, 0, 0];
const store32 = (offset: number) => [0x36, 0, ...leb(offset)];
const store64 = (offset: number) => [0x37, 0, ...leb(offset)];
const storeF64 = (offset: number) => [0x39, 0, ...leb(offset)];
const [EQZ, EQ, NE, GT_U, GE_U, I64_EQZ, I64_LE_U, ADD, I64_ADD, WRAP] = [0x45, 0x46, 0x47, 0x4b, 0x4f, 0x50, 0x58, 0x6a, 0x7c, 0xa7];
const MEMORY_COPY = [0xfc, 0x0a, 0x00, 0x00];

/** `return status` when the status on the stack (kept in `local`) is not 1. */
const passOn = (local: number) => [...tee(local), ...i32(1), NE, ...ifVoid, ...get(local), RETURN, END_];

/** The instructions that depend on where the part sits in the helper module. */
function placed(at: PartIndices) {
  const gget = (global: number) => [0x23, ...leb(at.global(global))];
  const gset = (global: number) => [0x24, ...leb(at.global(global))];
  return {
    gget,
    gset,
    /** `call` of a Lua export (its index in IMPORTS). */
    lua: (i: number) => at.imported(i),
    /** `call` of the reader's own function. */
    own: (k: number) => at.own(k),
    /** `return 2` (full) unless `bytes` more fit before the buffer's end. */
    room: (bytes: number) => [...gget(G_AT), ...i32(bytes), ADD, ...gget(G_END), GT_U, ...ifVoid, ...i32(2), RETURN, END_],
    advance: (bytes: number) => [...gget(G_AT), ...i32(bytes), ADD, ...gset(G_AT)],
    /** Stores the record's code at the write position. */
    code: (value: number) => [...gget(G_AT), ...i32(value), ...store8],
  };
}

/** value(L, depth): the value on top of the stack. */
function valueBody(at: PartIndices): number[] {
  const { gget, lua, own, room, advance, code } = placed(at);
  const [L, DEPTH, T] = [0, 1, 2];
  return [
    ...vector([[1, I32]]),
    ...get(L), ...i32(-1), ...lua(fn.lua_type), ...set(T),
    ...block, // bail
    ...block, // function
    ...block, // table
    ...block, // string
    ...block, // number
    ...block, // boolean
    ...block, // nil
    // by type: nil 0, boolean 1, light userdata 2 (bail), number 3, string 4, table 5, function 6, other: bail
    ...get(T), 0x0e, ...vector([[0], [1], [6], [2], [3], [4], [5]]), 6,
    END_, // nil
    ...room(1), ...code(NIL), ...advance(1), ...i32(1), RETURN,
    END_, // boolean
    ...room(1), ...gget(G_AT), ...i32(TRUE), ...i32(FALSE), ...get(L), ...i32(-1), ...lua(fn.lua_toboolean), SELECT, ...store8,
    ...advance(1), ...i32(1), RETURN,
    END_, // number
    ...get(L), ...i32(-1), ...own(NUMBER), RETURN,
    END_, // string
    ...get(L), ...i32(-1), ...own(STRING), RETURN,
    END_, // table
    ...get(L), ...get(L), ...i32(-1), ...lua(fn.lua_absindex), ...get(DEPTH), ...i32(1), ADD, ...own(TABLE), RETURN,
    END_, // function: a host function (the trampoline) is left to the JavaScript path
    ...get(L), ...i32(-1), ...lua(fn.lua_tocfunction), ...gget(G_TRAMPOLINE), EQ, ...brIf(0),
    ...room(5),
    ...get(L), ...i32(-1), ...lua(fn.lua_pushvalue),
    ...code(FUNCTION),
    ...gget(G_AT), ...get(L), ...i32(LUA_REGISTRYINDEX), ...lua(fn.luaL_ref), ...store32(1),
    ...advance(5), ...i32(1), RETURN,
    END_, // bail
    ...i32(0), END_,
  ];
}

/** string(L, index): the string at `index`, copied. */
function stringBody(at: PartIndices): number[] {
  const { gget, gset, lua, room, code } = placed(at);
  const [L, INDEX, POINTER, LENGTH] = [0, 1, 2, 3];
  return [
    ...vector([[2, I32]]),
    ...room(9),
    // lua_tolstring writes the length straight into the record
    ...get(L), ...get(INDEX), ...gget(G_AT), ...i32(1), ADD, ...lua(fn.lua_tolstring), ...set(POINTER),
    ...gget(G_AT), ...load32(1), ...set(LENGTH),
    ...gget(G_AT), ...i32(9), ADD, ...get(LENGTH), ADD, ...gget(G_END), GT_U, ...ifVoid, ...i32(2), RETURN, END_,
    ...code(STR),
    ...gget(G_AT), ...get(POINTER), ...store32(5),
    ...gget(G_AT), ...i32(9), ADD, ...get(POINTER), ...get(LENGTH), ...MEMORY_COPY,
    ...gget(G_AT), ...i32(9), ADD, ...get(LENGTH), ADD, ...gset(G_AT),
    ...i32(1), END_,
  ];
}

/** number(L, index): the number at `index`, integer or float as Lua has it. */
function numberBody(at: PartIndices): number[] {
  const { gget, lua, room, advance, code } = placed(at);
  const [L, INDEX] = [0, 1];
  return [
    ...vector([]),
    ...room(9),
    ...get(L), ...get(INDEX), ...lua(fn.lua_isinteger),
    ...ifVoid,
    ...code(INT), ...gget(G_AT), ...get(L), ...get(INDEX), ...i32(0), ...lua(fn.lua_tointegerx), ...store64(1),
    ELSE,
    ...code(NUM), ...gget(G_AT), ...get(L), ...get(INDEX), ...i32(0), ...lua(fn.lua_tonumberx), ...storeF64(1),
    END_,
    ...advance(9), ...i32(1), END_,
  ];
}

/** table(L, index, depth): the table at `index` (absolute). */
function tableBody(at: PartIndices): number[] {
  const { gget, lua, own, room, advance, code } = placed(at);
  const [L, INDEX, DEPTH, N, I, KEY_TYPE, S] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...vector([[2, I64], [2, I32]]),
    ...get(DEPTH), ...i32(MAX_SCAN_DEPTH), GE_U, ...ifVoid, ...i32(0), RETURN, END_,
    ...get(L), ...get(INDEX), ...lua(fn.lua_rawlen), ...tee(N), I64_EQZ,
    ...ifVoid,
    // no array part: the key and value pairs, as lua_next gives them
    ...room(5), ...code(MAP),
    ...gget(G_AT), ...get(L), ...get(INDEX), ...lua(fn.lua_topointer), ...store32(1), ...advance(5),
    ...get(L), ...lua(fn.lua_pushnil),
    ...block, // done
    ...loop,
    ...get(L), ...get(INDEX), ...lua(fn.lua_next), EQZ, ...brIf(1),
    ...get(L), ...i32(-2), ...lua(fn.lua_type), ...set(KEY_TYPE),
    ...block, // skip: keys neither strings nor numbers are passed over, as readTable does
    ...get(KEY_TYPE), ...i32(4), EQ,
    ...ifI32,
    ...get(L), ...i32(-2), ...own(STRING),
    ELSE,
    ...get(KEY_TYPE), ...i32(3), NE, ...brIf(1),
    ...get(L), ...i32(-2), ...own(NUMBER),
    END_,
    ...passOn(S),
    ...get(L), ...get(DEPTH), ...own(VALUE), ...passOn(S),
    END_, // skip
    ...get(L), ...i32(-2), ...lua(fn.lua_settop),
    ...br(0),
    END_, // loop
    END_, // done
    ...room(1), ...code(END), ...advance(1), ...i32(1), RETURN,
    END_,
    // the array part, 1..rawlen
    ...room(9), ...code(ARRAY),
    ...gget(G_AT), ...get(N), WRAP, ...store32(1),
    ...gget(G_AT), ...get(L), ...get(INDEX), ...lua(fn.lua_topointer), ...store32(5), ...advance(9),
    ...i64one, ...set(I),
    ...loop,
    ...get(L), ...get(INDEX), ...get(I), ...lua(fn.lua_rawgeti), DROP,
    ...get(L), ...get(DEPTH), ...own(VALUE), ...set(S),
    ...get(L), ...i32(-2), ...lua(fn.lua_settop),
    ...get(S), ...i32(1), NE, ...ifVoid, ...get(S), RETURN, END_,
    ...get(I), ...i64one, I64_ADD, ...tee(I), ...get(N), I64_LE_U, ...brIf(0),
    END_,
    ...i32(1), END_,
  ];
}

/** scan(L, index, buffer, end, trampoline): 1 read, 0 given up, 2 out of room; the stack as it was unless 1. */
function scanBody(at: PartIndices): number[] {
  const { gset, lua, own } = placed(at);
  const [L, INDEX, BUFFER, BUFFER_END, TRAMPOLINE, TOP, S] = [0, 1, 2, 3, 4, 5, 6];
  return [
    ...vector([[2, I32]]),
    ...get(BUFFER), ...gset(G_AT), ...get(BUFFER_END), ...gset(G_END), ...get(TRAMPOLINE), ...gset(G_TRAMPOLINE),
    ...get(L), ...i32(SCAN_STACK_SLOTS), ...lua(fn.lua_checkstack), EQZ, ...ifVoid, ...i32(0), RETURN, END_,
    ...get(L), ...lua(fn.lua_gettop), ...set(TOP),
    ...get(L), ...get(INDEX), ...i32(0), ...own(TABLE), ...tee(S),
    ...i32(1), NE, ...ifVoid, ...get(L), ...get(TOP), ...lua(fn.lua_settop), END_,
    ...get(S), END_,
  ];
}

/** The reader's part of the helper module (lua-helper-module.ts): `scan(L, index, buffer, end, trampoline)` and `at()`. */
export const READER_PART: HelperPart = {
  imports: IMPORTS,
  types: TYPES,
  globals: 3,
  functions: [
    { type: 0, body: valueBody },
    { type: 3, body: tableBody },
    { type: 9, body: scanBody },
    { type: 10, body: (at) => [...vector([]), 0x23, ...leb(at.global(G_AT)), END_] },
    { type: 0, body: stringBody },
    { type: 0, body: numberBody },
  ],
  exports: [['scan', SCAN], ['at', AT]],
};

/** The reader's exports, bound to one Lua module. */
export interface ReaderExports {
  scan(L: number, index: number, buffer: number, end: number, trampoline: number): number;
  at(): number;
}

/** What the reader needs of LuaValues: its string decoding, its callbacks, its lazy tables. */
export interface TableReaderHost {
  /** The trampoline's address (0 until the context made it). */
  readonly trampolinePtr: number;
  /** The text of `length` bytes at `start` of `heap`, which Lua keeps at `luaPointer`. */
  textAt(heap: Uint8Array, start: number, length: number, luaPointer: number): string;
  /** A callback for the Lua function the registry holds under `ref`. */
  callback(ref: number): ScriptValue;
  /** Whether the table at `pointer` is a lazy table still waiting to be filled. */
  waits(pointer: number): boolean;
  /** How many lazy tables wait (0: no table read needs checking). */
  readonly waiting: number;
}

/** What `read` answers when it left the table to the caller. */
export const NOT_READ = Symbol('not read');

/** Sets a key read from Lua (`__proto__` as an own key, not the prototype). */
export function setKey(record: Record<string, ScriptValue>, key: string, item: ScriptValue): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value: item, enumerable: true, writable: true, configurable: true });
  else record[key] = item;
}

/**
 * Reads plain Lua tables (nested up to MAX_SCAN_DEPTH, of nil, booleans, numbers, strings,
 * tables and Lua functions) into the host in one call. `read` answers NOT_READ, with Lua as it
 * was, for anything else, which the caller then reads the usual way.
 */
export class LuaTableReader {
  private readonly reader: ReaderExports | null;
  private buffer = 0;
  private size = 0;
  /** A scan is running: a read from inside it (a __gc run by Lua's collector calling the host) takes the other path. */
  private busy = false;
  private heap!: Uint8Array;
  private view!: DataView;
  private at = 0;

  /** `reader`: the helper module's reader bound to `m` (null: every table takes the JavaScript path). */
  constructor(
    private readonly m: LuaModule,
    reader: ReaderExports | null,
    private readonly host: TableReaderHost,
    private readonly sortKeys: (keys: string[], items: ScriptValue[]) => void,
  ) {
    this.reader = reader;
  }

  /** The table at `index` (absolute) as host data, or NOT_READ when it was left to the caller. */
  read(L: number, index: number): ScriptValue | typeof NOT_READ {
    if (!this.reader || this.busy) return NOT_READ;
    try {
      return this.readGrowing(L, index);
    } finally {
      if (this.size > KEPT_BUFFER) this.freeBuffer();
    }
  }

  private readGrowing(L: number, index: number): ScriptValue | typeof NOT_READ {
    const reader = this.reader!;
    for (let size = this.size || FIRST_BUFFER; ; size = Math.min(size * GROWTH, MAX_BUFFER)) {
      if (size !== this.size) {
        this.freeBuffer();
        this.buffer = this.m._malloc(size);
        if (!this.buffer) return NOT_READ;
        this.size = size;
      }
      let status: number;
      this.busy = true;
      try {
        status = reader.scan(L, index, this.buffer, this.buffer + size, this.host.trampolinePtr || -1);
      } catch (error) {
        // a Lua error (out of memory in luaL_ref) unwinds through the scan: its references go
        this.release(L, reader.at());
        throw error;
      } finally {
        this.busy = false;
      }
      const end = reader.at();
      if (status === 1 && !(this.host.waiting > 0 && this.hasWaitingTable(end))) {
        this.views();
        this.at = this.buffer;
        return this.value();
      }
      this.release(L, end);
      if (status !== 2 || size >= MAX_BUFFER) return NOT_READ;
    }
  }

  dispose(): void {
    this.freeBuffer();
  }

  private freeBuffer(): void {
    if (this.buffer) this.m._free(this.buffer);
    this.buffer = 0;
    this.size = 0;
  }

  private views(): void {
    const heap = this.m.HEAPU8;
    if (heap !== this.heap) {
      this.heap = heap;
      this.view = new DataView(heap.buffer, heap.byteOffset, heap.byteLength);
    }
  }

  /** Releases the references of the functions recorded before `end` (a read not used). */
  private release(L: number, end: number): void {
    this.views();
    for (let at = this.buffer; at < end; ) {
      const record = this.heap[at];
      if (record === FUNCTION) this.m._luaL_unref(L, LUA_REGISTRYINDEX, this.view.getUint32(at + 1, true));
      at = this.skip(at);
    }
  }

  /** Whether a table recorded before `end` is a lazy table still waiting to be filled. */
  private hasWaitingTable(end: number): boolean {
    this.views();
    for (let at = this.buffer; at < end; ) {
      const record = this.heap[at];
      if ((record === MAP || record === ARRAY) && this.host.waits(this.view.getUint32(at + (record === MAP ? 1 : 5), true))) return true;
      at = this.skip(at);
    }
    return false;
  }

  /** The position after the record at `at` (a table's contents are records of their own). */
  private skip(at: number): number {
    switch (this.heap[at]) {
      case INT:
      case NUM:
      case ARRAY:
        return at + 9;
      case STR:
        return at + 9 + this.view.getUint32(at + 1, true);
      case MAP:
      case FUNCTION:
        return at + 5;
      default:
        return at + 1;
    }
  }

  private value(): ScriptValue {
    const { heap, view } = this;
    const at = this.at;
    switch (heap[at]) {
      case NIL:
        this.at = at + 1;
        return null;
      case TRUE:
        this.at = at + 1;
        return true;
      case FALSE:
        this.at = at + 1;
        return false;
      case INT:
        this.at = at + 9;
        // exact for every integer a double holds, rounded as Number(bigint) rounds the rest
        return view.getInt32(at + 5, true) * 2 ** 32 + view.getUint32(at + 1, true);
      case NUM:
        this.at = at + 9;
        return view.getFloat64(at + 1, true);
      case STR:
        return this.text();
      case ARRAY: {
        const length = view.getUint32(at + 1, true);
        this.at = at + 9;
        const list: ScriptValue[] = new Array(length);
        for (let i = 0; i < length; i++) list[i] = this.value();
        return list;
      }
      case MAP:
        this.at = at + 5;
        return this.record();
      case FUNCTION:
        this.at = at + 5;
        return this.host.callback(view.getUint32(at + 1, true));
      default:
        throw new Error(`lua-table-reader: unknown record ${heap[at]} at ${at - this.buffer}`);
    }
  }

  private text(): string {
    const at = this.at;
    const length = this.view.getUint32(at + 1, true);
    this.at = at + 9 + length;
    return this.host.textAt(this.heap, at + 9, length, this.view.getUint32(at + 5, true));
  }

  private record(): Record<string, ScriptValue> {
    const { heap, view } = this;
    // keys and values side by side, sorted as readTable sorts them (Lua's hash order changes between states)
    const keys: string[] = [];
    const items: ScriptValue[] = [];
    let sorted = true;
    for (;;) {
      const at = this.at;
      const kind = heap[at];
      if (kind === END) {
        this.at = at + 1;
        break;
      }
      let key: string;
      if (kind === STR) key = this.text();
      else {
        // a number key as readTable writes it: an integer's exact digits, a float's shortest form
        key = kind === INT ? String(view.getBigInt64(at + 1, true)) : String(view.getFloat64(at + 1, true));
        this.at = at + 9;
      }
      if (sorted && keys.length > 0 && keys[keys.length - 1] > key) sorted = false;
      keys.push(key);
      items.push(this.value());
    }
    if (!sorted) this.sortKeys(keys, items);
    const record: Record<string, ScriptValue> = {};
    for (let i = 0; i < keys.length; i++) setKey(record, keys[i], items[i]);
    return record;
  }
}

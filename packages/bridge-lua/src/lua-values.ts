import {
  LlmspellError, getIndexFallback, isHostMethod, isScriptCallback, isScriptError, type HostFunction, type ScriptCallback, type ScriptValue,
} from '@llmspell/core';
import {
  LUA_REGISTRYINDEX, LUA_TBOOLEAN, LUA_TFUNCTION, LUA_TNIL, LUA_TNONE, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, allocUtf8,
  decodeUtf8, writeUtf8, type LuaModule,
} from './lua-module.js';
import { LuaHelperModule } from './lua-helper-module.js';
import { LuaTableReader, NOT_READ, READER_PART, setKey, type ReaderExports } from './lua-table-reader.js';
import { LuaTableWriter, WRITER_PART, type Build } from './lua-table-writer.js';

/** The table writer's and reader's WebAssembly, one module for both (lua-helper-module.ts). */
const HELPERS = new LuaHelperModule<ReaderExports & { build: Build }>([WRITER_PART, READER_PART]);

/** Deepest table nesting converted either way; deeper data is refused, not recursed into. */
const MAX_DEPTH = 200;
export const TYPE_NAMES = ['nil', 'boolean', 'lightuserdata', 'number', 'string', 'table', 'function', 'userdata', 'thread'];
const INT64_LIMIT = 2 ** 63;
/** Strings up to this many UTF-16 units go through the shared scratch buffer (longer ones get their own). */
const SCRATCH_LIMIT = 64 * 1024;
/** Strings up to this long are tried as plain ASCII first. */
const ASCII_SCAN_LIMIT = 64;
/** Object keys kept as C strings in WASM memory (see keyPointer); past this many, keys cross as before. */
const MAX_KEY_POINTERS = 1024;
/** Lua's short strings (LUAI_MAXSHORTLEN): one copy each, so an address stands for its text while that lives. */
const MAX_SHORT_STRING = 40;
const MAX_SHORT_STRINGS = 1024;
/** Longer keys are rare enough not to keep. */
const MAX_KEPT_KEY_LENGTH = 64;
/**
 * Tables are tracked for cycles from this depth on: a cycle recurses without end, so it still
 * reaches it and is caught one turn later, and the shallow tables of most values (a tool
 * result, an argument table) cost no Set entry (for a fresh host object, a hash made for it).
 */
const TRACK_FROM_DEPTH = 8;
/** Stack slots made sure of once every STACK_CHECK_LEVELS levels (a level takes at most a table, a key and a value, or a metatable's 5). */
const STACK_CHECK_LEVELS = 4;
const STACK_SLOTS_PER_CHECK = 24;

/** One host function pushed into Lua: a C closure whose first upvalue holds this entry's id. */
export interface HostEntry {
  fn: HostFunction;
  /** Called as `obj:m()` or `obj.m()`: the closure's second upvalue is the owning table. */
  method: boolean;
}

/** How Lua functions become ScriptCallbacks (the context runs them). */
export interface CallbackBridge {
  /** A callback for the Lua function stored in the registry under `ref`. */
  make(ref: number): ScriptCallback;
  /** The registry ref of a live callback of this context, if `callback` is one. */
  refOf(callback: ScriptCallback): number | undefined;
}

/** Most tables have a few keys: sorted in place (no index array, no comparator), larger ones by Array.sort. */
const INSERTION_SORT_MAX = 12;

/** Sorts `keys` and moves `items` with them; stable (a key 2 and a key "2" keep their order). */
function sortSideBySide(keys: string[], items: ScriptValue[]): void {
  const n = keys.length;
  if (n > INSERTION_SORT_MAX) {
    const order = keys.map((_, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
    const k = order.map((i) => keys[i]);
    const v = order.map((i) => items[i]);
    for (let i = 0; i < n; i++) {
      keys[i] = k[i];
      items[i] = v[i];
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const key = keys[i];
    const item = items[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > key; j--) {
      keys[j + 1] = keys[j];
      items[j + 1] = items[j];
    }
    keys[j + 1] = key;
    items[j + 1] = item;
  }
}

function isArrayIndex(key: string): boolean {
  return /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

type PathKey = string | number;

/** `$.a.b[1]` from the keys walked from the value's root, as the Lua script indexes it (the same form as bridge-js's errors). */
function formatPath(keys: readonly PathKey[]): string {
  let out = '$';
  for (const key of keys) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += /^[A-Za-z_][\w]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
  }
  return out;
}

/**
 * A value that reaches itself. Thrown where the walk notices (it tracks tables only from
 * TRACK_FROM_DEPTH on, so maybe a turn late); the walk's root then names where the cycle first
 * closes (`located`), by walking again with every table tracked: that costs nothing until it fails.
 */
class CycleError extends LlmspellError {
  constructor(readonly located: { at: readonly PathKey[]; to: readonly PathKey[] } | undefined) {
    super('INVALID_ARGUMENT', located
      ? `cannot pass a value that contains itself (a cycle): the value at ${formatPath(located.at)} refers back to ${formatPath(located.to)}`
      : 'cannot pass a value that contains itself (a cycle)', { details: located ? { path: formatPath(located.at), refersTo: formatPath(located.to) } : {} });
  }
}

/** Where a host value first reaches itself, walked as push() walks it (arrays become 1-based tables). */
function hostCycle(root: unknown): CycleError['located'] {
  const above: object[] = [];
  const keys: PathKey[] = [];
  const walk = (value: unknown): CycleError['located'] => {
    if (typeof value !== 'object' || value === null || isScriptCallback(value) || value instanceof Uint8Array || value instanceof Date || value instanceof Error) return undefined;
    const ancestor = above.indexOf(value);
    if (ancestor >= 0) return { at: keys.slice(), to: keys.slice(0, ancestor) };
    if (above.length >= MAX_DEPTH) return undefined;
    above.push(value);
    try {
      const record = value as Record<string, unknown>;
      for (const key of Object.keys(record)) {
        keys.push(Array.isArray(value) && isArrayIndex(key) ? Number(key) + 1 : key);
        const found = walk(record[key]);
        keys.pop();
        if (found) return found;
      }
      return undefined;
    } finally {
      above.pop();
    }
  };
  return walk(root);
}

/**
 * Converts values between the host and one Lua state (see the README's table), through the
 * raw C API: integers stay integers, strings are UTF-8 bytes, cycles and too deep data are
 * refused. Host functions become C closures over `trampoline`, tied to their entry by a
 * userdata whose __gc forgets the entry.
 */
export class LuaValues {
  readonly hostFns = new Map<number, HostEntry>();
  private nextFnId = 1;
  /** Set by the context once the trampoline and the userdata metatable exist. */
  trampolinePtr = 0;
  hostMetaRef = 0n;
  /** The prelude's ERROR metatable (set by the context): error values (core's markScriptError) get it. */
  errorMetaRef = 0n;
  private readonly lengthPointer: number;
  /** WASM memory strings are copied through on their way into Lua (grown on demand, kept). */
  private scratch = 0;
  private scratchSize = 0;
  /** The metatable of the latest index fallback pushed (see pushFallbackMeta). */
  private fallbackMeta?: { fallback: (key: string) => ScriptValue; ref: bigint };
  /** NUL-terminated copies of object keys in WASM memory, by key (see keyPointer). */
  private readonly keyPointers = new Map<string, number>();
  /** Tables filled on first use (lua-lazy-tables.ts): one read by the host is filled first. */
  lazyTables?: {
    readonly size: number;
    realize(L: number, index: number, pointer: number): void;
    waits(pointer: number): boolean;
    pushResult(L: number, value: ScriptValue): boolean;
  };
  /** Short strings read lately, by the address of their bytes (see readString). */
  private readonly shortStrings = new Map<number, string>();
  /** The tables being read from depth TRACK_FROM_DEPTH on (emptied again as each read ends). */
  readonly readPath = new Set<number>();
  /** Plain tables written into Lua by one call into WebAssembly (lua-table-writer.ts). */
  private readonly tableWriter: LuaTableWriter;
  /** Plain Lua tables read into the host by one call into WebAssembly (lua-table-reader.ts). */
  private readonly tableReader: LuaTableReader;

  constructor(private readonly m: LuaModule, private readonly callbacks: CallbackBridge) {
    this.lengthPointer = m._malloc(8);
    const helpers = HELPERS.exportsFor(m);
    this.tableWriter = new LuaTableWriter(m, helpers?.build ?? null, (key) => this.keyPointer(key));
    const values = this;
    this.tableReader = new LuaTableReader(m, helpers, {
      get trampolinePtr() {
        return values.trampolinePtr;
      },
      get waiting() {
        return values.lazyTables?.size ?? 0;
      },
      waits: (pointer) => this.lazyTables?.waits(pointer) ?? false,
      textAt: (heap, start, length, luaPointer) => this.textAt(heap, start, length, luaPointer),
      callback: (ref) => this.callbacks.make(ref),
    }, sortSideBySide);
  }

  /** A buffer of at least `size` bytes in WASM memory, reused by every string push. */
  private scratchOf(size: number): number {
    if (size > this.scratchSize) {
      const next = Math.max(size, this.scratchSize * 2, 256);
      const pointer = this.m._malloc(next);
      if (!pointer) throw new Error('out of WASM memory');
      if (this.scratch) this.m._free(this.scratch);
      this.scratch = pointer;
      this.scratchSize = next;
    }
    return this.scratch;
  }

  /** The host function behind a trampoline call (its first upvalue), if still known. */
  entryOf(L: number, upvalue: number): HostEntry | undefined {
    const userdata = this.m._lua_touserdata(L, upvalue);
    return userdata ? this.hostFns.get(this.m.HEAP32[userdata >> 2]) : undefined;
  }

  /** __gc of the userdata tying a closure to its host function. */
  forget(L: number): number {
    const userdata = this.m._lua_touserdata(L, 1);
    if (userdata) this.hostFns.delete(this.m.HEAP32[userdata >> 2]);
    return 0;
  }

  dispose(): void {
    this.hostFns.clear();
    try {
      for (const pointer of this.keyPointers.values()) this.m._free(pointer);
      this.keyPointers.clear();
      this.tableWriter.dispose();
      this.tableReader.dispose();
      this.m._free(this.lengthPointer);
      if (this.scratch) this.m._free(this.scratch);
      this.scratch = 0;
    } catch {
      // a module that aborted keeps its memory
    }
  }

  pushString(L: number, text: string): void {
    const { m } = this;
    const length = text.length;
    if (length > SCRATCH_LIMIT) {
      const [pointer, bytes] = allocUtf8(m, text);
      try {
        m._lua_pushlstring(L, pointer, bytes);
      } finally {
        m._free(pointer);
      }
      return;
    }
    // through the scratch buffer: no malloc/free pair per string
    const pointer = this.scratchOf(length * 3 + 1);
    m._lua_pushlstring(L, pointer, writeUtf8(m.HEAPU8, pointer, text, ASCII_SCAN_LIMIT));
  }

  pushBytes(L: number, bytes: Uint8Array): void {
    const pointer = this.m._malloc(Math.max(1, bytes.length));
    try {
      this.m.HEAPU8.set(bytes, pointer);
      this.m._lua_pushlstring(L, pointer, bytes.length);
    } finally {
      this.m._free(pointer);
    }
  }

  pushNumber(L: number, value: number): void {
    if (Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT) this.m._lua_pushinteger(L, BigInt(value));
    else this.m._lua_pushnumber(L, value);
  }

  /** Pushes a host function as a C closure; `ownerIndex` makes it a method of that table. */
  pushHostFunction(L: number, fn: HostFunction, ownerIndex?: number): void {
    const { m } = this;
    const id = this.nextFnId++;
    const userdata = m._lua_newuserdatauv(L, 4, 0);
    m.HEAP32[userdata >> 2] = id;
    this.hostFns.set(id, { fn, method: ownerIndex !== undefined });
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.hostMetaRef);
    m._lua_setmetatable(L, -2);
    if (ownerIndex !== undefined) {
      m._lua_pushvalue(L, ownerIndex);
      m._lua_pushcclosure(L, this.trampolinePtr, 2);
    } else {
      m._lua_pushcclosure(L, this.trampolinePtr, 1);
    }
  }

  /** Pushes one host value (see README: value conversion). Throws on cycles and too deep data. */
  push(L: number, value: unknown, path: Set<object>, depth: number): void {
    if (depth !== 0) return this.pushAny(L, value, path, depth);
    try {
      return this.pushAny(L, value, path, 0);
    } catch (error) {
      throw error instanceof CycleError ? new CycleError(hostCycle(value) ?? error.located) : error;
    }
  }

  private pushAny(L: number, value: unknown, path: Set<object>, depth: number): void {
    const { m } = this;
    if (value === null || value === undefined) return m._lua_pushnil(L);
    switch (typeof value) {
      case 'boolean':
        return m._lua_pushboolean(L, value ? 1 : 0);
      case 'number':
        return this.pushNumber(L, value);
      case 'bigint':
        if (value >= -(2n ** 63n) && value < 2n ** 63n) return m._lua_pushinteger(L, value);
        return m._lua_pushnumber(L, Number(value));
      case 'string':
        return this.pushString(L, value);
      case 'function':
        return this.pushHostFunction(L, value as HostFunction);
      case 'symbol':
        return m._lua_pushnil(L);
      default:
        break;
    }
    const object = value as object;
    // a value's top table: plain data is written whole by the table writer, the rest below
    if (depth === 0 && this.tableWriter.push(L, object)) return;
    if (isScriptCallback(object)) {
      const ref = this.callbacks.refOf(object);
      if (ref !== undefined) return void m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(ref));
      return this.pushHostFunction(L, (...args) => object.call(...args));
    }
    if (object instanceof Uint8Array) return this.pushBytes(L, object);
    if (object instanceof Date) return this.pushString(L, Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString());
    if (object instanceof Error) return this.pushString(L, object.message);
    const tracked = depth >= TRACK_FROM_DEPTH;
    if (tracked && path.has(object)) throw new CycleError(undefined);
    if (depth >= MAX_DEPTH || (depth % STACK_CHECK_LEVELS === 0 && !m._lua_checkstack(L, STACK_SLOTS_PER_CHECK))) {
      throw new LlmspellError('INVALID_ARGUMENT', `cannot pass data nested deeper than ${MAX_DEPTH} levels to Lua`);
    }
    if (tracked) path.add(object);
    try {
      if (Array.isArray(object)) {
        const extra = Object.keys(object).length === object.length ? [] : Object.keys(object).filter((k) => !isArrayIndex(k));
        m._lua_createtable(L, object.length, extra.length);
        const table = m._lua_gettop(L);
        for (let i = 0; i < object.length; i++) {
          const item: unknown = object[i];
          if (item === null || item === undefined) continue;
          this.push(L, item, path, depth + 1);
          m._lua_rawseti(L, table, BigInt(i + 1));
        }
        for (const key of extra) this.setField(L, table, key, (object as unknown as Record<string, unknown>)[key], path, depth);
        return;
      }
      const record = object as Record<string, unknown>;
      const keys = Object.keys(record);
      m._lua_createtable(L, 0, keys.length);
      const table = m._lua_gettop(L);
      // A text equal to the field before's (a tool result's `output` after its `result`) is
      // that field's Lua string again, not a second conversion and copy of the same text.
      let lastText: string | undefined;
      let lastTextKey = '';
      for (const key of keys) {
        const value = record[key];
        if (typeof value === 'string') {
          if (value === lastText && this.copyField(L, table, lastTextKey, key)) continue;
          lastText = value;
          lastTextKey = key;
        } else lastText = undefined;
        this.setField(L, table, key, value, path, depth);
      }
      const fallback = getIndexFallback(object);
      if (fallback) {
        this.pushFallbackMeta(L, fallback);
        m._lua_setmetatable(L, table);
      } else if (this.errorMetaRef !== 0n && isScriptError(object)) {
        m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.errorMetaRef);
        m._lua_setmetatable(L, table);
      }
    } finally {
      if (tracked) path.delete(object);
    }
  }

  /**
   * The metatable whose __index asks `fallback`, made once for the latest fallback pushed: a
   * workflow's step contexts share one for the whole run, so a step costs no new host function.
   */
  pushFallbackMeta(L: number, fallback: (key: string) => ScriptValue): void {
    const { m } = this;
    const cached = this.fallbackMeta;
    if (cached?.fallback === fallback) {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, cached.ref);
      return;
    }
    m._lua_createtable(L, 0, 1);
    this.pushString(L, '__index');
    this.pushHostFunction(L, (_self, key) => (typeof key === 'string' ? fallback(key) : null));
    m._lua_rawset(L, -3);
    m._lua_pushvalue(L, -1);
    const ref = BigInt(m._luaL_ref(L, LUA_REGISTRYINDEX));
    if (cached) m._luaL_unref(L, LUA_REGISTRYINDEX, Number(cached.ref));
    this.fallbackMeta = { fallback, ref };
  }

  /**
   * A key's NUL-terminated copy in WASM memory, made once: the same keys cross on every hook
   * context, step context and result table, and lua_setfield with the same address hits Lua's
   * string cache without hashing. 0 for a key not kept (long, with a NUL, or the table full).
   */
  private keyPointer(key: string): number {
    const kept = this.keyPointers.get(key);
    if (kept !== undefined) return kept;
    if (key.length > MAX_KEPT_KEY_LENGTH || this.keyPointers.size >= MAX_KEY_POINTERS || key.includes('\0')) return 0;
    const [pointer] = allocUtf8(this.m, key, true);
    this.keyPointers.set(key, pointer);
    return pointer;
  }

  /** Sets `table[to]` to `table[from]` (a fresh table: raw) when both keys are kept C strings; false otherwise. */
  private copyField(L: number, table: number, from: string, to: string): boolean {
    const fromPointer = this.keyPointer(from);
    const toPointer = fromPointer ? this.keyPointer(to) : 0;
    if (!toPointer) return false;
    this.m._lua_getfield(L, table, fromPointer);
    this.m._lua_setfield(L, table, toPointer);
    return true;
  }

  setField(L: number, table: number, key: string, value: unknown, path: Set<object>, depth: number): void {
    if (value === null || value === undefined) return;
    const pointer = this.keyPointer(key);
    if (!pointer) this.pushString(L, key);
    if (typeof value === 'function' && isHostMethod(value)) this.pushHostFunction(L, value as HostFunction, table);
    else if (depth !== 0) this.push(L, value, path, depth + 1);
    else {
      // a field set on its own (a lazy table's): the path starts at the field; inside push() the root's own catch names it again
      try {
        this.push(L, value, path, 1);
      } catch (error) {
        if (!(error instanceof CycleError)) throw error;
        const found = hostCycle(value);
        throw new CycleError(found ? { at: [key, ...found.at], to: [key, ...found.to] } : error.located);
      }
    }
    // a fresh table has no metatable: lua_setfield sets it raw, as lua_rawset would
    if (pointer) this.m._lua_setfield(L, table, pointer);
    else this.m._lua_rawset(L, table);
  }

  readString(L: number, index: number): string {
    const { m } = this;
    const pointer = m._lua_tolstring(L, index, this.lengthPointer);
    if (!pointer) return '';
    return this.textAt(m.HEAPU8, pointer, m.HEAP32[this.lengthPointer >> 2] >>> 0, pointer);
  }

  /** The text of `length` bytes at `start` of `heap`: a Lua string's, which Lua keeps at `luaPointer`. */
  private textAt(heap: Uint8Array, start: number, length: number, luaPointer: number): string {
    if (length <= ASCII_SCAN_LIMIT) {
      // Lua keeps one copy of each short string (keys, names), so the same key is read from
      // the same address call after call: the text read there before, if its bytes still
      // match (the address may hold another string since), is the answer
      const known = length <= MAX_SHORT_STRING ? this.shortStrings.get(luaPointer) : undefined;
      if (known !== undefined && known.length === length) {
        let same = 0;
        while (same < length && heap[start + same] === known.charCodeAt(same)) same++;
        if (same === length) return known;
      }
      // short ASCII text is read without TextDecoder (whose call costs more than the copy)
      let text = '';
      let i = 0;
      for (; i < length; i++) {
        const byte = heap[start + i];
        if (byte > 0x7f) break;
        text += String.fromCharCode(byte);
      }
      if (i === length) {
        if (length <= MAX_SHORT_STRING) {
          if (this.shortStrings.size >= MAX_SHORT_STRINGS) this.shortStrings.clear();
          this.shortStrings.set(luaPointer, text);
        }
        return text;
      }
    }
    return decodeUtf8(heap.subarray(start, start + length));
  }

  read(L: number, index: number, path: Set<number>, depth: number): ScriptValue {
    const { m } = this;
    const type = m._lua_type(L, index);
    switch (type) {
      case LUA_TNONE:
      case LUA_TNIL:
        return null;
      case LUA_TBOOLEAN:
        return m._lua_toboolean(L, index) !== 0;
      case LUA_TNUMBER:
        return m._lua_isinteger(L, index) ? Number(m._lua_tointegerx(L, index, 0)) : m._lua_tonumberx(L, index, 0);
      case LUA_TSTRING:
        return this.readString(L, index);
      case LUA_TTABLE: {
        const table = m._lua_absindex(L, index);
        if (depth !== 0) return this.readTable(L, table, path, depth);
        const value = this.tableReader.read(L, table);
        if (value !== NOT_READ) return value;
        try {
          return this.readTable(L, table, path, 0);
        } catch (error) {
          throw error instanceof CycleError ? new CycleError(this.luaCycle(L, table) ?? error.located) : error;
        }
      }
      case LUA_TFUNCTION:
        return this.readFunction(L, index);
      default:
        throw new LlmspellError('INVALID_ARGUMENT', `cannot pass a Lua ${TYPE_NAMES[type] ?? 'value'} to the host`);
    }
  }

  readTable(L: number, index: number, path: Set<number>, depth: number): ScriptValue {
    const { m } = this;
    const tracked = depth >= TRACK_FROM_DEPTH;
    const pointer = tracked ? m._lua_topointer(L, index) : 0;
    if (tracked && path.has(pointer)) throw new CycleError(undefined);
    if (depth >= MAX_DEPTH || (depth % STACK_CHECK_LEVELS === 0 && !m._lua_checkstack(L, STACK_SLOTS_PER_CHECK))) {
      throw new LlmspellError('INVALID_ARGUMENT', `cannot convert Lua tables nested deeper than ${MAX_DEPTH} levels`);
    }
    if (this.lazyTables && this.lazyTables.size > 0) this.lazyTables.realize(L, index, tracked ? pointer : m._lua_topointer(L, index));
    if (tracked) path.add(pointer);
    try {
      const length = m._lua_rawlen(L, index);
      if (length > 0) {
        const list: ScriptValue[] = new Array(length);
        for (let i = 1; i <= length; i++) {
          m._lua_rawgeti(L, index, BigInt(i));
          list[i - 1] = this.read(L, -1, path, depth + 1);
          m._lua_settop(L, -2);
        }
        return list;
      }
      // Lua's hash order changes between states (seeded per state); sorting the keys makes
      // a script's output the same on every run.
      // Keys and values side by side (no pair per entry); most argument tables are small.
      const keys: string[] = [];
      const items: ScriptValue[] = [];
      let sorted = true;
      m._lua_pushnil(L);
      while (m._lua_next(L, index)) {
        const keyType = m._lua_type(L, -2);
        let key: string | undefined;
        if (keyType === LUA_TSTRING) key = this.readString(L, -2);
        else if (keyType === LUA_TNUMBER) key = String(m._lua_isinteger(L, -2) ? m._lua_tointegerx(L, -2, 0) : m._lua_tonumberx(L, -2, 0));
        if (key !== undefined) {
          if (sorted && keys.length > 0 && keys[keys.length - 1] > key) sorted = false;
          keys.push(key);
          items.push(this.read(L, -1, path, depth + 1));
        }
        m._lua_settop(L, -2);
      }
      if (!sorted) sortSideBySide(keys, items);
      const record: Record<string, ScriptValue> = {};
      for (let i = 0; i < keys.length; i++) setKey(record, keys[i], items[i]);
      return record;
    } finally {
      if (tracked) path.delete(pointer);
    }
  }

  /** Where the table at `index` first reaches itself, walked as readTable() walks it (raw, array part or string/number keys). */
  private luaCycle(L: number, index: number): CycleError['located'] {
    const { m } = this;
    const top = m._lua_gettop(L);
    const above: number[] = [];
    const keys: PathKey[] = [];
    const walk = (table: number): CycleError['located'] => {
      const pointer = m._lua_topointer(L, table);
      const ancestor = above.indexOf(pointer);
      if (ancestor >= 0) return { at: keys.slice(), to: keys.slice(0, ancestor) };
      if (above.length >= MAX_DEPTH || !m._lua_checkstack(L, 4)) return undefined;
      above.push(pointer);
      try {
        const length = m._lua_rawlen(L, table);
        if (length > 0) {
          for (let i = 1; i <= length; i++) {
            m._lua_rawgeti(L, table, BigInt(i));
            keys.push(i);
            const found = m._lua_type(L, -1) === LUA_TTABLE ? walk(m._lua_gettop(L)) : undefined;
            keys.pop();
            m._lua_settop(L, -2);
            if (found) return found;
          }
          return undefined;
        }
        m._lua_pushnil(L);
        while (m._lua_next(L, table)) {
          const keyType = m._lua_type(L, -2);
          if (m._lua_type(L, -1) === LUA_TTABLE && (keyType === LUA_TSTRING || keyType === LUA_TNUMBER)) {
            keys.push(keyType === LUA_TSTRING ? this.readString(L, -2) : Number(m._lua_isinteger(L, -2) ? m._lua_tointegerx(L, -2, 0) : m._lua_tonumberx(L, -2, 0)));
            const found = walk(m._lua_gettop(L));
            keys.pop();
            if (found) return found;
          }
          m._lua_settop(L, -2);
        }
        return undefined;
      } finally {
        above.pop();
      }
    };
    try {
      return walk(m._lua_absindex(L, index));
    } finally {
      m._lua_settop(L, top);
    }
  }

  /** Our own host closures come back as the original host function; Lua functions as callbacks. */
  readFunction(L: number, index: number): ScriptValue {
    const { m } = this;
    if (m._lua_tocfunction(L, index) === this.trampolinePtr && m._lua_getupvalue(L, index, 1)) {
      const userdata = m._lua_touserdata(L, -1);
      m._lua_settop(L, -2);
      const entry = userdata ? this.hostFns.get(m.HEAP32[userdata >> 2]) : undefined;
      if (entry) return entry.fn;
    }
    m._lua_pushvalue(L, index);
    const ref = m._luaL_ref(L, LUA_REGISTRYINDEX);
    return this.callbacks.make(ref);
  }
}

import { LlmspellError, getIndexFallback, isScriptError, scriptSnapshotFields, type ScriptValue } from '@llmspell/core';
import { LUA_REGISTRYINDEX, LUA_TTABLE, allocUtf8, type LuaModule } from './lua-module.js';
import type { LuaValues } from './lua-values.js';

/** Snapshots waiting in the host at once, and their bytes (as `weigh` counts them); past either, arguments are pushed as before. */
const MAX_PENDING = 8192;
const MAX_PENDING_BYTES = 4 * 1024 * 1024;
/** A snapshot weighing more than this (about its bytes) is pushed as before: the host keeps it until Lua collects its table. */
const MAX_WEIGHT = 4096;
/**
 * A host call's result marked as a snapshot may weigh up to this (a workflow's result with its
 * step records): its nested records wait too, each filled when first read, so a script that
 * reads `result.success` builds one small table instead of thousands.
 */
const MAX_RESULT_WEIGHT = MAX_PENDING_BYTES;
/** About the bytes of Lua tables and strings per byte `weigh` counts. */
const ALLOCATION_FACTOR = 1;
/** Lazily pushed bytes (as allocated) between two steps of Lua's collector. */
const GC_STEP_BYTES = 32 * 1024;
/** Nesting a lazily pushed snapshot may have (deeper, or a cycle, is pushed as before). */
const MAX_DEPTH = 8;

/**
 * About the bytes `value` holds, or Infinity when it is more than plain data (a function, a
 * Date, binary, a class instance) or weighs more than `budget`: only plain data small enough
 * is worth keeping in the host until the script reads it.
 */
function weigh(value: unknown, budget: number, depth: number): number {
  switch (typeof value) {
    case 'string':
      return 16 + value.length;
    case 'number':
    case 'boolean':
      return 16;
    case 'undefined':
      return 0;
    case 'object':
      break;
    default:
      return Infinity;
  }
  if (value === null) return 0;
  if (depth >= MAX_DEPTH) return Infinity;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null && !Array.isArray(value)) return Infinity;
  let total = 32;
  for (const key of Object.keys(value)) {
    total += key.length + weigh((value as Record<string, unknown>)[key], budget - total, depth + 1);
    if (total > budget) return Infinity;
  }
  return total;
}

/** The tables of one large result that wait, and the bytes the host keeps for them all (counted until the last is filled or collected). */
interface LazyGroup {
  weight: number;
  tables: number;
}

interface PendingTable {
  fields: Record<string, unknown>;
  fallback: ((key: string) => ScriptValue) | undefined;
  /** Its bytes, counted on its own; 0 in a group, which counts them. */
  weight: number;
  /** Set for a large result's tables: their nested records wait too. */
  group?: LazyGroup;
}

/**
 * A plain record (no array, no class instance, no index fallback, no error value, which has a
 * metatable of its own): what a large result's tables leave waiting.
 */
function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !getIndexFallback(value) && !isScriptError(value);
}

/**
 * Callback arguments pushed into Lua as empty tables that fill themselves on first use (a
 * hook's context: most hooks read none or few of its fields, and building its five tables
 * was most of a hook call). Only a record the host marked as a snapshot (plain data made for
 * this call and never changed afterwards, `markScriptSnapshot`) is pushed so; the script
 * cannot tell: any read or write of a key, pairs, next, rawget, rawset, getmetatable and
 * setmetatable fill the table first (the prelude's LAZY metatable, the functions set in
 * `install`), which then gets the metatable it would have had (a workflow step context's index
 * fallback, or none); a table the host reads back (a hook returning its context) is filled
 * before it is read.
 * Until then the host keeps the record, found by the table's address; the table's __gc
 * forgets it when Lua collects an unread table.
 */
export class LuaLazyTables {
  /** Records not yet in their table (their plain fields, and the index fallback of the value pushed), by the table's address. */
  private readonly pending = new Map<number, PendingTable>();
  private pendingBytes = 0;
  private metaRef = 0n;
  private gcStepRef = 0n;
  /** Bytes pushed lazily (as the eager tables would have allocated) since the collector's last step. */
  private unpaced = 0;
  /** "__metatable" as a C string (kept for the context's life). */
  private metatableKey = 0;

  constructor(private readonly m: LuaModule, private readonly values: LuaValues) {}

  get size(): number {
    return this.pending.size;
  }

  /**
   * Completes the prelude's LAZY metatable (under its gc_step function at the top of `L`'s stack; both left there) with the
   * host's __index, __newindex and __gc, keeps it, and sets the globals next, rawget, rawset
   * and getmetatable, which fill a waiting table first; `addFunction` makes C functions.
   */
  install(L: number, addFunction: (fn: (L: number) => number, signature: string) => number): void {
    const { m } = this;
    m._lua_pushvalue(L, -1);
    this.gcStepRef = BigInt(m._luaL_ref(L, LUA_REGISTRYINDEX));
    m._lua_pushvalue(L, -2);
    const set = (name: string, fn: (L: number) => number) => {
      this.values.pushString(L, name);
      m._lua_pushcclosure(L, addFunction(fn, 'ii'), 0);
      m._lua_rawset(L, -3);
    };
    set('__index', (T) => {
      const filled = this.realize(T, 1);
      m._lua_pushvalue(T, 2);
      // filled, the table has its own metatable or none: an index fallback (a step's members) answers as it would have
      if (filled) m._lua_gettable(T, 1);
      else m._lua_rawget(T, 1);
      return 1;
    });
    set('__newindex', (T) => {
      this.realize(T, 1);
      m._lua_settop(T, 3);
      m._lua_rawset(T, 1);
      return 0;
    });
    set('__gc', (T) => {
      const record = this.forget(m._lua_topointer(T, 1));
      if (record) this.release(record);
      return 0;
    });
    this.metaRef = BigInt(m._luaL_ref(L, LUA_REGISTRYINDEX));

    // The base library's raw functions, as in lbaselib.c, filling a waiting table first; as
    // C functions their argument errors read as before ("bad argument #1 to 'next'", the
    // script's line).
    const global = (name: string, fn: (L: number) => number) => {
      m._lua_pushcclosure(L, addFunction(fn, 'ii'), 0);
      const [pointer] = allocUtf8(m, name, true);
      try {
        m._lua_setglobal(L, pointer);
      } finally {
        m._free(pointer);
      }
    };
    global('next', (T) => {
      m._luaL_checktype(T, 1, LUA_TTABLE);
      this.realizeAny(T, 1);
      m._lua_settop(T, 2);
      if (m._lua_next(T, 1)) return 2;
      m._lua_pushnil(T);
      return 1;
    });
    // rawget(t, k) and rawset(t, k, v): the table and `count` - 1 values, then the raw access (its answer at the top)
    const rawAccess = (count: number, access: (T: number) => void) => (T: number) => {
      m._luaL_checktype(T, 1, LUA_TTABLE);
      for (let arg = 2; arg <= count; arg++) m._luaL_checkany(T, arg);
      this.realizeAny(T, 1);
      m._lua_settop(T, count);
      access(T);
      return 1;
    };
    global('rawget', rawAccess(2, (T) => m._lua_rawget(T, 1)));
    global('rawset', rawAccess(3, (T) => m._lua_rawset(T, 1)));
    this.metatableKey = allocUtf8(m, '__metatable', true)[0];
    global('getmetatable', (T) => {
      m._luaL_checkany(T, 1);
      this.realizeAny(T, 1);
      if (!m._lua_getmetatable(T, 1)) {
        m._lua_pushnil(T);
        return 1;
      }
      m._luaL_getmetafield(T, 1, this.metatableKey);
      return 1;
    });
  }

  /** realize, for a table that may or may not wait (no address lookup when none waits). */
  private realizeAny(L: number, index: number): void {
    if (this.pending.size > 0) this.realize(L, index);
  }

  /** Pushes `value` as a table filled on first use, if it is a snapshot worth it; false (nothing pushed) otherwise. */
  push(L: number, value: ScriptValue): boolean {
    return this.pushSnapshot(L, value, MAX_WEIGHT);
  }

  /**
   * push, for a host call's result: one weighing more than a context (up to MAX_RESULT_WEIGHT)
   * waits with its nested records, each filled when first read.
   */
  pushResult(L: number, value: ScriptValue): boolean {
    return this.pushSnapshot(L, value, MAX_RESULT_WEIGHT);
  }

  private pushSnapshot(L: number, value: ScriptValue, maxWeight: number): boolean {
    if (this.pending.size >= MAX_PENDING || typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const fields = scriptSnapshotFields(value);
    if (!fields) return false;
    const weight = weigh(fields, Math.min(maxWeight, MAX_PENDING_BYTES - this.pendingBytes), 0);
    if (weight > maxWeight || this.pendingBytes + weight > MAX_PENDING_BYTES) return false;
    if (weight <= MAX_WEIGHT) this.pushTable(L, { fields, fallback: getIndexFallback(value), weight });
    else this.pushTable(L, { fields, fallback: getIndexFallback(value), weight: 0, group: { weight, tables: 1 } });
    this.pendingBytes += weight;
    // Lua counts none of it: give its collector the work the eager tables' allocations would have, so unread tables go at the same pace
    this.unpaced += weight * ALLOCATION_FACTOR;
    if (this.unpaced >= GC_STEP_BYTES) this.paceCollector(L);
    return true;
  }

  /** Pushes an empty table with the LAZY metatable, waiting for `record`. */
  private pushTable(L: number, record: PendingTable): void {
    const { m } = this;
    m._lua_createtable(L, 0, 0);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.metaRef);
    m._lua_setmetatable(L, -2);
    this.pending.set(m._lua_topointer(L, -1), record);
  }

  /** One incremental GC step for the memory pushed lazily since the last (collectgarbage("step", kb)); its errors are Lua's to report later. */
  private paceCollector(L: number): void {
    const { m } = this;
    const kb = Math.ceil(this.unpaced / 1024);
    this.unpaced = 0;
    if (!m._lua_checkstack(L, 2)) return;
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.gcStepRef);
    m._lua_pushinteger(L, BigInt(kb));
    if (m._lua_pcallk(L, 1, 0, 0, 0, 0) !== 0) m._lua_settop(L, -2);
  }

  /** Whether the table at `pointer` (lua_topointer) still waits for its record. */
  waits(pointer: number): boolean {
    return this.pending.has(pointer);
  }

  /**
   * Fills the table at `index` with its record, if it still waits for it, and gives it the
   * metatable it would have had (its index fallback's, or none). True if it filled it.
   */
  realize(L: number, index: number, pointer = this.m._lua_topointer(L, index)): boolean {
    const record = this.forget(pointer);
    if (record === undefined) return false;
    try {
      this.fill(L, index, record);
    } finally {
      // after its records that wait took their place in its group
      this.release(record);
    }
    return true;
  }

  private fill(L: number, index: number, record: PendingTable): void {
    const { m } = this;
    // a metatable or a key and its value at a time (a table's push checks its own room)
    if (!m._lua_checkstack(L, 3)) throw new LlmspellError('INVALID_ARGUMENT', 'cannot fill a Lua table this deep in the stack');
    const table = m._lua_absindex(L, index);
    if (record.fallback) this.values.pushFallbackMeta(L, record.fallback);
    else m._lua_pushnil(L);
    m._lua_setmetatable(L, table);
    // the metatable now has no __newindex: lua_setfield sets each field raw
    const { fields, group } = record;
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (group && isPlainRecord(value) && this.pending.size < MAX_PENDING) {
        // a large result's record waits in a table of its own, its bytes still the group's
        this.values.pushString(L, key);
        this.pushTable(L, { fields: value, fallback: undefined, weight: 0, group });
        group.tables += 1;
        m._lua_rawset(L, table);
      } else this.values.setField(L, table, key, value, new Set(), 0);
    }
  }

  /** The host no longer keeps `record` for Lua: its bytes, or its group's with the group's last table, stop counting. */
  private release(record: PendingTable): void {
    this.pendingBytes -= record.weight;
    const { group } = record;
    if (group && --group.tables === 0) this.pendingBytes -= group.weight;
  }

  /** Drops the record waiting for the table at `pointer` (filled, or collected unread) and gives it; the caller releases it. */
  private forget(pointer: number) {
    const record = this.pending.get(pointer);
    if (record === undefined) return undefined;
    this.pending.delete(pointer);
    return record;
  }

  dispose(): void {
    this.pending.clear();
    this.pendingBytes = 0;
    try {
      if (this.metatableKey) this.m._free(this.metatableKey);
    } catch {
      // a module that aborted keeps its memory
    }
    this.metatableKey = 0;
  }
}

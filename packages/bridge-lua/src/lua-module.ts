import { createRequire } from 'node:module';
import type * as Wasmoon from 'wasmoon';
import { countingAllocator } from './lua-allocator.js';

// wasmoon ships one CommonJS file; loading it with require skips Node's ESM export scan of
// its 150 KB, which cost more start-up time than the rest of this package.
let wasmoonLib: typeof Wasmoon | undefined;
function wasmoon(): typeof Wasmoon {
  wasmoonLib ??= createRequire(import.meta.url)('wasmoon') as typeof Wasmoon;
  return wasmoonLib;
}

/**
 * The raw Lua 5.4 C API as exported by wasmoon's Emscripten build. The bridge talks to it
 * directly (not through wasmoon's value conversion) so that integers, UTF-8 bytes, cycles,
 * callbacks and yields follow llmspell's rules. `lua_Integer` is 64-bit: BigInt in JS.
 */
export interface LuaModule {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  _realloc(pointer: number, size: number): number;
  addFunction(fn: (...args: number[]) => number | void, signature: string): number;
  removeFunction(pointer: number): void;
  /** The WebAssembly instance's own exports (the C API and `memory`), when they were found. */
  rawExports?: Record<string, unknown>;

  _lua_gettop(L: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_pushvalue(L: number, index: number): void;
  _lua_absindex(L: number, index: number): number;
  _lua_type(L: number, index: number): number;
  _lua_isinteger(L: number, index: number): number;
  _lua_tointegerx(L: number, index: number, isnum: number): bigint;
  _lua_tonumberx(L: number, index: number, isnum: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_tolstring(L: number, index: number, lengthPointer: number): number;
  _lua_rawlen(L: number, index: number): number;
  _lua_rawequal(L: number, a: number, b: number): number;
  _lua_rawgeti(L: number, index: number, n: bigint): number;
  _lua_rawseti(L: number, index: number, n: bigint): void;
  _lua_rawset(L: number, index: number): void;
  _lua_rawget(L: number, index: number): number;
  _lua_next(L: number, index: number): number;
  _lua_topointer(L: number, index: number): number;
  _lua_touserdata(L: number, index: number): number;
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, value: number): void;
  _lua_pushinteger(L: number, value: bigint): void;
  _lua_pushnumber(L: number, value: number): void;
  _lua_pushlstring(L: number, pointer: number, length: number): number;
  _lua_pushcclosure(L: number, fn: number, upvalues: number): void;
  _lua_createtable(L: number, arraySize: number, hashSize: number): void;
  _lua_newuserdatauv(L: number, size: number, userValues: number): number;
  _lua_setmetatable(L: number, index: number): number;
  _lua_newthread(L: number): number;
  _lua_newstate(allocator: number, userData: number): number;
  _lua_close(L: number): void;
  _lua_resume(L: number, from: number, nargs: number, nresultsPointer: number): number;
  _lua_resetthread(L: number): number;
  _lua_yieldk(L: number, nresults: number, ctx: number, k: number): number;
  _lua_error(L: number): number;
  _lua_sethook(L: number, fn: number, mask: number, count: number): void;
  _lua_pcallk(L: number, nargs: number, nresults: number, errfunc: number, ctx: number, k: number): number;
  _lua_setglobal(L: number, name: number): void;
  _lua_getmetatable(L: number, index: number): number;
  _luaL_checktype(L: number, arg: number, type: number): void;
  _luaL_checkany(L: number, arg: number): void;
  _luaL_getmetafield(L: number, index: number, name: number): number;
  _lua_checkstack(L: number, n: number): number;
  _lua_isyieldable(L: number): number;
  _lua_tocfunction(L: number, index: number): number;
  _lua_getupvalue(L: number, funcIndex: number, n: number): number;
  _lua_status(L: number): number;
  _lua_setfield(L: number, index: number, key: number): void;
  _lua_getfield(L: number, index: number, key: number): number;
  _lua_getglobal(L: number, name: number): number;
  _lua_gettable(L: number, index: number): number;
  _lua_callk(L: number, nargs: number, nresults: number, ctx: number, k: number): void;
  _lua_concat(L: number, n: number): void;
  _lua_isstring(L: number, index: number): number;
  _luaL_checklstring(L: number, arg: number, lengthPointer: number): number;
  _luaL_optinteger(L: number, arg: number, fallback: bigint): bigint;
  _luaL_typeerror(L: number, arg: number, typeName: number): number;
  _luaL_where(L: number, level: number): void;
  _luaL_buffinit(L: number, buffer: number): void;
  _luaL_addlstring(buffer: number, pointer: number, length: number): void;
  _luaL_addvalue(buffer: number): void;
  _luaL_pushresult(buffer: number): void;
  _luaL_ref(L: number, table: number): number;
  _luaL_unref(L: number, table: number, ref: number): void;
  _luaL_loadbufferx(L: number, buffer: number, size: number, name: number, mode: number): number;
  _luaopen_base(L: number): number;
  _luaopen_coroutine(L: number): number;
  _luaopen_table(L: number): number;
  _luaopen_string(L: number): number;
  _luaopen_utf8(L: number): number;
  _luaopen_math(L: number): number;
  _luaopen_os(L: number): number;
  _luaopen_debug(L: number): number;
}

export const LUA_OK = 0;
export const LUA_YIELD = 1;
export const LUA_ERRRUN = 2;
export const LUA_ERRSYNTAX = 3;
export const LUA_ERRMEM = 4;
export const LUA_ERRERR = 5;

export const LUA_TNONE = -1;
export const LUA_TNIL = 0;
export const LUA_TBOOLEAN = 1;
export const LUA_TLIGHTUSERDATA = 2;
export const LUA_TNUMBER = 3;
export const LUA_TSTRING = 4;
export const LUA_TTABLE = 5;
export const LUA_TFUNCTION = 6;
export const LUA_TUSERDATA = 7;
export const LUA_TTHREAD = 8;

export const LUA_REGISTRYINDEX = -1_000_000 - 1000;
export const LUA_MASKCOUNT = 1 << 3;
export const LUA_MULTRET = -1;
export const upvalueIndex = (i: number): number => LUA_REGISTRYINDEX - i;

/** A fresh Lua state with traced allocations (the memory cap) on the shared module. */
export interface LuaState {
  readonly module: LuaModule;
  readonly L: number;
  memoryUsed(): number;
  setMemoryMax(bytes: number | undefined): void;
  close(): void;
}

let cached: Promise<{ module: LuaModule }> | undefined;

type WasmApi = { instantiate(...args: unknown[]): Promise<unknown> };

/**
 * wasmoon's build wraps every export of its WASM in a checking function that forwards with
 * `apply(null, arguments)`; the bridge makes several C API calls per value it converts, so
 * those wrappers cost as much as the calls. The module is instantiated with
 * `WebAssembly.instantiate` watched for the instance that exports the Lua API, and the
 * bridge calls that instance's exports directly (same functions, same memory).
 */
async function loadModule(): Promise<{ module: LuaModule }> {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const original = api.instantiate;
  let exports: Record<string, unknown> | undefined;
  api.instantiate = function instantiate(this: unknown, ...args: unknown[]) {
    const result = original.apply(this, args);
    void result.then((made) => {
      const instance = (made as { instance?: { exports?: Record<string, unknown> } }).instance;
      if (instance?.exports && typeof instance.exports.lua_gettop === 'function') exports = instance.exports;
    }, () => undefined);
    return result;
  };
  let wasm: Awaited<ReturnType<Wasmoon.LuaFactory['getLuaModule']>>;
  try {
    wasm = await new (wasmoon().LuaFactory)().getLuaModule();
  } finally {
    api.instantiate = original;
  }
  return { module: directExports(wasm.module as unknown as LuaModule, exports) };
}

/** The module with its `_lua*`/`_luaL*`/`_luaopen*`/`_malloc`/`_free`/`_realloc` taken from the raw exports, when they were found. */
function directExports(module: LuaModule, exports: Record<string, unknown> | undefined): LuaModule {
  if (!exports) return module;
  // everything else (HEAPU8 after memory growth, addFunction) is read through the original
  const direct = Object.create(module) as Record<string, unknown>;
  for (const key of Object.keys(module)) {
    if (!/^_(lua|luaL|luaopen|malloc$|free$|realloc$)/.test(key)) continue;
    const raw = exports[key.slice(1)];
    if (typeof raw === 'function') direct[key] = raw;
  }
  direct.rawExports = exports;
  return direct as unknown as LuaModule;
}

/**
 * The compiled and instantiated WASM module is shared by every context (creating a
 * context then only costs a `lua_newstate`); each context has its own Lua state and its
 * own memory cap, so no script state is shared. If the module ever aborts (an Emscripten
 * RuntimeError) it is dropped and the next context gets a new one.
 */
async function sharedModule(): Promise<{ module: LuaModule }> {
  if (!cached) {
    cached = loadModule();
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

/**
 * Starts compiling the Lua WASM module now, so the work overlaps whatever the caller does
 * next (the CLI loads tools and config meanwhile). Safe to call many times.
 */
export function warmUpLua(): void {
  void sharedModule().catch(() => undefined);
}

/** Forgets the shared module (after it aborted), so the next state gets a fresh one. */
export function discardSharedModule(module: LuaModule): void {
  void cached?.then((entry) => {
    if (entry.module === module) cached = undefined;
  });
}

/**
 * A new Lua state whose allocations are counted against a cap. Lua allocates through this
 * function for every table, string and closure, so the allocator is itself WebAssembly
 * calling the module's `realloc`/`free` (lua-allocator.ts): no call into JavaScript per
 * block. Past the cap it refuses (returns NULL), which Lua raises as "not enough memory":
 * the script cannot stop it.
 */
export async function newLuaState(): Promise<LuaState> {
  const { module } = await sharedModule();
  const allocator = countingAllocator(module);
  const L = module._lua_newstate(allocator.pointer, 0);
  if (!L) {
    allocator.release();
    throw new Error('lua_newstate returned a null pointer');
  }
  let closed = false;
  return {
    module,
    L,
    memoryUsed: allocator.used,
    setMemoryMax: allocator.setMax,
    close: () => {
      if (closed) return;
      closed = true;
      module._lua_close(L);
      allocator.release();
    },
  };
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Copies `text` as UTF-8 into WASM memory; returns [pointer, byteLength]. Free with `_free`. */
export function allocUtf8(module: LuaModule, text: string, nulTerminated = false): [number, number] {
  const bytes = encoder.encode(text);
  const pointer = module._malloc(bytes.length + 1);
  if (!pointer) throw new Error('out of WASM memory');
  module.HEAPU8.set(bytes, pointer);
  if (nulTerminated) module.HEAPU8[pointer + bytes.length] = 0;
  return [pointer, bytes.length];
}

/**
 * Writes `text` as UTF-8 into `heap` at `at` (room for 3 bytes per UTF-16 unit); returns the
 * bytes written. Text up to `asciiLimit` units is copied byte by byte while it is ASCII (most
 * strings crossing are short ASCII: keys, names, numbers as text), skipping TextEncoder's call.
 */
export function writeUtf8(heap: Uint8Array, at: number, text: string, asciiLimit: number): number {
  const length = text.length;
  let i = 0;
  if (length <= asciiLimit) {
    for (; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 0x7f) break;
      heap[at + i] = code;
    }
  }
  return i === length ? length : encoder.encodeInto(text, heap.subarray(at, at + length * 3)).written;
}

export function readBytes(module: LuaModule, pointer: number, length: number): Uint8Array {
  return module.HEAPU8.subarray(pointer, pointer + length);
}

export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

// The C function behind every host function, as WebAssembly: the host call, then the yield.
import type { LuaModule } from './lua-module.js';

/**
 * A host function waiting for a host promise yields its thread: lua_yieldk longjmps, which
 * this WASM build makes a thrown exception that V8 unwinds frame by frame up to lua_resume. As
 * a JavaScript function calling lua_yieldk, the C function put a JavaScript frame and two
 * WASM/JS stubs on that path. This one is WebAssembly calling the Lua module's own lua_yieldk
 * directly. The module, assembled by hand (110 bytes):
 *
 *   (import "e" "host" (func $host (param i32) (result i32)))      ;; LuaHostCalls.callHost
 *   (import "e" "yieldk" (func $yieldk (param i32 i32 i32 i32) (result i32)))  ;; lua_yieldk
 *   (import "e" "k" (global $k i32))                                 ;; the continuation's pointer
 *   (func (export "trampoline") (param $L i32) (result i32) (local $n i32)
 *     ;; n >= 0: n results pushed; n < 0: (AWAIT, id = -n) pushed, the thread yields them
 *     (if (result i32) (i32.ge_s (local.tee $n (call $host (local.get $L))) (i32.const 0))
 *       (then (local.get $n))
 *       (else (call $yieldk (local.get $L) (i32.const 2) (i32.sub (i32.const 0) (local.get $n)) (global.get $k)))))
 */
const TRAMPOLINE_WASM = 'AGFzbQEAAAABDgJgAX8Bf2AEf39/fwF/AhwDAWUEaG9zdAAAAWUGeWllbGRrAAEBZQFrA38AAwIBAAcOAQp0cmFtcG9saW5lAAIKIgEgAQF/IAAQACIBQQBOBH8gAQUgAEECQQAgAWsjABABCws=';

/** The few WebAssembly JS API types used here (this package compiles without the DOM lib). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

/**
 * The trampoline over `host` (a host call: its result count, or −id to yield), yielding with
 * the continuation at `continuationPtr`; undefined when the module does not expose its raw
 * lua_yieldk (the caller then makes the yield from JavaScript).
 */
export function yieldingTrampoline(m: LuaModule, host: (L: number) => number, continuationPtr: number): ((L: number) => number) | undefined {
  const yieldk = m.rawExports?.lua_yieldk;
  if (typeof yieldk !== 'function') return undefined;
  compiled ??= new wasm.Module(Buffer.from(TRAMPOLINE_WASM, 'base64'));
  return new wasm.Instance(compiled, { e: { host, yieldk, k: continuationPtr } }).exports.trampoline as (L: number) => number;
}

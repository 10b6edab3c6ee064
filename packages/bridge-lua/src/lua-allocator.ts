// The allocator of a Lua state: every block Lua allocates, counted against the state's cap.

/**
 * The allocator as a WebAssembly function, so that Lua's allocations (tens per host call
 * that builds tables) stay inside WebAssembly instead of calling into JavaScript and back
 * for each one. `used` and `max` are byte counts (f64: no 32-bit wrap); `max` is
 * Infinity when there is no cap. The module, assembled by hand (207 bytes):
 *
 *   (import "e" "realloc" (func $realloc (param i32 i32) (result i32)))
 *   (import "e" "free" (func $free (param i32)))
 *   (global $used (export "used") (mut f64) (f64.const 0))
 *   (global $max (export "max") (mut f64) (f64.const inf))
 *   (func (export "alloc") (param $ud i32) (param $ptr i32) (param $osize i32) (param $nsize i32) (result i32)
 *     (local $after f64) (local $block i32)
 *     (if (i32.eqz (local.get $nsize)) (then
 *       (if (local.get $ptr) (then
 *         (global.set $used (f64.sub (global.get $used) (f64.convert_i32_u (local.get $osize))))
 *         (call $free (local.get $ptr))))
 *       (return (i32.const 0))))
 *     ;; with no block, osize is the kind of object Lua allocates, not a size
 *     (local.set $after (f64.sub (f64.add (global.get $used) (f64.convert_i32_u (local.get $nsize)))
 *       (if (result f64) (local.get $ptr) (then (f64.convert_i32_u (local.get $osize))) (else (f64.const 0)))))
 *     ;; past the cap a growth is refused (NULL), which Lua raises as "not enough memory"
 *     (if (i32.gt_u (local.get $nsize) (local.get $osize)) (then
 *       (if (f64.gt (local.get $after) (global.get $max)) (then (return (i32.const 0))))))
 *     (local.set $block (call $realloc (local.get $ptr) (local.get $nsize)))
 *     (if (local.get $block) (then (global.set $used (local.get $after))))
 *     (local.get $block))
 */
const ALLOCATOR_WASM = 'AGFzbQEAAAABEwNgAn9/AX9gAX8AYAR/f39/AX8CFgIBZQdyZWFsbG9jAAABZQRmcmVlAAEDAgECBhkCfAFEAAAAAAAAAAALfAFEAAAAAAAA8H8LBxYDBWFsbG9jAAIEdXNlZAMAA21heAMBCmEBXwIBfAF/IANFBEAgAQRAIwAgArihJAAgARABC0EADwsjACADuKAgAQR8IAK4BUQAAAAAAAAAAAuhIQQgAyACSwRAIAQjAWQEQEEADwsLIAEgAxAAIgUEQCAEJAALIAUL';

/** The few WebAssembly JS API types used here (this package compiles without the DOM lib). */
interface WasmGlobal {
  value: number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let compiled: object | undefined;

export interface AllocatorInstance {
  alloc: (userData: number, pointer: number, oldSize: number, newSize: number) => number;
  used: WasmGlobal;
  max: WasmGlobal;
}

/** A new allocator over `realloc` and `free` (the Lua module's C allocator), with its own count and cap. */
export function instantiateAllocator(realloc: (pointer: number, size: number) => number, free: (pointer: number) => void): AllocatorInstance {
  compiled ??= new wasm.Module(Buffer.from(ALLOCATOR_WASM, 'base64'));
  return new wasm.Instance(compiled, { e: { realloc, free } }).exports as AllocatorInstance;
}

/** What the allocator needs of the Lua module (lua-module.ts's LuaModule has it). */
interface AllocatorHost {
  _realloc(pointer: number, size: number): number;
  _free(pointer: number): void;
  addFunction(fn: (...args: number[]) => number, signature: string): number;
  removeFunction(pointer: number): void;
}

/** A Lua allocator in `module`'s function table, counting the bytes of one state. */
export function countingAllocator(module: AllocatorHost): { pointer: number; used(): number; setMax(bytes: number | undefined): void; release(): void } {
  const allocator = instantiateAllocator(module._realloc, module._free);
  const pointer = module.addFunction(allocator.alloc, 'iiiii');
  return {
    pointer,
    used: () => allocator.used.value,
    setMax: (bytes) => {
      allocator.max.value = bytes ?? Infinity;
    },
    release: () => module.removeFunction(pointer),
  };
}

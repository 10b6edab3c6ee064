import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModuleFromVariant, newVariant, type QuickJSSyncVariant, type QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import releaseSyncVariant from '@jitl/quickjs-wasmfile-release-sync';
import { LlmspellError } from '@llmspell/core';

// The node typings used here leave out the WebAssembly namespace; this is the part we use.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 64 * 1024;
/** The variant's own initial heap (static data, C stack, first arena): 16 MiB. */
export const ENGINE_BASE_BYTES = 16 * 1024 * 1024;
/** wasm32 address space ceiling the variant allows. */
const MAX_PAGES = 32768;

/**
 * The compiled WASM code, shared by the whole process (compiling costs ~15 ms). Each
 * context instantiates it with its own linear memory (~5 ms, done ahead of time by a
 * spare), because QuickJS under Emscripten cannot count the bytes of large allocations
 * (malloc_usable_size is unavailable, so `setMemoryLimit` bounds each allocation but
 * not their sum): the memory's `maximum` is the hard cap that really holds, and
 * throwing a context's instance away returns all of its memory.
 */
let compiled: Promise<object> | undefined;

function compiledQuickJS(): Promise<object> {
  if (!compiled) {
    const loading = (async () => {
      const require = createRequire(import.meta.url);
      const bytes = await readFile(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
      return Wasm.compile(bytes);
    })();
    compiled = loading;
    loading.catch(() => {
      if (compiled === loading) compiled = undefined;
    });
  }
  return compiled;
}

async function instantiate(heapBytes: number): Promise<QuickJSWASMModule> {
  try {
    const wasmModule = await compiledQuickJS();
    const maximum = Math.min(MAX_PAGES, Math.ceil((ENGINE_BASE_BYTES + heapBytes) / PAGE));
    const variant = newVariant(releaseSyncVariant as unknown as QuickJSSyncVariant, {
      wasmModule: wasmModule as never,
      wasmMemory: new Wasm.Memory({ initial: ENGINE_BASE_BYTES / PAGE, maximum }) as never,
    });
    const instance = await newQuickJSWASMModuleFromVariant(variant);
    guardMalloc(instance);
    maximumBytes.set(instance, maximum * PAGE);
    return instance;
  } catch (error) {
    throw new LlmspellError('ENGINE_NOT_AVAILABLE', `cannot load the QuickJS engine: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

const mallocFailureHandlers = new WeakMap<QuickJSWASMModule, () => void>();
const maximumBytes = new WeakMap<QuickJSWASMModule, number>();

/**
 * Whether the instance's memory has grown close to its cap, so its allocations are failing.
 * "Close" leaves room for the one large block that failed (a Map or array doubling asks for
 * megabytes at once): within 4 MiB or an eighth of the cap, whichever is more.
 */
export function instanceMemoryFull(module: QuickJSWASMModule): boolean {
  const maximum = maximumBytes.get(module);
  return maximum !== undefined && instanceMemoryBytes(module) >= maximum - Math.max(4 * 1024 * 1024, maximum / 8);
}

/**
 * The library copies host strings and arrays into WASM memory with `_malloc` and writes
 * to the pointer without checking it: at the memory cap that would be address 0. Make a
 * failed allocation throw instead (and tell the context it ran out of memory).
 */
function guardMalloc(instance: QuickJSWASMModule): void {
  const emscripten = (instance as unknown as { module: { _malloc: (bytes: number) => number } }).module;
  const malloc = emscripten._malloc;
  emscripten._malloc = (bytes: number) => {
    const pointer = malloc(bytes);
    if (pointer === 0 && bytes > 0) {
      mallocFailureHandlers.get(instance)?.();
      throw new LlmspellError('SCRIPT_MEMORY_LIMIT', `the script context is out of memory (could not allocate ${bytes} bytes)`);
    }
    return pointer;
  };
}

/** Calls `handler` when copying a value into the instance fails for lack of memory. */
export function onMallocFailure(instance: QuickJSWASMModule, handler: () => void): void {
  mallocFailureHandlers.set(instance, handler);
}

/** One instance kept ready per heap size, so creating a context does not wait for instantiation. */
const spares = new Map<number, Promise<QuickJSWASMModule>>();

function prepareSpare(heapBytes: number): void {
  const spare = instantiate(heapBytes);
  spare.catch(() => {
    if (spares.get(heapBytes) === spare) spares.delete(heapBytes);
  });
  spares.set(heapBytes, spare);
}

/** A fresh QuickJS WASM instance whose heap can grow by at most `heapBytes` beyond the engine's base. */
export async function newQuickJSInstance(heapBytes: number): Promise<QuickJSWASMModule> {
  const spare = spares.get(heapBytes);
  spares.delete(heapBytes);
  const instance = spare ? await spare.catch(() => instantiate(heapBytes)) : await instantiate(heapBytes);
  if (spares.size < 4) prepareSpare(heapBytes);
  return instance;
}

/** Bytes the instance's linear memory has grown to (never shrinks). */
export function instanceMemoryBytes(module: QuickJSWASMModule): number {
  return (module.getWasmMemory() as unknown as WasmMemory).buffer.byteLength;
}

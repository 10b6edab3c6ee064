// Host → engine calls without quickjs-emscripten's per-call allocations (see directEngineCalls).
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';

type Pointer = number;

/** A call's outcome: an owned value handle or an owned exception handle. */
export type EngineResult<T> = { value: T; error?: undefined } | { error: QuickJSHandle };

export interface EngineCalls {
  /** `fn.apply(thisArg, args)` inside the engine (does not run pending jobs). */
  call(fn: QuickJSHandle, thisArg: QuickJSHandle, args: QuickJSHandle[]): EngineResult<QuickJSHandle>;
  /** A new string from text without NUL characters (JSON text), e.g. a host call's answer. */
  newString(text: string): QuickJSHandle;
  /** Runs pending jobs until none is left; answers how many ran. */
  executePendingJobs(): EngineResult<number>;
  /** Frees the buffers (before the runtime is freed). */
  dispose(): void;
}

/** The parts of quickjs-emscripten-core 0.32's QuickJSContext these calls use (not its public API). */
interface ContextInternals {
  ctx?: { value: Pointer };
  rt?: { value: Pointer };
  module?: { _malloc?: (bytes: number) => Pointer; _free?: (ptr: Pointer) => void; HEAPU8?: Uint8Array };
  memory?: { heapValueHandle?: (ptr: Pointer) => QuickJSHandle };
  ffi?: {
    QTS_Call?: (ctx: Pointer, fn: Pointer, thisArg: Pointer, argc: number, argv: Pointer) => Pointer;
    QTS_ResolveException?: (ctx: Pointer, value: Pointer) => Pointer;
    QTS_FreeValuePointer?: (ctx: Pointer, value: Pointer) => void;
    QTS_ExecutePendingJob?: (rt: Pointer, maxJobs: number, lastJobContext: Pointer) => Pointer;
    QTS_FreeValuePointerRuntime?: (rt: Pointer, value: Pointer) => void;
    QTS_NewString?: (ctx: Pointer, text: Pointer) => Pointer;
  };
}

const MAX_ARGS = 8;
/** Texts up to this many UTF-8 bytes are written into a buffer kept for the context; longer ones get their own. */
const SCRATCH_BYTES = 64 * 1024;
const encoder = new TextEncoder();

/**
 * quickjs-emscripten allocates per call what a bridge making many small calls can allocate
 * once: `callFunction` mallocs and frees the argument array and wraps it in a disposable,
 * `executePendingJobs` does the same for its out-pointer. These do the same FFI calls with
 * buffers kept for the context's life (one argument array per nesting level: a call may
 * reach the host and the host call the engine again before the outer call returns). Answers the library's public methods instead when its internals are not
 * the ones this was written for. The runtime must hold this one context only (a JsVm's does).
 */
export function directEngineCalls(runtime: QuickJSRuntime, context: QuickJSContext): EngineCalls {
  const fallback: EngineCalls = {
    call: (fn, thisArg, args) => context.callFunction(fn, thisArg, args) as EngineResult<QuickJSHandle>,
    executePendingJobs: () => {
      const result = runtime.executePendingJobs();
      return result.error ? { error: result.error } : { value: result.value };
    },
    newString: (text) => context.newString(text),
    dispose: () => undefined,
  };
  const internals = context as unknown as ContextInternals;
  const ctx = internals.ctx?.value;
  const rt = internals.rt?.value;
  const module = internals.module;
  const malloc = module?._malloc;
  const free = module?._free;
  const ffi = internals.ffi;
  const qtsCall = ffi?.QTS_Call;
  const resolveException = ffi?.QTS_ResolveException;
  const freeValue = ffi?.QTS_FreeValuePointer;
  const executeJobs = ffi?.QTS_ExecutePendingJob;
  const freeValueRuntime = ffi?.QTS_FreeValuePointerRuntime;
  const qtsNewString = ffi?.QTS_NewString;
  if (typeof ctx !== 'number' || typeof rt !== 'number' || !module?.HEAPU8 || !malloc || !free || !internals.memory?.heapValueHandle
    || !qtsCall || !resolveException || !freeValue || !executeJobs || !freeValueRuntime || !qtsNewString) return fallback;
  const heap = internals.memory as { heapValueHandle: (ptr: Pointer) => QuickJSHandle };
  const buffers: Pointer[] = [];
  let depth = 0;
  const jobContextOut = malloc(4);
  let scratch = 0;
  let scratchBytes = 0;
  let view = new Int32Array(module.HEAPU8.buffer);
  // the WASM memory may have grown (and its old buffer gone) since the last call
  const words = (): Int32Array => {
    if (view.buffer !== module.HEAPU8!.buffer) view = new Int32Array(module.HEAPU8!.buffer);
    return view;
  };
  return {
    call(fn, thisArg, args) {
      if (args.length > MAX_ARGS) return fallback.call(fn, thisArg, args);
      const argv = buffers[depth] ??= malloc(MAX_ARGS * 4);
      const heap32 = words();
      for (let i = 0; i < args.length; i++) heap32[(argv >> 2) + i] = args[i]!.value as unknown as number;
      depth++;
      let result: Pointer;
      try {
        result = qtsCall(ctx, fn.value as unknown as Pointer, thisArg.value as unknown as Pointer, args.length, argv);
      } finally {
        depth--;
      }
      const error = resolveException(ctx, result);
      if (error) {
        freeValue(ctx, result);
        return { error: heap.heapValueHandle(error) };
      }
      return { value: heap.heapValueHandle(result) };
    },
    newString(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit; encodeInto writes straight into the WASM heap
      const most = text.length * 3 + 1;
      const own = most > SCRATCH_BYTES;
      if (!own && most > scratchBytes) {
        if (scratch) free(scratch);
        scratchBytes = Math.max(1024, 2 ** Math.ceil(Math.log2(most)));
        scratch = malloc(scratchBytes);
      }
      const at = own ? malloc(most) : scratch;
      try {
        const bytes = module.HEAPU8!; // read after malloc: the heap may have grown
        const { written } = encoder.encodeInto(text, bytes.subarray(at, at + most - 1));
        bytes[at + written] = 0;
        return heap.heapValueHandle(qtsNewString(ctx, at));
      } finally {
        if (own) free(at);
      }
    },
    executePendingJobs() {
      words()[jobContextOut >> 2] = 0;
      const result = executeJobs(rt, -1, jobContextOut);
      const jobContext = words()[jobContextOut >> 2];
      if (jobContext === 0) {
        freeValueRuntime(rt, result);
        return { value: 0 };
      }
      const value = heap.heapValueHandle(result);
      if (context.typeof(value) === 'number') {
        try {
          return { value: context.getNumber(value) };
        } finally {
          value.dispose();
        }
      }
      return { error: value };
    },
    dispose() {
      for (const buffer of buffers.splice(0)) free(buffer);
      if (scratch) free(scratch);
      free(jobContextOut);
    },
  };
}

// Host → engine calls without quickjs-emscripten's per-call allocations (see directEngineCalls).
import type { ScriptValue } from '@llmspell/core';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { BinaryWriter, NOT_PLAIN, readBinaryValue } from './binary-values.js';

type Pointer = number;

/** A call's outcome: an owned value handle or an owned exception handle. */
export type EngineResult<T> = { value: T; error?: undefined } | { error: QuickJSHandle };

export interface EngineCalls {
  /** `fn.apply(thisArg, args)` inside the engine (does not run pending jobs). */
  call(fn: QuickJSHandle, thisArg: QuickJSHandle, args: QuickJSHandle[]): EngineResult<QuickJSHandle>;
  /** A new string from text without NUL characters (JSON text), e.g. a host call's answer. */
  newString(text: string): QuickJSHandle;
  /**
   * Whether readPlain can answer: then a script passes plain-data arguments as the array
   * itself, else as JSON text.
   */
  binary: boolean;
  /** A value as plain host data, written by the engine in one call (see binary-values.ts); NOT_PLAIN when it is more than that. */
  readPlain(value: QuickJSHandle): ScriptValue | typeof NOT_PLAIN;
  /**
   * Plain host data as a new engine value, read by the engine in one call (see
   * binary-values.ts); undefined when the value is more than plain data.
   */
  newPlain(value: unknown): QuickJSHandle | undefined;
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
    QTS_bjson_encode?: (ctx: Pointer, value: Pointer) => Pointer;
    QTS_GetArrayBuffer?: (ctx: Pointer, value: Pointer) => Pointer;
    QTS_GetArrayBufferLength?: (ctx: Pointer, value: Pointer) => number;
    QTS_bjson_decode?: (ctx: Pointer, value: Pointer) => Pointer;
    QTS_NewArrayBuffer?: (ctx: Pointer, buffer: Pointer, length: number) => Pointer;
  };
}

const MAX_ARGS = 8;
/** Answers up to this size are read from one buffer kept for the context (see newPlain). */
const ANSWER_BYTES = 8 * 1024;
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
    binary: false,
    readPlain: () => NOT_PLAIN,
    newPlain: () => undefined,
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
  const encode = ffi?.QTS_bjson_encode;
  const bufferOf = ffi?.QTS_GetArrayBuffer;
  const lengthOf = ffi?.QTS_GetArrayBufferLength;
  const decode = ffi?.QTS_bjson_decode;
  const newArrayBuffer = ffi?.QTS_NewArrayBuffer;
  if (typeof ctx !== 'number' || typeof rt !== 'number' || !module?.HEAPU8 || !malloc || !free || !internals.memory?.heapValueHandle
    || !qtsCall || !resolveException || !freeValue || !executeJobs || !freeValueRuntime || !qtsNewString) return fallback;
  const heap = internals.memory as { heapValueHandle: (ptr: Pointer) => QuickJSHandle };
  let binary = !!encode && !!bufferOf && !!lengthOf;
  let writes = !!decode && !!newArrayBuffer;
  const writer = new BinaryWriter();
  // An engine ArrayBuffer over bytes kept for the context's life, for answers up to ANSWER_BYTES:
  // per answer, no malloc, no ArrayBuffer made and freed (two engine calls fewer). Only the bridge holds it.
  let answerData = 0;
  let answerBuffer = 0;
  if (writes) {
    answerData = malloc(ANSWER_BYTES);
    if (answerData) {
      answerBuffer = newArrayBuffer!(ctx, answerData, ANSWER_BYTES);
      if (!answerBuffer) free(answerData);
    }
  }
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
  /** The value the engine reads from the bytes in `buffer` (an ArrayBuffer), or undefined when it cannot. */
  const readAnswer = (buffer: Pointer): QuickJSHandle | undefined => {
    const result = decode!(ctx, buffer);
    const error = resolveException(ctx, result);
    if (error) {
      freeValue(ctx, error);
      freeValue(ctx, result);
      return undefined;
    }
    return heap.heapValueHandle(result);
  };
  const calls: EngineCalls = {
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
    get binary() {
      return binary;
    },
    readPlain(value) {
      if (!binary) return NOT_PLAIN;
      const written = encode!(ctx, value.value as unknown as Pointer);
      try {
        // the copy first: a failed write (an exception, not a buffer) gives none, and only then
        // is the exception looked for (one engine call fewer on the usual path)
        const copy = bufferOf!(ctx, written);
        if (!copy) {
          // not data it can write (a function, a getter, a Proxy, …): read the slow way
          const error = resolveException(ctx, written);
          if (error) freeValue(ctx, error);
          return NOT_PLAIN;
        }
        try {
          const length = lengthOf!(ctx, written);
          return readBinaryValue(module.HEAPU8!, copy, copy + length); // the heap read after the copy's malloc
        } finally {
          free(copy);
        }
      } finally {
        freeValue(ctx, written);
      }
    },
    newPlain(value) {
      if (!writes) return undefined;
      const size = writer.encode(value);
      if (size < 0) return undefined;
      if (size <= ANSWER_BYTES && answerBuffer) {
        // into the buffer kept for answers: the reader stops at the value's end (the format is self-delimiting)
        writer.copyInto(module.HEAPU8!, answerData);
        return readAnswer(answerBuffer);
      }
      const at = malloc(Math.max(size, 1));
      if (!at) return undefined;
      writer.copyInto(module.HEAPU8!, at); // read after malloc: the heap may have grown
      // the ArrayBuffer owns (and frees) the bytes from here on
      const buffer = newArrayBuffer!(ctx, at, size);
      try {
        return readAnswer(buffer);
      } finally {
        freeValue(ctx, buffer);
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
      if (answerBuffer) freeValue(ctx, answerBuffer); // frees answerData with it
      answerBuffer = 0;
      for (const buffer of buffers.splice(0)) free(buffer);
      if (scratch) free(scratch);
      free(jobContextOut);
    },
  };
  // Both halves are checked once against the engine (a QuickJS of another format version
  // refuses the bytes or writes others): what does not pass stays on JSON text, as before.
  const sample = { probe: [1, -2, 2 ** 31, 0.5, '', 'é', '\u20ac', null, true, false, { 7: 'x' }], __proto__x: 'y' };
  const expected = JSON.stringify(sample);
  const probe = calls.newPlain(sample);
  const same = probe !== undefined && binary && JSON.stringify(calls.readPlain(probe)) === expected;
  probe?.dispose();
  binary = writes = same;
  return calls;
}

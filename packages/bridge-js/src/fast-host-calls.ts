// A lean path for the engine's calls into the bridge's own host functions (see installFastHostCalls).
import { Lifetime, WeakLifetime, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten-core';

/** Marks a host function implementation that takes the lean path. */
export const FAST_CALL: unique symbol = Symbol('llmspell.fastHostCall');

/**
 * A host function on the lean path, called as the library calls it (borrowed `this` and
 * arguments, an owned handle or an error handle out), so it works on either path.
 */
export type FastHostFunction = ((this: QuickJSHandle, ...args: QuickJSHandle[]) => QuickJSHandle | { error: QuickJSHandle }) & { [FAST_CALL]?: true };

type Pointer = number;
type CallFunction = (ctx: Pointer, thisPtr: Pointer, argc: number, argv: Pointer, fnId: number) => Pointer;

/** The parts of quickjs-emscripten-core 0.32's QuickJSContext the lean path uses (not its public API). */
interface ContextInternals {
  cToHostCallbacks?: { callFunction?: CallFunction };
  getFunction?: (fnId: number) => unknown;
  runtime?: QuickJSRuntime;
  memory?: { copyJSValue?: (ptr: Pointer) => Pointer; freeJSValue?: (ptr: Pointer) => void };
  ffi?: {
    QTS_ArgvGetJSValueConstPointer?: (argv: Pointer, i: number) => Pointer;
    QTS_DupValuePointer?: (ctx: Pointer, ptr: Pointer) => Pointer;
    QTS_Throw?: (ctx: Pointer, error: Pointer) => Pointer;
  };
}

/**
 * quickjs-emscripten runs every call from the engine into a host function through a
 * generator-based "maybe async" wrapper with a disposal scope: about half the cost of a
 * host call. The bridge's host functions are synchronous and manage their own handles, so
 * for functions marked FAST_CALL the context's callback goes straight to them, doing what
 * the wrapper does (borrowed handles in, a duplicated value pointer or a thrown error out);
 * every other function keeps the library's path. Returns false, leaving the context as it
 * was, when the library's internals are not the ones this was written for (then every call
 * takes the library's path: slower, the same behaviour).
 */
export function installFastHostCalls(context: QuickJSContext): boolean {
  const internals = context as unknown as ContextInternals;
  const callbacks = internals.cToHostCallbacks;
  const general = callbacks?.callFunction;
  const getFunction = internals.getFunction;
  const runtime = internals.runtime;
  const copy = internals.memory?.copyJSValue;
  const free = internals.memory?.freeJSValue;
  const argvAt = internals.ffi?.QTS_ArgvGetJSValueConstPointer;
  const dup = internals.ffi?.QTS_DupValuePointer;
  const raise = internals.ffi?.QTS_Throw;
  if (!callbacks || !general || !getFunction || !runtime || !copy || !free || !argvAt || !dup || !raise) return false;
  callbacks.callFunction = (ctxPtr, thisPtr, argc, argv, fnId) => {
    const fn = getFunction.call(context, fnId) as FastHostFunction;
    if (fn[FAST_CALL] !== true) return general(ctxPtr, thisPtr, argc, argv, fnId);
    const self = new WeakLifetime(thisPtr, copy, free, runtime) as unknown as QuickJSHandle;
    const args = new Array<QuickJSHandle>(argc);
    for (let i = 0; i < argc; i++) args[i] = new WeakLifetime(argvAt(argv, i), copy, free, runtime) as unknown as QuickJSHandle;
    let result: QuickJSHandle | { error: QuickJSHandle };
    try {
      result = fn.apply(self, args);
    } catch (error) {
      result = { error: context.newError({ name: 'Error', message: error instanceof Error ? error.message : String(error) }) };
    } finally {
      self.dispose(); // a weak handle: marks it dead, frees nothing
      for (const arg of args) arg.dispose();
    }
    if ('error' in result) {
      try {
        return raise(ctxPtr, result.error.value as unknown as Pointer);
      } finally {
        result.error.dispose();
      }
    }
    // An owned handle whose only disposer frees its value (the usual answer, made for this
    // call): its value pointer goes to the engine as it is, which takes the value and frees the
    // pointer, as a duplicate would have been; the handle is dead from here, as after dispose().
    // Two engine calls (duplicate, free) fewer per answer. Any other handle is duplicated.
    const handle = result as unknown as { _alive?: unknown; _value?: unknown; disposer?: unknown };
    if (Object.getPrototypeOf(result) === Lifetime.prototype && handle.disposer === free && handle._alive === true && typeof handle._value === 'number') {
      handle._alive = false;
      return handle._value;
    }
    try {
      return dup(ctxPtr, result.value as unknown as Pointer);
    } finally {
      result.dispose();
    }
  };
  return true;
}

// Host functions as Lua sees them: a call, its result or error, and the yield while a host promise settles.
import { LlmspellError, type ScriptValue } from '@llmspell/core';
import { LUA_REGISTRYINDEX, upvalueIndex, type LuaModule } from './lua-module.js';
import { hostErrorOf, isLongjmp, type HostErrorRecord } from './lua-errors.js';
import { yieldingTrampoline } from './lua-yield-trampoline.js';
import type { LuaValues } from './lua-values.js';

/** A host promise a Lua thread is waiting for. */
export interface Pending {
  settled?: { ok: true; value: ScriptValue } | { ok: false; error: unknown };
  /** Resumes the waiting thread once the promise settled (unset when nobody waits any more). */
  wake?: () => void;
}

/** What host calls need from the context that owns the Lua state. */
export interface HostCallDeps {
  /** Whether Lua running now must stop (time limit, cancel, outside any run). */
  mustStop(): boolean;
  /** Raises FATAL in `L` (never returns). */
  raiseFatal(L: number): number;
  /** Registry reference of the prelude's AWAIT sentinel (set once the prelude ran). */
  awaitRef(): bigint;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The C functions behind every host function and its continuation after a wait. */
export class LuaHostCalls {
  /** Host promises Lua threads wait for, by the id the thread yielded. */
  readonly pending = new Map<number, Pending>();
  private nextPendingId = 1;
  /** Pointer of the continuation of a host call that waited (set by the context's setup). */
  continuationPtr = 0;
  /** The last host failure raised in Lua: an uncaught error carrying its message keeps its code. */
  lastHostError?: HostErrorRecord;
  /** The Lua thread whose host call is running now (a callback resumed within it counts its C calls from there). */
  callingThread = 0;

  constructor(
    private readonly m: LuaModule,
    private readonly values: LuaValues,
    private readonly deps: HostCallDeps,
  ) {}

  /** Raises a Lua error carrying `message` (never returns: lua_error longjmps). */
  private raise(L: number, message: string): number {
    this.values.pushString(L, message);
    return this.m._lua_error(L);
  }

  private hostFailure(error: unknown): string {
    const failure = hostErrorOf(error);
    this.lastHostError = { message: failure.message, error: failure };
    return failure.message;
  }

  /**
   * The C function behind every host function (a pointer in the module's function table; set
   * `continuationPtr` first). A yield is a longjmp, which this WASM build makes a thrown
   * exception, and V8 never optimizes a function that only ever ends by a throw: the yield is
   * made after `callHost` returned, so that it and what it calls return normally and get
   * optimized even when every host call waits (an MCP tool in a loop). It is made from a small
   * WebAssembly function (lua-yield-trampoline.ts): the throw then unwinds no JavaScript frame
   * on its way to lua_resume, each of which V8 must look up.
   */
  hostFunction(addFunction: (fn: (L: number) => number, signature: string) => number): number {
    const callHost = (L: number) => this.callHost(L);
    const trampoline = yieldingTrampoline(this.m, callHost, this.continuationPtr);
    if (trampoline) return addFunction(trampoline, 'ii');
    return addFunction((L) => {
      const count = callHost(L);
      return count >= 0 ? count : this.m._lua_yieldk(L, 2, -count, this.continuationPtr);
    }, 'ii');
  }

  /** A host function's results pushed (their count), or −id with (AWAIT, id) pushed for the thread to yield. */
  private callHost(L: number): number {
    // past the time limit (or outside any run: a __close or __gc handler of an abandoned
    // run) the script reaches nothing of the host any more
    if (this.deps.mustStop()) return this.deps.raiseFatal(L);
    const { m } = this;
    const entry = this.values.entryOf(L, upvalueIndex(1));
    const top = m._lua_gettop(L);
    let result: unknown;
    let failure: string | undefined;
    try {
      if (!entry) throw new LlmspellError('INTERNAL', 'host function is no longer available');
      const first = entry.method && top >= 1 && m._lua_rawequal(L, 1, upvalueIndex(2)) ? 2 : 1;
      const args: ScriptValue[] = [];
      for (let i = first; i <= top; i++) args.push(this.values.read(L, i, this.values.readPath, 0));
      const caller = this.callingThread;
      this.callingThread = L;
      try {
        result = entry.fn(...args);
      } finally {
        this.callingThread = caller;
      }
    } catch (error) {
      if (isLongjmp(error)) throw error;
      failure = this.hostFailure(error);
    }
    if (failure !== undefined) {
      // a callback this call ran may have hit the run's time limit or cancel: the run ends
      // here, not at the caller's next check (a pcall around the call must not catch it)
      if (this.deps.mustStop()) return this.deps.raiseFatal(L);
      return this.raise(L, failure);
    }
    if (isPromiseLike(result)) return this.awaitHost(L, result);
    return this.pushResult(L, top, result);
  }

  private pushResult(L: number, top: number, value: unknown): number {
    let failure: string | undefined;
    try {
      // a result marked as a snapshot (a workflow's) may wait in the host until the script reads it
      if (!this.values.lazyTables?.pushResult(L, value as ScriptValue)) this.values.push(L, value, new Set(), 0);
    } catch (error) {
      if (isLongjmp(error)) throw error;
      this.m._lua_settop(L, top);
      failure = this.hostFailure(error);
    }
    if (failure !== undefined) return this.raise(L, failure);
    return 1;
  }

  /** Pushes (AWAIT, id) for the calling thread to yield; the driver resumes it when the promise settles. */
  private awaitHost(L: number, promise: PromiseLike<unknown>): number {
    const { m } = this;
    const pending: Pending = {};
    // one reaction per host call: it records the outcome and resumes the waiting thread
    Promise.resolve(promise).then(
      (value) => {
        pending.settled = { ok: true, value: value as ScriptValue };
        pending.wake?.();
      },
      (error: unknown) => {
        pending.settled = { ok: false, error };
        pending.wake?.();
      },
    );
    if (!m._lua_isyieldable(L)) {
      return this.raise(L, this.hostFailure(new LlmspellError('SCRIPT_ERROR',
        'cannot wait for a host call here (inside a metamethod or a callback of a C function such as table.sort or string.gsub)')));
    }
    const id = this.nextPendingId++;
    this.pending.set(id, pending);
    m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.deps.awaitRef());
    m._lua_pushinteger(L, BigInt(id));
    return -id;
  }

  /** Continuation of a host call after its promise settled: its result or its error. */
  continueHost(L: number, id: number): number {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    const settled = pending?.settled;
    if (!settled) return this.raise(L, 'INTERNAL: a host call was resumed before it finished');
    if (!settled.ok) return this.raise(L, this.hostFailure(settled.error));
    return this.pushResult(L, this.m._lua_gettop(L), settled.value);
  }
}

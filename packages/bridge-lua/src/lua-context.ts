import {
  LlmspellError, SCRIPT_CALLBACK, isLlmspellError, toLlmspellError, type ScriptCallback, type ScriptContext,
  type ScriptContextOptions, type ScriptLimits, type ScriptOutput, type ScriptRunOptions, type ScriptSyntaxProblem,
  type ScriptValue,
} from '@llmspell/core';
import {
  LUA_ERRMEM, LUA_MASKCOUNT, LUA_MULTRET, LUA_OK, LUA_REGISTRYINDEX, LUA_TBOOLEAN, LUA_TNIL, LUA_TNUMBER, LUA_TSTRING, LUA_TTABLE, LUA_YIELD,
  allocUtf8, discardSharedModule, newLuaState, type LuaModule, type LuaState,
} from './lua-module.js';
import {
  MEMORY_MESSAGE, hostErrorOf, isLongjmp, limitError, scriptError, splitPosition, syntaxError, type ScriptFailure,
} from './lua-errors.js';
import { LuaHostCalls, type Pending } from './lua-host-calls.js';
import { LuaLazyTables } from './lua-lazy-tables.js';
import { loadChunk } from './lua-chunk.js';
import { RunGuards, atLine, currentLine, timeoutError, type Control } from './lua-run-guards.js';
import { LuaThreadPool } from './lua-thread-pool.js';
import { ContextOptionsSchema, RunOptionsSchema, validate } from './options-schema.js';
import { PRELUDE_CHUNKNAME, PRELUDE_SOURCE } from './prelude.js';
import { LuaStringPatterns } from './lua-string-patterns.js';
import { LuaValues, TYPE_NAMES } from './lua-values.js';

export interface LuaContextTuning {
  /** Lua VM instructions between two checks of the deadline (the count hook). */
  instructionsPerCheck?: number;
}

/** The tables being read, for a value that holds none (never added to). */
const NO_TABLES = new Set<number>();

/**
 * How deep Lua callbacks may run inside one another's host calls. Each level nests a
 * lua_resume on the WASM module's C stack, which has no guard of its own: a hook or a step
 * that calls itself back through the host stops here with a clear error instead.
 */
export const MAX_NESTED_CALLBACKS = 32;

interface Finished {
  status: number;
  count: number;
}

/** A Lua function's registry reference, shared by its callback and the finalizer that frees it. */
interface CallbackRef {
  readonly ref: number;
  released: boolean;
}

/**
 * A Lua function the host holds. A class (methods on its prototype, the context and the
 * reference in private fields) rather than an object of closures: a workflow of thousands
 * of Lua steps makes one per step, and closures plus a WeakMap entry each cost the read
 * of its configuration about as much as all the rest.
 */
class LuaCallback implements ScriptCallback {
  declare readonly [SCRIPT_CALLBACK]: true;
  readonly language = 'lua';
  readonly #context: LuaContext;
  readonly #ref: CallbackRef;

  constructor(context: LuaContext, ref: CallbackRef) {
    this.#context = context;
    this.#ref = ref;
  }

  call(...args: ScriptValue[]): Promise<ScriptValue> {
    return this.#context.callCallback(this.#ref, args);
  }

  callNow(...args: ScriptValue[]): ScriptValue | Promise<ScriptValue> {
    return this.#context.callCallbackNow(this.#ref, args);
  }

  release(): void {
    this.#context.releaseCallback(this.#ref);
  }

  /** The registry reference when `context` made this callback and it is not released. */
  refIn(context: LuaContext): number | undefined {
    return this.#context === context && !this.#ref.released ? this.#ref.ref : undefined;
  }
}
Object.defineProperty(LuaCallback.prototype, SCRIPT_CALLBACK, { value: true });

interface Refs {
  await: bigint;
  fatal: bigint;
  run: bigint;
}

/**
 * One Lua state with the llmspell globals installed. Scripts and callbacks run on
 * threads (coroutines) driven from here: a host function returning a promise yields its
 * thread, the promise is awaited on the Node event loop, and the thread is resumed with
 * the result, so Lua sees a plain synchronous call.
 */
export class LuaContext implements ScriptContext {
  private readonly m: LuaModule;
  private readonly G: number;
  private readonly values: LuaValues;
  private readonly lazyTables: LuaLazyTables;
  private readonly hostCalls: LuaHostCalls;
  /** Frees the reference of a callback the host dropped without releasing it. */
  private readonly callbackFinalizer = new FinalizationRegistry<CallbackRef>((ref) => {
    if (!ref.released && !this.closed) this.m._luaL_unref(this.G, LUA_REGISTRYINDEX, ref.ref);
  });
  private readonly refs: Refs = { await: 0n, fatal: 0n, run: 0n };
  private readonly fnPointers: number[] = [];
  private hookPtr = 0;
  private gcPtr = 0;
  private protectedPtr = 0;
  private protectedTask?: (L: number) => number;
  /** Where lua_resume writes its result count. */
  private readonly scratch: number;
  private awaitPointer = 0;
  private fatalPointer = 0;
  /** The control of the thread being resumed right now (read by the count hook). */
  private active?: Control;
  /** Runs in flight; a callback called meanwhile inherits the latest one's deadline and signal. */
  private readonly runs: Control[] = [];
  private lastFilename = 'script.lua';
  private disposed = false;
  private closed = false;
  private broken?: LlmspellError;
  private readonly guards = new RunGuards();
  private readonly threads: LuaThreadPool;
  private patterns?: LuaStringPatterns;
  /** Callbacks running now inside host calls (nested resumes on the C stack). */
  private nestedCallbacks = 0;

  private constructor(
    private readonly state: LuaState,
    private readonly limits: ScriptLimits,
    private readonly output: ScriptOutput,
    private readonly tuning: LuaContextTuning,
  ) {
    this.m = state.module;
    this.G = state.L;
    this.scratch = this.m._malloc(8);
    this.values = new LuaValues(this.m, {
      make: (ref) => this.makeCallback(ref),
      refOf: (callback) => (callback instanceof LuaCallback ? callback.refIn(this) : undefined),
    });
    this.lazyTables = new LuaLazyTables(this.m, this.values);
    this.values.lazyTables = this.lazyTables;
    this.hostCalls = new LuaHostCalls(this.m, this.values, {
      mustStop: () => this.mustStop(),
      raiseFatal: (L) => this.raiseFatal(L),
      awaitRef: () => this.refs.await,
    });
    this.threads = new LuaThreadPool(this.m, this.G, {
      protect: (L, task) => this.protect(L, task),
      isClosed: () => this.closed,
    });
  }

  static async create(options: ScriptContextOptions, tuning: LuaContextTuning = {}): Promise<LuaContext> {
    validate(ContextOptionsSchema, options, 'createContext');
    const state = await newLuaState();
    const context = new LuaContext(state, options.limits, options.output, tuning);
    try {
      context.setup(options.globals);
    } catch (error) {
      context.dispose();
      throw isLlmspellError(error) ? error : toLlmspellError(error, 'INTERNAL', 'creating the Lua context');
    }
    return context;
  }

  // ---------------------------------------------------------------- setup

  private setup(globals: Record<string, ScriptValue>): void {
    const { m, G } = this;
    this.hostCalls.continuationPtr = this.addFunction((L, _status, id) => this.hostCalls.continueHost(L, id), 'iiii');
    this.values.trampolinePtr = this.hostCalls.hostFunction((fn, signature) => this.addFunction(fn, signature));
    this.hookPtr = this.addFunction((L) => this.onHook(L), 'vii');
    this.gcPtr = this.addFunction((L) => this.values.forget(L), 'ii');
    this.protectedPtr = this.addFunction((L) => this.protectedTask?.(L) ?? 0, 'ii');

    for (const [name, open] of [
      ['_G', m._luaopen_base], ['coroutine', m._luaopen_coroutine], ['table', m._luaopen_table],
      ['string', m._luaopen_string], ['utf8', m._luaopen_utf8], ['math', m._luaopen_math],
      ['os', m._luaopen_os], ['debug', m._luaopen_debug],
    ] as const) {
      open.call(m, G);
      if (name === '_G') m._lua_settop(G, -2);
      else if (name === 'string') {
        // pattern matching the deadline can stop (the C matcher runs where no hook sees it)
        this.patterns = new LuaStringPatterns(m, {
          addFunction: (fn, signature) => this.addFunction(fn, signature),
          shouldStop: () => this.mustStop(),
          raiseStop: (L) => this.raiseFatal(L),
        });
        this.patterns.install(G);
        this.setGlobal(name);
      } else this.setGlobal(name);
    }

    // metatable of the userdata that ties a host function's closure to its entry
    m._lua_createtable(G, 0, 1);
    this.values.pushString(G, '__gc');
    m._lua_pushcclosure(G, this.gcPtr, 0);
    m._lua_rawset(G, -3);
    this.values.hostMetaRef = BigInt(m._luaL_ref(G, LUA_REGISTRYINDEX));

    const [source, length] = allocUtf8(m, PRELUDE_SOURCE);
    const [name] = allocUtf8(m, PRELUDE_CHUNKNAME, true);
    const [mode] = allocUtf8(m, 't', true);
    try {
      if (m._luaL_loadbufferx(G, source, length, name, mode) !== LUA_OK) throw new Error(this.values.readString(G, -1));
    } finally {
      m._free(source);
      m._free(name);
      m._free(mode);
    }
    this.values.pushHostFunction(G, (text) => (this.output.stdout(String(text ?? '')), null));
    this.values.pushHostFunction(G, (text) => (this.output.stderr(String(text ?? '')), null));
    m._lua_pushinteger(G, BigInt(this.limits.memoryBytes));
    if (m._lua_pcallk(G, 3, 6, 0, 0, 0) !== LUA_OK) throw new Error(`Lua prelude failed: ${this.values.readString(G, -1)}`);
    this.values.errorMetaRef = BigInt(m._luaL_ref(G, LUA_REGISTRYINDEX));
    this.lazyTables.install(G, (fn, signature) => this.addFunction(fn, signature));
    m._lua_settop(G, -3);
    this.awaitPointer = m._lua_topointer(G, -3);
    this.fatalPointer = m._lua_topointer(G, -2);
    this.refs.run = BigInt(m._luaL_ref(G, LUA_REGISTRYINDEX));
    this.refs.fatal = BigInt(m._luaL_ref(G, LUA_REGISTRYINDEX));
    this.refs.await = BigInt(m._luaL_ref(G, LUA_REGISTRYINDEX));

    for (const [key, value] of Object.entries(globals)) {
      const top = m._lua_gettop(G);
      try {
        this.values.push(G, value, new Set(), 0);
      } catch (error) {
        m._lua_settop(G, top);
        const failure = hostErrorOf(error);
        throw new LlmspellError(failure.code, `global '${key}': ${failure.detail}`, { cause: error });
      }
      this.setGlobal(key);
    }

    // threads created from G (scripts, callbacks, their coroutines) inherit the hook
    m._lua_sethook(G, this.hookPtr, LUA_MASKCOUNT, this.tuning.instructionsPerCheck ?? 1000);
    this.state.setMemoryMax(this.limits.memoryBytes);
  }

  private addFunction(fn: (...args: number[]) => number | void, signature: string): number {
    const pointer = this.m.addFunction(fn, signature);
    this.fnPointers.push(pointer);
    return pointer;
  }

  private setGlobal(name: string): void {
    const [pointer] = allocUtf8(this.m, name, true);
    try {
      this.m._lua_setglobal(this.G, pointer);
    } finally {
      this.m._free(pointer);
    }
  }

  /**
   * Runs bridge work that allocates in Lua (new threads, callback arguments, registry
   * references) inside lua_pcall: outside a protected call a memory error at the cap would
   * be a Lua panic, which aborts the whole WASM module. `task` may push values and returns
   * how many it left on the stack of `L`; they stay there. The values at `inputs` (indices
   * in the caller's frame) are passed in as the task's stack slots 1..n.
   */
  private protect<T>(L: number, task: (L: number) => { count: number; value: T }, inputs: number[] = []): T {
    const { m } = this;
    const top = m._lua_gettop(L);
    let outcome: { count: number; value: T } | undefined;
    let failure: unknown;
    const previous = this.protectedTask;
    this.protectedTask = (inner) => {
      try {
        outcome = task(inner);
        return outcome.count;
      } catch (error) {
        if (isLongjmp(error)) throw error;
        failure = error;
        return 0;
      }
    };
    let status: number;
    try {
      if (!m._lua_checkstack(L, inputs.length + 2)) {
        throw limitError('SCRIPT_MEMORY_LIMIT', this.lastFilename, `script exceeded its memory limit of ${this.limits.memoryBytes} bytes`);
      }
      m._lua_pushcclosure(L, this.protectedPtr, 0);
      for (const index of inputs) m._lua_pushvalue(L, index);
      status = m._lua_pcallk(L, inputs.length, LUA_MULTRET, 0, 0, 0);
    } finally {
      this.protectedTask = previous;
    }
    if (status !== LUA_OK || failure !== undefined || !outcome) {
      const message = status === LUA_OK ? '' : this.describeTop(L);
      m._lua_settop(L, top);
      if (failure !== undefined) throw failure;
      if (status === LUA_ERRMEM || message === MEMORY_MESSAGE) {
        throw limitError('SCRIPT_MEMORY_LIMIT', this.lastFilename, `script exceeded its memory limit of ${this.limits.memoryBytes} bytes`);
      }
      throw new LlmspellError('INTERNAL', `Lua bookkeeping failed: ${message}`);
    }
    return outcome.value;
  }

  private makeCallback(ref: number): ScriptCallback {
    const record: CallbackRef = { ref, released: false };
    const callback = new LuaCallback(this, record);
    // no unregister token (registering with one costs more): a released reference is marked instead
    this.callbackFinalizer.register(callback, record);
    return callback;
  }

  /** @internal (LuaCallback) */
  releaseCallback(record: CallbackRef): void {
    if (record.released) return;
    record.released = true;
    if (!this.closed) this.m._luaL_unref(this.G, LUA_REGISTRYINDEX, record.ref);
  }


  private onHook(L: number): void {
    if (!this.mustStop()) return;
    // the time limit says where it stopped the running Lua code, as the JavaScript engine's does
    const control = this.active;
    if (control?.fatal?.code === 'SCRIPT_TIMEOUT') control.fatal = atLine(control.fatal, currentLine(this.m, L));
    this.raiseFatal(L);
  }

  /**
   * Whether Lua running now must stop: past the deadline, cancelled, or running outside
   * any run or callback (a __gc or __close handler started by bridge bookkeeping gets one
   * check interval, so it can never hang the host).
   */
  private mustStop(): boolean {
    const control = this.active;
    if (!control) return true;
    if (!control.fatal) {
      if (control.signal?.aborted) control.fatal = limitError('CANCELLED', control.filename, 'script cancelled');
      else if (Date.now() > control.deadline) control.fatal = timeoutError(control);
    }
    return control.fatal !== undefined;
  }

  /** Raises FATAL in `L`: the uncatchable error that ends the run (never returns). */
  private raiseFatal(L: number): number {
    this.m._lua_rawgeti(L, LUA_REGISTRYINDEX, this.refs.fatal);
    return this.m._lua_error(L);
  }

  // ---------------------------------------------------------------- driving threads

  /** `from`: the thread whose host call resumes this one (0 from the event loop); Lua counts C calls on from it. */
  private resume(thread: number, nargs: number, control: Control, from = 0): number {
    if (this.broken) throw this.broken;
    if (this.closed) throw new LlmspellError('CANCELLED', `${control.filename}: the Lua context was disposed`);
    // a host function may start another run synchronously: restore the outer one after
    const outer = this.active;
    this.active = control;
    try {
      return this.m._lua_resume(thread, from, nargs, this.scratch);
    } catch (error) {
      // only a broken VM gets here (Lua errors and yields stay inside lua_resume)
      if (error instanceof Error && error.name === 'RuntimeError') discardSharedModule(this.m);
      this.broken = toLlmspellError(error, 'INTERNAL', 'the Lua VM failed');
      throw this.broken;
    } finally {
      this.active = outer;
      if (this.disposed && !this.closed && !outer) this.close();
    }
  }

  /**
   * Resumes `thread` until it finishes, waiting for the host promises it yields. A thread
   * whose host calls all return at once finishes here synchronously; a wait costs one promise
   * reaction (the host promise's), and the time limit, a cancel or disposal end it early
   * through the run's guard.
   */
  private drive(thread: number, nargs: number, control: Control, resumed?: number): Promise<Finished> {
    return new Promise<Finished>((resolve, reject) => {
      const { guard } = control;
      // made once per drive, not per wait: a thread waits for one host promise at a time
      let waitingOn: Pending | undefined;
      let waitingId = 0;
      const stopWaiting = (): void => {
        if (waitingOn) waitingOn.wake = undefined;
        waitingOn = undefined;
        control.interrupt = undefined;
        guard.waiting.delete(control);
        if (guard.ended && guard.waiting.size === 0) this.guards.disarm(guard);
      };
      const wake = (): void => {
        stopWaiting();
        // the wait may have outlasted the run (a callback spinning to the deadline inside
        // the host's work): the thread then ends here, not at its next check
        const late = this.stopBeforeWait(control);
        if (late) {
          this.hostCalls.pending.delete(waitingId);
          reject(late);
          return;
        }
        step(0);
      };
      const interrupt = (error: LlmspellError): void => {
        stopWaiting();
        this.hostCalls.pending.delete(waitingId);
        reject(error);
      };
      const step = (count: number, status = resumed): void => {
        resumed = undefined;
        if (status === undefined) {
          try {
            status = this.resume(thread, count, control);
          } catch (error) {
            reject(error);
            return;
          }
        }
        if (status !== LUA_YIELD) {
          resolve({ status, count: this.m.HEAP32[this.scratch >> 2] });
          return;
        }
        const { m } = this;
        const yielded = m.HEAP32[this.scratch >> 2];
        const id = yielded === 2 && this.isSentinel(thread, -2, this.awaitPointer) ? Number(m._lua_tointegerx(thread, -1, 0)) : undefined;
        m._lua_settop(thread, -yielded - 1);
        const pending = id === undefined ? undefined : this.hostCalls.pending.get(id);
        if (!pending) {
          reject(new LlmspellError('SCRIPT_ERROR', `${control.filename}: attempt to yield from outside a coroutine`));
          return;
        }
        const stop = this.stopBeforeWait(control);
        if (stop) {
          this.hostCalls.pending.delete(id!);
          reject(stop);
          return;
        }
        waitingOn = pending;
        waitingId = id!;
        pending.wake = wake;
        control.interrupt = interrupt;
        guard.waiting.add(control);
        this.guards.arm(guard);
      };
      step(nargs);
    });
  }

  /**
   * `drive` answering within the call: a thread that finishes without waiting for the host
   * costs no promise; one that yields is driven on (from its yield) by `drive`.
   */
  private driveNow(thread: number, nargs: number, control: Control, from: number): Finished | Promise<Finished> {
    const status = this.resume(thread, nargs, control, from);
    if (status !== LUA_YIELD) return { status, count: this.m.HEAP32[this.scratch >> 2] };
    return this.drive(thread, 0, control, status);
  }

  /** Why `control` must not start waiting for the host (already stopped, cancelled, past the deadline, disposed). */
  private stopBeforeWait(control: Control): LlmspellError | undefined {
    if (!control.fatal) {
      if (control.signal?.aborted) control.fatal = limitError('CANCELLED', control.filename, 'script cancelled');
      else if (this.disposed) control.fatal = limitError('CANCELLED', control.filename, 'the Lua context was disposed');
      else if (Date.now() >= control.deadline) control.fatal = timeoutError(control);
    }
    return control.fatal;
  }

  /**
   * Reads what the prelude's runner returned — (true, results...) or (false, failure) —
   * and turns it into the call's value or its LlmspellError.
   */
  private outcome(thread: number, { status, count }: Finished, control: Control): ScriptValue {
    const { m } = this;
    if (control.fatal) throw control.fatal;
    if (status === LUA_ERRMEM) throw this.memoryError(control);
    if (status !== LUA_OK) {
      throw scriptError({ message: this.describeTop(thread) }, control.filename, this.hostCalls.lastHostError);
    }
    const base = m._lua_gettop(thread) - count + 1;
    if (m._lua_toboolean(thread, base)) {
      if (count < 2) return null;
      // one plain result (a step's number, a hook's text) is read without allocating in Lua: no protected call needed
      if (count === 2) {
        const type = m._lua_type(thread, base + 1);
        if (type === LUA_TNIL || type === LUA_TBOOLEAN || type === LUA_TNUMBER || type === LUA_TSTRING) return this.values.read(thread, base + 1, NO_TABLES, 0);
      }
      try {
        return this.protect(thread, (L) => ({ count: 0, value: this.values.read(L, 1, new Set(), 0) }), [base + 1]);
      } catch (error) {
        if (isLongjmp(error)) throw error;
        throw new LlmspellError('SCRIPT_ERROR', `${control.filename}: cannot return the result: ${hostErrorOf(error).detail}`, {
          cause: error, details: { file: control.filename, line: null },
        });
      }
    }
    const failureIndex = base + 1;
    if (this.isSentinel(thread, failureIndex, this.fatalPointer)) throw control.fatal ?? timeoutError(control);
    if (m._lua_type(thread, failureIndex) === LUA_TSTRING) {
      const message = this.values.readString(thread, failureIndex);
      if (message === MEMORY_MESSAGE) throw this.memoryError(control);
      throw scriptError({ message }, control.filename, this.hostCalls.lastHostError);
    }
    const failure = this.protect(thread, (L) => ({ count: 0, value: this.values.read(L, 1, new Set(), 0) }), [failureIndex]);
    const parts = Array.isArray(failure) ? failure : [];
    const info: ScriptFailure = {
      message: typeof parts[0] === 'string' ? parts[0] : String(parts[0]),
      source: typeof parts[1] === 'string' ? parts[1] : null,
      line: typeof parts[2] === 'number' ? parts[2] : null,
      traceback: typeof parts[3] === 'string' ? parts[3] : undefined,
    };
    if (info.message === MEMORY_MESSAGE) throw this.memoryError(control);
    throw scriptError(info, control.filename, this.hostCalls.lastHostError);
  }

  /** AWAIT and FATAL are tables that never move: compare by address, without pushing anything. */
  private isSentinel(L: number, index: number, pointer: number): boolean {
    return this.m._lua_type(L, index) === LUA_TTABLE && this.m._lua_topointer(L, index) === pointer;
  }

  private describeTop(thread: number): string {
    const type = this.m._lua_type(thread, -1);
    if (type === LUA_TSTRING || type === LUA_TNUMBER) return this.values.readString(thread, -1);
    return `(error object is a ${TYPE_NAMES[type] ?? 'unknown'} value)`;
  }

  private memoryError(control: Control): LlmspellError {
    return limitError('SCRIPT_MEMORY_LIMIT', control.filename, `script exceeded its memory limit of ${this.limits.memoryBytes} bytes`);
  }

  // ---------------------------------------------------------------- ScriptContext

  async run(source: string, options: ScriptRunOptions): Promise<ScriptValue> {
    if (typeof source !== 'string') throw new LlmspellError('INVALID_ARGUMENT', "run: parameter 'source': expected a string");
    validate(RunOptionsSchema, options, 'run');
    const { filename } = options;
    if (this.disposed) throw new LlmspellError('CANCELLED', `${filename}: the Lua context was disposed`);
    if (this.broken) throw this.broken;
    const timeoutMs = options.timeoutMs ?? this.limits.timeoutMs;
    if (options.signal?.aborted) throw limitError('CANCELLED', filename, 'script cancelled');
    const deadline = Date.now() + timeoutMs;
    const guard = this.guards.newGuard(deadline, timeoutMs, options.signal);
    const control: Control = { guard, deadline, timeoutMs, signal: options.signal, filename };
    this.lastFilename = filename;
    this.hostCalls.lastHostError = undefined;
    const { m } = this;
    const { thread, ref } = this.threads.newThread();
    this.runs.push(control);
    try {
      m._lua_rawgeti(thread, LUA_REGISTRYINDEX, this.refs.run);
      const status = loadChunk(m, thread, source, filename);
      if (status !== LUA_OK) {
        const message = this.values.readString(thread, -1);
        throw status === LUA_ERRMEM ? this.memoryError(control) : syntaxError(message, filename);
      }
      const finished = await this.drive(thread, 1, control);
      return this.outcome(thread, finished, control);
    } finally {
      this.runs.splice(this.runs.indexOf(control), 1);
      this.guards.release(guard);
      this.threads.releaseThread(thread, ref);
    }
  }

  async checkSyntax(source: string, filename: string): Promise<ScriptSyntaxProblem | null> {
    if (typeof source !== 'string') throw new LlmspellError('INVALID_ARGUMENT', "checkSyntax: parameter 'source': expected a string");
    if (typeof filename !== 'string' || filename === '') throw new LlmspellError('INVALID_ARGUMENT', "checkSyntax: parameter 'filename': expected a file name");
    if (this.disposed) throw new LlmspellError('CANCELLED', `${filename}: the Lua context was disposed`);
    const { m, G } = this;
    const top = m._lua_gettop(G);
    try {
      const status = loadChunk(m, G, source, filename);
      if (status === LUA_OK) return null;
      const message = this.values.readString(G, -1);
      const { line, text } = splitPosition(message, filename);
      return { file: filename, line, message: text };
    } finally {
      m._lua_settop(G, top);
    }
  }

  /** @internal (LuaCallback) */
  callCallback(record: CallbackRef, args: ScriptValue[]): Promise<ScriptValue> {
    try {
      return Promise.resolve(this.callCallbackNow(record, args));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Runs a Lua function for the host, answering within the call when it finishes without
   * waiting. Called from inside a host call (a hook fired by Tool.invoke, a step of a
   * workflow) it runs as a nested resume on a thread of its own, which Lua 5.4 allows from C,
   * counting C calls on from the calling thread; the caller does not yield. A callback that
   * waits for a host promise suspends only its own thread and answers with a promise, which
   * the calling host call then waits for as for any other.
   */
  /** @internal (LuaCallback) */
  callCallbackNow(record: CallbackRef, args: ScriptValue[]): ScriptValue | Promise<ScriptValue> {
    const current = this.runs[this.runs.length - 1];
    const filename = current?.filename ?? this.lastFilename;
    if (record.released) throw new LlmspellError('INVALID_ARGUMENT', `${filename}: the Lua function was released`);
    if (this.disposed) throw new LlmspellError('CANCELLED', `${filename}: the Lua context was disposed`);
    if (this.broken) throw this.broken;
    const nested = this.active !== undefined;
    // whose run a fatal error here ends: the thread calling the host now, or the run waiting
    // for a host call that went asynchronous (a tool loaded on first use) and calls back
    const caller = this.active ?? current;
    if (nested && this.nestedCallbacks >= MAX_NESTED_CALLBACKS) {
      throw new LlmspellError('SCRIPT_STACK_OVERFLOW',
        `${filename}: Lua callbacks nested more than ${MAX_NESTED_CALLBACKS} deep (a hook or a workflow step that calls itself back through the host?)`,
        { details: { file: filename, line: null } });
    }
    // a callback called while a run is in flight lives under that run's limits
    const guard = current ? current.guard : this.guards.newGuard(Date.now() + this.limits.timeoutMs, this.limits.timeoutMs, undefined);
    const control: Control = { guard, deadline: guard.deadline, timeoutMs: guard.timeoutMs, signal: guard.signal, filename };
    const stop = current ? this.stopBeforeWait(control) : undefined;
    if (stop) throw stop;
    const { m } = this;
    const { thread, ref } = this.threads.newThread();
    const done = () => {
      if (!current) this.guards.release(guard);
      this.threads.releaseThread(thread, ref);
    };
    // The time limit, a cancel or the memory limit ends the calling run too, even if its host
    // call swallows the error (a hook's failure, a workflow step's), as none of them is
    // catchable in the script itself. The memory limit strikes while the callback runs
    // (driveNow throws) or after it waited for the host (outcome throws): both end the caller.
    const endCaller = (error: unknown) => {
      const fatal = control.fatal ?? (isLlmspellError(error) && error.code === 'SCRIPT_MEMORY_LIMIT' ? error : undefined);
      if (caller && fatal) caller.fatal ??= fatal;
      throw error;
    };
    let finished: Finished | Promise<Finished>;
    try {
      m._lua_rawgeti(thread, LUA_REGISTRYINDEX, this.refs.run);
      m._lua_rawgeti(thread, LUA_REGISTRYINDEX, BigInt(record.ref));
      if (args.length > 0) {
        this.protect(thread, (L) => {
          if (!m._lua_checkstack(L, args.length + 8)) throw new LlmspellError('INVALID_ARGUMENT', 'too many arguments for a Lua function');
          for (const arg of args) {
            if (!this.lazyTables.push(L, arg)) this.values.push(L, arg, new Set(), 0);
          }
          return { count: args.length, value: null };
        });
      }
      if (nested) this.nestedCallbacks += 1;
      try {
        finished = this.driveNow(thread, 1 + args.length, control, nested ? this.hostCalls.callingThread : 0);
      } finally {
        if (nested) this.nestedCallbacks -= 1;
      }
    } catch (error) {
      done();
      return endCaller(error);
    }
    if (finished instanceof Promise) return finished.then((f) => this.outcome(thread, f, control)).catch(endCaller).finally(done);
    try {
      return this.outcome(thread, finished, control);
    } catch (error) {
      return endCaller(error);
    } finally {
      done();
    }
  }

  /** Memory the Lua state uses now, in bytes. */
  memoryUsed(): number {
    return this.closed ? 0 : this.state.memoryUsed();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.guards.interruptEvery((control) => limitError('CANCELLED', control.filename, 'the Lua context was disposed'));
    // a host function may dispose from inside a resume: close once it returns
    if (!this.active) this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.broken) {
      try {
        this.state.setMemoryMax(undefined);
        this.state.close();
      } catch {
        // a broken VM cannot be closed; its memory goes with the module
      }
      try {
        for (const pointer of this.fnPointers) this.m.removeFunction(pointer);
        this.m._free(this.scratch);
      } catch {
        // same
      }
    }
    this.values.dispose();
    this.lazyTables.dispose();
    this.hostCalls.pending.clear();
    if (!this.broken) this.patterns?.dispose();
  }
}

// The QuickJS runtime and context a JsVm owns: its state, limits, engine entry and teardown (split from js-vm.ts).
import { LlmspellError, toLlmspellError, type ScriptLimits, type ScriptOutput, type ScriptValue } from '@llmspell/core';
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { directEngineCalls, type EngineCalls } from './direct-engine-calls.js';
import { installFastHostCalls } from './fast-host-calls.js';
import { formatBytes, scriptError } from './js-errors.js';
import { HELPER_CHUNKS, PRELUDE_CHUNKS, PRELUDE_FILENAME, type Helper, type PreludeChunk } from './prelude.js';
import { onMallocFailure } from './quickjs-module.js';

export interface JsVmOptions {
  globals: Record<string, ScriptValue>;
  limits: ScriptLimits;
  output: ScriptOutput;
  stackBytes: number;
}

interface Disposable {
  readonly alive: boolean;
  dispose(): void;
}

/** A promise a host function returned to the script, watched for a rejection nobody handles. */
export interface HostPromiseRecord {
  /** The run it was made in (its first operation). */
  run: Operation | undefined;
  /** The script handled the promise (known at its rejection, else asked when the run ends). */
  observed: boolean;
  settled: boolean;
  rejected: boolean;
  rejection?: unknown;
}

/** One unit of script work (a run or a callback call) with its own budget. */
export interface Operation {
  file: string;
  timeoutMs: number;
  deadline: number;
  signal?: AbortSignal;
  /** Set at the operation's first wait for the host: ends every wait at the deadline. */
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

/** Counters for tests: a disposal that QuickJS refused means a handle was leaked. */
export const engineStats = { uncleanDisposals: 0 };

/**
 * One QuickJS runtime + context with the llmspell globals installed. Owns every
 * long-lived handle it creates so that disposal frees all of them before the context
 * (QuickJS aborts on objects still referenced when a runtime is freed). Every field lives
 * here: the layers above (errors, host promises, values, JsVm) only add methods.
 */
export abstract class JsVmCore {
  protected readonly rt: QuickJSRuntime;
  protected readonly ctx: QuickJSContext;
  /** Calls into the engine that the bridge makes per host call (see direct-engine-calls.ts). */
  protected readonly engine: EngineCalls;
  protected readonly helpers = new Map<Helper, QuickJSHandle>();
  protected primordials: QuickJSHandle | undefined;
  protected consoleObject: QuickJSHandle | undefined;
  protected readonly owned = new Set<Disposable>();
  protected readonly ops = new Set<Operation>();
  protected readonly pendingReleases: QuickJSHandle[] = [];
  /** Script functions the host holds: any of them may later settle what a script awaits. */
  protected readonly liveCallbacks = new Set<QuickJSHandle>();
  protected waiters: Array<() => void> = [];
  protected readonly finalizer = new FinalizationRegistry<QuickJSHandle>((handle) => this.releaseHandle(handle));
  protected interruptReason: 'timeout' | 'cancelled' | undefined;
  /** Filename of the latest run, named in errors of callbacks created outside a run. */
  protected lastFile = 'script';
  /** Nesting of synchronous calls into QuickJS; disposal waits until it is back to 0. */
  protected depth = 0;
  /** Host promises and callback calls in progress: work that may still settle a script promise. */
  protected inflight = 0;
  protected readonly hostPromises = new Map<number, HostPromiseRecord>();
  protected nextHostPromise = 1;
  /** Rejections of promises the script dropped (`main();`), with the line of the statement. */
  protected floatingFailures: Array<{ error: QuickJSHandle; line: number }> = [];
  protected disposeRequested = false;
  protected freed = false;
  /** A timeout, cancel or memory failure: the context must not run anything more. */
  fatal: LlmspellError | undefined;
  /** Whether the engine calls the bridge's host functions on the lean path (see fast-host-calls.ts). */
  fastHostCalls = false;
  /** The WASM instance itself is in an unknown state (native stack overflow): never call into it again. */
  poisoned = false;

  constructor(readonly module: QuickJSWASMModule, protected readonly options: JsVmOptions) {
    onMallocFailure(module, () => {
      this.setFatal(new LlmspellError('SCRIPT_MEMORY_LIMIT', `script exceeded its memory limit of ${formatBytes(options.limits.memoryBytes)}`));
    });
    this.rt = module.newRuntime();
    try {
      this.rt.setMaxStackSize(options.stackBytes);
      this.rt.setInterruptHandler(() => this.shouldInterrupt());
      this.rt.setModuleLoader((name) => ({
        error: new Error(`import of '${name}' is not allowed: scripts run sandboxed and cannot load modules; use the injected globals (Tool, Agent, State, ...)`),
      }));
      this.ctx = this.rt.newContext();
      this.fastHostCalls = installFastHostCalls(this.ctx);
      this.engine = directEngineCalls(this.rt, this.ctx);
    } catch (error) {
      this.rt.dispose();
      throw error;
    }
    try {
      this.setup();
    } catch (error) {
      this.dispose();
      throw toLlmspellError(error, 'INTERNAL', 'cannot set up the JavaScript context');
    }
    this.rt.setMemoryLimit(options.limits.memoryBytes);
  }

  get disposed(): boolean {
    return this.disposeRequested;
  }

  /** Evaluates one prelude chunk and keeps its helpers. */
  protected loadChunk(chunk: PreludeChunk): void {
    const evaluated = this.enter(() => this.ctx.evalCode(PRELUDE_CHUNKS[chunk], PRELUDE_FILENAME, { type: 'global', strict: true }));
    if (evaluated.error) throw this.engineFailure(evaluated.error);
    let helpers: QuickJSHandle;
    try {
      // the call chunk learns whether plain-data arguments go as the array itself (see prelude.ts)
      const extra = chunk === 'call' ? [this.engine.binary ? this.ctx.true : this.ctx.false] : [];
      const called = this.enter(() => this.ctx.callFunction(evaluated.value, this.ctx.undefined, this.primordials!, ...extra));
      if (called.error) throw this.engineFailure(called.error);
      helpers = called.value;
    } finally {
      evaluated.value.dispose();
    }
    try {
      for (const [name, owner] of Object.entries(HELPER_CHUNKS) as Array<[Helper, PreludeChunk]>) {
        if (owner !== chunk) continue;
        const handle = this.ctx.getProp(helpers, name);
        this.owned.add(handle);
        this.helpers.set(name, handle);
      }
    } finally {
      helpers.dispose();
    }
  }

  protected releaseHandle(handle: QuickJSHandle): void {
    if (this.freed || !handle.alive) return;
    if (this.depth > 0) {
      this.pendingReleases.push(handle);
      return;
    }
    this.owned.delete(handle);
    this.liveCallbacks.delete(handle);
    if (!this.poisoned) handle.dispose();
  }

  protected beginOp(file: string, timeoutMs: number, signal?: AbortSignal): Operation {
    const budget = Math.max(0, timeoutMs);
    const op: Operation = { file, timeoutMs: budget, deadline: Date.now() + budget, signal };
    this.ops.add(op);
    return op;
  }

  protected endOp(op: Operation): void {
    this.ops.delete(op);
    if (op.timer) clearTimeout(op.timer);
    if (op.onAbort) op.signal?.removeEventListener('abort', op.onAbort);
  }

  /** Whether the script must stop now (a limit passed or a cancel): then it calls nothing on the host. */
  protected mustStop(): boolean {
    if (this.fatal || this.disposeRequested) return true;
    const now = Date.now();
    for (const op of this.ops) {
      if (op.signal?.aborted) {
        this.setFatal(scriptError('CANCELLED', op.file, null, 'script cancelled'));
        return true;
      }
      if (now > op.deadline) {
        this.setFatal(scriptError('SCRIPT_TIMEOUT', op.file, null, `script exceeded its time limit of ${op.timeoutMs} ms`));
        return true;
      }
    }
    return false;
  }

  protected shouldInterrupt(): boolean {
    if (this.fatal) return true;
    if (this.ops.size === 0) return false;
    const now = Date.now();
    for (const op of this.ops) {
      if (op.signal?.aborted) {
        this.interruptReason ??= 'cancelled';
        return true;
      }
      if (now > op.deadline) {
        this.interruptReason ??= 'timeout';
        return true;
      }
    }
    return false;
  }

  /** Runs a synchronous call into QuickJS, noticing when the WASM instance itself broke. */
  protected enter<T>(fn: () => T): T {
    if (this.freed || this.poisoned) throw new LlmspellError('SCRIPT_ERROR', 'the JavaScript context is disposed');
    this.depth++;
    try {
      return fn();
    } catch (error) {
      if (error instanceof RangeError || (error instanceof Error && error.name === 'RuntimeError')) {
        // A native (host) stack overflow or an engine abort unwound through WASM frames.
        this.poison();
        const stack = error instanceof RangeError;
        // the engine cannot say where it was: the script that was running is all the error can name
        const file = [...this.ops][0]?.file ?? this.lastFile;
        throw this.setFatal(stack
          ? scriptError('SCRIPT_STACK_OVERFLOW', file, null, 'stack overflow in the JavaScript engine (recursion too deep)', error)
          : scriptError('INTERNAL', file, null, `JavaScript engine failure: ${error.message}`, error));
      }
      throw error;
    } finally {
      this.depth--;
      if (this.depth === 0) this.afterEngineCall();
    }
  }

  protected poison(): void {
    // The context's WASM instance is dropped with it; nothing else shares it.
    this.poisoned = true;
  }

  protected afterEngineCall(): void {
    while (this.pendingReleases.length > 0) this.releaseHandle(this.pendingReleases.pop()!);
    if (this.disposeRequested && !this.freed) this.free();
  }

  protected wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  protected setFatal(error: LlmspellError): LlmspellError {
    this.fatal ??= error;
    this.wake();
    return error;
  }

  protected callHelper(name: Helper, ...args: QuickJSHandle[]): QuickJSHandle {
    if (!this.helpers.has(name)) this.loadChunk(HELPER_CHUNKS[name]);
    const fn = this.helpers.get(name)!;
    const result = this.enter(() => this.engine.call(fn, this.ctx.undefined, args));
    if (result.error) throw this.engineFailure(result.error);
    return result.value;
  }

  /** An exception from the bridge's own helpers: out of memory, interrupted, or a bug. Consumes the handle. */
  protected engineFailure(error: QuickJSHandle): LlmspellError {
    let message: string;
    try {
      // name and message read as plain properties: dump() runs JSON.stringify in the engine,
      // which fails again when the engine's own stack is what overflowed
      const read = (key: string): string | undefined => {
        const value = this.ctx.getProp(error, key);
        try {
          return this.ctx.typeof(value) === 'string' ? this.ctx.getString(value) : undefined;
        } finally {
          value.dispose();
        }
      };
      const text = this.ctx.typeof(error) === 'object' ? read('message') : undefined;
      message = text !== undefined ? `${read('name') ?? 'Error'}: ${text}` : String(this.ctx.dump(error));
    } catch {
      message = 'unreadable engine error';
    } finally {
      error.dispose();
    }
    if (/out of memory/i.test(message)) {
      return this.setFatal(new LlmspellError('SCRIPT_MEMORY_LIMIT', `script exceeded its memory limit of ${formatBytes(this.options.limits.memoryBytes)}`));
    }
    if (/interrupted/.test(message) && this.interruptReason) {
      return this.setFatal(new LlmspellError(this.interruptReason === 'cancelled' ? 'CANCELLED' : 'SCRIPT_TIMEOUT', 'script interrupted while converting a value'));
    }
    if (/stack overflow/i.test(message)) return new LlmspellError('SCRIPT_STACK_OVERFLOW', 'stack overflow (recursion too deep)');
    return new LlmspellError('INTERNAL', `value conversion failed: ${message}`);
  }

  /** Frees every handle, then the context and runtime (deferred while QuickJS is on the stack). */
  dispose(): void {
    if (this.disposeRequested) return;
    this.disposeRequested = true;
    this.wake();
    if (this.depth === 0) this.free();
  }

  protected free(): void {
    if (this.freed) return;
    this.freed = true;
    for (const op of this.ops) op.signal = undefined;
    this.ops.clear();
    if (this.poisoned) return; // never call into a broken WASM instance; the GC takes it
    try {
      for (const { error } of this.floatingFailures.splice(0)) if (error.alive) error.dispose();
      for (const item of [...this.owned].reverse()) if (item.alive) item.dispose();
      this.owned.clear();
      this.helpers.clear();
      this.primordials = undefined;
      this.consoleObject = undefined;
      this.engine.dispose();
      this.ctx.dispose();
      this.rt.dispose();
    } catch {
      // QuickJS found objects still referenced and aborted: the instance is dropped anyway.
      engineStats.uncleanDisposals++;
      this.poison();
    }
  }

  /** Installs the globals; called once by the constructor before the memory limit applies. */
  protected abstract setup(): void;
}

import {
  LlmspellError, SCRIPT_CALLBACK, getIndexFallback, isHostAsync, isPlainObject, isScriptCallback, toLlmspellError,
  type ScriptCallback, type ScriptLimits, type ScriptOutput, type ScriptValue,
} from '@llmspell/core';
import type {
  QuickJSContext, QuickJSDeferredPromise, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule,
} from 'quickjs-emscripten-core';
import {
  formatBytes, isErrorCode, isOutOfMemory, isStackOverflow, lineFromStack, scriptError, stripCodePrefix, type ErrorInfo, scriptTraceback,
} from './js-errors.js';
import {
  GUARDS_SOURCE, HELPER_CHUNKS, PRELUDE_CHUNKS, PRELUDE_FILENAME, PRIMORDIALS_SOURCE, WireKind, type Helper, type PreludeChunk,
} from './prelude.js';
import { FLOATING_HELPER, markFloatingCalls } from './floating-promises.js';
import { instanceMemoryFull, onMallocFailure } from './quickjs-module.js';


/** Cap on nesting when converting values, so a deep structure fails cleanly instead of overflowing the host stack. */
const MAX_DEPTH = 200;
const MODULE_HINT = /^\s*(?:import|export)\b|\bawait\b/m;
/** Makes the floating-call helper over the host's `failed(error, line)`; `then` read once, as await does. */
const FLOATING_SOURCE = String.raw`(function (failed) {
  'use strict';
  const apply = Reflect.apply;
  return function floating(value, line) {
    if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
      let then;
      try { then = value.then; } catch { return value; }
      if (typeof then === 'function') apply(then, value, [undefined, (error) => { failed(error, line); }]);
    }
    return value;
  };
})`;

interface Disposable {
  readonly alive: boolean;
  dispose(): void;
}

/** A promise a host function returned to the script, watched for a rejection nobody handles. */
interface HostPromiseRecord {
  /** The run it was made in (its first operation). */
  run: Operation | undefined;
  observed: boolean;
  settled: boolean;
  rejection?: unknown;
}

/** One unit of script work (a run or a callback call) with its own budget. */
interface Operation {
  file: string;
  timeoutMs: number;
  deadline: number;
  signal?: AbortSignal;
  /** Set at the operation's first wait for the host: ends every wait at the deadline. */
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

export interface JsVmOptions {
  globals: Record<string, ScriptValue>;
  limits: ScriptLimits;
  output: ScriptOutput;
  stackBytes: number;
}

export interface SyntaxProblem {
  name: string;
  message: string;
  line: number | null;
}

export type EvalOutcome =
  | { kind: 'ok'; mode: 'global' | 'module'; value: QuickJSHandle }
  /** Thrown while running synchronously; the caller owns `error`. */
  | { kind: 'thrown'; error: QuickJSHandle }
  | { kind: 'syntax'; problem: SyntaxProblem };

/**
 * A parse error of the evaluated source itself: QuickJS's parser gives it own
 * `fileName`/`lineNumber`; runtime SyntaxErrors (JSON.parse, eval, RegExp) name
 * "<input>" or nothing.
 */
function parseProblem(ctx: QuickJSContext, error: QuickJSHandle, file: string): SyntaxProblem | null {
  if (ctx.typeof(error) !== 'object') return null;
  const read = (key: string): unknown => {
    const h = ctx.getProp(error, key);
    try {
      const t = ctx.typeof(h);
      return t === 'string' ? ctx.getString(h) : t === 'number' ? ctx.getNumber(h) : undefined;
    } finally {
      h.dispose();
    }
  };
  if (read('fileName') !== file || read('name') !== 'SyntaxError') return null;
  const line = read('lineNumber');
  return { name: 'SyntaxError', message: String(read('message') ?? 'syntax error'), line: typeof line === 'number' ? line : null };
}

/**
 * Evaluates a source as a classic script when it parses as one (the last expression is
 * the result and top-level declarations persist between REPL runs), else as an ES module
 * (top-level await, `export default`). Parsing happens before anything runs, so a source
 * never runs twice. (QuickJS's compile-only flag is not used: in this build it corrupts
 * memory for modules.)
 */
export function evaluateSource(ctx: QuickJSContext, source: string, file: string): EvalOutcome {
  const asGlobal = ctx.evalCode(source, file, { type: 'global' });
  if (!asGlobal.error) return { kind: 'ok', mode: 'global', value: asGlobal.value };
  const globalProblem = parseProblem(ctx, asGlobal.error, file);
  if (!globalProblem) return { kind: 'thrown', error: asGlobal.error };
  asGlobal.error.dispose();
  const asModule = ctx.evalCode(source, file, { type: 'module' });
  if (!asModule.error) return { kind: 'ok', mode: 'module', value: asModule.value };
  const moduleProblem = parseProblem(ctx, asModule.error, file);
  if (!moduleProblem) return { kind: 'thrown', error: asModule.error };
  asModule.error.dispose();
  return { kind: 'syntax', problem: MODULE_HINT.test(source) ? moduleProblem : globalProblem };
}

export function syntaxText(problem: SyntaxProblem): string {
  return problem.name && problem.name !== 'SyntaxError' ? `${problem.name}: ${problem.message}` : problem.message;
}

function timeoutError(op: Operation): LlmspellError {
  return scriptError('SCRIPT_TIMEOUT', op.file, null, `script exceeded its time limit of ${op.timeoutMs} ms`);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isIndexKey(key: string): boolean {
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/** True when JSON.stringify/parse reproduces the value exactly (the fast path). */
function isPureJson(value: unknown, depth: number): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (depth > 32) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) return false;
    let count = 0;
    for (const key in value) {
      if (!isIndexKey(key)) return false;
      count++;
    }
    if (count !== value.length) return false;
    for (const item of value) if (!isPureJson(item, depth + 1)) return false;
    return true;
  }
  if (!isPlainObject(value) || getIndexFallback(value)) return false;
  for (const key of Object.keys(value)) {
    if (!isPureJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/** Counters for tests: a disposal that QuickJS refused means a handle was leaked. */
export const engineStats = { uncleanDisposals: 0 };

/** A script function held by the host. */
class JsCallback implements ScriptCallback {
  readonly [SCRIPT_CALLBACK] = true as const;
  readonly language = 'javascript';

  /** `file` is the script that created the function, for error messages. */
  constructor(readonly vm: JsVm, readonly handle: QuickJSHandle, readonly file: string) {}

  call(...args: ScriptValue[]): Promise<ScriptValue> {
    return this.vm.invokeCallback(this, args);
  }

  release(): void {
    this.vm.releaseCallback(this);
  }
}

/**
 * One QuickJS runtime + context with the llmspell globals installed. Owns every
 * long-lived handle it creates so that disposal frees all of them before the context
 * (QuickJS aborts on objects still referenced when a runtime is freed).
 */
export class JsVm {
  private readonly rt: QuickJSRuntime;
  private readonly ctx: QuickJSContext;
  private readonly helpers = new Map<Helper, QuickJSHandle>();
  private primordials: QuickJSHandle | undefined;
  private consoleObject: QuickJSHandle | undefined;
  private readonly owned = new Set<Disposable>();
  private readonly ops = new Set<Operation>();
  private readonly pendingReleases: QuickJSHandle[] = [];
  /** Script functions the host holds: any of them may later settle what a script awaits. */
  private readonly liveCallbacks = new Set<QuickJSHandle>();
  private waiters: Array<() => void> = [];
  private readonly finalizer = new FinalizationRegistry<QuickJSHandle>((handle) => this.releaseHandle(handle));
  private interruptReason: 'timeout' | 'cancelled' | undefined;
  /** Filename of the latest run, named in errors of callbacks created outside a run. */
  private lastFile = 'script';
  /** Nesting of synchronous calls into QuickJS; disposal waits until it is back to 0. */
  private depth = 0;
  /** Host promises and callback calls in progress: work that may still settle a script promise. */
  private inflight = 0;
  private readonly hostPromises = new Map<number, HostPromiseRecord>();
  private nextHostPromise = 1;
  private observer: QuickJSHandle | undefined;
  /** Rejections of promises the script dropped (`main();`), with the line of the statement. */
  private floatingFailures: Array<{ error: QuickJSHandle; line: number }> = [];
  private disposeRequested = false;
  private freed = false;
  /** A timeout, cancel or memory failure: the context must not run anything more. */
  fatal: LlmspellError | undefined;
  /** The WASM instance itself is in an unknown state (native stack overflow): never call into it again. */
  poisoned = false;

  constructor(readonly module: QuickJSWASMModule, private readonly options: JsVmOptions) {
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

  private setup(): void {
    const primordials = this.ctx.evalCode(PRIMORDIALS_SOURCE, PRELUDE_FILENAME, { type: 'global', strict: true });
    if (primordials.error) throw new Error(`prelude failed: ${JSON.stringify(this.ctx.dump(primordials.error))}`);
    this.primordials = primordials.value;
    this.owned.add(primordials.value);
    this.installGuards();
    // Globals are converted on first use: a script touches a few of the ~100 host
    // functions the runtime offers; print and console too (their helpers load lazily).
    const globals: Array<[string, () => QuickJSHandle]> = [];
    for (const [name, value] of Object.entries(this.options.globals)) {
      globals.push([name, () => this.toHandle(value)]);
    }
    globals.push(['print', () => this.consoleMember('print')], ['console', () => this.consoleMember('console')]);
    globals.push([FLOATING_HELPER, () => this.floatingHelper()]);
    for (const [name, make] of globals) {
      const key = this.ctx.newString(name);
      const load = this.ctx.newFunction(name, () => {
        try {
          return make();
        } catch (error) {
          return { error: this.errorHandle(error) };
        }
      });
      try {
        this.callHelper('lazyGlobal', key, load).dispose();
      } finally {
        key.dispose();
        load.dispose();
      }
    }
  }

  /** Bounds the built-ins that loop in C (see GUARDS_SOURCE); runs before any script. */
  private installGuards(): void {
    const evaluated = this.ctx.evalCode(GUARDS_SOURCE, PRELUDE_FILENAME, { type: 'global', strict: true });
    if (evaluated.error) throw this.engineFailure(evaluated.error);
    // no real array is longer than the script's memory holds (8-byte values)
    const maxWalk = this.ctx.newNumber(Math.floor(this.options.limits.memoryBytes / 8));
    try {
      const called = this.ctx.callFunction(evaluated.value, this.ctx.undefined, this.primordials!, maxWalk);
      if (called.error) throw this.engineFailure(called.error);
      called.value.dispose();
    } finally {
      maxWalk.dispose();
      evaluated.value.dispose();
    }
  }

  private consoleMember(name: 'print' | 'console'): QuickJSHandle {
    if (!this.consoleObject) {
      const write = this.ctx.newFunction('write', (stream, text) => {
        const line = this.readString(text);
        try {
          if (this.ctx.getNumber(stream) === 2) this.options.output.stderr(line);
          else this.options.output.stdout(line);
        } catch {
          // a failing output sink must not break the script
        }
      });
      try {
        this.consoleObject = this.callHelper('makeConsole', write);
        this.owned.add(this.consoleObject);
      } finally {
        write.dispose();
      }
    }
    return this.ctx.getProp(this.consoleObject, name);
  }

  /**
   * What `markFloatingCalls` wraps dropped calls in: a rejection of the dropped value is kept
   * for `finishFloating`, which fails the run with it.
   */
  private floatingHelper(): QuickJSHandle {
    const failed = this.ctx.newFunction('failed', (error, line) => {
      this.floatingFailures.push({ error: error.dup(), line: this.ctx.getNumber(line) });
    });
    const made = this.ctx.evalCode(FLOATING_SOURCE, PRELUDE_FILENAME, { type: 'global', strict: true });
    try {
      if (made.error) throw this.engineFailure(made.error);
      const called = this.enter(() => this.ctx.callFunction(made.value, this.ctx.undefined, failed));
      if (called.error) throw this.engineFailure(called.error);
      return called.value;
    } finally {
      failed.dispose();
      if (!made.error) made.value.dispose();
    }
  }

  /** Evaluates one prelude chunk and keeps its helpers. */
  private loadChunk(chunk: PreludeChunk): void {
    const evaluated = this.enter(() => this.ctx.evalCode(PRELUDE_CHUNKS[chunk], PRELUDE_FILENAME, { type: 'global', strict: true }));
    if (evaluated.error) throw this.engineFailure(evaluated.error);
    let helpers: QuickJSHandle;
    try {
      const called = this.enter(() => this.ctx.callFunction(evaluated.value, this.ctx.undefined, this.primordials!));
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

  // ---- running ---------------------------------------------------------------------

  async run(source: string, options: { filename: string; timeoutMs: number; signal?: AbortSignal }): Promise<ScriptValue> {
    const op = this.beginOp(options.filename, options.timeoutMs, options.signal);
    this.lastFile = options.filename;
    try {
      if (options.signal?.aborted) throw scriptError('CANCELLED', op.file, null, 'script cancelled before it started');
      this.dropFloatingFailures();
      const marked = markFloatingCalls(source);
      const outcome = this.enter(() => evaluateSource(this.ctx, marked, op.file));
      if (outcome.kind === 'syntax') throw scriptError('SCRIPT_SYNTAX_ERROR', op.file, outcome.problem.line, syntaxText(outcome.problem));
      if (outcome.kind === 'thrown') throw this.toError(outcome.error, op);
      let result = outcome.value;
      if (outcome.mode === 'module') {
        const namespace = await this.settle(result, op);
        try {
          result = this.ctx.getProp(namespace, 'default');
        } finally {
          namespace.dispose();
        }
      }
      const settled = await this.settle(result, op);
      try {
        await this.finishFloating(op);
        return this.fromHandle(settled);
      } finally {
        if (settled.alive && !this.freed) settled.dispose();
      }
    } finally {
      for (const [id, record] of this.hostPromises) if (record.run === op) this.hostPromises.delete(id);
      this.endOp(op);
    }
  }

  async invokeCallback(callback: JsCallback, args: ScriptValue[]): Promise<ScriptValue> {
    // Never run inside a synchronous QuickJS call that happens to call the host.
    if (this.depth > 0) await Promise.resolve();
    if (this.disposeRequested || !callback.handle.alive) {
      throw new LlmspellError('SCRIPT_ERROR', 'the JavaScript function was released or its script context was disposed');
    }
    if (this.fatal) throw this.fatal;
    const run = [...this.ops][0];
    const op = this.beginOp(callback.file, run ? run.deadline - Date.now() : this.options.limits.timeoutMs, run?.signal);
    this.inflight++;
    try {
      const handles: QuickJSHandle[] = [];
      let result: QuickJSHandle;
      try {
        for (const arg of args) handles.push(this.toHandle(arg));
        const called = this.enter(() => this.ctx.callFunction(callback.handle, this.ctx.undefined, handles));
        if (called.error) throw this.toError(called.error, op);
        result = called.value;
      } finally {
        for (const h of handles) h.dispose();
      }
      const settled = await this.settle(result, op);
      try {
        return this.fromHandle(settled);
      } finally {
        settled.dispose();
      }
    } finally {
      this.inflight--;
      this.endOp(op);
      this.wake();
    }
  }

  releaseCallback(callback: JsCallback): void {
    this.finalizer.unregister(callback);
    this.releaseHandle(callback.handle);
  }

  private releaseHandle(handle: QuickJSHandle): void {
    if (this.freed || !handle.alive) return;
    if (this.depth > 0) {
      this.pendingReleases.push(handle);
      return;
    }
    this.owned.delete(handle);
    this.liveCallbacks.delete(handle);
    if (!this.poisoned) handle.dispose();
  }

  private beginOp(file: string, timeoutMs: number, signal?: AbortSignal): Operation {
    const budget = Math.max(0, timeoutMs);
    const op: Operation = { file, timeoutMs: budget, deadline: Date.now() + budget, signal };
    this.ops.add(op);
    return op;
  }

  private endOp(op: Operation): void {
    this.ops.delete(op);
    if (op.timer) clearTimeout(op.timer);
    if (op.onAbort) op.signal?.removeEventListener('abort', op.onAbort);
  }

  /** Whether the script must stop now (a limit passed or a cancel): then it calls nothing on the host. */
  private mustStop(): boolean {
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

  private shouldInterrupt(): boolean {
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
  private enter<T>(fn: () => T): T {
    if (this.freed || this.poisoned) throw new LlmspellError('SCRIPT_ERROR', 'the JavaScript context is disposed');
    this.depth++;
    try {
      return fn();
    } catch (error) {
      if (error instanceof RangeError || (error instanceof Error && error.name === 'RuntimeError')) {
        // A native (host) stack overflow or an engine abort unwound through WASM frames.
        this.poison();
        const stack = error instanceof RangeError;
        throw this.setFatal(new LlmspellError(
          stack ? 'SCRIPT_STACK_OVERFLOW' : 'INTERNAL',
          stack ? 'stack overflow in the JavaScript engine (recursion too deep)' : `JavaScript engine failure: ${error.message}`,
          { cause: error },
        ));
      }
      throw error;
    } finally {
      this.depth--;
      if (this.depth === 0) this.afterEngineCall();
    }
  }

  private poison(): void {
    // The context's WASM instance is dropped with it; nothing else shares it.
    this.poisoned = true;
  }

  private afterEngineCall(): void {
    while (this.pendingReleases.length > 0) this.releaseHandle(this.pendingReleases.pop()!);
    if (this.disposeRequested && !this.freed) this.free();
  }

  /** Drives a handle to a settled value: consumes `handle`, returns an owned handle. */
  private async settle(handle: QuickJSHandle, op: Operation): Promise<QuickJSHandle> {
    let current = handle;
    // Owned while pending so that disposing the context mid-await still frees it first.
    this.owned.add(current);
    try {
      for (;;) {
        if (this.fatal) throw this.fatal;
        if (this.disposeRequested) throw scriptError('SCRIPT_ERROR', op.file, null, 'the script context was disposed while the script was running');
        const state = this.ctx.getPromiseState(current);
        if (state.type === 'fulfilled') {
          this.owned.delete(current);
          if (state.notAPromise) return current;
          current.dispose();
          current = state.value;
          this.owned.add(current);
          continue;
        }
        if (state.type === 'rejected') throw this.toError(state.error, op);
        const executed = this.drain(op);
        if (executed > 0) continue;
        if (this.inflight === 0 && this.ops.size <= 1 && this.liveCallbacks.size === 0) {
          // Nothing on the host side could ever resolve it (no host call in flight, no
          // script function the host could call): waiting for the timeout would only waste it.
          throw scriptError('SCRIPT_ERROR', op.file, null, 'the script is waiting for a promise that can never settle');
        }
        await this.waitForHost(op);
      }
    } catch (error) {
      this.owned.delete(current);
      if (current.alive && !this.poisoned && !this.freed) current.dispose();
      throw error;
    }
  }

  private drain(op: Operation): number {
    const result = this.enter(() => this.rt.executePendingJobs());
    if (result.error) throw this.toError(result.error, op);
    const executed = result.value;
    if (executed > 0) this.wake();
    return executed;
  }

  /**
   * Waits until something on the host side happened (a host promise settled, a callback
   * finished, a limit passed): the caller then looks again. The time limit and the cancel
   * signal are watched by one timer and one listener per operation, armed at its first wait,
   * so a wait costs a promise, not a timer.
   */
  private waitForHost(op: Operation): Promise<void> {
    if (op.signal?.aborted) return Promise.reject(this.setFatal(scriptError('CANCELLED', op.file, null, 'script cancelled')));
    if (Date.now() >= op.deadline) return Promise.reject(this.setFatal(timeoutError(op)));
    if (!op.timer) {
      op.timer = setTimeout(() => this.setFatal(timeoutError(op)), Math.min(op.deadline - Date.now(), 2 ** 31 - 1));
      if (op.signal) {
        op.onAbort = () => this.setFatal(scriptError('CANCELLED', op.file, null, 'script cancelled'));
        op.signal.addEventListener('abort', op.onAbort, { once: true });
      }
    }
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private setFatal(error: LlmspellError): LlmspellError {
    this.fatal ??= error;
    this.wake();
    return error;
  }

  // ---- errors ----------------------------------------------------------------------

  /** Reads an exception value without trusting it; consumes the handle. */
  private describe(handle: QuickJSHandle): ErrorInfo {
    const info: ErrorInfo = { isError: false, name: '', message: '', stack: '', code: null, lineNumber: null, fileName: null };
    const limit = this.options.limits.memoryBytes;
    this.rt.setMemoryLimit(-1); // reading an out-of-memory error needs a little memory
    try {
      if (!this.interruptReason && !this.fatal) {
        try {
          const text = this.callHelper('describeError', handle);
          try {
            return JSON.parse(this.ctx.getString(text)) as ErrorInfo;
          } finally {
            text.dispose();
          }
        } catch {
          // fall through to reading the plain properties
        }
      }
      const type = this.ctx.typeof(handle);
      if (type !== 'object') {
        info.message = String(type === 'undefined' ? 'undefined' : this.ctx.dump(handle));
        return info;
      }
      const read = (key: string): string | number | undefined => {
        try {
          const value = this.ctx.getProp(handle, key);
          try {
            const t = this.ctx.typeof(value);
            return t === 'string' ? this.ctx.getString(value) : t === 'number' ? this.ctx.getNumber(value) : undefined;
          } finally {
            value.dispose();
          }
        } catch {
          return undefined;
        }
      };
      const name = read('name');
      const message = read('message');
      info.isError = typeof message === 'string';
      info.name = typeof name === 'string' ? name : 'Error';
      info.message = typeof message === 'string' ? message : '';
      const stack = read('stack');
      info.stack = typeof stack === 'string' ? stack : '';
      const code = read('code');
      info.code = typeof code === 'string' ? code : null;
      return info;
    } finally {
      if (!this.freed) {
        handle.dispose();
        this.rt.setMemoryLimit(limit);
      }
    }
  }

  /** Turns a QuickJS exception into the LlmspellError `run` rejects with; consumes the handle. */
  private toError(handle: QuickJSHandle, op: Operation): LlmspellError {
    const info = this.describe(handle);
    const line = (info.fileName === op.file ? info.lineNumber : null) ?? lineFromStack(info.stack, op.file);
    if (info.name === 'InternalError' && info.message === 'interrupted') {
      if (this.interruptReason === 'cancelled') return this.setFatal(scriptError('CANCELLED', op.file, line, 'script cancelled'));
      if (this.fatal) return this.fatal;
      return this.setFatal(scriptError('SCRIPT_TIMEOUT', op.file, line, `script exceeded its time limit of ${op.timeoutMs} ms`));
    }
    // out of WASM memory, QuickJS may not even manage to build its error: an empty one
    if (isOutOfMemory(info) || (!info.message && instanceMemoryFull(this.module))) {
      const why = /^out of memory: (.+)/.exec(info.message)?.[1];
      return this.setFatal(scriptError('SCRIPT_MEMORY_LIMIT', op.file, line,
        `script exceeded its memory limit of ${formatBytes(this.options.limits.memoryBytes)}${why ? ` (${why})` : ''}`));
    }
    if (isStackOverflow(info)) return scriptError('SCRIPT_STACK_OVERFLOW', op.file, line, 'stack overflow (recursion too deep)');
    const code = isErrorCode(info.code) ? info.code : 'SCRIPT_ERROR';
    let text = stripCodePrefix(info.message, code);
    if (code === 'SCRIPT_ERROR' && info.isError && info.name && info.name !== 'Error') text = `${info.name}: ${text}`;
    return scriptError(code, op.file, line, text, undefined, scriptTraceback(info.stack));
  }

  /** A JS Error for a host failure: `.code` is the llmspell code, `.message` starts with it. */
  private errorHandle(error: unknown): QuickJSHandle {
    const coded = toLlmspellError(error, 'INTERNAL');
    const handle = this.ctx.newError({ name: 'Error', message: coded.message });
    try {
      const code = this.ctx.newString(coded.code);
      this.ctx.setProp(handle, 'code', code);
      code.dispose();
      if (Object.keys(coded.details).length > 0) {
        try {
          const details = this.toHandle(coded.details as ScriptValue);
          this.ctx.setProp(handle, 'details', details);
          details.dispose();
        } catch {
          // details that cannot cross are left out
        }
      }
    } catch (failure) {
      handle.dispose();
      throw failure;
    }
    return handle;
  }

  // ---- host -> script --------------------------------------------------------------

  private callHelper(name: Helper, ...args: QuickJSHandle[]): QuickJSHandle {
    if (!this.helpers.has(name)) this.loadChunk(HELPER_CHUNKS[name]);
    const fn = this.helpers.get(name)!;
    const result = this.enter(() => this.ctx.callFunction(fn, this.ctx.undefined, args));
    if (result.error) throw this.engineFailure(result.error);
    return result.value;
  }

  /** An exception from the bridge's own helpers: out of memory, interrupted, or a bug. Consumes the handle. */
  private engineFailure(error: QuickJSHandle): LlmspellError {
    let message: string;
    try {
      const dumped = this.ctx.dump(error) as { name?: string; message?: string } | string;
      message = typeof dumped === 'object' && dumped ? `${dumped.name ?? 'Error'}: ${dumped.message ?? ''}` : String(dumped);
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

  /** Converts a host value to a new handle the caller owns (disposing static ones is a no-op). */
  toHandle(value: unknown, stack: object[] = []): QuickJSHandle {
    switch (typeof value) {
      case 'undefined':
      case 'symbol':
        return this.ctx.undefined;
      case 'boolean':
        return value ? this.ctx.true : this.ctx.false;
      case 'number':
        return this.ctx.newNumber(value);
      case 'string':
        // The FFI passes C strings: a NUL would cut the text short, so such strings go as JSON.
        return value.includes('\0') ? this.fromJson(JSON.stringify(value)) : this.ctx.newString(value);
      case 'bigint':
        return this.ctx.newBigInt(value);
      case 'function':
        return this.hostFunction(value as (...args: ScriptValue[]) => unknown);
      case 'object':
        break; // null, callbacks, promises, arrays and records: below
    }
    if (value === null) return this.ctx.null;
    const object = value as object;
    if (isScriptCallback(object)) return this.callbackHandle(object);
    if (isThenable(object)) return this.promiseHandle(object);
    if (object instanceof Date) return Number.isNaN(object.getTime()) ? this.ctx.null : this.ctx.newString(object.toISOString());
    if (object instanceof Error) return this.errorHandle(object);
    if (object instanceof Map) return this.toHandle(Object.fromEntries(object), stack);
    if (object instanceof Set) return this.toHandle([...object], stack);
    if (ArrayBuffer.isView(object)) return this.toHandle(Array.from(object as Uint8Array), stack);
    if (stack.includes(object)) {
      throw new LlmspellError('INVALID_ARGUMENT', 'cannot pass a value that contains itself (a cycle) to the script');
    }
    if (stack.length >= MAX_DEPTH) throw new LlmspellError('INVALID_ARGUMENT', `value is nested deeper than ${MAX_DEPTH} levels`);
    if (isPureJson(object, 0)) return this.fromJson(JSON.stringify(object));
    stack.push(object);
    const array = Array.isArray(object);
    let container = array ? this.ctx.newArray() : this.ctx.newObject();
    try {
      const set = (key: string | number, item: unknown) => {
        const child = this.toHandle(item, stack);
        try {
          this.ctx.setProp(container, key, child);
        } finally {
          child.dispose();
        }
      };
      if (array) {
        const list = object as unknown[];
        for (let i = 0; i < list.length; i++) set(i, list[i]);
        for (const key of Object.keys(list)) if (!isIndexKey(key)) set(key, (list as unknown as Record<string, unknown>)[key]);
      } else {
        for (const [key, item] of Object.entries(object)) set(key, item);
      }
      if (!array && (object as Record<string, unknown>).__async_iterator === true && typeof (object as Record<string, unknown>).next === 'function') {
        const iterable = this.callHelper('asyncIterable', container);
        container.dispose();
        container = iterable;
      }
      const fallback = getIndexFallback(object);
      if (fallback) {
        const lookup = this.hostFunction((key: ScriptValue) => fallback(String(key)));
        try {
          const proxy = this.callHelper('proxy', container, lookup);
          container.dispose();
          container = proxy;
        } finally {
          lookup.dispose();
        }
      }
      return container;
    } catch (error) {
      if (container.alive) container.dispose();
      throw error;
    } finally {
      stack.pop();
    }
  }

  private fromJson(text: string): QuickJSHandle {
    const json = this.ctx.newString(text);
    try {
      return this.callHelper('parse', json);
    } finally {
      json.dispose();
    }
  }

  private hostFunction(fn: (...args: ScriptValue[]) => unknown): QuickJSHandle {
    // a function the script API calls asynchronous stays a promise here even when it answered at once
    const promised = isHostAsync(fn);
    return this.ctx.newFunction(fn.name || 'hostFunction', (...argHandles) => {
      // past the time limit (a finally block, a late job) the script reaches nothing of the host
      if (this.mustStop()) return { error: this.errorHandle(this.fatal ?? new LlmspellError('CANCELLED', 'the script was stopped')) };
      let result: unknown;
      let args: ScriptValue[];
      try {
        args = this.readArguments(argHandles);
      } catch (error) {
        return { error: this.errorHandle(error) };
      }
      try {
        result = fn(...args);
      } catch (error) {
        if (promised) return this.trackedPromise(Promise.reject(error));
        return { error: this.errorHandle(error) };
      }
      if (isThenable(result)) return this.trackedPromise(result);
      if (promised) return this.settledPromise(result);
      try {
        return this.toHandle(result);
      } catch (error) {
        return { error: this.errorHandle(error) };
      }
    });
  }

  /** A host call's arguments: plain data crosses as one JSON text (one engine call for all of them). */
  private readArguments(handles: QuickJSHandle[]): ScriptValue[] {
    if (handles.length === 0) return [];
    const wired = this.callHelper('wireArgs', ...handles);
    try {
      if (this.ctx.typeof(wired) === 'string') return JSON.parse(this.ctx.getString(wired)) as ScriptValue[];
    } finally {
      wired.dispose();
    }
    return handles.map((h) => this.fromHandle(h));
  }

  /**
   * A promise already fulfilled with `value`: the script's await continues in the same run of
   * pending jobs, without a trip through the host's event loop.
   */
  private settledPromise(value: unknown): QuickJSHandle {
    let handle: QuickJSHandle;
    try {
      if (typeof value === 'object' && value !== null && isPureJson(value, 0)) {
        const json = this.ctx.newString(JSON.stringify(value));
        try {
          return this.callHelper('resolvedJson', json);
        } finally {
          json.dispose();
        }
      }
      handle = this.toHandle(value);
    } catch (error) {
      return this.trackedPromise(Promise.reject(error));
    }
    try {
      return this.callHelper('resolved', handle);
    } finally {
      handle.dispose();
    }
  }

  /**
   * The promise of a host call, marked so that the host learns when the script handles it:
   * a rejection the script never handles fails the run (see finishFloating).
   */
  private trackedPromise(promise: PromiseLike<unknown>): QuickJSHandle {
    const id = this.nextHostPromise++;
    const record: HostPromiseRecord = { run: [...this.ops][0], observed: false, settled: false };
    this.hostPromises.set(id, record);
    const handle = this.promiseHandle(promise, record);
    if (!this.observer) {
      this.observer = this.ctx.newFunction('observed', (idHandle) => {
        const seen = this.hostPromises.get(this.ctx.getNumber(idHandle));
        if (seen) seen.observed = true;
      });
      this.owned.add(this.observer);
    }
    const idHandle = this.ctx.newNumber(id);
    try {
      return this.callHelper('track', handle, idHandle, this.observer);
    } catch (error) {
      this.hostPromises.delete(id);
      return handle; // an untracked promise still works
    } finally {
      idHandle.dispose();
    }
  }

  /**
   * After the script's own result: host calls still running are waited for (their `.then`
   * callbacks run, as a Node program does not end before its pending work), and a call that
   * failed without the script ever handling its promise (`Tool.invoke(...)` without await)
   * fails the run with its error, as an unhandled rejection ends a Node program.
   */
  private async finishFloating(op: Operation): Promise<void> {
    for (;;) {
      let waiting = false;
      for (const [id, record] of this.hostPromises) {
        if (record.run !== op) continue;
        if (!record.settled) {
          waiting = true;
          continue;
        }
        this.hostPromises.delete(id);
        if (record.rejection !== undefined && !record.observed) {
          const failure = toLlmspellError(record.rejection, 'SCRIPT_ERROR');
          throw new LlmspellError(failure.code, `${op.file}: unhandled promise rejection: ${failure.detail}`, { details: { file: op.file, line: null }, cause: failure });
        }
      }
      if (this.fatal) throw this.fatal;
      // settled host promises queue the script's reactions: run them before deciding
      if (this.drain(op) > 0) continue;
      this.throwFloatingFailure(op);
      if (!waiting) return;
      await this.waitForHost(op);
    }
  }

  private throwFloatingFailure(op: Operation): void {
    const first = this.floatingFailures.shift();
    if (!first) return;
    this.dropFloatingFailures();
    const failure = this.toError(first.error, op);
    if (this.fatal) throw this.fatal;
    // the error's own "file:line: " would repeat the place this message starts with
    const detail = failure.detail.startsWith(`${op.file}:`) ? failure.detail.replace(/^[^:]*:(?:\d+:)? /, '') : failure.detail;
    throw new LlmspellError(failure.code, `${op.file}:${first.line}: unhandled promise rejection: ${detail}`, {
      details: { file: op.file, line: first.line }, cause: failure,
    });
  }

  private dropFloatingFailures(): void {
    for (const { error } of this.floatingFailures.splice(0)) if (error.alive && !this.freed) error.dispose();
  }

  /** A QuickJS promise settled when the host promise settles (jobs run on the next pump). */
  private promiseHandle(promise: PromiseLike<unknown>, record?: HostPromiseRecord): QuickJSHandle {
    const deferred: QuickJSDeferredPromise = this.ctx.newPromise();
    this.owned.add(deferred);
    this.inflight++;
    const settle = (ok: boolean, value: unknown) => {
      this.inflight--;
      if (record) {
        record.settled = true;
        if (!ok) record.rejection = value;
      }
      if (this.freed || this.disposeRequested || this.poisoned || !deferred.alive) return this.wake();
      this.owned.delete(deferred);
      try {
        if (ok) {
          let handle: QuickJSHandle | undefined;
          try {
            handle = this.toHandle(value);
          } catch (error) {
            ok = false;
            value = error;
          }
          if (handle) {
            deferred.resolve(handle);
            handle.dispose();
          }
        }
        if (!ok) {
          const error = this.errorHandle(value);
          deferred.reject(error);
          error.dispose();
        }
      } catch {
        // The engine could not take the value (out of memory); the pump reports the state.
      } finally {
        deferred.dispose();
        this.wake();
      }
    };
    Promise.resolve(promise).then((v) => settle(true, v), (e: unknown) => settle(false, e));
    // The caller (a host function return) hands this handle to QuickJS and disposes it;
    // the resolvers stay owned by `deferred` until it settles.
    return deferred.handle;
  }

  private callbackHandle(callback: ScriptCallback): QuickJSHandle {
    if (callback instanceof JsCallback && callback.vm === this && callback.handle.alive) return callback.handle.dup();
    return this.hostFunction((...args: ScriptValue[]) => callback.call(...args));
  }

  // ---- script -> host --------------------------------------------------------------

  /** Converts a borrowed handle to plain host data (the caller keeps ownership). */
  fromHandle(handle: QuickJSHandle, stack: QuickJSHandle[] = []): ScriptValue {
    switch (this.ctx.typeof(handle)) {
      case 'undefined':
        return undefined;
      case 'number':
        return this.ctx.getNumber(handle);
      case 'string':
        return this.readString(handle);
      case 'boolean':
        return this.ctx.eq(handle, this.ctx.true);
      case 'bigint':
        return Number(this.ctx.getBigInt(handle));
      case 'function':
        return this.callbackFor(handle);
      case 'symbol':
        return undefined;
    }
    const wired = this.callHelper('wire', handle);
    let kind: number;
    try {
      if (this.ctx.typeof(wired) === 'string') return JSON.parse(this.ctx.getString(wired)) as ScriptValue; // JSON text has no raw NUL
      kind = this.ctx.getNumber(wired);
    } finally {
      wired.dispose();
    }
    switch (kind) {
      case WireKind.Null:
        return null;
      case WireKind.Date: {
        const text = this.callHelper('dateString', handle);
        try {
          return this.ctx.typeof(text) === 'string' ? this.ctx.getString(text) : null;
        } finally {
          text.dispose();
        }
      }
      case WireKind.Error: {
        const info = this.describe(handle.dup());
        const out: Record<string, ScriptValue> = { name: info.name, message: info.message };
        if (info.code) out.code = info.code;
        if (info.stack) out.stack = info.stack;
        return out;
      }
      case WireKind.Promise:
        return this.hostPromise(handle) as unknown as ScriptValue;
    }
    if (stack.some((ancestor) => this.ctx.eq(ancestor, handle))) {
      throw new LlmspellError('INVALID_ARGUMENT', 'cannot pass a value that contains itself (a cycle) to the host');
    }
    if (stack.length >= MAX_DEPTH) throw new LlmspellError('INVALID_ARGUMENT', `value is nested deeper than ${MAX_DEPTH} levels`);
    const flat = this.callHelper('entries', handle);
    stack.push(handle);
    try {
      const length = this.ctx.getLength(flat) ?? 0;
      const item = (i: number): ScriptValue => {
        const h = this.ctx.getProp(flat, i);
        try {
          return this.fromHandle(h, stack);
        } finally {
          h.dispose();
        }
      };
      if (kind === WireKind.Array) {
        const out: ScriptValue[] = new Array(length);
        for (let i = 0; i < length; i++) out[i] = item(i);
        return out;
      }
      const out: Record<string, ScriptValue> = {};
      for (let i = 0; i + 1 < length; i += 2) {
        const key = item(i);
        Object.defineProperty(out, String(key), { value: item(i + 1), enumerable: true, writable: true, configurable: true });
      }
      return out;
    } finally {
      stack.pop();
      flat.dispose();
    }
  }

  private readString(handle: QuickJSHandle): string {
    const text = this.ctx.getString(handle);
    // (getLength answers only for objects: a string's own length is read as a property)
    const length = this.ctx.getProp(handle, 'length');
    const full = this.ctx.typeof(length) === 'number' ? this.ctx.getNumber(length) : -1;
    length.dispose();
    if (text.length === full) return text;
    // Cut short at a NUL by the C-string FFI: read it through JSON instead.
    const json = this.callHelper('wire', handle);
    try {
      return JSON.parse(this.ctx.getString(json)) as string;
    } finally {
      json.dispose();
    }
  }

  private callbackFor(handle: QuickJSHandle): ScriptCallback {
    const owned = handle.dup();
    this.owned.add(owned);
    this.liveCallbacks.add(owned);
    const callback = new JsCallback(this, owned, [...this.ops][0]?.file ?? this.lastFile);
    this.finalizer.register(callback, owned, callback);
    return callback;
  }

  /** A script promise handed to the host: settles as the script's jobs run. */
  private hostPromise(handle: QuickJSHandle): Promise<ScriptValue> {
    const owned = handle.dup();
    this.owned.add(owned);
    return this.ctx.resolvePromise(owned).then((result) => {
      this.releaseHandle(owned);
      if (result.error) {
        const info = this.describe(result.error);
        throw new LlmspellError(isErrorCode(info.code) ? info.code : 'SCRIPT_ERROR', stripCodePrefix(info.message, info.code ?? ''));
      }
      try {
        return this.fromHandle(result.value);
      } finally {
        result.value.dispose();
      }
    });
  }

  // ---- teardown --------------------------------------------------------------------

  /** Frees every handle, then the context and runtime (deferred while QuickJS is on the stack). */
  dispose(): void {
    if (this.disposeRequested) return;
    this.disposeRequested = true;
    this.wake();
    if (this.depth === 0) this.free();
  }

  private free(): void {
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
      this.ctx.dispose();
      this.rt.dispose();
    } catch {
      // QuickJS found objects still referenced and aborted: the instance is dropped anyway.
      engineStats.uncleanDisposals++;
      this.poison();
    }
  }
}

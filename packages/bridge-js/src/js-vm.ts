import { LlmspellError, type ScriptValue } from '@llmspell/core';
import type { QuickJSHandle } from 'quickjs-emscripten-core';
import { scriptError } from './js-errors.js';
import { GUARDS_SOURCE, PRELUDE_FILENAME, PRIMORDIALS_SOURCE } from './prelude.js';
import { FLOATING_HELPER, markFloatingCalls } from './floating-promises.js';
import { evaluateSource, syntaxText } from './js-evaluate.js';
import { JsVmValues, type JsCallback } from './js-values.js';

// the leak counter stays importable where it always was (sandbox-limits.test.ts reads it)
export { engineStats } from './js-vm-core.js';

/** Makes the floating-call helper over the host's `failed(error, line)`; `then` read once, as await does. */
const FLOATING_SOURCE = String.raw`(function (failed) {
  'use strict';
  const apply = Reflect.apply;
  // the built-in then, which throws on anything but a real promise: a thenable of the
  // script's own is not called (dropping one must not run its then, as plain JS would not)
  const then = Promise.prototype.then;
  return function floating(value, line) {
    if (value !== null && typeof value === 'object') {
      try { apply(then, value, [undefined, (error) => { failed(error, line); }]); } catch { /* not a promise */ }
    }
    return value;
  };
})`;

/**
 * One QuickJS runtime + context with the llmspell globals installed: sets up the globals
 * and runs scripts and callbacks. The layers below hold the state and lifecycle
 * (js-vm-core.ts), error mapping (js-vm-errors.ts), scheduling (js-vm-scheduling.ts) and
 * value marshalling (js-values.ts).
 */
export class JsVm extends JsVmValues {
  protected setup(): void {
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
      this.forgetHostCalls(op);
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
      this.forgetHostCalls(op);
      this.endOp(op);
      this.wake();
    }
  }
}

// The JsVm layer that maps QuickJS exceptions to LlmspellErrors and host failures to script Errors (split from js-vm.ts).
import { type LlmspellError, toLlmspellError, type ScriptValue } from '@llmspell/core';
import type { QuickJSHandle } from 'quickjs-emscripten-core';
import {
  formatBytes, isErrorCode, isOutOfMemory, isStackOverflow, lineFromStack, scriptError, stripCodePrefix, type ErrorInfo, scriptTraceback,
} from './js-errors.js';
import { JsVmCore, type Operation } from './js-vm-core.js';
import { instanceMemoryFull } from './quickjs-module.js';

/** Codes only the engine gives (a limit it enforced, a cancel it saw), never one a script's own error carries. */
const ENGINE_CODES: ReadonlySet<string> = new Set(['SCRIPT_TIMEOUT', 'SCRIPT_MEMORY_LIMIT', 'SCRIPT_STACK_OVERFLOW', 'CANCELLED']);

export abstract class JsVmErrors extends JsVmCore {
  /** Messages of the limit and cancel errors the host handed the script, the only ones whose code toError keeps. */
  private readonly engineErrorsGiven = new Set<string>();

  /** Reads an exception value without trusting it; consumes the handle. */
  protected describe(handle: QuickJSHandle): ErrorInfo {
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

  /** How a run the interrupt stopped ends: its time limit or its cancel, whatever the script was doing then. */
  protected limitError(op: Operation, line: number | null = null): LlmspellError {
    if (this.interruptReason === 'cancelled') return this.setFatal(scriptError('CANCELLED', op.file, line, 'script cancelled'));
    if (this.fatal) return this.fatal;
    return this.setFatal(scriptError('SCRIPT_TIMEOUT', op.file, line, `script exceeded its time limit of ${op.timeoutMs} ms`));
  }

  /** Turns a QuickJS exception into the LlmspellError `run` rejects with; consumes the handle. */
  protected toError(handle: QuickJSHandle, op: Operation): LlmspellError {
    const info = this.describe(handle);
    const line = (info.fileName === op.file ? info.lineNumber : null) ?? lineFromStack(info.stack, op.file);
    // Once the interrupt fired, any error is the limit's: an interrupted promise job rejects its
    // promise with what QuickJS had (null, not the 'interrupted' error), and the run must still say why it ended.
    if (this.interruptReason || (info.name === 'InternalError' && info.message === 'interrupted')) return this.limitError(op, line);
    // out of WASM memory, QuickJS may not even manage to build its error: an empty one
    if (isOutOfMemory(info) || (!info.message && instanceMemoryFull(this.module))) {
      const why = /^out of memory: (.+)/.exec(info.message)?.[1];
      return this.setFatal(scriptError('SCRIPT_MEMORY_LIMIT', op.file, line,
        `script exceeded its memory limit of ${formatBytes(this.options.limits.memoryBytes)}${why ? ` (${why})` : ''}`));
    }
    if (isStackOverflow(info)) return scriptError('SCRIPT_STACK_OVERFLOW', op.file, line, 'stack overflow (recursion too deep)');
    // a script may rethrow a host error with its code, but not claim a limit or a cancel the host did not give it
    const code = isErrorCode(info.code) && (!ENGINE_CODES.has(info.code) || this.engineErrorsGiven.has(info.message)) ? info.code : 'SCRIPT_ERROR';
    let text = stripCodePrefix(info.message, code);
    if (code === 'SCRIPT_ERROR' && info.isError && info.name && info.name !== 'Error') text = `${info.name}: ${text}`;
    return scriptError(code, op.file, line, text, undefined, scriptTraceback(info.stack));
  }

  /** A JS Error for a host failure: `.code` is the llmspell code, `.message` starts with it. */
  protected errorHandle(error: unknown): QuickJSHandle {
    const coded = toLlmspellError(error, 'INTERNAL');
    if (ENGINE_CODES.has(coded.code)) {
      if (this.engineErrorsGiven.size >= 64) this.engineErrorsGiven.clear();
      this.engineErrorsGiven.add(coded.message);
    }
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

  /** Converts a host value to a new handle the caller owns (see JsVmValues). */
  abstract toHandle(value: unknown, stack?: object[]): QuickJSHandle;
}

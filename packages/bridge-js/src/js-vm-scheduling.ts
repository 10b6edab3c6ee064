// The JsVm layer that schedules host promises and script jobs: settling, draining, waiting, floating rejections (split from js-vm.ts).
import { LlmspellError, toLlmspellError } from '@llmspell/core';
import type { QuickJSDeferredPromise, QuickJSHandle } from 'quickjs-emscripten-core';
import { scriptError } from './js-errors.js';
import type { HostPromiseRecord, Operation } from './js-vm-core.js';
import { JsVmErrors } from './js-vm-errors.js';

function timeoutError(op: Operation): LlmspellError {
  return scriptError('SCRIPT_TIMEOUT', op.file, null, `script exceeded its time limit of ${op.timeoutMs} ms`);
}

export abstract class JsVmScheduling extends JsVmErrors {
  /** Drives a handle to a settled value: consumes `handle`, returns an owned handle. */
  protected async settle(handle: QuickJSHandle, op: Operation): Promise<QuickJSHandle> {
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

  protected drain(op: Operation): number {
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
  protected waitForHost(op: Operation): Promise<void> {
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

  /**
   * The promise of a host call, marked so that the host learns when the script handles it:
   * a rejection the script never handles fails the run (see finishFloating).
   */
  protected trackedPromise(promise: PromiseLike<unknown>): QuickJSHandle {
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
  protected async finishFloating(op: Operation): Promise<void> {
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

  protected throwFloatingFailure(op: Operation): void {
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

  protected dropFloatingFailures(): void {
    for (const { error } of this.floatingFailures.splice(0)) if (error.alive && !this.freed) error.dispose();
  }

  /** A QuickJS promise settled when the host promise settles (jobs run on the next pump). */
  protected promiseHandle(promise: PromiseLike<unknown>, record?: HostPromiseRecord): QuickJSHandle {
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
}

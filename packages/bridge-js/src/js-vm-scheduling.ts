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
    // A drain runs jobs until none is left: right after one that ran some, another would find none.
    let drained = false;
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
        if (!drained && this.drain(op) > 0) {
          drained = true;
          continue;
        }
        drained = false;
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
    const result = this.enter(() => this.engine.executePendingJobs());
    if (result.error) throw this.toError(result.error, op);
    // a job the interrupt stopped may have ended as a rejection instead of an error: the run is over all the same
    if (this.interruptReason) throw this.limitError(op);
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
   * Registers a host call still running and returns its id, a number the script-side
   * function turns into a promise (see `call` in prelude.ts). The host marks when the script
   * handles it: a rejection the script never handles fails the run (see finishFloating).
   */
  protected hostCall(promise: PromiseLike<unknown>): number {
    const id = this.nextHostPromise++;
    const record: HostPromiseRecord = { run: this.ops.values().next().value, observed: false, settled: false, rejected: false };
    this.hostPromises.set(id, record);
    this.inflight++;
    Promise.resolve(promise).then((v) => this.deliver(id, record, true, v), (e: unknown) => this.deliver(id, record, false, e));
    return id;
  }

  /** Settles the script's promise of host call `id` in one engine call (jobs run on the next pump). */
  private deliver(id: number, record: HostPromiseRecord, ok: boolean, value: unknown): void {
    this.inflight--;
    record.settled = true;
    if (this.freed || this.disposeRequested || this.poisoned) return this.wake();
    let payload: QuickJSHandle | undefined;
    let how = 0;
    try {
      if (ok) {
        try {
          [how, payload] = this.settledPayload(value);
        } catch (error) {
          ok = false;
          value = error;
        }
      }
      if (!ok) {
        record.rejected = true;
        record.rejection = value;
        payload = this.errorHandle(value);
      }
      const code = this.ctx.newNumber(id * 4 + how);
      try {
        const observed = this.callHelper('settle', code, payload!);
        record.observed = this.ctx.eq(observed, this.ctx.true);
        observed.dispose();
        // a call whose run already ended: nobody asks about it later
        if (!record.observed && !this.hostPromises.has(id)) this.observedLate(id);
      } finally {
        code.dispose();
      }
    } catch {
      // The engine could not take the value (out of memory); the pump reports the state.
    } finally {
      if (payload?.alive) payload.dispose();
      this.wake();
    }
  }

  /** Whether the script handled rejected host call `id` by now (asked once, when its run ends). */
  protected observedLate(id: number): boolean {
    const key = this.ctx.newNumber(id);
    try {
      const answer = this.callHelper('observed', key);
      try {
        return this.ctx.eq(answer, this.ctx.true);
      } finally {
        answer.dispose();
      }
    } finally {
      key.dispose();
    }
  }

  /** Drops the host calls of an ended operation (a pending one still settles its promise). */
  protected forgetHostCalls(op: Operation): void {
    for (const [id, record] of this.hostPromises) {
      if (record.run !== op) continue;
      this.hostPromises.delete(id);
      if (record.rejected && !record.observed && !this.freed && !this.poisoned) {
        try {
          this.observedLate(id); // frees the script-side record
        } catch {
          // a context past a limit is thrown away with its records
        }
      }
    }
  }

  /** How a host call's value crosses: [1, JSON text] for plain data, else [2, the value]. */
  protected abstract settledPayload(value: unknown): [number, QuickJSHandle];

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
        if (record.rejected && !record.observed && !this.observedLate(id)) {
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
  protected promiseHandle(promise: PromiseLike<unknown>): QuickJSHandle {
    const deferred: QuickJSDeferredPromise = this.ctx.newPromise();
    this.owned.add(deferred);
    this.inflight++;
    const settle = (ok: boolean, value: unknown) => {
      this.inflight--;
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

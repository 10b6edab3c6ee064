/** A value now, or a promise of it: what a call returns when its work may or may not need to wait. */
export type MaybePromise<T> = T | Promise<T>;

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs a generator written like an async function, `yield` standing for `await`: step by step
 * in this call while what it yields are plain values, and on the microtask queue from the first
 * promise on. So work that never waits (a tool computing its answer at once) finishes within
 * the call, and a script bridge can hand its result back without suspending the script.
 * Errors thrown before the first promise are thrown here; later ones reject the promise.
 */
export function runMaybeSync<T>(steps: Generator<unknown, T, unknown>): MaybePromise<T> {
  let step = steps.next();
  while (!step.done) {
    if (isPromiseLike(step.value)) return finishAsync(steps, step.value);
    step = steps.next(step.value);
  }
  return step.value;
}

async function finishAsync<T>(steps: Generator<unknown, T, unknown>, first: PromiseLike<unknown>): Promise<T> {
  let pending: PromiseLike<unknown> = first;
  for (;;) {
    let input: unknown;
    let failed = false;
    try {
      input = await pending;
    } catch (error) {
      input = error;
      failed = true;
    }
    let step = failed ? steps.throw(input) : steps.next(input);
    while (!step.done && !isPromiseLike(step.value)) step = steps.next(step.value);
    if (step.done) return step.value;
    pending = step.value as PromiseLike<unknown>;
  }
}

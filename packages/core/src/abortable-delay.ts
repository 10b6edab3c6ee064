import { LlmspellError } from './errors.js';

/** The longest delay Node's timers take: a longer one fires after 1 ms (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay a timer can wait: `setTimeout(f, 1e12)` fires at once, so a time limit of a year, or
 * a sleep of one, would end at once. Past about 24.8 days the wait is that long instead, which
 * no run outlives in practice.
 */
export function timerDelay(ms: number): number {
  return ms > MAX_TIMER_MS ? MAX_TIMER_MS : ms > 0 ? ms : 0;
}

/**
 * Waits `ms`, or rejects `CANCELLED: <detail>` as soon as `signal` aborts. Retries, back-off
 * and script sleeps all wait this way so that a cancelled run never sits out a timer, and
 * the listener is removed on resolve so long-lived signals do not collect them.
 */
export function abortableDelay(ms: number, signal: AbortSignal, detail = 'cancelled'): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new LlmspellError('CANCELLED', detail));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, timerDelay(ms));
    const onAbort = () => {
      clearTimeout(t);
      reject(new LlmspellError('CANCELLED', detail));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

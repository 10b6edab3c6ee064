import { LlmspellError } from './errors.js';

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
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new LlmspellError('CANCELLED', detail));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

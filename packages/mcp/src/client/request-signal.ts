// The signal one SDK request runs under: cheap to make, aborted with the caller's signal.

type AbortListener = (event: { type: 'abort' }) => void;

/**
 * What the SDK's `Protocol.request` reads of the signal it is given: `aborted`, `reason`,
 * `throwIfAborted()`, and one 'abort' listener it adds and never removes (which is why a
 * script's long-lived signal is never handed to it). A real AbortController per request,
 * with that listener, costs several microseconds of every call; this costs an object.
 * `asAbortSignal` is for that one reader only.
 */
export class RequestSignal {
  aborted = false;
  reason: unknown = undefined;
  private listeners: AbortListener[] = [];

  addEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort' && !this.aborted) this.listeners.push(listener);
  }

  removeEventListener(type: string, listener: AbortListener): void {
    if (type === 'abort') this.listeners = this.listeners.filter((l) => l !== listener);
  }

  throwIfAborted(): void {
    if (this.aborted) throw this.reason;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = [];
    for (const listener of listeners) listener({ type: 'abort' });
  }

  get asAbortSignal(): AbortSignal {
    return this as unknown as AbortSignal;
  }
}

import { abortableDelay, type ExecutionContext } from '@llmspell/core';

export { decodeHttpBody as decodeBody, redactStrings, stringHeaders } from '@llmspell/core';

/** Reads a number from tool settings (`[tools.<name>]`), with a fallback. */
export function settingNumber(ctx: ExecutionContext, key: string, fallback: number): number {
  const v = ctx.settings[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : fallback;
}

/** Waits `ms`, or rejects CANCELLED when the signal aborts. */
export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return abortableDelay(ms, signal, 'cancelled while waiting to retry');
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const secs = Number(header);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

const windows = new Map<string, number[]>();

/**
 * A per-host sliding-window rate limit (requests per minute), shared by every call in
 * this process. Waits for a free slot rather than failing.
 */
export async function rateLimit(host: string, perMinute: number | undefined, signal: AbortSignal): Promise<void> {
  if (!perMinute || perMinute <= 0) return;
  for (;;) {
    const now = Date.now();
    const stamps = (windows.get(host) ?? []).filter((t) => now - t < 60_000);
    if (stamps.length < perMinute) {
      stamps.push(now);
      windows.set(host, stamps);
      return;
    }
    windows.set(host, stamps);
    await delay(60_000 - (now - stamps[0]) + 5, signal);
  }
}

/**
 * Applies `redact` to every string in a JSON-like value. Unlike `policy.redactValue` it
 * keeps values under secret-looking keys: a response's `access_token` is the caller's
 * data, while secrets this process knows (the ones it sent) are still scrubbed.
 */

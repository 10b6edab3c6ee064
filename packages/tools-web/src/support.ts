import { abortableDelay, LlmspellError, type ExecutionContext } from '@llmspell/core';

export { decodeHttpBody as decodeBody, redactStrings, stringHeaders } from '@llmspell/core';

/** Web tools take the URL as `input` (CODE) or `url` (DOC). */
export function urlParam(params: { input?: string; url?: string }): string {
  const url = params.input ?? params.url;
  if (url === undefined || url.trim() === '') throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input' (the URL) is required");
  return url.trim();
}

/**
 * Timeouts are seconds in CODE and milliseconds in DOC examples (5000). Values above 600
 * cannot be sensible seconds for these tools, so they are read as milliseconds.
 */
export function timeoutMs(timeout: number | undefined, ctx: ExecutionContext, fallbackSeconds = 30): number {
  if (timeout === undefined) {
    const s = ctx.settings.timeout_seconds;
    return (typeof s === 'number' && s > 0 ? s : fallbackSeconds) * 1000;
  }
  if (!(timeout > 0)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'timeout' must be positive");
  return timeout > 600 ? timeout : timeout * 1000;
}

/** Registers values of credential-looking headers as secrets so they are scrubbed from output. */
export function rememberHeaderSecrets(ctx: ExecutionContext, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) {
    if (/^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie)$/i.test(k)) {
      ctx.policy.secrets.add(v);
      ctx.policy.secrets.add(v.replace(/^(Bearer|Basic|Token)\s+/i, ''));
    }
  }
}

/** Copies headers for display with credential values hidden. */
export function displayHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, /^(authorization|proxy-authorization|x-api-key|api-key|x-auth-token|cookie)$/i.test(k) ? '[REDACTED]' : v]));
}

export function delay(ms: number, signal: AbortSignal): Promise<void> {
  return abortableDelay(ms, signal, 'cancelled while waiting to retry');
}

export const HTML_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

import { LlmspellError, guardedRequest, redactUrl, type ExecutionContext, type GuardedResponse } from '@llmspell/core';
import { HTML_ACCEPT } from './support.js';

export interface FetchedPage {
  response: GuardedResponse;
  text: string;
  contentType: string;
}

/** Decodes a body by the charset in Content-Type or an early `<meta charset>`; UTF-8 otherwise. */
export function decodeText(body: Buffer, contentType: string): string {
  let charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1];
  if (!charset) charset = /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(body.subarray(0, 2048).toString('latin1'))?.[1];
  try {
    return new TextDecoder((charset ?? 'utf-8').toLowerCase(), { fatal: false }).decode(body);
  } catch {
    return body.toString('utf8');
  }
}

/** GETs a page through the guarded client; HTTP errors (>= 400) fail the call. */
export async function fetchPage(ctx: ExecutionContext, url: string, timeoutMs: number, headers: Record<string, string> = {}): Promise<FetchedPage> {
  const response = await guardedRequest(ctx.policy, { url, headers: { Accept: HTML_ACCEPT, ...headers }, timeoutMs, signal: ctx.signal });
  if (response.status >= 400) {
    throw new LlmspellError('TOOL_EXECUTION_FAILED', `GET ${redactUrl(url)} answered HTTP ${response.status} ${response.statusText}`.trim(), {
      details: { status: response.status, url: redactUrl(response.url) },
    });
  }
  const contentType = response.headers['content-type'] ?? '';
  return { response, text: decodeText(response.body, contentType), contentType };
}

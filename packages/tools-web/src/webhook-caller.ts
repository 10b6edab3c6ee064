import { aliasOf, LlmspellError, defineTool, guardedRequest, isLlmspellError, redactUrl, z, type GuardedResponse, urlParameters } from '@llmspell/core';
import { decodeBody, delay, redactStrings, rememberHeaderSecrets, stringHeaders, timeoutMs, urlParam } from './support.js';

export const webhookCaller = defineTool({
  name: 'webhook_caller',
  aliases: ['webhook-caller'],
  description: 'Deliver a JSON payload to a webhook, retrying with exponential back-off on network errors, 429 and 5xx',
  outputSchema: z.object({
    url: z.string(), method: z.string(), delivered: z.boolean().describe('A 2xx answer'), status: z.number().nullable(),
    response: z.unknown().describe('The answer body: parsed JSON, or text'), response_headers: z.record(z.string(), z.string()).nullable(), attempts: z.number(),
    attempt_log: z.array(z.object({ attempt: z.number(), status: z.number().optional(), error: z.string().optional(), duration_ms: z.number() })),
    timing_ms: z.number(),
  }),
  examples: [
    { description: 'POST an event, retrying 5xx answers twice', params: { input: 'https://httpbin.org/post', payload: { event: 'deploy', status: 'ok' }, max_retries: 2 } },
  ],
  category: 'web',
  securityLevel: 'restricted',
  tags: ['webhook', 'http', 'notification', 'retry'],
  parameters: z.object({
    ...urlParameters('Webhook URL'),
    payload: z.unknown().default({}).describe('JSON payload (object, array or string)'),
    headers: z.record(z.string(), z.unknown()).optional(),
    method: z.enum(['POST', 'PUT', 'PATCH', 'GET', 'DELETE', 'post', 'put', 'patch', 'get', 'delete']).default('POST'),
    max_retries: z.number().int().min(0).max(10).optional().describe('Retries after the first attempt (default 3)'),
    retry_count: aliasOf('max_retries', z.number().int().min(0).max(10)),
    retry_delay: z.number().min(0).max(60_000).optional().describe('DOC: first back-off delay in ms (default 1000), doubling each retry'),
    timeout: z.number().optional().describe('Seconds per attempt (default 30; values over 600 are read as ms)'),
    operation: z.string().optional().describe('DOC only (call/call_with_retry); ignored'),
  }),
  async execute(params, ctx) {
    const url = urlParam(params);
    const method = params.method.toUpperCase();
    const maxRetries = params.max_retries ?? params.retry_count ?? 3;
    const baseDelay = params.retry_delay ?? (typeof ctx.settings.retry_delay_ms === 'number' ? ctx.settings.retry_delay_ms : 1000);
    const headers = stringHeaders(params.headers);
    rememberHeaderSecrets(ctx, headers);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    if (!Object.keys(headers).some((k) => k.toLowerCase() === 'user-agent')) headers['User-Agent'] = 'llmspell-webhook/0.1';
    const body = method === 'GET' || method === 'DELETE' ? undefined : typeof params.payload === 'string' ? params.payload : JSON.stringify(params.payload ?? {});
    const perAttempt = timeoutMs(params.timeout, ctx);
    const started = performance.now();
    const log: Array<{ attempt: number; status?: number; error?: string; duration_ms: number }> = [];
    let last: GuardedResponse | undefined;
    let lastError: LlmspellError | undefined;
    for (let attempt = 1; attempt <= maxRetries + 1; attempt++) {
      const t0 = performance.now();
      try {
        last = await guardedRequest(ctx.policy, { url, method, headers, body, timeoutMs: perAttempt, signal: ctx.signal });
        lastError = undefined;
        log.push({ attempt, status: last.status, duration_ms: Math.round(performance.now() - t0) });
        if (last.status < 500 && last.status !== 429) break;
      } catch (error) {
        // Refusals by policy, oversize answers and cancellation will not get better with retries.
        if (!isLlmspellError(error) || !(error.code === 'IO_ERROR' || error.code === 'TIMEOUT')) throw error;
        lastError = error;
        last = undefined;
        log.push({ attempt, error: error.message, duration_ms: Math.round(performance.now() - t0) });
      }
      if (attempt <= maxRetries) await delay(baseDelay * 2 ** (attempt - 1), ctx.signal);
    }
    const attempts = log.length;
    const totalMs = Math.round((performance.now() - started) * 1000) / 1000;
    const delivered = last !== undefined && last.status >= 200 && last.status < 300;
    const result = redactStrings({
      url: redactUrl(url),
      method,
      delivered,
      status: last?.status ?? null,
      response: last ? decodeBody(last.body, last.headers['content-type']) : null,
      response_headers: last?.headers ?? null,
      attempts,
      attempt_log: log,
      timing_ms: totalMs,
    }, (t) => ctx.policy.redact(t));
    const error = delivered
      ? undefined
      : lastError
        ? { message: `webhook not delivered after ${attempts} attempt(s): ${ctx.policy.redact(lastError.message)}`, code: lastError.code }
        : { message: `webhook answered HTTP ${last!.status} after ${attempts} attempt(s)`, code: 'HTTP_ERROR', details: { status: last!.status } };
    return {
      operation: 'call',
      success: delivered,
      result,
      ...(error ? { error } : {}),
      metadata: { attempts, status: last?.status ?? null, timing_ms: totalMs },
    };
  },
});

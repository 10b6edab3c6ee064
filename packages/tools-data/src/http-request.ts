import { LlmspellError, defineTool, guardedRequest, isLlmspellError, redactUrl, z, type GuardedResponse, urlParameters } from '@llmspell/core';
import { decodeBody, delay, redactStrings, rateLimit, retryAfterMs, settingNumber, stringHeaders } from './http-support.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;

const AuthSchema = z.looseObject({
  type: z.enum(['basic', 'bearer', 'api_key', 'apikey', 'api-key']).describe('basic | bearer | api_key'),
  username: z.string().optional(),
  password: z.string().optional(),
  token: z.string().optional(),
  key: z.string().optional().describe('api_key value'),
  header: z.string().optional().describe('api_key header name (default X-API-Key)'),
  location: z.enum(['header', 'query']).optional().describe('api_key placement (default header)'),
  param: z.string().optional().describe('api_key query parameter name (default api_key)'),
});

const RetrySchema = z.looseObject({
  max_attempts: z.number().int().min(1).max(10).optional(),
  max_retries: z.number().int().min(0).max(9).optional(),
  initial_delay_ms: z.number().min(0).max(60_000).optional(),
  max_delay_ms: z.number().min(0).max(300_000).optional(),
  backoff_factor: z.number().min(1).max(10).optional(),
  retry_on: z.array(z.number().int()).optional().describe('Status codes to retry (default 429, 500, 502, 503, 504)'),
});

export const httpRequest = defineTool({
  name: 'http_request',
  aliases: ['http-request', 'http-request-tool'],
  description: 'HTTP client: any method, headers, JSON bodies, basic/bearer/api-key auth, retries with backoff on 429/5xx; refuses private/loopback targets unless allowed',
  outputSchema: z.object({
    status: z.number(), status_text: z.string(), ok: z.boolean().describe('A 2xx status'), headers: z.record(z.string(), z.string()).describe('Lower-cased names'),
    body: z.unknown().describe('Parsed JSON when the response is JSON, else the text (null when empty)'), url: z.string().describe('After redirects'),
    redirects: z.array(z.string()), attempts: z.number(), duration_ms: z.number(),
  }),
  ignoredParameters: ['timeout_ms'],
  examples: [
    { description: 'GET a JSON document', params: { input: 'https://httpbin.org/json' } },
    { description: 'POST JSON with a bearer token', params: { input: 'https://httpbin.org/post', method: 'POST', body: { name: 'Ann' }, auth: { type: 'bearer', token: 'my-token' } } },
  ],
  category: 'api',
  // The reference's CODE level is Safe (DOC says Restricted); the URL guard does the real protecting.
  // A script-chosen URL is network access: what `restricted` means (the reference said Safe).
  securityLevel: 'restricted',
  tags: ['http', 'api', 'rest', 'network'],
  parameters: z.object({
    ...urlParameters('URL to request'),
    method: z.string().optional().describe('GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS (default GET)'),
    operation: z.string().optional().describe('DOC alias of method (get, post, …)'),
    headers: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional().describe('Object/array (sent as JSON) or string'),
    auth: AuthSchema.optional(),
    retry: RetrySchema.optional(),
    timeout: z.number().positive().max(600).optional().describe('Seconds (default 30, config timeout_seconds)'),
  }),
  async execute(params, ctx) {
    const url = params.input ?? params.url;
    if (!url) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input' (the URL) is required");
    const method = (params.method ?? params.operation ?? 'GET').toUpperCase();
    if (!(METHODS as readonly string[]).includes(method)) {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'method': unsupported method '${method}' (${METHODS.join(', ')})`);
    }
    const headers = stringHeaders(params.headers);
    const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
    let body: string | undefined;
    if (params.body !== undefined && params.body !== null) {
      if (typeof params.body === 'string') body = params.body;
      else {
        body = JSON.stringify(params.body);
        if (!lower.has('content-type')) headers['Content-Type'] = 'application/json';
      }
    }
    if (!lower.has('accept')) headers.Accept = 'application/json, text/plain;q=0.9, */*;q=0.8';
    let target = url;
    if (params.auth) {
      const a = params.auth;
      const type = a.type === 'apikey' || a.type === 'api-key' ? 'api_key' : a.type;
      if (type === 'basic') {
        if (a.username === undefined || a.password === undefined) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'auth': basic auth needs username and password");
        ctx.policy.secrets.add(a.password);
        const token = Buffer.from(`${a.username}:${a.password}`).toString('base64');
        ctx.policy.secrets.add(token);
        headers.Authorization = `Basic ${token}`;
      } else if (type === 'bearer') {
        if (!a.token) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'auth.token' is required for bearer auth");
        ctx.policy.secrets.add(a.token);
        headers.Authorization = `Bearer ${a.token}`;
      } else {
        const key = a.key ?? a.token;
        if (!key) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'auth.key' is required for api_key auth");
        ctx.policy.secrets.add(key);
        if (a.location === 'query') {
          let u: URL;
          try { u = new URL(url); } catch { throw new LlmspellError('INVALID_ARGUMENT', `parameter 'input' is not a valid URL: ${redactUrl(url)}`); }
          u.searchParams.set(a.param ?? 'api_key', key);
          target = u.toString();
        } else headers[a.header ?? 'X-API-Key'] = key;
      }
    }
    const retry = params.retry ?? {};
    const maxAttempts = retry.max_attempts ?? (retry.max_retries !== undefined ? retry.max_retries + 1 : 3);
    const initialDelay = retry.initial_delay_ms ?? 500;
    const maxDelay = retry.max_delay_ms ?? 10_000;
    const factor = retry.backoff_factor ?? 2;
    const retryOn = retry.retry_on ?? [429, 500, 502, 503, 504];
    const timeoutMs = (params.timeout ?? settingNumber(ctx, 'timeout_seconds', 30)) * 1000;
    const perMinute = settingNumber(ctx, 'rate_limit_per_minute', 0);
    let host = '';
    try { host = new URL(target).host; } catch { /* checkUrl reports it */ }

    let attempt = 0;
    let response: GuardedResponse | undefined;
    const attempts: Array<{ attempt: number; status?: number; error?: string }> = [];
    for (;;) {
      attempt += 1;
      await rateLimit(host, perMinute, ctx.signal);
      let waitMs = Math.min(maxDelay, initialDelay * factor ** (attempt - 1));
      try {
        response = await guardedRequest(ctx.policy, { url: target, method, headers, body, timeoutMs, signal: ctx.signal });
        attempts.push({ attempt, status: response.status });
        if (!retryOn.includes(response.status) || attempt >= maxAttempts) break;
        const after = retryAfterMs(response.headers['retry-after']);
        if (after !== undefined) waitMs = Math.min(maxDelay, after);
      } catch (error) {
        // Policy refusals, bad input, size limits and cancellation are final; network failures are retried.
        const retriable = isLlmspellError(error) && (error.code === 'IO_ERROR' || error.code === 'TIMEOUT');
        attempts.push({ attempt, error: isLlmspellError(error) ? error.code : 'ERROR' });
        if (!retriable || attempt >= maxAttempts || ctx.signal.aborted) throw error;
      }
      ctx.logger.debug(`http_request: retrying ${redactUrl(target)} in ${waitMs} ms (attempt ${attempt + 1}/${maxAttempts})`);
      await delay(waitMs, ctx.signal);
    }
    const res = response!;
    const result = {
      status: res.status,
      status_text: res.statusText,
      ok: res.status >= 200 && res.status < 300,
      headers: res.headers,
      body: decodeBody(res.body, res.headers['content-type']),
      url: redactUrl(res.url),
      redirects: res.redirects.map(redactUrl),
      attempts: attempt,
      duration_ms: res.durationMs,
    };
    return {
      operation: method.toLowerCase(),
      result: redactStrings(result, (t) => ctx.policy.redact(t)),
      metadata: { status: res.status, attempts: attempt, bytes: res.body.length, url: redactUrl(res.url) },
    };
  },
});

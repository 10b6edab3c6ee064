import { LlmspellError, defineTool, guardedRequest, redactUrl, z, urlParameters } from '@llmspell/core';
import { decodeBody, displayHeaders, redactStrings, rememberHeaderSecrets, stringHeaders, timeoutMs, urlParam } from './support.js';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

export const apiTester = defineTool({
  name: 'api_tester',
  aliases: ['api-tester'],
  description: 'Send one HTTP request to an API and report status, headers, parsed body and timing; optionally check the expected status',
  outputSchema: z.object({
    request: z.object({ url: z.string(), method: z.string(), headers: z.record(z.string(), z.string()).describe('Credentials hidden'), body_bytes: z.number() }),
    response: z.object({
      status: z.number(), status_text: z.string(), ok: z.boolean(), headers: z.record(z.string(), z.string()), body: z.unknown().describe('Parsed JSON, or text'),
      size_bytes: z.number(), final_url: z.string(), redirects: z.array(z.string()),
    }),
    timing: z.object({ total_ms: z.number(), response_time_ms: z.number() }),
    expected_status: z.array(z.number()).optional(), passed: z.boolean().optional().describe('With expected_status; false also makes success false'),
  }),
  examples: [
    { description: 'Check that an endpoint answers 200', params: { input: 'https://httpbin.org/get', expected_status: 200 } },
    { description: 'POST JSON and inspect the answer', params: { input: 'https://httpbin.org/post', method: 'POST', body: { ping: true } } },
  ],
  category: 'web',
  securityLevel: 'restricted',
  tags: ['api', 'http', 'testing', 'rest'],
  parameters: z.object({
    ...urlParameters('URL to test'),
    method: z.string().default('GET'),
    headers: z.record(z.string(), z.unknown()).optional(),
    body: z.unknown().optional().describe('Object (sent as JSON) or string'),
    timeout: z.number().optional().describe('Seconds (default 30; values over 600 are read as ms, as in DOC)'),
    expected_status: z.union([z.number().int(), z.array(z.number().int())]).optional().describe('DOC: status (or list) the response must have'),
    operation: z.string().optional().describe('DOC only (test/validate); ignored'),
  }),
  async execute(params, ctx) {
    const url = urlParam(params);
    const method = params.method.toUpperCase();
    if (!METHODS.includes(method)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'method': unsupported method '${params.method}' (${METHODS.join(', ')})`);
    const headers = stringHeaders(params.headers);
    rememberHeaderSecrets(ctx, headers);
    let body: string | undefined;
    if (params.body !== undefined && params.body !== null) {
      if (typeof params.body === 'string') body = params.body;
      else {
        body = JSON.stringify(params.body);
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
      }
    }
    const started = performance.now();
    const res = await guardedRequest(ctx.policy, { url, method, headers, body, timeoutMs: timeoutMs(params.timeout, ctx), signal: ctx.signal });
    const totalMs = Math.round((performance.now() - started) * 1000) / 1000;
    const expected = params.expected_status === undefined ? undefined : Array.isArray(params.expected_status) ? params.expected_status : [params.expected_status];
    const passed = expected ? expected.includes(res.status) : undefined;
    const result = redactStrings({
      request: { url: redactUrl(url), method, headers: displayHeaders(headers), body_bytes: body ? Buffer.byteLength(body) : 0 },
      response: {
        status: res.status,
        status_text: res.statusText,
        ok: res.status >= 200 && res.status < 300,
        headers: res.headers,
        body: decodeBody(res.body, res.headers['content-type']),
        size_bytes: res.body.length,
        final_url: redactUrl(res.url),
        redirects: res.redirects.map(redactUrl),
      },
      timing: { total_ms: totalMs, response_time_ms: res.durationMs },
      ...(expected ? { expected_status: expected, passed } : {}),
    }, (t) => ctx.policy.redact(t));
    return {
      operation: 'test',
      success: passed !== false,
      result,
      ...(passed === false ? { error: { message: `expected status ${expected!.join(' or ')}, got ${res.status}`, code: 'UNEXPECTED_STATUS' } } : {}),
      metadata: { status: res.status, response_time_ms: totalMs },
    };
  },
});

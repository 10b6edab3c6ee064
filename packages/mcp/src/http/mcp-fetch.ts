import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { LlmspellError, redactUrl, type SecurityPolicy } from '@llmspell/core';

export interface McpFetchOptions {
  /** The configured name or the URL, for messages. */
  server: string;
  /** Largest single message: a JSON body, or one server-sent event. */
  maxMessageBytes: number;
  /**
   * When set, every request is checked against this policy (private and loopback targets
   * refused unless allowed, domain lists) and connects to the address that was checked.
   */
  policy?: SecurityPolicy;
  /** Told when a response broke the size limit, so pending requests can fail at once. */
  onFault?: (error: LlmspellError) => void;
}

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Counts the bytes of a response body: all of it for JSON, each event for an SSE stream (a
 * long-lived stream may carry any number of events, but no single one past the limit).
 */
function capBody(body: ReadableStream<Uint8Array>, eventStream: boolean, options: McpFetchOptions): ReadableStream<Uint8Array> {
  let count = 0;
  let tail = '';
  const decoder = new TextDecoder();
  return body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (eventStream) {
        const text = tail + decoder.decode(chunk, { stream: true });
        const boundary = Math.max(text.lastIndexOf('\n\n'), text.lastIndexOf('\r\n\r\n'));
        count = boundary === -1 ? count + chunk.length : Buffer.byteLength(text.slice(boundary));
        tail = text.slice(-3);
      } else {
        count += chunk.length;
      }
      if (count > options.maxMessageBytes) {
        const error = new LlmspellError(
          'MCP_PROTOCOL_ERROR',
          `server '${options.server}' sent a message of more than ${options.maxMessageBytes} bytes ([mcp] max_response_bytes); the connection was closed`,
          { details: { server: options.server, limit: options.maxMessageBytes } },
        );
        options.onFault?.(error);
        controller.error(error);
        return;
      }
      controller.enqueue(chunk);
    },
  }));
}

function headerRecord(headers: ConstructorParameters<typeof Headers>[0]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** A fetch on node:http under `policy`: the URL is checked, then the checked address is dialled. */
function policyFetch(policy: SecurityPolicy) {
  return async (input: string | URL, init: RequestInit = {}): Promise<Response> => {
    const target = await policy.checkUrl(String(input), 'url');
    const body = init.body === undefined || init.body === null ? undefined : Buffer.from(await new Response(init.body).arrayBuffer());
    const headers = headerRecord(init.headers);
    if (body) headers['content-length'] = String(body.length);
    const lib = target.protocol === 'https:' ? https : http;
    return new Promise<Response>((resolve, reject) => {
      const req = lib.request(target, {
        method: init.method ?? 'GET',
        headers,
        agent: false,
        lookup: policy.guardedLookup as unknown as http.RequestOptions['lookup'],
        signal: init.signal ?? undefined,
      });
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
        let stream: ReadableStream<Uint8Array> | null = null;
        if (NULL_BODY.has(status) || init.method === 'HEAD') res.resume();
        else stream = Readable.toWeb(res) as ReadableStream<Uint8Array>;
        resolve(new Response(stream, { status, statusText: res.statusMessage ?? '', headers: responseHeaders }));
      });
      req.on('error', (error) => reject(init.signal?.aborted ? init.signal.reason : new TypeError(`fetch failed: ${redactUrl(target)}: ${error.message}`, { cause: error })));
      req.end(body);
    });
  };
}

/** The `fetch` an MCP HTTP transport uses: size-capped, and policy-checked when a policy is given. */
export function createMcpFetch(options: McpFetchOptions): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const base = options.policy ? policyFetch(options.policy) : (input: string | URL, init?: RequestInit) => fetch(input, init);
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const eventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    return new Response(capBody(response.body, eventStream, options), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

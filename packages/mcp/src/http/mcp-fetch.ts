import { LlmspellError, guardedFetch, type SecurityPolicy } from '@llmspell/core';

export interface McpFetchOptions {
  /** The configured name or the URL, for messages. */
  server: string;
  /** Largest single message: a JSON body, or one server-sent event. */
  maxMessageBytes: number;
  /**
   * When set, every request is checked against this policy (private and loopback targets
   * refused unless allowed, domain lists) connects to the address that was checked, and redirects are checked hop by hop.
   */
  policy?: SecurityPolicy;
  /** Told when a response broke the size limit, so pending requests can fail at once. */
  onFault?: (error: LlmspellError) => void;
}

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

/** The `fetch` an MCP HTTP transport uses: size-capped, and policy-checked when a policy is given. */
export function createMcpFetch(options: McpFetchOptions): (input: string | URL, init?: RequestInit) => Promise<Response> {
  const base = options.policy ? guardedFetch(options.policy, { parameter: 'url' }) : (input: string | URL, init?: RequestInit) => fetch(input, init);
  return async (input, init) => {
    const response = await base(input, init);
    if (!response.body) return response;
    const eventStream = (response.headers.get('content-type') ?? '').includes('text/event-stream');
    return new Response(capBody(response.body, eventStream, options), { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError } from '@llmspell/core';

/** The longest message a client may send over stdio: the SDK's own stdio limit. */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Newline-delimited JSON-RPC over a pair of streams, in place of the SDK's
 * StdioServerTransport, which drops what it cannot parse (the client waits for an answer
 * forever) and ends the session without a word when a message is over its limit. Here a line
 * that is not JSON is answered with -32700, a request the schema refuses with -32602 or -32600
 * under its own id, and a message over the limit ends the session with `fault` saying why.
 */
export class StdioServerTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** Set when the client's input ended the session: the caller reports it and exits non-zero. */
  fault?: LlmspellError;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private closed = false;

  constructor(
    private readonly stdin: NodeJS.ReadableStream,
    private readonly stdout: NodeJS.WritableStream,
    private readonly maxMessageBytes = MAX_STDIO_MESSAGE_BYTES,
  ) {}

  async start(): Promise<void> {
    this.stdin.on('data', this.ondata);
    this.stdin.on('error', this.onstreamerror);
  }

  private readonly onstreamerror = (error: Error) => this.onerror?.(error);

  private readonly ondata = (data: Buffer | string) => {
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    let start = 0;
    while (!this.closed) {
      const end = chunk.indexOf(10, start);
      if (end === -1) break;
      const piece = chunk.subarray(start, end);
      const line = this.chunks.length ? Buffer.concat([...this.chunks, piece]) : piece;
      this.chunks = [];
      this.buffered = 0;
      start = end + 1;
      if (line.length > this.maxMessageBytes) return this.tooLarge();
      this.handleLine(line);
    }
    if (this.closed || start >= chunk.length) return;
    const rest = chunk.subarray(start);
    this.buffered += rest.length;
    // Checked before the newline arrives: a client that never sends one cannot grow the buffer.
    if (this.buffered > this.maxMessageBytes) return this.tooLarge();
    this.chunks.push(rest);
  };

  private tooLarge(): void {
    this.fault = new LlmspellError(
      'SIZE_LIMIT_EXCEEDED',
      `mcp serve: the client sent a message over ${this.maxMessageBytes} bytes (the most one stdio message may be); closing the session`,
      { details: { limit: this.maxMessageBytes } },
    );
    this.onerror?.(this.fault);
    void this.close();
  }

  private handleLine(line: Buffer): void {
    const text = line.toString('utf8').replace(/\r$/, '');
    if (text.trim() === '') return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.onerror?.(error as Error);
      this.answerError(null, ErrorCode.ParseError, `Parse error: ${(error as Error).message}`);
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (parsed.success) {
      this.onmessage?.(parsed.data);
      return;
    }
    this.onerror?.(new Error(`invalid JSON-RPC message: ${parsed.error.message}`));
    if (!isRecord(raw)) {
      this.answerError(null, ErrorCode.InvalidRequest, Array.isArray(raw) ? 'Invalid Request: batches are not supported' : 'Invalid Request: a message is a JSON object');
      return;
    }
    const id = typeof raw.id === 'string' || typeof raw.id === 'number' ? raw.id : null;
    const request = typeof raw.method === 'string';
    // A notification, or a response the schema refused, has no one waiting to be told.
    if (request && !('id' in raw)) return;
    if (!request && id !== null) return;
    if (request && id !== null && raw.params !== undefined && !isRecord(raw.params)) {
      this.answerError(id, ErrorCode.InvalidParams, `Invalid params: params of ${String(raw.method)} must be an object`);
      return;
    }
    this.answerError(id, ErrorCode.InvalidRequest, 'Invalid Request: not a JSON-RPC 2.0 request');
  }

  private answerError(id: string | number | null, code: number, message: string): void {
    void this.write(JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } }) + '\n');
  }

  private write(text: string): Promise<void> {
    return new Promise((resolve) => {
      if (this.stdout.write(text)) resolve();
      else this.stdout.once('drain', resolve);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.write(JSON.stringify(message) + '\n');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stdin.off('data', this.ondata);
    this.stdin.off('error', this.onstreamerror);
    if (this.stdin.listenerCount('data') === 0) this.stdin.pause();
    this.chunks = [];
    this.onclose?.();
  }
}

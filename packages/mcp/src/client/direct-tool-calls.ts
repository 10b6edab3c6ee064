import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { safeParse } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode, McpError, ProgressNotificationSchema,
  type CallToolResult, type JSONRPCMessage, type Progress, type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import { CallToolResultFastSchema } from './call-result-schema.js';

/** Whether the SDK's client checks nothing of a call of this tool beyond the result schema (no output schema, no required task). */
export function isPlainTool(definition: McpToolDefinition): boolean {
  return !definition.outputSchema && definition.execution?.taskSupport !== 'required';
}

export interface DirectCallOptions {
  /** Aborts the call: the server is sent `notifications/cancelled`, the call rejects with the reason. */
  signal?: AbortSignal;
  onprogress?: (progress: Progress) => void;
}

interface Waiting {
  resolve(result: CallToolResult): void;
  reject(error: unknown): void;
  /** performance.now() past which the call times out (moved on by progress). */
  deadline: number;
  onprogress?: (progress: Progress) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** The SDK client's request counter, which `Protocol.request` numbers its requests with. */
interface RequestCounter {
  _requestMessageId: number;
}

/** A transport that writes a message at once (StdioProcessTransport): false asks for 'drain', the line is queued anyway. */
export type WritingTransport = Transport & { write(message: JSONRPCMessage): boolean };

/** A timer may fire this much before its time (libuv's millisecond clock): a call is due that close to its deadline. */
const TIMER_SLACK_MS = 1;

/**
 * `tools/call` requests sent beside the SDK's `Protocol.request`, on the same transport and
 * numbered from the same counter, for the tools whose answer needs nothing of the client's
 * beyond the result schema (no output schema, no required task). Protocol.request builds a
 * dozen closures, maps and spread objects per request and its answer goes through three async
 * layers: on a server process that answers in a few hundred microseconds, that was a tenth of
 * every call. What a call does is the same: a progress token (progress resets the timeout),
 * the per-request timeout, `notifications/cancelled` on timeout or abort, the result checked
 * against `CallToolResultSchema`, a JSON-RPC error as `McpError`, and a closed connection
 * failing what still waits, with the errors the SDK gives for each. Every other message goes
 * to the SDK as before.
 */
export class DirectToolCalls {
  private readonly waiting = new Map<number, Waiting>();
  private readonly counter: RequestCounter;
  /**
   * One timer for every call's timeout, due at the earliest deadline: a call in a loop then
   * costs no timer of its own. Unreferenced: while a call waits the server's pipes keep the
   * process alive, and when none waits the timer must not.
   */
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  /** Undefined when this SDK's client has no request counter to share (the SDK path is then used). */
  static attach(client: Client, transport: WritingTransport, timeoutMs: number): DirectToolCalls | undefined {
    const counter = client as unknown as Partial<RequestCounter>;
    if (typeof counter._requestMessageId !== 'number' || !transport.onmessage) return undefined;
    return new DirectToolCalls(counter as RequestCounter, transport, timeoutMs);
  }

  private constructor(counter: RequestCounter, private readonly transport: WritingTransport, private readonly timeoutMs: number) {
    this.counter = counter;
    const sdkMessage = transport.onmessage!;
    const sdkClose = transport.onclose;
    transport.onmessage = (message, extra) => {
      if (!this.take(message)) sdkMessage(message, extra);
    };
    transport.onclose = () => {
      sdkClose?.();
      this.failAll(McpError.fromError(ErrorCode.ConnectionClosed, 'Connection closed'));
    };
  }

  /** Calls in flight. */
  get size(): number {
    return this.waiting.size;
  }

  call(name: string, args: Record<string, unknown>, options: DirectCallOptions = {}): Promise<CallToolResult> {
    return new Promise<CallToolResult>((resolve, reject) => {
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const id = this.counter._requestMessageId++;
      const deadline = performance.now() + this.timeoutMs;
      const w: Waiting = { resolve, reject, deadline, onprogress: options.onprogress };
      if (deadline < this.timerAt) this.armAt(deadline);
      if (signal) {
        w.signal = signal;
        w.onAbort = () => this.cancel(id, signal.reason);
        signal.addEventListener('abort', w.onAbort, { once: true });
      }
      this.waiting.set(id, w);
      // the SDK's shape of a request, key for key
      const request = { method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: id } }, jsonrpc: '2.0' as const, id };
      try {
        this.transport.write(request);
      } catch (error) {
        if (this.settle(id)) reject(error);
      }
    });
  }

  private armAt(at: number): void {
    clearTimeout(this.timer);
    this.timerAt = at;
    // past setTimeout's 32-bit range it would fire at once: it fires early instead, and expire() sets it again
    this.timer = setTimeout(() => this.expire(), Math.min(Math.max(0, at - performance.now()), 2 ** 31 - 1)).unref();
  }

  /** Times out every call past its deadline (as the SDK's request does) and sets the timer for the next. */
  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const due = performance.now() + TIMER_SLACK_MS;
    let next = Infinity;
    for (const [id, w] of this.waiting) {
      if (w.deadline <= due) this.cancel(id, McpError.fromError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: this.timeoutMs }));
      else if (w.deadline < next) next = w.deadline;
    }
    if (next !== Infinity) this.armAt(next);
  }

  /** Takes a message that answers, or reports progress of, a call made here. */
  private take(message: JSONRPCMessage): boolean {
    if ('method' in message) {
      if (message.method !== 'notifications/progress') return false;
      const token = (message.params as { progressToken?: unknown } | undefined)?.progressToken;
      const id = Number(token);
      if (token === undefined || !this.waiting.has(id)) return false;
      const parsed = ProgressNotificationSchema.safeParse(message);
      if (!parsed.success) return false;
      // a microtask later, as the SDK runs notification handlers: a result read with it still comes after
      queueMicrotask(() => this.progress(id, parsed.data.params));
      return true;
    }
    if (!('id' in message)) return false;
    const id = Number(message.id);
    const w = this.settle(id);
    if (!w) return false;
    if ('error' in message) {
      w.reject(McpError.fromError(message.error.code, message.error.message, message.error.data));
      return true;
    }
    const parsed = safeParse(CallToolResultFastSchema, (message as { result: unknown }).result);
    if (parsed.success) w.resolve(parsed.data as CallToolResult);
    else w.reject(parsed.error);
    return true;
  }

  private progress(id: number, params: Progress & { progressToken?: unknown }): void {
    const w = this.waiting.get(id);
    if (!w) return;
    w.deadline = performance.now() + this.timeoutMs;
    const { progressToken: _token, ...progress } = params;
    w.onprogress?.(progress);
  }

  /** Forgets call `id` (its timer and abort listener); what was waiting, if anything still was. */
  private settle(id: number): Waiting | undefined {
    const w = this.waiting.get(id);
    if (!w) return undefined;
    this.waiting.delete(id);
    if (w.onAbort) w.signal!.removeEventListener('abort', w.onAbort);
    return w;
  }

  /** Ends call `id` early, telling the server, as the SDK's request does on timeout or abort. */
  private cancel(id: number, reason: unknown): void {
    const w = this.settle(id);
    if (!w) return;
    try {
      this.transport.write({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: String(reason) } });
    } catch {
      // the server is gone: there is no one to tell
    }
    w.reject(reason instanceof McpError ? reason : new McpError(ErrorCode.RequestTimeout, String(reason)));
  }

  private failAll(error: McpError): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    for (const id of [...this.waiting.keys()]) this.settle(id)!.reject(error);
  }
}

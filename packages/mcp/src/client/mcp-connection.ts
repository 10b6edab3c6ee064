import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  CreateMessageRequestSchema, ElicitRequestSchema, LoggingMessageNotificationSchema,
  type CallToolResult, type Progress, type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import type { LlmspellError, SecurityPolicy } from '@llmspell/core';
import { createMcpFetch } from '../http/mcp-fetch.js';
import type { McpHost } from '../mcp-options.js';
import { StdioProcessTransport } from '../stdio/stdio-process-transport.js';
import { CallToolResultFastSchema } from './call-result-schema.js';
import { DirectToolCalls, isPlainTool } from './direct-tool-calls.js';
import { elicitationAnswer } from './elicitation.js';
import { toMcpError } from './mcp-errors.js';
import { RequestSignal } from './request-signal.js';

interface SpecCommon {
  name: string;
  sampling?: string;
  timeoutMs: number;
  maxMessageBytes: number;
  /** How this server's elicitation requests are answered. Default `decline`. */
  elicitation?: 'defaults' | 'decline';
}

export type McpServerSpec =
  | SpecCommon & { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | SpecCommon & {
    kind: 'http'; url: string; headers: Record<string, string>;
    /** Set for URLs a script passed: they go through the network policy. */
    policy?: SecurityPolicy;
  };

export interface CallOptions {
  signal?: AbortSignal;
  /** Name shown in `mcp.progress` events (the llmspell tool name, or the MCP one). */
  label?: string;
  /** The caller knows the tool's definition: `isPlainTool` of it (else this connection's own listing decides). */
  plain?: boolean;
}

const CLIENT_INFO = { name: 'llmspell', version: '0.1.0' };
const MAX_PAGES = 100;

/**
 * One connection to one MCP server, on the official SDK's `Client`. Every failure leaves as a
 * coded LlmspellError (see mcp-errors.ts); notifications become events.
 */
export class McpConnection {
  private closed = false;
  private lost = false;
  /** tools/call beside the SDK's request machinery (stdio servers), for plain tools (`isPlainTool`). */
  private direct?: DirectToolCalls;
  /** Tools listed without an output schema or a required task: the client checks nothing of theirs beyond the result schema. */
  private readonly directTools = new Set<string>();

  private constructor(
    readonly spec: McpServerSpec,
    private readonly host: McpHost,
    private readonly client: Client,
    private readonly transport: Transport,
    private readonly httpFault?: () => LlmspellError | undefined,
  ) {}

  /** Starts (stdio) or reaches (HTTP) the server and initializes the session. */
  static async open(spec: McpServerSpec, host: McpHost, signal?: AbortSignal): Promise<McpConnection> {
    if (spec.kind === 'stdio') {
      return McpConnection.initialize(spec, host, new StdioProcessTransport({ ...spec, logger: host.logger }), signal);
    }
    // An oversized message ends the connection at once, so the request waiting for it fails
    // with that fault rather than a timeout.
    let fault: LlmspellError | undefined;
    let current: Transport | undefined;
    const fetch = createMcpFetch({
      server: spec.name,
      maxMessageBytes: spec.maxMessageBytes,
      policy: spec.policy,
      onFault: (e) => {
        fault ??= e;
        void current?.close();
      },
    });
    const url = new URL(spec.url);
    const requestInit: RequestInit = { headers: spec.headers };
    try {
      current = new StreamableHTTPClientTransport(url, { fetch, requestInit });
      return await McpConnection.initialize(spec, host, current, signal, () => fault);
    } catch (error) {
      // A server of the older HTTP+SSE transport answers the POST with a 4xx (not 401/403).
      const cause = (error as { cause?: unknown }).cause;
      const status = cause instanceof StreamableHTTPError ? cause.code ?? 0 : 0;
      if (!(status >= 400 && status < 500 && status !== 401 && status !== 403)) throw error;
      host.logger?.debug(`mcp server '${spec.name}': Streamable HTTP refused (${status}); trying HTTP+SSE`);
      current = new SSEClientTransport(url, { fetch, requestInit, eventSourceInit: { fetch } });
      return McpConnection.initialize(spec, host, current, signal, () => fault);
    }
  }

  private static async initialize(
    spec: McpServerSpec,
    host: McpHost,
    transport: Transport,
    signal?: AbortSignal,
    httpFault?: () => LlmspellError | undefined,
  ): Promise<McpConnection> {
    const sampling = Boolean(spec.sampling && host.sample);
    const client = new Client(CLIENT_INFO, {
      capabilities: { elicitation: { form: {} }, ...(sampling ? { sampling: {} } : {}) },
    });
    const connection = new McpConnection(spec, host, client, transport, httpFault);
    connection.install(sampling);
    // The handshake gets a signal of its own, as every request does (see request()): the SDK's
    // listener on the caller's would keep this Client alive for the script's whole run, one
    // more with each reconnect or failed MCP.connect.
    const own = signal ? new RequestSignal() : undefined;
    const relay = () => own!.abort(signal!.reason);
    if (signal?.aborted) own!.abort(signal.reason);
    else signal?.addEventListener('abort', relay, { once: true });
    try {
      await client.connect(transport, { timeout: spec.timeoutMs, signal: own?.asAbortSignal });
    } catch (error) {
      const failure = connection.failure(error, 'initialize', signal);
      await connection.close();
      throw failure;
    } finally {
      signal?.removeEventListener('abort', relay);
    }
    if (transport instanceof StdioProcessTransport) connection.direct = DirectToolCalls.attach(client, transport, spec.timeoutMs);
    return connection;
  }

  private install(sampling: boolean): void {
    const { client, host, spec } = this;
    client.onclose = () => {
      this.lost = true;
    };
    client.onerror = (error) => host.logger?.debug(`mcp server '${spec.name}': ${host.policy.redact(error.message)}`);
    client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
      this.publish('mcp.log', { level: n.params.level, logger: n.params.logger ?? null, data: n.params.data ?? null });
    });
    client.setRequestHandler(ElicitRequestSchema, (request) => {
      const answer = elicitationAnswer(request.params as Record<string, unknown>, spec.elicitation ?? 'decline');
      this.publish('mcp.elicitation', { message: (request.params as { message?: string }).message ?? '', action: answer.action });
      return answer;
    });
    if (sampling) {
      client.setRequestHandler(CreateMessageRequestSchema, async (request, extra) => {
        const p = request.params;
        const messages = p.messages.map((m) => {
          const blocks = Array.isArray(m.content) ? m.content : [m.content];
          const text = blocks.map((b) => (b.type === 'text' ? b.text : `[${b.type}]`)).join('\n');
          return { role: m.role, text };
        });
        const answer = await host.sample!({
          server: spec.name, model: spec.sampling!, messages, systemPrompt: p.systemPrompt, maxTokens: p.maxTokens, temperature: p.temperature, signal: extra.signal,
        });
        this.publish('mcp.sampling', { model: answer.model });
        return { role: 'assistant' as const, content: { type: 'text' as const, text: answer.text }, model: answer.model, stopReason: answer.stopReason ?? 'endTurn' };
      });
    }
  }

  private publish(type: string, data: Record<string, unknown>): void {
    const events = this.host.events;
    if (!events || (events.hasSubscribers && !events.hasSubscribers(type))) return;
    events.publish(type, this.host.policy.redactValue({ server: this.spec.name, ...data }), { source: `mcp:${this.spec.name}` });
  }

  get name(): string {
    return this.spec.name;
  }

  /** False once the server went away or the connection was closed. */
  get alive(): boolean {
    return !this.closed && !this.lost;
  }

  /** The server process's pid (stdio), for tests and `llmspell mcp list`. */
  get pid(): number | undefined {
    return this.transport instanceof StdioProcessTransport ? this.transport.pid : undefined;
  }

  get serverInfo(): { name: string; version: string } | undefined {
    return this.client.getServerVersion();
  }

  private failure(error: unknown, method: string, signal?: AbortSignal): LlmspellError {
    const stdio = this.transport instanceof StdioProcessTransport ? this.transport : undefined;
    return toMcpError(error, {
      server: this.spec.name,
      method,
      timeoutMs: this.spec.timeoutMs,
      fault: stdio?.fault ?? this.httpFault?.(),
      exitStatus: stdio?.exitStatus,
      stderrTail: stdio?.stderrTail,
      redact: (t) => this.host.policy.redact(t),
      aborted: signal?.aborted,
    });
  }

  /**
   * Runs one request with a signal of its own, tied to the caller's for the request's
   * lifetime only: the SDK leaves its abort listener on the signal it is given, and a script's
   * signal lives for thousands of calls. Promise reactions rather than `async` layers: a tool
   * call goes through this once per call, and each awaiting layer costs its own microtasks.
   */
  private request<T>(method: string, signal: AbortSignal | undefined, run: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    const fail = (error: unknown): never => {
      throw this.failure(error, method, signal);
    };
    if (!signal) {
      let pending: Promise<T>;
      try {
        pending = run(undefined);
      } catch (error) {
        return Promise.reject(this.failure(error, method, signal));
      }
      return pending.then(undefined, fail);
    }
    const own = new RequestSignal();
    const relay = () => own.abort(signal.reason);
    if (signal.aborted) own.abort(signal.reason);
    else signal.addEventListener('abort', relay, { once: true });
    const done = () => signal.removeEventListener('abort', relay);
    let pending: Promise<T>;
    try {
      pending = run(own.asAbortSignal);
    } catch (error) {
      done();
      return Promise.reject(this.failure(error, method, signal));
    }
    return pending.then((value) => {
      done();
      return value;
    }, (error: unknown) => {
      done();
      return fail(error);
    });
  }

  private options(signal?: AbortSignal) {
    return { timeout: this.spec.timeoutMs, resetTimeoutOnProgress: true, signal };
  }

  async listTools(signal?: AbortSignal): Promise<McpToolDefinition[]> {
    return this.request('tools/list', signal, async (scoped) => {
      const tools: McpToolDefinition[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const r = await this.client.listTools(cursor ? { cursor } : undefined, this.options(scoped));
        // One by one: a spread passes every item as an argument, and a page of ~130,000 overflows the stack.
        for (const tool of r.tools) tools.push(tool);
        cursor = r.nextCursor;
        if (!cursor) break;
      }
      this.directTools.clear();
      for (const tool of tools) if (isPlainTool(tool)) this.directTools.add(tool.name);
      return tools;
    });
  }

  callTool(name: string, args: Record<string, unknown>, options: CallOptions = {}): Promise<CallToolResult> {
    const onprogress = (p: Progress) => this.publish('mcp.progress', { tool: options.label ?? name, progress: p.progress, total: p.total ?? null, message: p.message ?? null });
    const { direct } = this;
    if (direct && (options.plain ?? this.directTools.has(name))) {
      const { signal } = options;
      return direct.call(name, args, { signal, onprogress }).then(undefined, (error: unknown) => {
        throw this.failure(error, 'tools/call', signal);
      });
    }
    return this.request('tools/call', options.signal, (scoped) => this.client.callTool({ name, arguments: args }, CallToolResultFastSchema, {
      ...this.options(scoped),
      onprogress,
    }) as Promise<CallToolResult>);
  }

  private async listAll<T>(
    method: string, key: string, signal: AbortSignal | undefined,
    page: (cursor: string | undefined, scoped: AbortSignal | undefined) => Promise<Record<string, unknown>>,
  ): Promise<T[]> {
    return this.request(method, signal, async (scoped) => {
      const items: T[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < MAX_PAGES; i++) {
        const r = await page(cursor, scoped);
        for (const item of (r[key] as T[] | undefined) ?? []) items.push(item);
        cursor = r.nextCursor as string | undefined;
        if (!cursor) break;
      }
      return items;
    });
  }

  listResources(signal?: AbortSignal): Promise<Array<Record<string, unknown>>> {
    return this.listAll('resources/list', 'resources', signal, (cursor, scoped) => this.client.listResources(cursor ? { cursor } : undefined, this.options(scoped)));
  }

  readResource(uri: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.request('resources/read', signal, (scoped) => this.client.readResource({ uri }, this.options(scoped)));
  }

  listPrompts(signal?: AbortSignal): Promise<Array<Record<string, unknown>>> {
    return this.listAll('prompts/list', 'prompts', signal, (cursor, scoped) => this.client.listPrompts(cursor ? { cursor } : undefined, this.options(scoped)));
  }

  getPrompt(name: string, args: Record<string, string>, signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.request('prompts/get', signal, (scoped) => this.client.getPrompt({ name, arguments: args }, this.options(scoped)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.client.close();
    } catch {
      // closing a broken connection is not an error worth reporting
    }
    await this.transport.close().catch(() => {});
  }
}

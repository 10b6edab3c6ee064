import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/**
 * A local stand-in for LLM providers, for tests without the internet or a key. It speaks
 * the OpenAI chat-completions protocol (`POST /v1/chat/completions`, plain and SSE streaming
 * with usage, tool calls) and the Anthropic messages protocol (`POST /v1/messages`, plain
 * and SSE), so the real `@ai-sdk/openai` / `@ai-sdk/anthropic` packages run against it.
 *
 * ```ts
 * const server = await startMockLlmServer();
 * server.reply({ text: 'Hello!' }, { toolCalls: [{ name: 'calculator', arguments: { input: '2+2' } }] });
 * // agent config: { model: 'openai/gpt-4o-mini', base_url: server.openaiBaseUrl, api_key: 'test-key' }
 * await server.close();
 * ```
 */

export interface MockToolCall {
  id?: string;
  name: string;
  /** An object, or the raw JSON text the model "wrote". */
  arguments: Record<string, unknown> | string;
}

export interface MockUsage {
  input?: number;
  output?: number;
}

export type MockReply =
  /** A text answer; streamed in `chunks` (default: word by word) when the client streams. */
  | { text: string; chunks?: string[]; usage?: MockUsage; finishReason?: string }
  /** The model asks for tool calls (optionally with some text before them). */
  | { toolCalls: MockToolCall[]; text?: string; usage?: MockUsage }
  /** An HTTP error, e.g. `{status: 429, headers: {'retry-after-ms': '5'}}`. */
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Replays a recorded file from `__fixtures__/` verbatim (`.sse` as an event stream, else JSON). */
  | { fixture: string; status?: number; headers?: Record<string, string> }
  /** Never answers (for timeout and cancellation tests); the connection is dropped on close(). */
  | { hang: true };

export type MockReplySource = MockReply | ((request: RecordedRequest) => MockReply);

export interface RecordedRequest {
  protocol: 'openai' | 'anthropic';
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  /** True when the client asked for a stream. */
  stream: boolean;
  /** Text of the last user message, for echo replies and assertions. */
  lastUserText: string;
}

export interface MockLlmServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Base URL for OpenAI-compatible clients (`…/v1`). */
  readonly openaiBaseUrl: string;
  /** Base URL for Anthropic clients (`…/v1`). */
  readonly anthropicBaseUrl: string;
  /** Every model request received, in order. */
  readonly requests: RecordedRequest[];
  /** Queues replies; each model request takes the next one. */
  reply(...replies: MockReplySource[]): void;
  /** The reply when the queue is empty; default echoes `Echo: <last user text>`. */
  setDefault(reply: MockReplySource): void;
  /** Replies still queued. */
  pending(): number;
  close(): Promise<void>;
}

export interface MockLlmServerOptions {
  replies?: MockReplySource[];
  defaultReply?: MockReplySource;
  /** Default 0: a free port. */
  port?: number;
}

/** Where recorded exchanges live (the package's `__fixtures__/`, from src/ or dist/). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../__fixtures__/', import.meta.url));

const CREATED = 1_732_000_000;

function lastUserText(protocol: 'openai' | 'anthropic', body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role !== 'user') continue;
    if (typeof m.content === 'string') return m.content;
    if (Array.isArray(m.content)) {
      const texts = (m.content as Array<Record<string, unknown>>).filter((p) => p.type === 'text').map((p) => String(p.text));
      if (texts.length > 0 || protocol === 'anthropic') return texts.join('');
    }
  }
  return '';
}

function splitWords(text: string): string[] {
  return text.match(/\S+\s*|\s+/g) ?? [''];
}

function argsText(args: MockToolCall['arguments']): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

function sse(res: ServerResponse, events: Array<{ event?: string; data: unknown }>): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const e of events) {
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    res.write(`${e.event ? `event: ${e.event}\n` : ''}data: ${data}\n\n`);
  }
  res.end();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function usageOf(u: MockUsage | undefined, text: string, req: RecordedRequest): { input: number; output: number } {
  return {
    input: u?.input ?? Math.max(1, Math.ceil(JSON.stringify(req.body.messages ?? '').length / 4)),
    output: u?.output ?? Math.max(1, splitWords(text).length),
  };
}

function openaiReply(res: ServerResponse, reply: MockReply, req: RecordedRequest, n: number): void {
  const model = String(req.body.model ?? 'mock-model');
  const id = `chatcmpl-mock${n}`;
  const base = { id, created: CREATED, model, system_fingerprint: 'fp_mock' };
  if ('text' in reply && !('toolCalls' in reply)) {
    const usage = usageOf(reply.usage, reply.text, req);
    const u = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
    const finish = reply.finishReason ?? 'stop';
    if (!req.stream) {
      json(res, 200, {
        ...base, object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text, refusal: null }, logprobs: null, finish_reason: finish }],
        usage: u,
      });
      return;
    }
    const chunk = (delta: unknown, finish_reason: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
    sse(res, [
      { data: chunk({ role: 'assistant', content: '', refusal: null }, null) },
      ...(reply.chunks ?? splitWords(reply.text)).map((c) => ({ data: chunk({ content: c }, null) })),
      { data: chunk({}, finish) },
      { data: { ...base, object: 'chat.completion.chunk', choices: [], usage: u } },
      { data: '[DONE]' },
    ]);
    return;
  }
  if ('toolCalls' in reply) {
    const calls = reply.toolCalls.map((c, i) => ({ id: c.id ?? `call_mock${n}_${i}`, type: 'function', function: { name: c.name, arguments: argsText(c.arguments) } }));
    const usage = usageOf(reply.usage, calls.map((c) => c.function.arguments).join(' '), req);
    const u = { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output };
    if (!req.stream) {
      json(res, 200, {
        ...base, object: 'chat.completion',
        choices: [{ index: 0, message: { role: 'assistant', content: reply.text ?? null, tool_calls: calls, refusal: null }, logprobs: null, finish_reason: 'tool_calls' }],
        usage: u,
      });
      return;
    }
    const chunk = (delta: unknown, finish_reason: string | null) => ({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
    const events: Array<{ data: unknown }> = [{ data: chunk({ role: 'assistant', content: reply.text ?? null }, null) }];
    calls.forEach((c, index) => {
      events.push({ data: chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.function.name, arguments: '' } }] }, null) });
      const a = c.function.arguments;
      const mid = Math.floor(a.length / 2);
      for (const part of [a.slice(0, mid), a.slice(mid)]) {
        if (part) events.push({ data: chunk({ tool_calls: [{ index, function: { arguments: part } }] }, null) });
      }
    });
    events.push({ data: chunk({}, 'tool_calls') }, { data: { ...base, object: 'chat.completion.chunk', choices: [], usage: u } }, { data: '[DONE]' });
    sse(res, events);
  }
}

function anthropicReply(res: ServerResponse, reply: MockReply, req: RecordedRequest, n: number): void {
  const model = String(req.body.model ?? 'mock-model');
  const id = `msg_mock${n}`;
  let content: Array<Record<string, unknown>>;
  let stop: string;
  let usage: { input: number; output: number };
  if ('toolCalls' in reply) {
    content = [
      ...(reply.text ? [{ type: 'text', text: reply.text }] : []),
      ...reply.toolCalls.map((c, i) => ({
        type: 'tool_use', id: c.id ?? `toolu_mock${n}_${i}`, name: c.name,
        input: typeof c.arguments === 'string' ? JSON.parse(c.arguments) : c.arguments,
      })),
    ];
    stop = 'tool_use';
    usage = usageOf(reply.usage, JSON.stringify(content), req);
  } else if ('text' in reply) {
    content = [{ type: 'text', text: reply.text }];
    stop = reply.finishReason ?? 'end_turn';
    usage = usageOf(reply.usage, reply.text, req);
  } else {
    return;
  }
  if (!req.stream) {
    json(res, 200, {
      id, type: 'message', role: 'assistant', model, content, stop_reason: stop, stop_sequence: null,
      usage: { input_tokens: usage.input, output_tokens: usage.output },
    });
    return;
  }
  const events: Array<{ event: string; data: unknown }> = [
    { event: 'message_start', data: { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input, output_tokens: 1 } } } },
  ];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      if (index === 0) events.push({ event: 'ping', data: { type: 'ping' } });
      const chunks = 'chunks' in reply && reply.chunks ? reply.chunks : splitWords(String(block.text));
      for (const c of chunks) events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text: c } } });
    } else {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } } });
      events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } } });
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push(
    { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output } } },
    { event: 'message_stop', data: { type: 'message_stop' } },
  );
  sse(res, events);
}

function errorBody(protocol: 'openai' | 'anthropic', status: number): unknown {
  const message = status === 429 ? 'Rate limit reached for requests' : status === 401 ? 'Invalid API key' : `Mock error ${status}`;
  if (protocol === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : 'api_error';
    return { type: 'error', error: { type, message } };
  }
  const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_api_key' : 'server_error';
  return { error: { message, type, param: null, code: type } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startMockLlmServer(options: MockLlmServerOptions = {}): Promise<MockLlmServer> {
  const queue: MockReplySource[] = [...(options.replies ?? [])];
  let fallback: MockReplySource = options.defaultReply ?? ((r) => ({ text: `Echo: ${r.lastUserText}` }));
  const requests: RecordedRequest[] = [];
  let count = 0;

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path.endsWith('/models')) {
        json(res, 200, { object: 'list', data: [{ id: 'mock-model', object: 'model', created: CREATED, owned_by: 'llmspell' }] });
        return;
      }
      const protocol = path.endsWith('/chat/completions') ? 'openai' : path.endsWith('/messages') ? 'anthropic' : undefined;
      if (req.method !== 'POST' || !protocol) {
        json(res, 404, { error: { message: `mock LLM server: no route for ${req.method} ${path}` } });
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      } catch {
        json(res, 400, errorBody(protocol, 400));
        return;
      }
      const recorded: RecordedRequest = {
        protocol, path, headers: req.headers, body, stream: body.stream === true, lastUserText: lastUserText(protocol, body),
      };
      requests.push(recorded);
      count += 1;
      const source = queue.length > 0 ? queue.shift()! : fallback;
      const reply = typeof source === 'function' ? source(recorded) : source;
      if ('hang' in reply) return;
      if ('fixture' in reply) {
        const file = await readFile(FIXTURES_DIR + reply.fixture, 'utf8');
        res.writeHead(reply.status ?? 200, { 'content-type': reply.fixture.endsWith('.sse') ? 'text/event-stream' : 'application/json', ...reply.headers });
        res.end(file);
        return;
      }
      if ('status' in reply) {
        json(res, reply.status, reply.body ?? errorBody(protocol, reply.status), reply.headers);
        return;
      }
      if (protocol === 'openai') openaiReply(res, reply, recorded, count);
      else anthropicReply(res, reply, recorded, count);
    })().catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, { error: { message: `mock LLM server failed: ${String(error)}` } });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: `${url}/v1`,
    requests,
    reply: (...replies) => void queue.push(...replies),
    setDefault: (reply) => {
      fallback = reply;
    },
    pending: () => queue.length,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

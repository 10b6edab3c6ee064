import { setMaxListeners } from 'node:events';
import { LlmspellError, deriveContext, didYouMean, executeComponent, isLlmspellError, parametersJsonSchema, timerDelay, z, type Component, type ExecutionContext, type StateAccess, type Tool, type ToolResult, redactStrings } from '@llmspell/core';
import {
  APICallError, NoObjectGeneratedError, Output, RetryError, generateText, jsonSchema, modelMessageSchema, stepCountIs, streamText, tool as aiTool,
  type JSONSchema7, type LanguageModel, type ModelMessage, type StepResult, type ToolSet,
} from 'ai';
import { parseAgentConfig, type AgentConfig } from './agent-config.js';
import { normaliseAgentInput, type AgentRequest } from './agent-input.js';
import type { BudgetTracker, PriceTable } from './prices.js';
import { PROVIDER_MAX_RESPONSE_BYTES, type ProviderRegistry, type ResolvedModel } from './provider-registry.js';

/** Key in `ctx.services` under which a caller asks for streamed text chunks. */
export const STREAM_SINK = 'agents.streamSink';
export type StreamSink = (chunk: { text: string }) => void | Promise<void>;
/** Key in `ctx.services` counting agents nested through tool calls (agent → tool → agent…). */
export const AGENT_DEPTH = 'agents.depth';
/** The reference's `max_recursion_depth`. */
export const MAX_AGENT_DEPTH = 10;

export interface AgentUsage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** OpenAI-style aliases (DOC). */
  prompt_tokens: number;
  completion_tokens: number;
}

export interface AgentToolCall {
  id: string;
  name: string;
  arguments: unknown;
  result?: unknown;
  error?: string;
}

/** What `invoke`/`execute` return: the reference's `{text, metadata}` plus the DOC fields. */
export interface AgentOutput {
  text: string;
  /** DOC alias of `text`. */
  output: string;
  success: true;
  metadata: {
    agent: string;
    model: string;
    provider: string;
    execution_time_ms: number;
    finish_reason: string;
    steps: number;
    tool_calls: AgentToolCall[];
    token_count: number;
  };
  usage: AgentUsage;
  /** USD, or null when the model's price is unknown. */
  cost: number | null;
  /** The parsed object when a schema was given (`data` is an alias). */
  object?: unknown;
  data?: unknown;
}

/** What an agent needs from its surroundings. */
export interface AgentDeps {
  providers: ProviderRegistry;
  prices?: PriceTable;
  budget?: BudgetTracker;
  /** Finds a tool by name when the execution context has no component lookup. */
  findTool?: (name: string) => Tool | undefined;
  /** Every tool name and alias, to suggest a near one for a name that is not found. */
  toolNames?: () => string[];
  /** `[tools.<name>]` settings for a tool the agent calls. */
  toolSettings?: (name: string) => Record<string, unknown> | undefined;
}

export interface AgentMetrics {
  requests_total: number;
  requests_failed: number;
  requests_active: number;
  tool_invocations: number;
  total_execution_time_ms: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

// The ai SDK prints provider warnings to the console unless told otherwise; inside a
// script that is noise on the user's output.
const g = globalThis as { AI_SDK_LOG_WARNINGS?: unknown };
if (g.AI_SDK_LOG_WARNINGS === undefined) g.AI_SDK_LOG_WARNINGS = false;

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

const ROLES = ['system', 'user', 'assistant', 'tool'];

/** `{}` from any realm (a plain object's prototype has a null prototype). */
function isEmptyObject(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return (proto === null || Object.getPrototypeOf(proto) === null) && Object.keys(v).length === 0;
}

/** Why `saved` is not a conversation the SDK accepts (naming the first bad message), or undefined. */
function conversationProblem(saved: unknown): string | undefined {
  if (!Array.isArray(saved)) return `it is ${typeof saved === 'object' ? 'a table/object' : `a ${typeof saved}`}`;
  for (let i = 0; i < saved.length; i++) {
    const m = saved[i] as unknown;
    const where = `message at index ${i}`;
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return `${where} is ${m === null ? 'null' : Array.isArray(m) ? 'a list' : `a ${typeof m}`}, not a message`;
    const role = (m as { role?: unknown }).role;
    if (typeof role !== 'string' || !ROLES.includes(role)) return `${where} has role ${role === undefined ? 'nil' : JSON.stringify(role)}, not one of ${ROLES.join(', ')}`;
    if (!modelMessageSchema.safeParse(m).success) return `${where} (role ${role}) does not have the content a ${role} message holds`;
  }
  return undefined;
}

/**
 * An LLM agent: a core Component of kind "agent". `run` takes a string or
 * `{text|prompt|messages, temperature, max_tokens, schema}` and returns an AgentOutput.
 * It keeps the conversation (bounded by `max_conversation_length`) and calls llmspell
 * tools in a step-capped loop, each through `executeComponent`.
 */
export class LlmAgent implements Component<unknown, AgentOutput> {
  readonly kind = 'agent' as const;
  readonly name: string;
  readonly description: string;
  private history: ModelMessage[] = [];
  private readonly stats: AgentMetrics = {
    requests_total: 0, requests_failed: 0, requests_active: 0, tool_invocations: 0,
    total_execution_time_ms: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0,
  };
  private lastError: string | undefined;
  destroyed = false;

  constructor(
    readonly config: AgentConfig,
    private readonly model: LanguageModel,
    readonly resolved: ResolvedModel,
    private readonly deps: AgentDeps,
  ) {
    this.name = config.name;
    this.description = config.description;
  }

  get provider(): string {
    return this.resolved.provider;
  }

  get modelId(): string {
    return this.resolved.model;
  }

  /** `{config}` as the user gave it, without the API key, plus the resolved model. */
  getConfig(): Record<string, unknown> {
    return {
      ...this.config.raw,
      name: this.name,
      description: this.description,
      model: `${this.resolved.provider}/${this.resolved.model}`,
      provider: this.resolved.provider,
      tools: [...this.config.tools],
      max_conversation_length: this.config.maxConversationLength,
      max_steps: this.config.maxSteps,
      timeout_ms: this.config.timeoutMs,
    };
  }

  getState(): string {
    if (this.destroyed) return 'Terminated';
    if (this.stats.requests_active > 0) return 'Running';
    return this.lastError ? 'Error' : 'Ready';
  }

  getLastError(): string | undefined {
    return this.lastError;
  }

  metrics(): AgentMetrics {
    return { ...this.stats };
  }

  getHistory(): ModelMessage[] {
    return structuredClone(this.history);
  }

  clearHistory(): void {
    this.history = [];
  }

  setHistory(messages: ModelMessage[]): void {
    this.history = structuredClone(messages);
    this.trimHistory();
  }

  /** State scope of this agent's persisted data. */
  get stateScope(): string {
    return `agent:${this.name}`;
  }

  async saveState(state: StateAccess): Promise<void> {
    await state.set(this.stateScope, 'conversation', this.getHistory());
  }

  /**
   * True when a saved conversation was found and loaded. A saved value that is not a list of
   * chat messages (edited by hand, written by another tool) is refused with STATE_ERROR and
   * the conversation kept: loaded, it would fail every later call with the SDK's schema error,
   * which does not point at state.
   */
  async loadState(state: StateAccess): Promise<boolean> {
    const saved = await state.get(this.stateScope, 'conversation');
    if (saved === undefined || saved === null) return false;
    // An empty conversation saved from Lua as `{}` (an empty table reaches the host as an object).
    if (isEmptyObject(saved)) {
      this.setHistory([]);
      return true;
    }
    const problem = conversationProblem(saved);
    if (problem !== undefined) {
      throw new LlmspellError('STATE_ERROR', `agent '${this.name}': the saved conversation (scope ${this.stateScope}, key conversation) is not a list of chat messages: ${problem}; the agent keeps its current conversation (fix it, or remove it with agent:deleteState())`, {
        details: { scope: this.stateScope, key: 'conversation' },
      });
    }
    this.setHistory(saved as ModelMessage[]);
    return true;
  }

  async deleteState(state: StateAccess): Promise<boolean> {
    return state.delete(this.stateScope, 'conversation');
  }

  private trimHistory(): void {
    const max = this.config.maxConversationLength;
    if (max <= 0) {
      this.history = [];
      return;
    }
    if (this.history.length <= max) return;
    let start = this.history.length - max;
    // Never begin with an orphaned assistant/tool message: providers reject a tool
    // result whose call was cut off.
    while (start < this.history.length && this.history[start].role !== 'user') start++;
    this.history = this.history.slice(start);
  }

  async run(input: unknown, ctx: ExecutionContext): Promise<AgentOutput> {
    if (this.destroyed) throw new LlmspellError('AGENT_NOT_FOUND', `agent '${this.name}' was destroyed`);
    this.deps.budget?.check(`agent '${this.name}'`);
    this.checkNetwork(ctx);
    const depth = Number(ctx.services[AGENT_DEPTH] ?? 0);
    if (depth >= MAX_AGENT_DEPTH) {
      throw new LlmspellError('AGENT_ERROR', `agent '${this.name}': agents nested ${depth} deep through tool calls (limit ${MAX_AGENT_DEPTH}); is an agent calling itself?`, {
        details: { fatal: true, depth },
      });
    }
    const request = normaliseAgentInput(input);
    const started = performance.now();
    this.stats.requests_total += 1;
    this.stats.requests_active += 1;
    // Own timer rather than AbortSignal.timeout: that one is unref'd and does not fire in
    // every host (jest's environment), and it cannot be cleared when the call ends early.
    // One controller for both the caller's cancel and the timeout, forwarded by a listener
    // removed at the end (AbortSignal.any keeps a dependent signal on the long-lived parent).
    const timeoutMs = this.config.timeoutMs;
    const combined = timeoutMs ? new AbortController() : undefined;
    // The model's tool calls (in parallel) all listen on it; Node would warn on stderr past 10.
    if (combined) setMaxListeners(0, combined.signal);
    const timeout = combined ? new AbortController() : undefined;
    const timer = combined ? setTimeout(() => {
      timeout!.abort();
      combined.abort();
    }, timerDelay(timeoutMs ?? 0)) : undefined;
    const forward = combined ? () => combined.abort(ctx.signal.reason) : undefined;
    if (combined) {
      if (ctx.signal.aborted) combined.abort(ctx.signal.reason);
      else ctx.signal.addEventListener('abort', forward!, { once: true });
    }
    const signal = combined ? combined.signal : ctx.signal;
    try {
      // Race the abort too: a provider that ignores the signal must not outlive the timeout.
      let onAbort: (() => void) | undefined;
      const aborted = new Promise<never>((_, reject) => {
        onAbort = () => reject(signal.reason);
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
      const output = await Promise.race([this.generate(request, ctx, signal, started), aborted])
        .finally(() => signal.removeEventListener('abort', onAbort!));
      this.lastError = undefined;
      return output;
    } catch (raw) {
      this.stats.requests_failed += 1;
      const error = this.toError(raw, ctx, timeout?.signal);
      this.lastError = error.message;
      throw error;
    } finally {
      clearTimeout(timer);
      if (forward) ctx.signal.removeEventListener('abort', forward);
      this.stats.requests_active -= 1;
      this.stats.total_execution_time_ms += performance.now() - started;
    }
  }

  /**
   * `allow_network_access = false` stops calls to remote providers; a model served on this
   * machine (Ollama, LM Studio, a test server) stays usable.
   */
  private checkNetwork(ctx: ExecutionContext): void {
    if (ctx.policy.allowNetwork || !this.resolved.baseURL) return;
    const host = new URL(this.resolved.baseURL).hostname.replace(/^\[|\]$/g, '');
    if (host === 'localhost' || host === '::1' || /^127\./.test(host)) return;
    throw new LlmspellError('NETWORK_NOT_ALLOWED', `agent '${this.name}': network access is disabled (runtime.security.allow_network_access = false); only providers on this machine may be used`, {
      details: { provider: this.resolved.provider, host },
    });
  }

  private async generate(request: AgentRequest, ctx: ExecutionContext, signal: AbortSignal, started: number): Promise<AgentOutput> {
    const toolCalls: AgentToolCall[] = [];
    // Errors that must end the whole run rather than go back to the model as a tool error.
    let fatal: LlmspellError | undefined;
    const tools = this.buildTools(ctx, (e) => {
      fatal ??= e;
    });
    const budget = this.deps.budget;
    const messages = [...this.history, ...request.messages];
    const common = {
      model: this.model,
      system: this.config.systemPrompt,
      messages,
      allowSystemInMessages: true,
      tools,
      stopWhen: [stepCountIs(this.config.maxSteps), () => budget?.exceeded ?? false, () => fatal !== undefined],
      maxOutputTokens: request.maxTokens ?? this.config.maxTokens ?? this.resolved.maxTokens,
      temperature: request.temperature ?? this.config.temperature,
      topP: this.config.topP,
      maxRetries: this.config.maxRetries,
      abortSignal: signal,
      ...(request.schema ? { output: Output.object({ schema: validatingJsonSchema(request.schema) }) } : {}),
      onStepFinish: (step: StepResult<ToolSet>) => {
        const i = step.usage.inputTokens ?? 0;
        const o = step.usage.outputTokens ?? 0;
        budget?.record(this.costOf(i, o), i, o);
      },
    };
    const sink = ctx.services[STREAM_SINK] as StreamSink | undefined;
    let result: {
      text: string; steps: StepResult<ToolSet>[]; finishReason: string;
      totalUsage: { inputTokens: number | undefined; outputTokens: number | undefined; totalTokens: number | undefined };
      responseMessages: ModelMessage[]; output?: unknown;
    };
    if (sink) {
      let failure: unknown;
      // The per-event cap of the provider's fetch lets an endless run of small events through,
      // and the SDK joins their text into one string: the answer as a whole gets the cap a
      // whole non-streamed answer has. Past it the model call is aborted (closing the socket).
      const maxText = Math.max(ctx.policy.maxResponseBytes, PROVIDER_MAX_RESPONSE_BYTES);
      let textBytes = 0;
      const stop = new AbortController();
      setMaxListeners(0, stop.signal);
      const forward = () => stop.abort(signal.reason);
      if (signal.aborted) forward();
      else signal.addEventListener('abort', forward, { once: true });
      try {
        const streamed = streamText({ ...common, abortSignal: stop.signal, onError: ({ error }) => { failure ??= error; } });
        for await (const part of streamed.fullStream) {
          if (part.type === 'text-delta' && part.text.length > 0) {
            textBytes += Buffer.byteLength(part.text);
            if (textBytes > maxText) {
              const error = new LlmspellError('SIZE_LIMIT_EXCEEDED', `agent '${this.name}': the streamed answer from ${this.resolved.provider} is larger than the limit of ${maxText} bytes of text (${textBytes}+ bytes; provider answers get ${PROVIDER_MAX_RESPONSE_BYTES} bytes, or runtime.security.max_response_bytes when larger); the stream was closed`, {
                details: { provider: this.resolved.provider, limit: maxText, bytes: textBytes },
              });
              stop.abort(error);
              throw error;
            }
            await sink({ text: part.text });
          } else if (part.type === 'error') throw part.error;
          else if (part.type === 'abort') throw signal.reason ?? new LlmspellError('CANCELLED', `agent '${this.name}': cancelled`);
        }
        if (failure) throw failure;
        const [text, steps, finishReason, totalUsage, response] = await Promise.all([
          streamed.text, streamed.steps, streamed.finishReason, streamed.totalUsage, streamed.response,
        ]);
        result = { text, steps, finishReason, totalUsage, responseMessages: response.messages };
        if (request.schema) result.output = await streamed.output;
      } finally {
        signal.removeEventListener('abort', forward);
      }
    } else {
      const r = await generateText(common);
      result = { text: r.text, steps: r.steps, finishReason: r.finishReason, totalUsage: r.totalUsage, responseMessages: r.response.messages };
      if (request.schema) result.output = r.output;
    }

    if (fatal) throw fatal;
    // The loop ended while the model still asked for tools: its answer is missing, and an
    // empty success would hide that. The budget is the likelier cause when it ran out.
    if (result.finishReason === 'tool-calls') {
      budget?.check(`agent '${this.name}'`);
      if (result.steps.length >= this.config.maxSteps) {
        throw new LlmspellError('AGENT_ERROR', `agent '${this.name}': the model still asked for tools after ${result.steps.length} steps (max_steps = ${this.config.maxSteps}) and gave no answer; raise max_steps in the agent's config (up to 100)`, {
          details: { reason: 'max_steps', max_steps: this.config.maxSteps, steps: result.steps.length },
        });
      }
    }
    for (const step of result.steps) {
      for (const part of step.content) {
        if (part.type === 'tool-call') toolCalls.push({ id: part.toolCallId, name: part.toolName, arguments: part.input });
        else if (part.type === 'tool-result') {
          const call = toolCalls.find((c) => c.id === part.toolCallId);
          if (call) call.result = part.output;
        } else if (part.type === 'tool-error') {
          const call = toolCalls.find((c) => c.id === part.toolCallId);
          if (call) call.error = isErrorLike(part.error) ? part.error.message : String(part.error);
        }
      }
    }
    this.stats.tool_invocations += toolCalls.length;

    const input = result.totalUsage.inputTokens ?? 0;
    const outputTokens = result.totalUsage.outputTokens ?? 0;
    const total = result.totalUsage.totalTokens ?? input + outputTokens;
    const cost = this.costOf(input, outputTokens);
    this.stats.input_tokens += input;
    this.stats.output_tokens += outputTokens;
    this.stats.cost_usd += cost ?? 0;

    // A run that was abandoned (timeout, cancel) must not write a late answer into the history.
    if (signal.aborted) throw signal.reason;
    this.history.push(...request.messages, ...result.responseMessages);
    this.trimHistory();

    const out: AgentOutput = {
      text: result.text,
      output: result.text,
      success: true,
      metadata: {
        agent: this.name,
        model: this.resolved.model,
        provider: this.resolved.provider,
        execution_time_ms: round3(performance.now() - started),
        finish_reason: result.finishReason,
        steps: result.steps.length,
        tool_calls: toolCalls,
        token_count: total,
      },
      usage: { input_tokens: input, output_tokens: outputTokens, total_tokens: total, prompt_tokens: input, completion_tokens: outputTokens },
      cost: cost ?? null,
    };
    if (request.schema) {
      out.object = result.output;
      out.data = result.output;
    }
    return redactStrings(out, (t) => ctx.policy.redact(t));
  }

  private costOf(inputTokens: number, outputTokens: number): number | undefined {
    return this.deps.prices?.cost(this.resolved.provider, this.resolved.model, inputTokens, outputTokens, this.resolved.providerType);
  }

  /** The agent's llmspell tools as ai SDK tools; each call runs through executeComponent. */
  private buildTools(ctx: ExecutionContext, onFatal: (error: LlmspellError) => void): ToolSet | undefined {
    if (this.config.tools.length === 0) return undefined;
    const set: ToolSet = {};
    for (const name of this.config.tools) {
      const tool = ctx.components?.tool(name) ?? this.deps.findTool?.(name);
      if (!tool) throw new LlmspellError('TOOL_NOT_FOUND', `agent '${this.name}': tool '${name}' not found${didYouMean(name, knownToolNames(ctx, this.deps))}`, { details: { tool: name } });
      // Providers accept [A-Za-z0-9_-] in tool names; MCP tools are named `server.tool`.
      set[tool.name.replace(/[^A-Za-z0-9_-]/g, '_')] = aiTool({
        description: tool.description,
        inputSchema: jsonSchema<Record<string, unknown>>(parametersJsonSchema(tool.parameters) as JSONSchema7),
        execute: async (args: Record<string, unknown>, options: { abortSignal?: AbortSignal }) => {
          const toolCtx = deriveContext(ctx, {
            signal: options.abortSignal ?? ctx.signal,
            settings: this.deps.toolSettings?.(tool.name) ?? {},
            services: { ...ctx.services, [AGENT_DEPTH]: Number(ctx.services[AGENT_DEPTH] ?? 0) + 1, [STREAM_SINK]: undefined },
          });
          let r: ToolResult;
          try {
            r = await executeComponent(tool, args, toolCtx);
          } catch (error) {
            if (isLlmspellError(error) && (error.details.fatal === true || FATAL_CODES.has(error.code))) onFatal(error);
            throw error;
          }
          const reply: Record<string, unknown> = { success: r.success, result: r.result };
          if (r.message !== undefined) reply.message = r.message;
          if (r.error !== undefined) reply.error = r.error;
          return redactStrings(reply, (t) => ctx.policy.redact(t));
        },
      });
    }
    return set;
  }

  private toError(raw: unknown, ctx: ExecutionContext, timeout: AbortSignal | undefined): LlmspellError {
    const who = `agent '${this.name}'`;
    if (timeout?.aborted && !ctx.signal.aborted) {
      return new LlmspellError('TIMEOUT', `${who} timed out after ${this.config.timeoutMs} ms`, { details: { timeout_ms: this.config.timeoutMs } });
    }
    if (ctx.signal.aborted) {
      const reason = ctx.signal.reason;
      return isLlmspellError(reason) ? reason : new LlmspellError('CANCELLED', `${who}: cancelled`);
    }
    if (isLlmspellError(raw)) return raw;
    let error = raw;
    if (RetryError.isInstance(error)) error = error.lastError;
    const redact = (t: string) => ctx.policy.redact(t);
    // llmspell's own refusals inside the provider's fetch (an oversized answer, a redirect the
    // network policy refuses) reach here wrapped by the ai SDK; their code is the useful part.
    for (let e = error, depth = 0; isErrorLike(e) && depth < 5; e = e.cause, depth++) {
      if (isLlmspellError(e)) {
        // The fetch's message names the URL; an oversized answer names the provider too.
        const from = e.code === 'SIZE_LIMIT_EXCEEDED' ? ` (${this.resolved.provider})` : '';
        return new LlmspellError(e.code, redact(`${who}${from}: ${e.detail}`), { details: { ...e.details, provider: this.resolved.provider }, cause: error });
      }
    }
    if (APICallError.isInstance(error)) {
      const status = error.statusCode;
      const details = { provider: this.resolved.provider, model: this.resolved.model, status_code: status ?? null };
      if (status === 429) {
        return new LlmspellError('RATE_LIMITED', redact(`${who}: ${this.resolved.provider} rate limit hit after ${this.config.maxRetries} retries: ${error.message}`), { details, cause: error });
      }
      if (status === 401 || status === 403) {
        return new LlmspellError('PROVIDER_ERROR', redact(`${who}: ${this.resolved.provider} rejected the API key (HTTP ${status}): ${error.message}`), { details, cause: error });
      }
      if (status === undefined) {
        return new LlmspellError('PROVIDER_ERROR', redact(`${who}: cannot reach ${this.resolved.provider} at ${this.resolved.baseURL}: ${causeText(error)}`), { details, cause: error });
      }
      return new LlmspellError('PROVIDER_ERROR', redact(`${who}: ${this.resolved.provider} returned HTTP ${status}: ${error.message}`), { details, cause: error });
    }
    if (isConnectionError(error)) {
      return new LlmspellError('PROVIDER_ERROR', redact(`${who}: cannot reach ${this.resolved.provider} at ${this.resolved.baseURL}: ${causeText(error as Error)}`), {
        details: { provider: this.resolved.provider, model: this.resolved.model }, cause: error,
      });
    }
    if (NoObjectGeneratedError.isInstance(error)) {
      return new LlmspellError('AGENT_ERROR', redact(`${who}: the model's answer did not match the schema: ${error.message}`), { cause: error });
    }
    const text = isErrorLike(error) ? error.message : String(error);
    return new LlmspellError('AGENT_ERROR', redact(`${who}: ${text}`), { cause: error });
  }
}

/**
 * The ai SDK's `jsonSchema` only describes the shape to the model; validate the answer too
 * (through zod's JSON-schema reader) so a wrong object is an error, not a surprise.
 */
function validatingJsonSchema(schema: Record<string, unknown>) {
  let validator: z.ZodType | undefined;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    validator = undefined;
  }
  return jsonSchema<unknown>(schema as JSONSchema7, validator ? {
    validate: (value: unknown) => {
      const r = validator!.safeParse(value);
      return r.success ? { success: true as const, value: r.data } : { success: false as const, error: new Error(r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')) };
    },
  } : undefined);
}

/** Tool-call failures that end the agent's run instead of being shown to the model. */
const FATAL_CODES = new Set(['BUDGET_EXCEEDED', 'CANCELLED']);

interface ErrorLike { message: string; code?: string; cause?: unknown; name?: string }
function isErrorLike(e: unknown): e is ErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as ErrorLike).message === 'string';
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function isConnectionError(error: unknown): boolean {
  // Duck-typed: errors from Node's fetch may come from another realm (a test VM).
  for (let e = error, depth = 0; isErrorLike(e) && depth < 5; e = e.cause, depth++) {
    if (CONNECTION_CODES.has(e.code ?? '')) return true;
    if (e.message === 'fetch failed' || /\bfetch failed\b/.test(e.message)) return true;
  }
  return false;
}

function causeText(error: Error): string {
  let deepest: Error = error;
  let code: string | undefined;
  for (let e: unknown = error, depth = 0; isErrorLike(e) && depth < 5; e = e.cause, depth++) {
    deepest = e as Error;
    code ??= e.code;
  }
  return code ? `${deepest.message} (${code})` : deepest.message;
}

function knownToolNames(ctx: ExecutionContext, deps: AgentDeps): string[] {
  const listed = ctx.components?.tools().flatMap((t) => [t.name, ...t.aliases]);
  return listed && listed.length > 0 ? listed : deps.toolNames?.() ?? [];
}

/**
 * Builds an agent: settles its config, resolves its provider and model (failing here on an
 * unknown provider or a missing key, as the reference did at `Agent.create`), and checks
 * that its tools exist when a lookup is at hand.
 */
export async function createAgent(input: unknown, deps: AgentDeps): Promise<LlmAgent> {
  const config = parseAgentConfig(input);
  const { model, resolved } = await deps.providers.languageModel({
    model: config.model, provider: config.provider, api_key: config.apiKey, base_url: config.baseUrl,
  });
  if (deps.findTool) {
    for (const name of config.tools) {
      if (!deps.findTool(name)) {
        throw new LlmspellError('TOOL_NOT_FOUND', `agent '${config.name}': tool '${name}' not found${didYouMean(name, deps.toolNames?.() ?? [])}`, { details: { tool: name, parameter: 'tools' } });
      }
    }
  }
  return new LlmAgent(withProviderDefaults(config, resolved), model, resolved, deps);
}

/**
 * The provider's `timeout_seconds` and `max_retries` from `[providers.providers.<name>]`
 * for what the agent's own config does not set (`timeout_ms`/`timeout`, `max_retries`).
 */
function withProviderDefaults(config: AgentConfig, resolved: ResolvedModel): AgentConfig {
  const given = (...keys: string[]) => keys.some((k) => config.raw[k] !== undefined);
  return {
    ...config,
    timeoutMs: given('timeout_ms', 'timeout') ? config.timeoutMs : resolved.timeoutMs ?? config.timeoutMs,
    maxRetries: given('max_retries') ? config.maxRetries : resolved.maxRetries ?? config.maxRetries,
  };
}

import { randomUUID } from 'node:crypto';
import type { Component } from '../component.js';
import { LlmspellError, toLlmspellError, type ErrorCode } from '../errors.js';
import type { ExecutionContext } from '../execution-context.js';
import type { HookContext, HookPoint, HookResult } from '../hooks-contract.js';
import { isTool, type Tool } from '../tool.js';

interface KindPoints {
  before: HookPoint;
  after: HookPoint;
  error: HookPoint;
  event: string;
  failCode: ErrorCode;
}

const POINTS: Record<Component['kind'], KindPoints> = {
  tool: { before: 'BeforeToolExecution', after: 'AfterToolExecution', error: 'ToolError', event: 'tool', failCode: 'TOOL_EXECUTION_FAILED' },
  agent: { before: 'BeforeAgentExecution', after: 'AfterAgentExecution', error: 'AgentError', event: 'agent', failCode: 'AGENT_ERROR' },
  workflow: { before: 'BeforeWorkflowStart', after: 'AfterWorkflowComplete', error: 'WorkflowError', event: 'workflow', failCode: 'WORKFLOW_ERROR' },
};

export interface ExecuteOptions {
  /** Wall-time cap for this call, in ms. */
  timeoutMs?: number;
  /** Override the hook points / event prefix (workflow steps use their own). */
  points?: Partial<KindPoints>;
  /** Extra metadata for hook contexts and events. */
  metadata?: Record<string, string>;
}

/** A small TTL cache for hook `cache` results, kept per execution context's hooks. */
const caches = new WeakMap<object, Map<string, { value: unknown; expires: number }>>();
function cacheFor(owner: object): Map<string, { value: unknown; expires: number }> {
  let c = caches.get(owner);
  if (!c) {
    c = new Map();
    caches.set(owner, c);
  }
  return c;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new LlmspellError('CANCELLED', 'cancelled'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new LlmspellError('CANCELLED', 'cancelled'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `promiseFn` under a timeout and the context's signal. The component gets a child
 * signal that aborts on either, so it can stop its own work.
 */
async function runLimited<T>(
  name: string,
  ctx: ExecutionContext,
  timeoutMs: number | undefined,
  fn: (ctx: ExecutionContext) => Promise<T>,
): Promise<T> {
  if (ctx.signal.aborted) throw new LlmspellError('CANCELLED', `${name}: cancelled before it started`);
  if (timeoutMs === undefined || !(timeoutMs > 0)) {
    return fn(ctx);
  }
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new LlmspellError('TIMEOUT', `${name} timed out after ${timeoutMs} ms`, { details: { timeout_ms: timeoutMs } });
      controller.abort(err);
      reject(err);
    }, timeoutMs);
  });
  const cancelled = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => {
      const reason = controller.signal.reason;
      reject(reason instanceof LlmspellError ? reason : new LlmspellError('CANCELLED', `${name}: cancelled`));
    }, { once: true });
  });
  try {
    return await Promise.race([fn({ ...ctx, signal: controller.signal }), timeout, cancelled]);
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onParentAbort);
  }
}

/**
 * The single path every component runs through. It validates tool arguments, fires the
 * before/after/error hooks and honours their results, publishes `<kind>.started`,
 * `<kind>.completed` and `<kind>.failed` events, and applies the timeout and the cancel
 * signal. Nothing else calls `component.run`.
 */
export async function executeComponent<I, O>(
  component: Component<I, O>,
  input: I,
  ctx: ExecutionContext,
  options: ExecuteOptions = {},
): Promise<O> {
  const points = { ...POINTS[component.kind], ...options.points };
  const hooks = ctx.hooks;
  const events = ctx.events;
  const tool: Tool | undefined = isTool(component) ? component : undefined;
  const componentId = { id: `${component.kind}:${component.name}`, type: component.kind, name: component.name };
  const metadata = options.metadata ?? {};
  const makeHookContext = (point: HookPoint, data: Record<string, unknown>): HookContext => ({
    point,
    component_id: componentId,
    data,
    metadata,
    correlation_id: ctx.correlationId,
    language: ctx.language,
    timestamp: new Date().toISOString(),
  });
  const fire = async (point: HookPoint, data: Record<string, unknown>): Promise<HookResult | undefined> => {
    if (!hooks || !hooks.hasHooks(point)) return undefined;
    return hooks.execute(point, makeHookContext(point, data));
  };
  const publish = (suffix: string, data: Record<string, unknown>) => {
    if (!events) return;
    const type = `${points.event}.${suffix}`;
    if (events.hasSubscribers && !events.hasSubscribers(type)) return;
    events.publish(type, { component: component.name, kind: component.kind, ...data }, { correlation_id: ctx.correlationId, source: componentId.id });
  };

  let current: unknown = input;
  if (tool) {
    ctx.policy.checkSecurityLevel(tool.name, tool.securityLevel);
    const v = await fire('ToolValidation', { input: current, tool: tool.name });
    if (v?.type === 'cancel') throw new LlmspellError('HOOK_CANCELLED', `${tool.name}: ${v.reason}`, { details: { point: 'ToolValidation' } });
    if (v?.type === 'modified') current = unwrap(v.data, 'input');
    current = tool.validate(current);
  }

  // Before hooks: may change the input, cancel, stand in for the result, or serve a cache.
  let cacheKey: { key: string; ttl: number } | undefined;
  const before = await fire(points.before, { input: current });
  if (before) {
    switch (before.type) {
      case 'cancel':
        publish('failed', { error: before.reason, cancelled: true });
        throw new LlmspellError('HOOK_CANCELLED', `${component.name}: ${before.reason}`, { details: { point: points.before } });
      case 'modified':
        current = unwrap(before.data, 'input');
        if (tool) current = tool.validate(current);
        break;
      case 'replace':
        publish('completed', { replaced: true, duration_ms: 0 });
        return before.data as O;
      case 'cache': {
        const hit = hooks ? cacheFor(hooks).get(before.key) : undefined;
        if (hit && hit.expires > Date.now()) {
          publish('completed', { cached: true, duration_ms: 0 });
          return hit.value as O;
        }
        cacheKey = { key: before.key, ttl: before.ttl_ms };
        break;
      }
      case 'redirect': {
        const target = tool ? ctx.components?.tool(before.target) : undefined;
        if (!target && component.kind === 'tool') {
          throw new LlmspellError('TOOL_NOT_FOUND', `${component.name}: hook redirected to unknown tool '${before.target}'`);
        }
        if (target && (target as unknown) !== component) {
          return executeComponent(target as unknown as Component<I, O>, current as I, ctx, options);
        }
        break;
      }
      default:
        break;
    }
  }

  let attempt = 0;
  let maxAttempts = 1;
  for (;;) {
    attempt += 1;
    const started = performance.now();
    publish('started', { attempt, ...(events ? { input: current } : {}) });
    try {
      let output: O = await runLimited<O>(component.name, ctx, options.timeoutMs, (c) => component.run(current as I, c));
      const duration = performance.now() - started;
      const after = await fire(points.after, { input: current, output, duration_ms: duration });
      if (after) {
        if (after.type === 'modified') output = unwrap(after.data, 'output') as O;
        else if (after.type === 'replace') output = after.data as O;
        else if (after.type === 'cancel') {
          throw new LlmspellError('HOOK_CANCELLED', `${component.name}: ${after.reason}`, { details: { point: points.after } });
        } else if (after.type === 'retry' && attempt < Math.max(after.max_attempts, 1) + 0) {
          maxAttempts = Math.max(maxAttempts, after.max_attempts);
          if (attempt < maxAttempts) {
            await sleep(after.delay_ms, ctx.signal);
            continue;
          }
        } else if (after.type === 'cache' && hooks) {
          cacheFor(hooks).set(after.key, { value: output, expires: Date.now() + after.ttl_ms });
        }
      }
      if (cacheKey && hooks) cacheFor(hooks).set(cacheKey.key, { value: output, expires: Date.now() + cacheKey.ttl });
      publish('completed', { attempt, duration_ms: Math.round(duration * 1000) / 1000 });
      return output;
    } catch (raw) {
      const error = toLlmspellError(raw, points.failCode, component.name);
      const onError = error.code === 'HOOK_CANCELLED' ? undefined : await fire(points.error, {
        input: current,
        error: { code: error.code, message: error.message },
        attempt,
      });
      if (onError?.type === 'retry') {
        maxAttempts = Math.max(maxAttempts, onError.max_attempts);
        if (attempt < maxAttempts) {
          publish('retrying', { attempt, error: error.message });
          await sleep(onError.delay_ms, ctx.signal);
          continue;
        }
      }
      if (onError?.type === 'replace' || onError?.type === 'modified') {
        publish('completed', { attempt, recovered: true });
        return unwrap(onError.data, 'output') as O;
      }
      publish('failed', { attempt, error: error.message, code: error.code });
      throw error;
    }
  }
}

/** Hooks may return either the bare value or `{input: …}` / `{output: …}`. */
function unwrap(data: unknown, key: 'input' | 'output'): unknown {
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && key in (data as object) && Object.keys(data as object).length <= 3) {
    return (data as Record<string, unknown>)[key];
  }
  return data;
}

export function newCorrelationId(): string {
  return randomUUID();
}

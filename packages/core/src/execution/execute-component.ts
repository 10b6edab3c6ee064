import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { abortableDelay, timerDelay } from '../abortable-delay.js';
import { RUN_NOW, type Component, type ExecutionContext, type Tool } from '../component.js';
import { LlmspellError, toLlmspellError, type ErrorCode } from '../errors.js';
import { modifiedField, type ComponentCallTrace, type HookContext, type HookPoint, type HookResult, type PublishOptions } from '../hooks-contract.js';
import { loadToolCode } from '../lazy-tool.js';
import { isTool } from '../tool.js';
import { isPromiseLike, runMaybeSync, type MaybePromise } from './maybe-sync.js';

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

/** TTL caches for hook `cache` results, one per hook executor, bounded so they cannot grow forever. */
const CACHE_MAX_ENTRIES = 1000;
type CacheMap = Map<string, { value: unknown; expires: number }>;
const caches = new WeakMap<object, CacheMap>();
function cacheFor(owner: object): CacheMap {
  let c = caches.get(owner);
  if (!c) {
    c = new Map();
    caches.set(owner, c);
  }
  return c;
}
function cacheGet(owner: object, key: string): { value: unknown } | undefined {
  const c = cacheFor(owner);
  const hit = c.get(key);
  if (!hit) return undefined;
  if (hit.expires <= Date.now()) {
    c.delete(key);
    return undefined;
  }
  return hit;
}
function cachePut(owner: object, key: string, value: unknown, ttlMs: number): void {
  if (!(ttlMs > 0)) return;
  const c = cacheFor(owner);
  c.delete(key);
  if (c.size >= CACHE_MAX_ENTRIES) c.delete(c.keys().next().value as string);
  c.set(key, { value, expires: Date.now() + ttlMs });
}

/**
 * Runs `fn` under a timeout and the context's signal. The component gets a child signal that
 * aborts on either, so it can stop its own work. Without a timeout `fn` runs as it is (its
 * result may be a plain value).
 */
function runLimited<T>(
  name: string,
  ctx: ExecutionContext,
  timeoutMs: number | undefined,
  fn: (ctx: ExecutionContext) => MaybePromise<T>,
): MaybePromise<T> {
  if (ctx.signal.aborted) throw new LlmspellError('CANCELLED', `${name}: cancelled before it started`);
  if (timeoutMs === undefined || !(timeoutMs > 0)) {
    return fn(ctx);
  }
  return runWithTimeout(name, ctx, timeoutMs, fn);
}

async function runWithTimeout<T>(
  name: string,
  ctx: ExecutionContext,
  timeoutMs: number,
  fn: (ctx: ExecutionContext) => MaybePromise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onParentAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new LlmspellError('TIMEOUT', `${name} timed out after ${timeoutMs} ms`, { details: { timeout_ms: timeoutMs } });
      controller.abort(err);
      reject(err);
    }, timerDelay(timeoutMs));
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

let isoMs = -1;
let isoText = '';
/** ISO time, formatted at most once per millisecond (formatting dominates a no-op hook's cost). */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== isoMs) {
    isoMs = ms;
    isoText = new Date(ms).toISOString();
  }
  return isoText;
}

const MAX_REDIRECTS = 8;
const redirectDepth = new WeakMap<ExecuteOptions, number>();

/** Finds the component a `redirect` names: `tool:x`, `agent:x`, `workflow:x`, or a bare name of the same kind. */
function findRedirectTarget(ctx: ExecutionContext, kind: Component['kind'], target: string): Component | undefined {
  const m = /^(tool|agent|workflow):(.+)$/.exec(target);
  const k = (m ? m[1] : kind) as Component['kind'];
  const name = m ? m[2] : target;
  const lookup = ctx.components;
  if (!lookup) return undefined;
  return k === 'tool' ? lookup.tool(name) : k === 'agent' ? lookup.agent(name) : lookup.workflow(name);
}

/** The lifecycle event types of one event prefix (`tool.started`…), made once: the same strings every call. */
type EventTypes = Readonly<Record<string, string>>;
const LIFECYCLE = ['started', 'completed', 'failed', 'retrying', 'redirected', 'fork.completed', 'fork.failed'] as const;
const eventTypesByPrefix = new Map<string, EventTypes>();
const MAX_EVENT_PREFIXES = 256;
function eventTypesOf(prefix: string): EventTypes {
  let types = eventTypesByPrefix.get(prefix);
  if (!types) {
    const made: Record<string, string> = {};
    for (const suffix of LIFECYCLE) made[suffix] = `${prefix}.${suffix}`;
    types = made;
    if (eventTypesByPrefix.size < MAX_EVENT_PREFIXES) eventTypesByPrefix.set(prefix, types);
  }
  return types;
}

const NOT_FOUND: Record<Component['kind'], ErrorCode> = { tool: 'TOOL_NOT_FOUND', agent: 'AGENT_NOT_FOUND', workflow: 'WORKFLOW_NOT_FOUND' };

interface Fired {
  result: HookResult;
  /** The data the hooks ended with (differs from `original` when a hook modified it). */
  data: Record<string, unknown>;
  original: Record<string, unknown>;
}

/**
 * Validates the input hooks at `point` made: invalid input they gave is the hooks' fault, not the
 * caller's, so the error is HOOK_ERROR naming them (the executor lists them in `modified_by`),
 * with the tool's own error (parameter, reason) in its details.
 */
function validateHookInput(tool: Tool, input: unknown, point: HookPoint, result: HookResult): unknown {
  try {
    return tool.validate(input);
  } catch (raw) {
    const error = toLlmspellError(raw, 'INVALID_ARGUMENT');
    const by = (result as { modified_by?: unknown }).modified_by;
    const names = Array.isArray(by) ? by.filter((n): n is string => typeof n === 'string') : [];
    const who = names.length === 0 ? 'a hook' : `hook ${names.map((n) => `'${n}'`).join(', ')}`;
    const prefix = `${tool.name}: `;
    const why = error.detail.startsWith(prefix) ? error.detail.slice(prefix.length) : error.detail;
    throw new LlmspellError('HOOK_ERROR', `${who} at ${point} gave ${tool.name} invalid input: ${why}`, {
      details: { ...error.details, tool: tool.name, point, hooks: names, code: error.code },
      cause: error,
    });
  }
}

/** The value of `field` after the hooks ran, or `fallback` when no hook changed it. */
function changedField(f: Fired, field: string, fallback: unknown): unknown {
  if (f.result.type === 'modified') return modifiedField(f.result.data, field, f.original);
  if (f.data !== f.original && field in f.data) return f.data[field];
  return fallback;
}

/**
 * The single path every component runs through. It validates tool arguments, fires the
 * before/after/error hooks and honours their results, publishes `<kind>.started`,
 * `<kind>.completed` and `<kind>.failed` events, and applies the timeout and the cancel
 * signal. Nothing else calls `component.run`.
 *
 * Hook results: before — `cancel` fails with HOOK_CANCELLED, `modified` changes the input,
 * `replace` returns its data without running, `cache` serves a cached output (or caches this
 * one), `redirect` runs another component instead, `fork` runs extra operations alongside;
 * after — `modified`/`replace` change the output, `cancel` fails, `retry` runs again, `cache`
 * stores the output; error — `retry` runs again, `modified`/`replace` recover with an output,
 * `cancel` fails with HOOK_CANCELLED.
 */
export function executeComponent<I, O>(
  component: Component<I, O>,
  input: I,
  ctx: ExecutionContext,
  options: ExecuteOptions = {},
): Promise<O> {
  try {
    return Promise.resolve(executeComponentNow(component, input, ctx, options));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * `executeComponent` for callers that can take a plain value: when nothing on the path waits
 * (no hooks registered, a tool whose work is synchronous) the output comes back within the
 * call, and an error is thrown; otherwise a promise. Same hooks, events, limits and errors.
 */
export function executeComponentNow<I, O>(
  component: Component<I, O>,
  input: I,
  ctx: ExecutionContext,
  options: ExecuteOptions = {},
): MaybePromise<O> {
  if (ctx.hooks?.scopesCalls) {
    // The call's steps, and the promises they create, run in a scope of their own (see
    // HookExecutor.scopesCalls); the caller's async context is as it was when this returns.
    return new AsyncResource('llmspell.component').runInAsyncScope(runMaybeSync<O>, undefined, executeSteps(component, input, ctx, options));
  }
  return runMaybeSync(executeSteps(component, input, ctx, options));
}

/** The body of `executeComponent`; each `yield` is an `await` (see runMaybeSync). */
function* executeSteps<I, O>(
  component: Component<I, O>,
  input: I,
  ctx: ExecutionContext,
  options: ExecuteOptions,
): Generator<unknown, O, unknown> {
  const points = options.points ? { ...POINTS[component.kind], ...options.points } : POINTS[component.kind];
  const hooks = ctx.hooks;
  const events = ctx.events;
  const tool: Tool | undefined = isTool(component) ? component : undefined;
  const componentId = { id: `${component.kind}:${component.name}`, type: component.kind, name: component.name };
  const metadata = options.metadata ?? {};
  // The observer's record of this call (telemetry's span), opened at the Before point; taken
  // by the call's one ending report (completed, failed or redirected).
  let trace: ComponentCallTrace | undefined;
  const endTrace = () => {
    const t = trace;
    trace = undefined;
    return t;
  };
  // Returns undefined (not a promise) when nothing listens, so callers skip the await: `p && await p`.
  const fire = (point: HookPoint, data: Record<string, unknown>): MaybePromise<Fired> | undefined => {
    if (!hooks || !hooks.hasHooks(point)) return undefined;
    return fireHooks(point, data);
  };
  const fireHooks = (point: HookPoint, data: Record<string, unknown>): MaybePromise<Fired> => {
    const h = hooks!;
    const hc: HookContext = {
      point,
      component_id: componentId,
      data,
      metadata,
      correlation_id: ctx.correlationId,
      language: ctx.language,
      timestamp: isoNow(),
    };
    const fired = (result: HookResult): Fired => ({ result, data: hc.data ?? data, original: data });
    const result = h.executeNow ? h.executeNow(point, hc, trace) : h.execute(point, hc);
    return isPromiseLike(result) ? Promise.resolve(result).then(fired) : fired(result);
  };
  const eventTypes = events ? eventTypesOf(points.event) : undefined;
  // One options object for the call's events: publishers only read it.
  let publishOptions: PublishOptions | undefined;
  const optionsOfEvents = () => (publishOptions ??= { correlation_id: ctx.correlationId, source: componentId.id });
  const publish = (suffix: string, data: Record<string, unknown>) => {
    if (!events) return;
    const type = eventTypes![suffix] ?? `${points.event}.${suffix}`;
    if (events.hasSubscribers && !events.hasSubscribers(type)) return;
    events.publish(type, { component: component.name, kind: component.kind, ...data }, optionsOfEvents());
  };
  // The end of every call that ran to completion, as publish('completed', …) made it, without the spread.
  const publishCompleted = (attempt: number, duration: number) => {
    if (!events) return;
    const type = eventTypes!.completed;
    if (events.hasSubscribers && !events.hasSubscribers(type)) return;
    events.publish(type, { component: component.name, kind: component.kind, attempt, duration_ms: Math.round(duration * 1000) / 1000 }, optionsOfEvents());
  };
  // Events reach other scripts and may be persisted: known secrets and secret-named fields of
  // the input are masked, unless no subscriber reads the input (telemetry alone, without
  // capture_content, sees every call and reads only which call it is).
  const publishStarted = (attempt: number, input: unknown) => {
    if (!events) return;
    const type = eventTypes!.started;
    if (events.hasSubscribers && !events.hasSubscribers(type)) return;
    const content = events.readsOnlyIdentity?.(type) ? undefined : ctx.policy.redactValue(input);
    events.publish(type, { component: component.name, kind: component.kind, attempt, input: content }, optionsOfEvents());
  };
  const cancelled = (point: HookPoint, reason: string, cause?: unknown) =>
    new LlmspellError('HOOK_CANCELLED', `${component.name}: ${reason}`, { details: { point, reason }, cause });

  let current: unknown = input;
  if (tool) {
    ctx.policy.checkSecurityLevel(tool.name, tool.securityLevel);
    const pv = fire('ToolValidation', { input: current, tool: tool.name });
    const v = (pv && (yield pv)) as Fired | undefined;
    let byHooks = false;
    if (v) {
      if (v.result.type === 'cancel') throw cancelled('ToolValidation', v.result.reason);
      const next = changedField(v, 'input', current);
      byHooks = next !== current;
      current = next;
    }
    // a tool known from a manifest loads its code now, before its arguments are checked
    const loading = loadToolCode(tool);
    if (loading) yield loading;
    current = byHooks ? validateHookInput(tool, current, 'ToolValidation', v!.result) : tool.validate(current);
  }

  // The call's trace opens where its Before hooks would first see it; whatever way the call
  // ends, the trace ends with it (an error escaping below ends it as failed).
  trace = hooks?.traceCall?.(points.before, componentId, metadata, current);
  try {
    // Before hooks: may change the input, cancel, stand in for the result, or serve a cache.
    let cacheKey: { key: string; ttl: number } | undefined;
    let forked: Promise<unknown> | undefined;
    const pb = fire(points.before, { input: current });
    const before = (pb && (yield pb)) as Fired | undefined;
    if (before) {
      const r = before.result;
      const next = changedField(before, 'input', current);
      if (next !== current) current = tool ? validateHookInput(tool, next, points.before, r) : next;
      switch (r.type) {
        case 'cancel':
          publish('failed', { error: r.reason, code: 'HOOK_CANCELLED', cancelled: true });
          endTrace()?.failed('HOOK_CANCELLED', r.reason);
          throw cancelled(points.before, r.reason);
        case 'replace':
          publish('completed', { replaced: true, duration_ms: 0 });
          endTrace()?.completed({ replaced: true });
          return modifiedField(r.data, 'output', before.original) as O;
        case 'cache': {
          const hit = hooks ? cacheGet(hooks, r.key) : undefined;
          if (hit) {
            publish('completed', { cached: true, duration_ms: 0 });
            endTrace()?.completed({ cached: true });
            return hit.value as O;
          }
          cacheKey = { key: r.key, ttl: r.ttl_ms };
          break;
        }
        case 'redirect': {
          const target = findRedirectTarget(ctx, component.kind, r.target);
          if (!target) {
            const kind = /^(tool|agent|workflow):/.exec(r.target)?.[1] as Component['kind'] | undefined;
            throw new LlmspellError(NOT_FOUND[kind ?? component.kind], `${component.name}: hook redirected to unknown ${kind ?? component.kind} '${r.target}'`, { details: { point: points.before, target: r.target } });
          }
          if ((target as unknown) !== component) {
            const depth = (redirectDepth.get(options) ?? 0) + 1;
            if (depth > MAX_REDIRECTS) throw new LlmspellError('HOOK_ERROR', `${component.name}: more than ${MAX_REDIRECTS} hook redirects in a row`);
            const nextOptions: ExecuteOptions = { timeoutMs: options.timeoutMs, metadata: options.metadata, points: target.kind === component.kind ? options.points : undefined };
            redirectDepth.set(nextOptions, depth);
            publish('redirected', { target: r.target });
            endTrace()?.redirected(r.target);
            return (yield executeComponentNow(target as unknown as Component<I, O>, current as I, ctx, nextOptions)) as O;
          }
          break;
        }
        case 'fork':
          forked = runForked(r.operations, ctx, component, publish);
          break;
        default:
          break;
      }
    }

    let attempt = 0;
    let maxAttempts = 1;
    try {
      for (;;) {
        attempt += 1;
        const started = performance.now();
        publishStarted(attempt, current);
        trace?.started(attempt, current);
        try {
          const runNow = component[RUN_NOW];
          let output = (yield runLimited<O>(component.name, ctx, options.timeoutMs, (c) => (runNow ? runNow.call(component, current as I, c) : component.run(current as I, c)))) as O;
          const duration = performance.now() - started;
          trace?.returned(output);
          const pa = fire(points.after, { input: current, output, duration_ms: duration });
          const after = (pa && (yield pa)) as Fired | undefined;
          if (after) {
            const r = after.result;
            output = changedField(after, 'output', output) as O;
            if (r.type === 'replace') output = modifiedField(r.data, 'output', after.original) as O;
            else if (r.type === 'cancel') throw cancelled(points.after, r.reason);
            else if (r.type === 'retry') {
              maxAttempts = Math.max(maxAttempts, r.max_attempts);
              if (attempt < maxAttempts) {
                publish('retrying', { attempt, reason: 'after hook asked for a retry' });
                trace?.retrying(attempt);
                yield abortableDelay(r.delay_ms, ctx.signal);
                continue;
              }
            } else if (r.type === 'cache' && hooks) cachePut(hooks, r.key, output, r.ttl_ms);
          }
          if (cacheKey && hooks) cachePut(hooks, cacheKey.key, output, cacheKey.ttl);
          publishCompleted(attempt, duration);
          endTrace()?.completed();
          return output;
        } catch (raw) {
          const error = toLlmspellError(raw, points.failCode, component.name);
          const atErrorPoint = error.code !== 'HOOK_CANCELLED' && error.code !== 'CANCELLED';
          if (atErrorPoint) trace?.errored(error.code, error.message, attempt);
          const pe = atErrorPoint ? fire(points.error, {
              input: current,
              error: { code: error.code, message: error.message },
              attempt,
            }) : undefined;
          const onError = (pe && (yield pe)) as Fired | undefined;
          if (onError) {
            const r = onError.result;
            if (r.type === 'retry') {
              maxAttempts = Math.max(maxAttempts, r.max_attempts);
              if (attempt < maxAttempts) {
                publish('retrying', { attempt, error: error.message, code: error.code });
                trace?.retrying(attempt, error.code);
                yield abortableDelay(r.delay_ms, ctx.signal);
                continue;
              }
            } else if (r.type === 'replace' || r.type === 'modified') {
              const output = modifiedField(r.data, 'output', onError.original) as O;
              publish('completed', { attempt, recovered: true });
              endTrace()?.completed({ recovered: true });
              return output;
            } else if (r.type === 'cancel') {
              publish('failed', { attempt, error: r.reason, code: 'HOOK_CANCELLED' });
              endTrace()?.failed('HOOK_CANCELLED', r.reason);
              throw cancelled(points.error, r.reason, error);
            }
          }
          publish('failed', { attempt, error: error.message, code: error.code });
          endTrace()?.failed(error.code, error.message);
            throw error;
        }
      }
    } finally {
      if (forked) yield forked;
    }

  } catch (raw) {
    if (trace) {
      const error = toLlmspellError(raw, points.failCode, component.name);
      endTrace()!.failed(error.code, error.message);
    }
    throw raw;
  }
}

/**
 * Runs a `fork` result's operations alongside the main one. An operation names a component
 * (`operation_type` = `tool:x` / `agent:x` / `workflow:x`, or a tool name) and passes
 * `parameters` as its input. Their outcomes are published as `<kind>.fork.completed` /
 * `<kind>.fork.failed`; they never fail the main operation.
 */
function runForked(
  operations: Array<{ id?: string; operation_type: string; parameters?: unknown }>,
  ctx: ExecutionContext,
  parent: Component,
  publish: (suffix: string, data: Record<string, unknown>) => void,
): Promise<unknown> {
  return Promise.allSettled(operations.map(async (op, index) => {
    const id = op.id ?? String(index);
    try {
      const target = findRedirectTarget(ctx, 'tool', op.operation_type);
      if (!target) throw new LlmspellError('NOT_FOUND', `fork operation '${id}': no component '${op.operation_type}'`);
      if (target === parent) throw new LlmspellError('HOOK_ERROR', `fork operation '${id}' would run ${parent.name} again`);
      const output = await executeComponent(target, op.parameters ?? {}, ctx);
      publish('fork.completed', { operation: id, target: op.operation_type, output: ctx.policy.redactValue(output) });
    } catch (raw) {
      const error = toLlmspellError(raw, 'HOOK_ERROR');
      ctx.logger.warn(`fork operation ${id} failed`, { error: error.message });
      publish('fork.failed', { operation: id, target: op.operation_type, error: error.message, code: error.code });
    }
  }));
}

export function newCorrelationId(): string {
  return randomUUID();
}

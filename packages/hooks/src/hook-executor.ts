import {
  CONTINUE, LlmspellError, isErrorHookPoint, isLlmspellError, isWholeRecord, silentLogger, timerDelay, toLlmspellError,
  type EventSink, type HookContext, type HookExecutor as CoreHookExecutor, type HookPoint, type HookResult, type Logger,
} from '@llmspell/core';
import { AsyncLocalStorage } from 'node:async_hooks';
import { CircuitBreaker, DEFAULT_BREAKER_CONFIG, type BreakerConfig } from './circuit-breaker.js';
import { describeHookResult, normalizeHookResult } from './hook-result.js';
import type { HookRegistry, RegisteredHook } from './hook-registry.js';

export interface HookExecutorConfig {
  /** Per-hook circuit breakers on (default) or off. */
  circuit_breaker: boolean;
  breaker: BreakerConfig;
  /** A hook call running longer than this is abandoned and counted as a failure (ms). */
  timeout_ms: number;
  /** A hook call longer than this is logged as slow (the reference's advisory 100 ms). */
  max_execution_time_ms: number;
}

export const DEFAULT_EXECUTOR_CONFIG: HookExecutorConfig = {
  circuit_breaker: true,
  breaker: DEFAULT_BREAKER_CONFIG,
  timeout_ms: 30_000,
  max_execution_time_ms: 100,
};

export interface HookExecutorOptions {
  config?: Partial<HookExecutorConfig>;
  logger?: Logger;
  /** Where `hook.failed`, `hook.circuit_opened`, `hook.circuit_closed` are published. */
  events?: EventSink;
  /** Clock for breaker cool-downs (tests). */
  now?: () => number;
}

export interface PointStats {
  executions: number;
  total_ms: number;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

class HookTimeout extends Error {}

/**
 * The script hooks running in the current async call chain. A script hook that starts an
 * operation which fires the same hook again (a BeforeToolExecution hook calling a tool)
 * would recurse forever; the nested call is skipped instead.
 */
const activeScriptHooks = new AsyncLocalStorage<ActiveHook>();

/** A link of that chain: the hook running and the one whose operation it runs in (a list, not a Set copied per call). */
interface ActiveHook {
  readonly id: string;
  readonly outer: ActiveHook | undefined;
  /** Set when this call ran past its timeout: what it was, for the refusal of its later host calls. */
  expired?: string;
}

/** Hook calls abandoned at their timeout whose function is still running (0: nothing to check). */
let expiredCalls = 0;

/**
 * Throws HOOK_ERROR when called from a script hook whose call timed out: its answer is ignored,
 * and it must not act later either (save state, call a tool) from a continuation the host
 * cannot stop. Costs one comparison while no abandoned hook call is running.
 */
export function assertHookCallLive(what: string): void {
  if (expiredCalls === 0) return;
  for (let link = activeScriptHooks.getStore(); link; link = link.outer) {
    if (link.expired) {
      throw new LlmspellError('HOOK_ERROR', `${what}: refused: called from ${link.expired}; a hook past its timeout may no longer act`, {
        details: { operation: what },
      });
    }
  }
}

/** Codes that end the whole run (time limit, Ctrl-C, memory limit): passed on, never a hook failure to skip. */
const RUN_ENDING = new Set<string>(['SCRIPT_TIMEOUT', 'CANCELLED', 'SCRIPT_MEMORY_LIMIT']);

function endsRun(error: unknown): boolean {
  return isLlmspellError(error) && RUN_ENDING.has(error.code);
}

/** Points where a `cancel` stops the operation before it runs: a guard there fails closed. */
function failsClosedAt(point: HookPoint): boolean {
  return point.startsWith('Before') || point === 'ToolValidation';
}

/** Points whose firer ignores a `cancel` (it only announces something): the result is logged, not a guard's. */
const CANCEL_IGNORED = new Set<HookPoint>(['WorkflowStageTransition']);

function isActive(chain: ActiveHook | undefined, id: string): boolean {
  for (let link = chain; link; link = link.outer) if (link.id === id) return true;
  return false;
}

/**
 * Deadlines of the hook calls in flight, watched by one timer set for the earliest of them:
 * a hook call then costs a set entry instead of a timer of its own (hooks run on every step
 * and tool call, and most finish long before their timeout).
 */
interface Deadline {
  at: number;
  ms: number;
  reject: (error: Error) => void;
}

class Deadlines {
  private readonly pending = new Set<Deadline>();
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;

  race<T>(p: PromiseLike<T>, ms: number): Promise<T> {
    if (!(ms > 0) || !Number.isFinite(ms)) return Promise.resolve(p);
    return new Promise<T>((resolve, reject) => {
      const entry: Deadline = { at: performance.now() + ms, ms, reject };
      this.pending.add(entry);
      if (entry.at < this.timerAt) this.arm(entry.at);
      else if (this.pending.size === 1) this.timer?.ref();
      Promise.resolve(p).then(
        (value) => {
          this.settled(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.settled(entry);
          reject(error);
        },
      );
    });
  }

  /** With nothing pending the timer stays set but does not keep the process alive. */
  private settled(entry: Deadline): void {
    this.pending.delete(entry);
    if (this.pending.size === 0) this.timer?.unref();
  }

  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), timerDelay(at - performance.now()));
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of this.pending) {
      if (entry.at <= now) {
        this.pending.delete(entry);
        entry.reject(new HookTimeout(`timed out after ${entry.ms} ms`));
      } else if (entry.at < next) next = entry.at;
    }
    if (next < Infinity) this.arm(next);
  }
}

/** The data record after a `modified` result (see core's `modifiedField` for the reading side). */
export function applyModification(point: HookPoint, data: Record<string, unknown>, payload: unknown): Record<string, unknown> {
  const field = isErrorHookPoint(point) ? 'output'
    : 'output' in data ? 'output'
      : 'input' in data ? 'input'
        : 'value' in data ? 'value' : undefined;
  const isRecord = typeof payload === 'object' && payload !== null && !Array.isArray(payload);
  if (isRecord && (field ? isWholeRecord(payload as Record<string, unknown>, field, data) : true)) {
    return { ...data, ...(payload as Record<string, unknown>) };
  }
  if (field) return { ...data, [field]: payload };
  return isRecord ? { ...data, ...(payload as Record<string, unknown>) } : { ...data, value: payload };
}

/** The chain's state while it folds: whether (and by which hooks) the data was modified. */
interface Run {
  modified: boolean;
  by?: string[];
}

/**
 * Runs a point's hooks in priority order and folds their results (core's HookExecutor).
 * A hook that throws, times out or returns garbage is logged and skipped (only a `cancel`
 * result fails the operation) — except a guard at a Before point, whose failure refuses the
 * operation (fail closed). Each hook has a circuit breaker that stops calling it after
 * repeated failures or slow calls and tries again after a cool-down.
 */
export class HookExecutor implements CoreHookExecutor {
  readonly config: HookExecutorConfig;
  private readonly logger: Logger;
  private readonly now: () => number;
  private events?: EventSink;
  private readonly pointStats = new Map<HookPoint, PointStats>();
  private readonly deadlines = new Deadlines();

  constructor(readonly registry: HookRegistry, options: HookExecutorOptions = {}) {
    this.config = { ...DEFAULT_EXECUTOR_CONFIG, ...options.config, breaker: { ...DEFAULT_BREAKER_CONFIG, ...options.config?.breaker } };
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.events = options.events;
  }

  setEventSink(events: EventSink | undefined): void {
    this.events = events;
  }

  hasHooks(point: HookPoint): boolean {
    return this.registry.hasHooks(point);
  }

  execute(point: HookPoint, context: HookContext): Promise<HookResult> {
    try {
      return Promise.resolve(this.executeNow(point, context));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * `execute` answering within the call when every hook at the point answered at once (a
   * native hook, a script hook whose function did not wait for the host): the folded result,
   * no promise. From the first hook that returns a promise on, the rest runs after it.
   */
  executeNow(point: HookPoint, context: HookContext): HookResult | Promise<HookResult> {
    const hooks = this.registry.hooksFor(point);
    if (hooks.length === 0) return CONTINUE;
    if (expiredCalls > 0) assertHookCallLive(point);
    const started = performance.now();
    let folded: HookResult | Promise<HookResult>;
    try {
      folded = this.runFrom(point, context, hooks, 0, { modified: false });
    } catch (error) {
      this.record(point, started);
      throw error;
    }
    if (isThenable(folded)) return Promise.resolve(folded).finally(() => this.record(point, started));
    this.record(point, started);
    return folded;
  }

  /** Runs the hooks from `start` on, folding their results (see core's HookExecutor). */
  private runFrom(point: HookPoint, context: HookContext, hooks: readonly RegisteredHook[], start: number, run: Run): HookResult | Promise<HookResult> {
    for (let i = start; i < hooks.length; i++) {
      const hook = hooks[i];
      // `enabled` is also false once unregistered: a hook removed since this chain took its
      // list (by an earlier hook of the chain) does not run.
      if (!hook.enabled) continue;
      const result = this.runOne(hook, context);
      if (result !== undefined && isThenable(result)) {
        return result.then((settled) => this.fold(point, context, settled, run, hook) ?? this.runFrom(point, context, hooks, i + 1, run));
      }
      const end = this.fold(point, context, result, run, hook);
      if (end) return end;
    }
    return run.modified ? this.modifiedBy({ type: 'modified', data: context.data }, run) : CONTINUE;
  }

  /**
   * Takes one hook's result: the result that ends the chain, or undefined to go on. The names
   * of the hooks that modified the data ride along (`modified_by`), so an operation that
   * rejects the data they made can name them instead of blaming its caller.
   */
  private fold(point: HookPoint, context: HookContext, result: HookResult | undefined, run: Run, hook: RegisteredHook): HookResult | undefined {
    if (result === undefined) return undefined;
    switch (result.type) {
      case 'continue':
      case 'skipped':
        return undefined;
      case 'modified':
        context.data = applyModification(point, context.data, result.data);
        run.modified = true;
        (run.by ??= []).push(hook.name);
        return undefined;
      default:
        return run.modified ? this.modifiedBy(result, run) : result;
    }
  }

  /** Not enumerable: scripts (Hook.fire), copies and JSON see the result as it always was. */
  private modifiedBy(result: HookResult, run: Run): HookResult {
    return Object.defineProperty({ ...result }, 'modified_by', { value: run.by ?? [], enumerable: false });
  }

  private record(point: HookPoint, started: number): void {
    let s = this.pointStats.get(point);
    if (!s) this.pointStats.set(point, (s = { executions: 0, total_ms: 0 }));
    s.executions += 1;
    s.total_ms += performance.now() - started;
  }

  /**
   * Runs one hook under its breaker and timeout; undefined when it did not run or failed.
   * Synchronous for a synchronous handler, so native hooks cost no promise round-trip.
   */
  private runOne(hook: RegisteredHook, context: HookContext): HookResult | undefined | Promise<HookResult | undefined> {
    const stats = hook.stats;
    if (hook.when) {
      let ok: boolean;
      try {
        ok = hook.when(context);
      } catch {
        ok = false;
      }
      if (!ok) {
        stats.skipped += 1;
        return undefined;
      }
    }
    const breaker = this.config.circuit_breaker && hook.use_circuit_breaker ? this.breakerOf(hook) : undefined;
    if (breaker && !breaker.canExecute()) {
      stats.skipped += 1;
      stats.last_result = `skipped: circuit breaker open`;
      if (hook.guard === true && failsClosedAt(context.point)) {
        throw this.refusal(hook, context.point, `its circuit breaker is open (${breaker.snapshot().last_reason ?? 'failing'})`);
      }
      return undefined;
    }
    let active: ActiveHook | undefined;
    let link: ActiveHook | undefined;
    const guarded = hook.language !== 'native';
    if (guarded) {
      active = activeScriptHooks.getStore();
      if (isActive(active, hook.id)) {
        stats.skipped += 1;
        stats.last_result = 'skipped: re-entered from its own operation';
        return undefined;
      }
      link = { id: hook.id, outer: active };
    }
    const timeout = hook.timeout_ms ?? this.config.timeout_ms;
    const t0 = performance.now();
    let raw: unknown;
    try {
      raw = link ? activeScriptHooks.run(link, () => hook.handler(context)) : hook.handler(context);
    } catch (error) {
      return this.failed(hook, context.point, performance.now() - t0, error, breaker);
    }
    if (isThenable(raw)) {
      return this.deadlines.race(raw, timeout).then(
        (value) => this.finish(hook, context, value, performance.now() - t0, breaker),
        (error: unknown) => {
          if (error instanceof HookTimeout) this.abandon(hook, raw as PromiseLike<unknown>, link, timeout);
          return this.failed(hook, context.point, performance.now() - t0, error, breaker);
        },
      );
    }
    const ms = performance.now() - t0;
    // A synchronous hook cannot be stopped at its deadline, but what it answers after it is not
    // taken: a timeout means the same whether the hook waited or computed.
    if (ms > timeout && timeout > 0 && Number.isFinite(timeout)) {
      return this.failed(hook, context.point, ms, new HookTimeout(`timed out after ${timeout} ms (ran ${Math.round(ms)} ms; its answer is ignored)`), breaker);
    }
    return this.finish(hook, context, raw, ms, breaker);
  }

  /**
   * A hook call given up at its timeout whose function still runs (a script waiting on the
   * host): its answer, when it comes, is logged and dropped, and until then host calls made
   * from it are refused (assertHookCallLive).
   */
  private abandon(hook: RegisteredHook, pending: PromiseLike<unknown>, link: ActiveHook | undefined, timeout: number): void {
    if (link) {
      link.expired = `hook '${hook.name}' at ${hook.point}, which timed out after ${timeout} ms`;
      expiredCalls += 1;
    }
    const settled = (late: string) => {
      if (link) expiredCalls -= 1;
      this.logger.warn(`hook ${hook.name} at ${hook.point} ${late} after its ${timeout} ms timeout; ignored`, { hook: hook.name, point: hook.point });
    };
    Promise.resolve(pending).then(
      (value) => {
        let what: string;
        try {
          what = `answered ${describeHookResult(normalizeHookResult(value))}`;
        } catch {
          what = 'answered';
        }
        settled(what);
      },
      (error: unknown) => settled(`failed (${toLlmspellError(error, 'HOOK_ERROR').message})`),
    );
  }

  private finish(hook: RegisteredHook, context: HookContext, raw: unknown, ms: number, breaker: CircuitBreaker | undefined): HookResult | undefined {
    const stats = hook.stats;
    let result: HookResult;
    try {
      result = normalizeHookResult(raw, context);
    } catch (error) {
      return this.failed(hook, context.point, ms, error, breaker);
    }
    stats.calls += 1;
    stats.total_ms += ms;
    if (ms > stats.max_ms) stats.max_ms = ms;
    if (result.type !== 'continue') {
      stats.last_result = describeHookResult(result);
      if (result.type === 'cancel') this.cancelled(hook, context.point);
    }
    // A guard's check, or any `cancel`, is the hook doing its job: slow, but not failing. Were it
    // counted, large input could open the breaker and let the next call through unchecked.
    breaker?.recordSuccess(ms, hook.guard !== true && result.type !== 'cancel');
    if (ms > this.config.max_execution_time_ms) this.slow(hook, ms, context);
    return result;
  }

  /** A hook answered `cancel`: from now on it is a guard (unless it opted out), or the point ignores it. */
  private cancelled(hook: RegisteredHook, point: HookPoint): void {
    if (CANCEL_IGNORED.has(point)) {
      if (!this.ignoredCancels.has(hook)) {
        this.ignoredCancels.add(hook);
        this.logger.warn(`hook ${hook.name} returned cancel at ${point}, which does not stop anything there; ignored (cancel at BeforeWorkflowStage instead)`, { hook: hook.name, point });
      }
      return;
    }
    if (hook.guard === undefined) hook.guard = true;
  }

  private readonly ignoredCancels = new WeakSet<RegisteredHook>();

  private refusal(hook: RegisteredHook, point: HookPoint, why: string, cause?: unknown): LlmspellError {
    return new LlmspellError('HOOK_ERROR', `guard hook '${hook.name}' at ${point} could not check this operation: ${why}; refused rather than run unchecked`, {
      details: { hook: hook.name, hook_id: hook.id, point, reason: why },
      ...(cause === undefined ? {} : { cause }),
    });
  }

  /**
   * A hook ran longer than `max_execution_time_ms` (the reference only warned): logged, and
   * PerformanceThresholdExceeded fires without being awaited. Hooks at that point itself are
   * not reported, so a slow one cannot feed itself.
   */
  private slow(hook: RegisteredHook, ms: number, context: HookContext): void {
    this.logger.debug(`hook ${hook.name} at ${hook.point} took ${Math.round(ms)} ms`, { hook: hook.name, point: hook.point });
    const point: HookPoint = 'PerformanceThresholdExceeded';
    if (hook.point === point || !this.registry.hasHooks(point)) return;
    void this.execute(point, {
      point,
      component_id: { id: `hook:${hook.name}`, type: 'system', name: hook.name },
      data: { metric: 'hook_execution_time_ms', value: ms, threshold: this.config.max_execution_time_ms, hook: hook.name, hook_point: hook.point },
      metadata: {},
      correlation_id: context.correlation_id,
      language: 'native',
      timestamp: new Date().toISOString(),
    }).catch(() => undefined);
  }

  /**
   * A hook call failed: counted, logged and skipped (undefined) — or, for a guard at a Before
   * point, the operation is refused (throws HOOK_ERROR). An error that ends the whole run (its
   * time limit, a cancel, the memory limit) is passed on as it is.
   */
  private failed(hook: RegisteredHook, point: HookPoint, ms: number, error: unknown, breaker?: CircuitBreaker): undefined {
    if (endsRun(error)) throw error;
    const message = error instanceof HookTimeout ? error.message : toLlmspellError(error, 'HOOK_ERROR').message;
    hook.stats.calls += 1;
    hook.stats.failures += 1;
    hook.stats.total_ms += ms;
    if (ms > hook.stats.max_ms) hook.stats.max_ms = ms;
    hook.stats.last_error = message;
    breaker?.recordFailure(message);
    const closed = hook.guard === true && failsClosedAt(point);
    this.logger.warn(`hook ${hook.name} at ${point} failed; ${closed ? 'refusing the operation (the hook is a guard)' : 'continuing without it'}`, { hook: hook.name, point, error: message });
    this.emit('hook.failed', { hook: hook.name, hook_id: hook.id, point, error: message });
    if (closed) throw this.refusal(hook, point, `it failed (${message})`, error);
    return undefined;
  }

  private breakerOf(hook: RegisteredHook): CircuitBreaker {
    if (!hook.breaker) {
      hook.breaker = new CircuitBreaker({ ...this.config.breaker, ...hook.breakerConfig }, this.now, (state, reason) => {
        const level = state === 'open' ? 'warn' : 'info';
        this.logger[level](`hook ${hook.name} circuit breaker ${state}: ${reason}`, { hook: hook.name, point: hook.point });
        this.emit(`hook.circuit_${state === 'half_open' ? 'half_opened' : state === 'open' ? 'opened' : 'closed'}`, { hook: hook.name, hook_id: hook.id, point: hook.point, reason });
      });
    }
    return hook.breaker;
  }

  private emit(type: string, data: Record<string, unknown>): void {
    const ev = this.events;
    if (!ev || (ev.hasSubscribers && !ev.hasSubscribers(type))) return;
    try {
      ev.publish(type, data, { source: 'hooks' });
    } catch {
      // A full subscriber queue must not break hook execution.
    }
  }

  stats(): { points: Record<string, PointStats & { avg_ms: number }>; hooks: number } {
    const points: Record<string, PointStats & { avg_ms: number }> = {};
    for (const [p, s] of this.pointStats) points[p] = { ...s, avg_ms: s.executions ? s.total_ms / s.executions : 0 };
    return { points, hooks: this.registry.size };
  }
}

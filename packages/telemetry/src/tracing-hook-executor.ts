import { CONTINUE, isPromiseLike, type HookContext, type HookExecutor, type HookPoint, type HookResult, type SecurityPolicy } from '@llmspell/core';
import type { HookRegistry, RegisteredHook } from '@llmspell/hooks';
import { OPENING_POINTS, type ComponentSpans } from './component-spans.js';
import { safeText } from './content.js';
import type { LiveSpan, SpanRecorder } from './span-recorder.js';

/** Points whose firing tells telemetry about a component call (see ComponentSpans). */
const OBSERVED = new Set<HookPoint>([
  ...OPENING_POINTS.keys(),
  'AfterToolExecution', 'AfterAgentExecution', 'AfterWorkflowComplete', 'AfterWorkflowStage',
  'ToolError', 'AgentError', 'WorkflowError',
]);

export interface TracingHookExecutorOptions {
  recorder: SpanRecorder;
  components: ComponentSpans;
  policy: SecurityPolicy;
  /** The registry behind `inner`, to name the hooks a point ran. */
  registry?: Pick<HookRegistry, 'hooksFor'>;
  /** False once telemetry is closed: everything passes straight through. */
  active(): boolean;
}

/**
 * Stands in for the runtime's hook executor (core's HookExecutor contract): it sees every
 * component's before/after/error point, which gives each call's span, and wraps the hooks
 * that are registered at a point in a `hook <point>` span with one child per hook that ran.
 * Results are the inner executor's, unchanged.
 */
export class TracingHookExecutor implements HookExecutor {
  /** A call's span is made current inside the call (see ComponentSpans): each gets its own scope. */
  readonly scopesCalls = true;
  private readonly hookNames = new WeakMap<RegisteredHook, { raw: string; known: number; span: string; safe: string }>();

  constructor(private readonly inner: HookExecutor | undefined, private readonly o: TracingHookExecutorOptions) {}

  hasHooks(point: HookPoint): boolean {
    return (OBSERVED.has(point) && this.o.active()) || (this.inner?.hasHooks(point) ?? false);
  }

  execute(point: HookPoint, context: HookContext): Promise<HookResult> {
    return Promise.resolve(this.executeNow(point, context));
  }

  /** Observing a call is synchronous: only hooks registered behind it make the answer wait. */
  executeNow(point: HookPoint, context: HookContext): HookResult | Promise<HookResult> {
    const inner = this.inner;
    if (!this.o.active()) return inner ? (inner.executeNow ? inner.executeNow(point, context) : inner.execute(point, context)) : CONTINUE;
    let opened: LiveSpan | undefined;
    if (OBSERVED.has(point)) {
      try {
        opened = this.o.components.before(point, context);
      } catch {
        // Telemetry never fails the operation it watches.
      }
    }
    if (!inner || !inner.hasHooks(point)) {
      if (!opened && OBSERVED.has(point)) this.observeAfter(point, context);
      return CONTINUE;
    }
    return this.runHooks(inner, point, context, opened);
  }

  private observeAfter(point: HookPoint, context: HookContext): void {
    try {
      this.o.components.afterOrError(point, context);
    } catch {
      // as above
    }
  }

  private runHooks(inner: HookExecutor, point: HookPoint, context: HookContext, opened: LiveSpan | undefined): HookResult | Promise<HookResult> {
    const { recorder } = this.o;
    const hooks = this.o.registry?.hooksFor(point) ?? [];
    const before = hooks.map((h) => ({ hook: h, calls: h.stats.calls, failures: h.stats.failures, ms: h.stats.total_ms, last: h.stats.last_result }));
    const span = recorder.start('hook', `hook ${point}`, {
      'llmspell.hook.point': point,
      'llmspell.hook.count': hooks.length,
      'llmspell.hook.names': hooks.map((h) => safeText(h.name, this.o.policy)),
    }, opened ?? recorder.current());
    const end = (result: HookResult | undefined, failure: unknown) => {
      this.recordHookRuns(span, before);
      span.data.attributes['llmspell.hook.result'] = result?.type ?? 'error';
      recorder.end(span, failure ? { code: 'HOOK_ERROR', message: safeText(failure instanceof Error ? failure.message : failure, this.o.policy) } : undefined);
      if (!opened && OBSERVED.has(point)) this.observeAfter(point, context);
    };
    let result: HookResult | Promise<HookResult>;
    try {
      // hooks that all answer at once keep the call synchronous
      result = inner.executeNow ? inner.executeNow(point, context) : inner.execute(point, context);
    } catch (error) {
      end(undefined, error ?? new Error('hook failed'));
      throw error;
    }
    if (!isPromiseLike(result)) {
      end(result, undefined);
      return result;
    }
    return Promise.resolve(result).then(
      (settled) => (end(settled, undefined), settled),
      (error: unknown) => {
        end(undefined, error ?? new Error('hook failed'));
        throw error;
      },
    );
  }

  /** A hook's span name and masked name, made once per hook while the policy knows the same secrets. */
  private hookSpanName(hook: RegisteredHook): { span: string; safe: string } {
    const known = this.o.policy.secrets.size;
    const kept = this.hookNames.get(hook);
    if (kept && kept.known === known && kept.raw === hook.name) return kept;
    const made = { raw: hook.name, known, span: `hook ${hook.name}`, safe: safeText(hook.name, this.o.policy) };
    this.hookNames.set(hook, made);
    return made;
  }

  /**
   * One child span per hook that ran, from its statistics: hooks at a point run one after
   * the other, so each starts where the previous ended.
   */
  private recordHookRuns(span: LiveSpan, before: Array<{ hook: RegisteredHook; calls: number; failures: number; ms: number; last?: string }>): void {
    const { recorder } = this.o;
    let t = span.data.start;
    for (const b of before) {
      const s = b.hook.stats;
      if (s.calls === b.calls) continue;
      const ms = s.total_ms - b.ms;
      const failed = s.failures > b.failures;
      const hook = b.hook;
      const name = this.hookSpanName(hook);
      // Attributes in one literal (no property added after): the result unless it failed.
      // The registry notes only results other than `continue`.
      const child = recorder.start('hook', name.span, failed
        ? { 'llmspell.hook.name': name.safe, 'llmspell.hook.language': hook.language, 'llmspell.hook.priority': hook.priority }
        : {
          'llmspell.hook.name': name.safe, 'llmspell.hook.language': hook.language, 'llmspell.hook.priority': hook.priority,
          'llmspell.hook.result': s.last_result !== b.last && s.last_result ? safeText(s.last_result, this.o.policy) : 'continue',
        }, span);
      child.data.start = t;
      recorder.end(child, failed ? { code: 'HOOK_ERROR', message: safeText(s.last_error ?? 'hook failed', this.o.policy) } : undefined, t + ms);
      t += ms;
    }
  }
}

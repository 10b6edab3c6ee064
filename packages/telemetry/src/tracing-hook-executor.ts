import { CONTINUE, isPromiseLike, type ComponentCallTrace, type HookComponentId, type HookContext, type HookExecutor, type HookPoint, type HookResult, type SecurityPolicy } from '@llmspell/core';
import type { HookRegistry, RegisteredHook } from '@llmspell/hooks';
import { ComponentCall, type ComponentSpans } from './component-spans.js';
import { safeText, spanNameMemo } from './content.js';
import type { LiveSpan, SpanRecorder } from './span-recorder.js';

/**
 * Texts a hook span repeats on every call, made once: span names (`hook <point>`, `hook
 * <name>`) and, per list of hooks at a point (the registry replaces a frozen list on any
 * change), their masked names. The names are masked again whenever the policy learns a
 * secret; the recorder masks every text of a span when it ends in any case.
 */
const pointSpanName = spanNameMemo('hook ', 256);
const hookSpanNames = new WeakMap<RegisteredHook, string>();
const maskedNames = new WeakMap<readonly RegisteredHook[], { secrets: number; names: readonly string[] }>();

function hookSpanName(hook: RegisteredHook): string {
  let name = hookSpanNames.get(hook);
  if (name === undefined) hookSpanNames.set(hook, (name = `hook ${hook.name}`));
  return name;
}

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
 * Stands in for the runtime's hook executor (core's HookExecutor contract): it opens the span of
 * every component call (traceCall; executeComponent tells the span the call's course), and wraps
 * the hooks that are registered at a point in a `hook <point>` span with one child per hook
 * that ran. Results are the inner executor's, unchanged.
 */
export class TracingHookExecutor implements HookExecutor {
  /** A call's span is made current inside the call (see ComponentCall): each gets its own scope. */
  readonly scopesCalls = true;

  constructor(private readonly inner: HookExecutor | undefined, private readonly o: TracingHookExecutorOptions) {}

  hasHooks(point: HookPoint): boolean {
    return this.inner?.hasHooks(point) ?? false;
  }

  traceCall(point: HookPoint, component: HookComponentId, metadata: Readonly<Record<string, string>>, input: unknown): ComponentCallTrace | undefined {
    if (!this.o.active()) return this.inner?.traceCall?.(point, component, metadata, input);
    try {
      return this.o.components.open(point, component.name, metadata, input);
    } catch {
      // Telemetry never fails the operation it watches.
      return undefined;
    }
  }

  execute(point: HookPoint, context: HookContext): Promise<HookResult> {
    return Promise.resolve(this.executeNow(point, context));
  }

  /** Tracing a point is synchronous: only the hooks registered behind it make the answer wait. */
  executeNow(point: HookPoint, context: HookContext, call?: ComponentCallTrace): HookResult | Promise<HookResult> {
    const inner = this.inner;
    if (!this.o.active()) return inner ? (inner.executeNow ? inner.executeNow(point, context, call) : inner.execute(point, context)) : CONTINUE;
    if (!inner || !inner.hasHooks(point)) return CONTINUE;
    // A call's Before hooks run before its span is current: they nest under it all the same.
    return this.runHooks(inner, point, context, call instanceof ComponentCall ? call : undefined);
  }

  private runHooks(inner: HookExecutor, point: HookPoint, context: HookContext, call: ComponentCall | undefined): HookResult | Promise<HookResult> {
    const { recorder } = this.o;
    const hooks = this.o.registry?.hooksFor(point) ?? [];
    // each hook's statistics before the point ran, four entries a hook (no object per hook)
    const before: Array<number | string | undefined> = new Array(hooks.length * 4);
    for (let i = 0; i < hooks.length; i++) {
      const s = hooks[i].stats;
      before[i * 4] = s.calls;
      before[i * 4 + 1] = s.failures;
      before[i * 4 + 2] = s.total_ms;
      before[i * 4 + 3] = s.last_result;
    }
    const span = recorder.start('hook', pointSpanName(point), {
      'llmspell.hook.point': point,
      'llmspell.hook.count': hooks.length,
      // a copy per span: the span's attributes are its own
      'llmspell.hook.names': this.maskedNames(hooks).slice(),
    }, call && !call.span.ended ? call.span : recorder.current());
    const end = (result: HookResult | undefined, failure: unknown) => {
      this.recordHookRuns(span, hooks, before);
      span.data.attributes['llmspell.hook.result'] = result?.type ?? 'error';
      recorder.end(span, failure ? { code: 'HOOK_ERROR', message: safeText(failure instanceof Error ? failure.message : failure, this.o.policy) } : undefined);
    };
    let result: HookResult | Promise<HookResult>;
    try {
      // hooks that all answer at once keep the call synchronous
      result = inner.executeNow ? inner.executeNow(point, context, call) : inner.execute(point, context);
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

  /** The masked names of the hooks at a point, remade when the list or the known secrets change. */
  private maskedNames(hooks: readonly RegisteredHook[]): readonly string[] {
    const secrets = this.o.policy.secrets.size;
    const kept = maskedNames.get(hooks);
    if (kept && kept.secrets === secrets) return kept.names;
    const names = hooks.map((h) => safeText(h.name, this.o.policy));
    maskedNames.set(hooks, { secrets, names });
    return names;
  }

  /**
   * One child span per hook that ran, from its statistics: hooks at a point run one after
   * the other, so each starts where the previous ended.
   */
  private recordHookRuns(span: LiveSpan, hooks: readonly RegisteredHook[], before: ReadonlyArray<number | string | undefined>): void {
    const { recorder } = this.o;
    // past the run's max_spans, with no exporter, the children are only counted
    const seen = recorder.wouldSee(span.run);
    let t = span.data.start;
    for (let i = 0; i < hooks.length; i++) {
      const hook = hooks[i];
      const s = hook.stats;
      if (s.calls === before[i * 4]) continue;
      if (!seen) {
        recorder.countUnseen(span.run, 'hook');
        continue;
      }
      const ms = s.total_ms - (before[i * 4 + 2] as number);
      const child = recorder.start('hook', hookSpanName(hook), {
        'llmspell.hook.name': safeText(hook.name, this.o.policy),
        'llmspell.hook.language': hook.language,
        'llmspell.hook.priority': hook.priority,
      }, span);
      child.data.start = t;
      const failed = s.failures > (before[i * 4 + 1] as number);
      // The registry notes only results other than `continue`.
      if (!failed) child.data.attributes['llmspell.hook.result'] = s.last_result !== before[i * 4 + 3] && s.last_result ? safeText(s.last_result, this.o.policy) : 'continue';
      recorder.end(child, failed ? { code: 'HOOK_ERROR', message: safeText(s.last_error ?? 'hook failed', this.o.policy) } : undefined, t + ms);
      t += ms;
    }
  }
}

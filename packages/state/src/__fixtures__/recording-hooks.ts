import type { EventSink, HookContext, HookExecutor, HookPoint, HookResult, PublishOptions } from '@llmspell/core';

/**
 * A small real HookExecutor over the core contract: runs the registered handlers of a point
 * in order, stops at the first non-continue result. Enough to drive the manager's hooks
 * without depending on @llmspell/hooks.
 */
export class ListHookExecutor implements HookExecutor {
  readonly seen: HookContext[] = [];
  private readonly handlers = new Map<HookPoint, Array<(ctx: HookContext) => HookResult | Promise<HookResult>>>();

  on(point: HookPoint, handler: (ctx: HookContext) => HookResult | Promise<HookResult>): this {
    this.handlers.set(point, [...(this.handlers.get(point) ?? []), handler]);
    return this;
  }

  hasHooks(point: HookPoint): boolean {
    return (this.handlers.get(point)?.length ?? 0) > 0;
  }

  async execute(point: HookPoint, context: HookContext): Promise<HookResult> {
    this.seen.push(structuredClone(context));
    for (const h of this.handlers.get(point) ?? []) {
      const r = await h(context);
      if (r.type !== 'continue') return r;
    }
    return { type: 'continue' };
  }
}

export class ListEventSink implements EventSink {
  readonly events: Array<{ type: string; data: unknown; options?: PublishOptions }> = [];
  publish(type: string, data: unknown, options?: PublishOptions): void {
    this.events.push({ type, data: structuredClone(data), options });
  }
}

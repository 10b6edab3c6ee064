import type { HookContext, HookPoint, HookResult } from '@llmspell/core';
import { cfgBool, cfgNumber, cfgPoints, cfgString, publishSafe, type BuiltinFactory } from './builtin-hook.js';

const STRATEGIES = ['global', 'per_component', 'per_user', 'per_key'] as const;
const ACTIONS = ['cancel', 'delay'] as const;

interface Bucket {
  tokens: number;
  last: number;
  warned: boolean;
}

/**
 * Token-bucket rate limiting before tools, agents and workflows (CODE RateLimitHook; DOC
 * RateLimiter). Defaults: 100 tokens + burst 50, refilled 10 per second, one bucket for
 * everything. `max_requests_per_minute` sets capacity and refill from one number. When a
 * bucket is empty the operation is cancelled, or with `action = "delay"` it waits for a token.
 */
export const createRateLimitHook: BuiltinFactory = (cfg, deps) => {
  const name = 'rate_limit';
  const now = deps.now ?? Date.now;
  const perMinute = cfgNumber(cfg, name, ['max_requests_per_minute'], 0, 0);
  const capacity = perMinute > 0 ? perMinute : cfgNumber(cfg, name, ['capacity', 'max_tokens'], 100, 1);
  const burst = perMinute > 0 ? cfgNumber(cfg, name, ['burst'], 0, 0) : cfgNumber(cfg, name, ['burst', 'burst_size'], 50, 0);
  const refillTokens = perMinute > 0 ? perMinute : cfgNumber(cfg, name, ['refill_tokens', 'refill_rate'], 10, 0);
  const refillMs = perMinute > 0 ? 60_000 : cfgNumber(cfg, name, ['refill_interval_ms'], 1000, 1);
  const byComponent = cfgBool(cfg, name, ['by_component'], false);
  const strategy = byComponent ? 'per_component' : cfgString(cfg, name, ['strategy'], STRATEGIES, 'global');
  const action = cfgString(cfg, name, ['action', 'action_on_limit'], ACTIONS, 'cancel');
  const maxDelay = cfgNumber(cfg, name, ['max_delay_ms'], 30_000, 0);
  const warnAt = cfgNumber(cfg, name, ['warning_threshold'], 0.8, 0);
  const points = cfgPoints(cfg, name, ['BeforeToolExecution', 'BeforeAgentExecution', 'BeforeWorkflowStart'], ['BeforeToolExecution', 'BeforeAgentExecution', 'BeforeWorkflowStart', 'BeforeWorkflowStage', 'BeforeStateWrite', 'BeforeStateRead']);
  const max = capacity + burst;
  const buckets = new Map<string, Bucket>();
  let allowed = 0;
  let limited = 0;
  let delayed = 0;

  const keyOf = (ctx: HookContext): string => {
    switch (strategy) {
      case 'per_component': return ctx.component_id.id;
      case 'per_user': return ctx.metadata.user ?? ctx.metadata.user_id ?? 'anonymous';
      case 'per_key': return ctx.metadata.rate_limit_key ?? ctx.metadata.key ?? 'default';
      default: return 'global';
    }
  };
  const refill = (b: Bucket) => {
    const t = now();
    if (refillTokens > 0) b.tokens = Math.min(max, b.tokens + ((t - b.last) / refillMs) * refillTokens);
    b.last = t;
  };
  const waitMs = (b: Bucket) => (refillTokens > 0 ? Math.ceil(((1 - b.tokens) / refillTokens) * refillMs) : Infinity);

  const handler = async (ctx: HookContext): Promise<HookResult | undefined> => {
    const key = keyOf(ctx);
    let b = buckets.get(key);
    if (!b) buckets.set(key, (b = { tokens: max, last: now(), warned: false }));
    refill(b);
    if (b.tokens < 1 && action === 'delay' && waitMs(b) <= maxDelay) {
      delayed += 1;
      // Timers may fire a little early and refills are fractional: wait until a whole token
      // is there, within the delay budget.
      const started = now();
      while (b.tokens < 1 && now() - started <= maxDelay) {
        await new Promise((r) => setTimeout(r, Math.max(1, waitMs(b))));
        refill(b);
      }
    }
    if (b.tokens < 1) {
      limited += 1;
      const retryIn = waitMs(b);
      const info = { key, strategy, limit: max, retry_after_ms: retryIn, component: ctx.component_id.id };
      deps.logger.warn(`[rate limit] ${ctx.component_id.id} limited (${key})`, info);
      publishSafe(deps.events, 'rate_limit.exceeded', info, ctx);
      if (deps.fire) await deps.fire('ResourceLimitExceeded', { resource: 'rate_limit', ...info }, ctx).catch(() => undefined);
      return { type: 'cancel', reason: `RATE_LIMITED: rate limit exceeded for ${key}; retry in ${retryIn} ms` };
    }
    b.tokens -= 1;
    allowed += 1;
    const used = 1 - b.tokens / max;
    if (!b.warned && used >= warnAt) {
      b.warned = true;
      deps.logger.warn(`[rate limit] ${Math.round(used * 100)}% of the limit used (${key})`);
      publishSafe(deps.events, 'rate_limit.warning', { key, used_fraction: used }, ctx);
    } else if (b.warned && used < warnAt / 2) b.warned = false;
    return undefined;
  };
  return {
    name,
    description: 'Token-bucket rate limiting of tool, agent and workflow runs.',
    priority: 'highest',
    registrations: points.map((point: HookPoint) => ({ point, handler, guard: true })),
    stats: () => {
      const remaining: Record<string, number> = {};
      for (const [k, b] of buckets) {
        refill(b);
        remaining[k] = Math.floor(b.tokens);
      }
      return { allowed, limited, delayed, limit: max, strategy, remaining };
    },
    reset: () => {
      buckets.clear();
      allowed = limited = delayed = 0;
    },
  };
};

import type { HookContext, HookResult } from '@llmspell/core';
import { cfgBool, cfgNumber, publishSafe, type BuiltinFactory } from './builtin-hook.js';

/** USD per 1K tokens (CODE CostTrackingHook defaults); `pricing`/`model_costs` add or override. */
export const DEFAULT_PRICING_PER_1K: Record<string, { input: number; output: number }> = {
  'gpt-4': { input: 0.03, output: 0.06 },
  'gpt-3.5-turbo': { input: 0.0005, output: 0.0015 },
  'claude-3-opus': { input: 0.015, output: 0.075 },
  'claude-3-sonnet': { input: 0.003, output: 0.015 },
};

interface Usage {
  input: number;
  output: number;
  cost?: number;
  model?: string;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Record<string, unknown> : undefined;
}

/** Token usage from an agent output in the shapes the reference's CODE and DOC use. */
export function extractUsage(output: unknown, ctx: HookContext): Usage | undefined {
  const o = obj(output);
  if (!o) return undefined;
  const meta = obj(o.metadata) ?? {};
  const u = obj(o.usage) ?? obj(meta.usage) ?? meta;
  const input = num(u.input_tokens) ?? num(u.prompt_tokens) ?? num(u.inputTokens) ?? num(u.promptTokens);
  const outputTokens = num(u.output_tokens) ?? num(u.completion_tokens) ?? num(u.outputTokens) ?? num(u.completionTokens);
  const cost = num(o.cost_usd) ?? num(meta.cost_usd) ?? num(u.cost_usd) ?? num(obj(o.cost)?.total_usd);
  if (input === undefined && outputTokens === undefined && cost === undefined) return undefined;
  const model = [o.model, meta.model, u.model, ctx.metadata.model].find((m) => typeof m === 'string') as string | undefined;
  return { input: input ?? 0, output: outputTokens ?? 0, cost, model };
}

/**
 * Adds up agent token usage and cost (CODE CostTrackingHook; DOC CostTracker). A cost the
 * agent reports (`cost_usd`) is used as is; otherwise it is priced per 1K tokens from the
 * table (longest model-name prefix wins; unknown models cost 0 and are counted). Alerts at
 * $10 (info), $50 (warning), $100 (critical) publish `cost.threshold.warning` /
 * `cost.threshold.exceeded`; past `budget_limit` (default the critical level) new agent runs
 * are cancelled while `block_on_exceed` is on. Totals run from when the hook was enabled.
 */
export const createCostTrackingHook: BuiltinFactory = (cfg, deps) => {
  const name = 'cost_tracking';
  const pricing: Record<string, { input: number; output: number }> = { ...DEFAULT_PRICING_PER_1K };
  const extra = obj(cfg.pricing) ?? obj(cfg.model_costs) ?? {};
  for (const [model, p] of Object.entries(extra)) {
    const pp = obj(p);
    const i = num(pp?.input) ?? num(pp?.input_per_1k);
    const out = num(pp?.output) ?? num(pp?.output_per_1k);
    if (i !== undefined && out !== undefined) pricing[model.toLowerCase()] = { input: i, output: out };
  }
  const info = cfgNumber(cfg, name, ['info_threshold', 'alert_threshold'], 10, 0);
  const warning = cfgNumber(cfg, name, ['warning_threshold'], 50, 0);
  const critical = cfgNumber(cfg, name, ['critical_threshold'], 100, 0);
  const budget = cfgNumber(cfg, name, ['budget_limit', 'daily_limit'], critical, 0);
  const block = cfgBool(cfg, name, ['block_on_exceed'], true);
  let total = 0;
  let inputTokens = 0;
  let outputTokens = 0;
  let unpriced = 0;
  let blocked = 0;
  const byComponent: Record<string, number> = {};
  const byModel: Record<string, number> = {};
  const crossed = new Set<string>();

  const priceOf = (model: string | undefined) => {
    if (!model) return undefined;
    const m = model.toLowerCase();
    const bare = m.includes('/') ? m.slice(m.indexOf('/') + 1) : m;
    let best: string | undefined;
    for (const k of Object.keys(pricing)) {
      if ((m.startsWith(k) || bare.startsWith(k)) && (!best || k.length > best.length)) best = k;
    }
    return best ? pricing[best] : undefined;
  };

  const after = (ctx: HookContext) => {
    const usage = extractUsage(ctx.data.output, ctx);
    if (!usage) return undefined;
    let cost = usage.cost;
    if (cost === undefined) {
      const p = priceOf(usage.model);
      if (p) cost = (usage.input / 1000) * p.input + (usage.output / 1000) * p.output;
      else {
        unpriced += 1;
        cost = 0;
      }
    }
    total += cost;
    inputTokens += usage.input;
    outputTokens += usage.output;
    byComponent[ctx.component_id.name] = (byComponent[ctx.component_id.name] ?? 0) + cost;
    const model = usage.model ?? 'unknown';
    byModel[model] = (byModel[model] ?? 0) + cost;
    for (const [level, at] of [['info', info], ['warning', warning], ['critical', critical]] as const) {
      if (at > 0 && total >= at && !crossed.has(level)) {
        crossed.add(level);
        const data = { level, threshold_usd: at, total_usd: total };
        const log = level === 'info' ? deps.logger.info : deps.logger.warn;
        log.call(deps.logger, `[cost] total $${total.toFixed(4)} passed the ${level} threshold $${at}`);
        publishSafe(deps.events, level === 'critical' ? 'cost.threshold.exceeded' : 'cost.threshold.warning', data, ctx);
      }
    }
    return undefined;
  };
  const before = (ctx: HookContext): HookResult | undefined => {
    if (!block || !(budget > 0) || total < budget) return undefined;
    blocked += 1;
    publishSafe(deps.events, 'cost.budget.exceeded', { total_usd: total, budget_usd: budget, component: ctx.component_id.id }, ctx);
    return { type: 'cancel', reason: `BUDGET_EXCEEDED: cost so far $${total.toFixed(4)} reached the budget of $${budget}` };
  };
  return {
    name,
    description: 'Tracks agent token usage and cost; alerts at thresholds and can stop runs past a budget.',
    priority: 'low',
    registrations: [{ point: 'AfterAgentExecution', handler: after }, { point: 'BeforeAgentExecution', handler: before, guard: block }],
    stats: () => ({
      total_cost_usd: total, input_tokens: inputTokens, output_tokens: outputTokens, unpriced_calls: unpriced, blocked,
      by_component: { ...byComponent }, by_model: { ...byModel }, budget_usd: budget, currency: 'USD',
    }),
    reset: () => {
      total = inputTokens = outputTokens = unpriced = blocked = 0;
      crossed.clear();
      for (const k of Object.keys(byComponent)) delete byComponent[k];
      for (const k of Object.keys(byModel)) delete byModel[k];
    },
  };
};

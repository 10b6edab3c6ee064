import { LlmspellError, z } from '@llmspell/core';
import { DEFAULT_BREAKER_CONFIG } from './circuit-breaker.js';
import { DEFAULT_EVENT_BUS_CONFIG, type EventBusConfig } from './events/event-bus.js';
import { OverflowStrategies } from './events/subscription.js';
import { DEFAULT_EXECUTOR_CONFIG, type HookExecutorConfig } from './hook-executor.js';
import { DEFAULT_MONITOR_CONFIG, type ResourceMonitorConfig } from './resource-monitor.js';

const nonNeg = z.number().nonnegative();
const posInt = z.number().int().positive();

const BreakerSchema = z.looseObject({
  enabled: z.boolean().optional(),
  failure_threshold: posInt.optional(),
  success_threshold: posInt.optional(),
  open_duration_ms: nonNeg.optional(),
  open_duration_seconds: nonNeg.optional(),
  slow_call_threshold: posInt.optional(),
  slow_call_duration_ms: nonNeg.optional(),
});

export const HooksConfigSchema = z.looseObject({
  enabled: z.boolean().default(true),
  timeout_ms: nonNeg.optional(),
  max_execution_time_ms: nonNeg.optional(),
  circuit_breaker: z.union([z.boolean(), BreakerSchema]).optional(),
  /** `[hooks.builtin.<name>]` tables; a table enables the hook unless it says `enabled = false`. */
  builtin: z.record(z.string(), z.union([z.boolean(), z.record(z.string(), z.unknown())])).default({}),
  /** Process sampling for MemoryUsageHigh / CpuUsageHigh. */
  monitor: z.looseObject({
    interval_ms: nonNeg.optional(),
    memory_threshold: z.number().positive().optional(),
    cpu_threshold: z.number().positive().optional(),
  }).optional(),
});

export const EventsConfigSchema = z.looseObject({
  enabled: z.boolean().default(true),
  max_queue_size: posInt.optional(),
  backpressure: z.enum(OverflowStrategies).optional(),
  block_timeout_ms: nonNeg.optional(),
  max_subscriptions: posInt.optional(),
  rate_limit_per_second: nonNeg.optional(),
  rate_limit_burst: nonNeg.optional(),
  persistence: z.looseObject({
    enabled: z.boolean().optional(),
    patterns: z.array(z.string().min(1)).optional(),
    max_events: posInt.optional(),
    ttl_seconds: nonNeg.optional(),
    scope: z.string().min(1).optional(),
  }).optional(),
});

export interface HooksSettings {
  enabled: boolean;
  executor: HookExecutorConfig;
  monitor: ResourceMonitorConfig;
  builtin: Record<string, Record<string, unknown>>;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, section: string): T {
  const r = schema.safeParse(value ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new LlmspellError('CONFIG_INVALID', `[${section}] ${issue.path.join('.')}: ${issue.message}`);
  }
  return r.data;
}

/** `[hooks]` of llmspell.toml → executor settings and the built-ins to enable. */
export function hooksSettingsFromConfig(section: unknown): HooksSettings {
  const c = parse(HooksConfigSchema, section, 'hooks');
  const cb = c.circuit_breaker;
  const b = typeof cb === 'object' ? cb : {};
  const executor: HookExecutorConfig = {
    circuit_breaker: typeof cb === 'boolean' ? cb : b.enabled ?? true,
    timeout_ms: c.timeout_ms ?? DEFAULT_EXECUTOR_CONFIG.timeout_ms,
    max_execution_time_ms: c.max_execution_time_ms ?? DEFAULT_EXECUTOR_CONFIG.max_execution_time_ms,
    breaker: {
      failure_threshold: b.failure_threshold ?? DEFAULT_BREAKER_CONFIG.failure_threshold,
      success_threshold: b.success_threshold ?? DEFAULT_BREAKER_CONFIG.success_threshold,
      open_duration_ms: b.open_duration_ms ?? (b.open_duration_seconds !== undefined ? b.open_duration_seconds * 1000 : DEFAULT_BREAKER_CONFIG.open_duration_ms),
      slow_call_threshold: b.slow_call_threshold ?? DEFAULT_BREAKER_CONFIG.slow_call_threshold,
      slow_call_duration_ms: b.slow_call_duration_ms ?? DEFAULT_BREAKER_CONFIG.slow_call_duration_ms,
    },
  };
  const builtin: Record<string, Record<string, unknown>> = {};
  for (const [name, v] of Object.entries(c.builtin)) {
    if (v === false) continue;
    const cfg = v === true ? {} : { ...v };
    if (cfg.enabled === false) continue;
    delete cfg.enabled;
    builtin[name] = cfg;
  }
  const monitor: ResourceMonitorConfig = { ...DEFAULT_MONITOR_CONFIG, ...c.monitor };
  return { enabled: c.enabled, executor, builtin, monitor };
}

/** `[events]` of llmspell.toml → bus settings. */
export function eventBusConfigFromConfig(section: unknown): EventBusConfig & { enabled: boolean } {
  const c = parse(EventsConfigSchema, section, 'events');
  const d = DEFAULT_EVENT_BUS_CONFIG;
  return {
    enabled: c.enabled,
    max_queue_size: c.max_queue_size ?? d.max_queue_size,
    backpressure: c.backpressure ?? d.backpressure,
    block_timeout_ms: c.block_timeout_ms ?? d.block_timeout_ms,
    max_subscriptions: c.max_subscriptions ?? d.max_subscriptions,
    rate_limit_per_second: c.rate_limit_per_second ?? d.rate_limit_per_second,
    rate_limit_burst: c.rate_limit_burst ?? d.rate_limit_burst,
    persistence: {
      enabled: c.persistence?.enabled ?? d.persistence.enabled,
      patterns: c.persistence?.patterns ?? d.persistence.patterns,
      max_events: c.persistence?.max_events ?? d.persistence.max_events,
      ttl_seconds: c.persistence?.ttl_seconds ?? d.persistence.ttl_seconds,
      scope: c.persistence?.scope ?? d.persistence.scope,
    },
  };
}

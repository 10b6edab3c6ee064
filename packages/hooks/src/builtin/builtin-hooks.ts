import { LlmspellError, ownEntry, type HookContext, type HookPoint, type HookResult } from '@llmspell/core';
import type { HookExecutor } from '../hook-executor.js';
import type { HookRegistry } from '../hook-registry.js';
import type { BuiltinDeps, BuiltinFactory, BuiltinHook } from './builtin-hook.js';
import { createCachingHook } from './caching-hook.js';
import { createCostTrackingHook } from './cost-tracking-hook.js';
import { createDebuggingHook } from './debugging-hook.js';
import { createLoggingHook } from './logging-hook.js';
import { createMetricsHook } from './metrics-hook.js';
import { createRateLimitHook } from './rate-limit-hook.js';
import { createRetryHook } from './retry-hook.js';
import { createSecurityHook } from './security-hook.js';

export const BUILTIN_FACTORIES: Readonly<Record<string, BuiltinFactory>> = {
  logging: createLoggingHook,
  metrics: createMetricsHook,
  debugging: createDebuggingHook,
  security: createSecurityHook,
  caching: createCachingHook,
  rate_limit: createRateLimitHook,
  retry: createRetryHook,
  cost_tracking: createCostTrackingHook,
};

/** The reference's CODE struct names and DOC names, mapped to ours where they do the same job. */
const ALIASES: Record<string, string> = {
  logginghook: 'logging', auditlogger: 'logging', logger: 'logging',
  metricshook: 'metrics', metricscollector: 'metrics', performancemonitor: 'metrics',
  debugginghook: 'debugging', debuglogger: 'debugging', debug: 'debugging',
  securityhook: 'security', securityvalidator: 'security',
  cachinghook: 'caching', cachingoptimizer: 'caching', cache: 'caching',
  ratelimit: 'rate_limit', ratelimithook: 'rate_limit', ratelimiter: 'rate_limit',
  retryhook: 'retry', retryhandler: 'retry',
  costtracking: 'cost_tracking', costtrackinghook: 'cost_tracking', costtracker: 'cost_tracking',
};

/** Our name for a built-in hook named any accepted way (`CostTracker`, `cost_tracking`…). */
export function builtinHookName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new LlmspellError('INVALID_ARGUMENT', 'built-in hook name must be a non-empty string');
  const key = name.trim().toLowerCase();
  if (ownEntry(BUILTIN_FACTORIES, key)) return key;
  const squashed = key.replace(/[^a-z0-9]/g, '');
  const found = ownEntry(ALIASES, squashed) ?? Object.keys(BUILTIN_FACTORIES).find((k) => k.replace(/_/g, '') === squashed);
  if (!found) {
    throw new LlmspellError('UNSUPPORTED', `unknown built-in hook '${name}'; available: ${Object.keys(BUILTIN_FACTORIES).join(', ')}`, { details: { name } });
  }
  return found;
}

export interface BuiltinInfo {
  name: string;
  enabled: boolean;
  description?: string;
  priority?: number | string;
  points?: HookPoint[];
}

/** Enables and disables the built-in hooks of one registry. */
export interface EnableOptions {
  /**
   * Who enables it: a script run's owner tag. Without one it is the host's (llmspell.toml, the
   * Node program): a script may not disable or re-configure it (see `enabledBy`).
   */
  by?: string;
}

export class BuiltinHooks {
  private readonly enabled = new Map<string, { hook: BuiltinHook; ids: string[]; config: Record<string, unknown>; by?: string }>();

  constructor(private readonly registry: HookRegistry, private readonly deps: BuiltinDeps, executor?: HookExecutor) {
    if (!deps.fire && executor) {
      this.deps = {
        ...deps,
        fire: (point: HookPoint, data: Record<string, unknown>, from: HookContext): Promise<HookResult> => {
          if (!executor.hasHooks(point)) return Promise.resolve({ type: 'continue' });
          return executor.execute(point, {
            point,
            component_id: from.component_id,
            data,
            metadata: { ...from.metadata, fired_by: from.metadata.fired_by ?? 'builtin' },
            correlation_id: from.correlation_id,
            language: from.language,
            timestamp: new Date().toISOString(),
          });
        },
      };
    }
  }

  /** Enables (or re-enables with a new config) a built-in hook; returns its name. */
  enable(name: string, config: Record<string, unknown> = {}, options: EnableOptions = {}): string {
    const key = builtinHookName(name);
    if (typeof config !== 'object' || config === null || Array.isArray(config)) {
      throw new LlmspellError('INVALID_ARGUMENT', `config of built-in hook '${key}' must be a table/object`);
    }
    if (this.enabled.has(key)) this.disable(key);
    const deps: BuiltinDeps = this.deps.fire
      ? { ...this.deps, fire: (p, d, from) => this.deps.fire!(p, d, { ...from, metadata: { ...from.metadata, fired_by: key } }) }
      : this.deps;
    const hook = BUILTIN_FACTORIES[key](config, deps);
    const ids: string[] = [];
    try {
      for (const [i, r] of hook.registrations.entries()) {
        ids.push(this.registry.register({
          point: r.point,
          handler: r.handler,
          name: `builtin:${key}${hook.registrations.filter((x) => x.point === r.point).length > 1 ? `#${i}` : ''}`,
          priority: config.priority as number | string | undefined ?? r.priority ?? hook.priority,
          language: 'native',
          description: hook.description,
          tags: ['builtin', key],
          owner: `builtin:${key}`,
          guard: r.guard ?? hook.guard,
        }).id);
      }
    } catch (error) {
      for (const id of ids) this.registry.unregister(id);
      throw error;
    }
    this.enabled.set(key, { hook, ids, config, ...(options.by === undefined ? {} : { by: options.by }) });
    return key;
  }

  /**
   * Who enabled a built-in: a script owner tag, `host` (config or Node code), or undefined when
   * it is not enabled.
   */
  enabledBy(name: string): string | undefined {
    const entry = this.enabled.get(builtinHookName(name));
    return entry ? entry.by ?? 'host' : undefined;
  }

  /** The enabled built-ins the host (config, Node code) enabled. */
  hostEnabled(): string[] {
    return [...this.enabled].filter(([, e]) => e.by === undefined).map(([k]) => k);
  }

  disable(name: string): boolean {
    const key = builtinHookName(name);
    const entry = this.enabled.get(key);
    if (!entry) return false;
    for (const id of entry.ids) this.registry.unregister(id);
    this.enabled.delete(key);
    return true;
  }

  disableAll(): number {
    const n = this.enabled.size;
    for (const key of [...this.enabled.keys()]) this.disable(key);
    return n;
  }

  isEnabled(name: string): boolean {
    return this.enabled.has(builtinHookName(name));
  }

  get(name: string): BuiltinHook | undefined {
    return this.enabled.get(builtinHookName(name))?.hook;
  }

  stats(name: string): Record<string, unknown> | undefined {
    return this.get(name)?.stats();
  }

  list(): BuiltinInfo[] {
    return Object.keys(BUILTIN_FACTORIES).map((name) => {
      const e = this.enabled.get(name);
      return e
        ? { name, enabled: true, description: e.hook.description, priority: e.hook.priority, points: [...new Set(e.hook.registrations.map((r) => r.point))] }
        : { name, enabled: false };
    });
  }
}

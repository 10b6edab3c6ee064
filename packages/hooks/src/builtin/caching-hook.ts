import { stableJson, type HookContext, type HookPoint, type HookResult } from '@llmspell/core';
import { compileEventPattern } from '../events/event-pattern.js';
import { cfgBool, cfgNumber, cfgStrings, type BuiltinFactory } from './builtin-hook.js';

/**
 * Serves repeated operations from memory (CODE CachingHook; DOC CachingOptimizer). Before a
 * tool (or, with `cache_agents`, an agent) runs, an entry for the same component and input
 * replaces the run; after a successful run that took at least `min_duration_ms`, the output
 * is stored. LRU with `max_entries`, TTL `ttl_seconds` (per component via `ttl_by_component`).
 * Failed outputs (`success = false`) are never cached.
 */
export const createCachingHook: BuiltinFactory = (cfg) => {
  const name = 'caching';
  const maxEntries = cfgNumber(cfg, name, ['max_entries', 'max_cache_entries'], 1000, 1);
  const ttlSeconds = cfgNumber(cfg, name, ['ttl_seconds', 'default_ttl', 'ttl'], 300, 0);
  const minDuration = cfgNumber(cfg, name, ['min_duration_ms', 'min_execution_time_ms'], 10, 0);
  const cacheTools = cfgBool(cfg, name, ['cache_tools'], true);
  const cacheAgents = cfgBool(cfg, name, ['cache_agents'], false);
  const include = cfgStrings(cfg, name, ['include', 'components'], ['*']).map(compileEventPattern);
  const exclude = cfgStrings(cfg, name, ['exclude'], []).map(compileEventPattern);
  const ttlBy = (typeof cfg.ttl_by_component === 'object' && cfg.ttl_by_component !== null ? cfg.ttl_by_component : {}) as Record<string, unknown>;
  const cache = new Map<string, { value: unknown; expires: number }>();
  let hits = 0;
  let misses = 0;
  let stores = 0;
  let evictions = 0;

  const applies = (ctx: HookContext) => {
    const n = ctx.component_id.name;
    return include.some((m) => m(n)) && !exclude.some((m) => m(n));
  };
  const keyOf = (ctx: HookContext) => `${ctx.component_id.id}:${stableJson(ctx.data.input ?? null)}`;

  const before = (ctx: HookContext): HookResult | undefined => {
    if (!applies(ctx)) return undefined;
    const key = keyOf(ctx);
    const hit = cache.get(key);
    if (hit && hit.expires > Date.now()) {
      hits += 1;
      cache.delete(key);
      cache.set(key, hit);
      return { type: 'replace', data: hit.value };
    }
    if (hit) cache.delete(key);
    misses += 1;
    return undefined;
  };
  const after = (ctx: HookContext) => {
    if (!applies(ctx)) return undefined;
    const ms = ctx.data.duration_ms;
    if (typeof ms === 'number' && ms < minDuration) return undefined;
    const out = ctx.data.output as { success?: unknown } | undefined;
    if (out && typeof out === 'object' && out.success === false) return undefined;
    const t = ttlBy[ctx.component_id.name];
    const ttl = typeof t === 'number' && t >= 0 ? t : ttlSeconds;
    if (ttl <= 0) return undefined;
    const key = keyOf(ctx);
    cache.delete(key);
    if (cache.size >= maxEntries) {
      cache.delete(cache.keys().next().value as string);
      evictions += 1;
    }
    cache.set(key, { value: ctx.data.output, expires: Date.now() + ttl * 1000 });
    stores += 1;
    return undefined;
  };
  const regs: Array<{ point: HookPoint; handler: (ctx: HookContext) => unknown }> = [];
  if (cacheTools) regs.push({ point: 'BeforeToolExecution', handler: before }, { point: 'AfterToolExecution', handler: after });
  if (cacheAgents) regs.push({ point: 'BeforeAgentExecution', handler: before }, { point: 'AfterAgentExecution', handler: after });
  return {
    name,
    description: 'Serves repeated tool (and optionally agent) calls with the same input from an LRU cache.',
    priority: 'high',
    registrations: regs,
    stats: () => ({ entries: cache.size, hits, misses, stores, evictions, hit_rate: hits + misses ? hits / (hits + misses) : 0 }),
    reset: () => {
      cache.clear();
      hits = misses = stores = evictions = 0;
    },
  };
};

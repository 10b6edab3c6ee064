import { LlmspellError, type HookContext, type HookPoint } from '@llmspell/core';
import type { BreakerConfig, BreakerSnapshot, CircuitBreaker } from './circuit-breaker.js';
import { parseHookPoint } from './hook-points.js';
import { parsePriority, priorityName } from './priority.js';

/** A hook: gets the context, returns a HookResult in any accepted spelling (or nothing). */
export type HookHandler = (ctx: HookContext) => unknown;

export interface HookRegistration {
  point: HookPoint | string;
  handler: HookHandler;
  /** Unique per point; default `<language>_hook_<n>`. */
  name?: string;
  /** A name (highest…lowest) or a number; lower runs first. Default normal. */
  priority?: number | string;
  /** "native", "lua", "javascript". */
  language?: string;
  description?: string;
  tags?: string[];
  version?: string;
  /** Run only when this says so (the reference's `should_execute`). */
  when?: (ctx: HookContext) => boolean;
  /** Hard cap on one call, ms; over it the call counts as failed and the chain goes on. */
  timeout_ms?: number;
  /** Default true. */
  use_circuit_breaker?: boolean;
  /** Overrides of the executor's breaker settings for this hook. */
  breaker?: Partial<BreakerConfig>;
  /** Who registered it (a script run, a built-in), for bulk removal. */
  owner?: string;
}

export interface HookStats {
  calls: number;
  failures: number;
  skipped: number;
  total_ms: number;
  max_ms: number;
  last_result?: string;
  last_error?: string;
}

export interface RegisteredHook {
  readonly id: string;
  readonly name: string;
  readonly point: HookPoint;
  readonly priority: number;
  readonly language: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly version: string;
  readonly handler: HookHandler;
  readonly when?: (ctx: HookContext) => boolean;
  readonly timeout_ms?: number;
  readonly use_circuit_breaker: boolean;
  readonly breakerConfig?: Partial<BreakerConfig>;
  readonly owner?: string;
  /** Registration order, the tie-breaker between equal priorities. */
  readonly seq: number;
  enabled: boolean;
  breaker?: CircuitBreaker;
  readonly stats: HookStats;
}

export interface HookInfo {
  id: string;
  name: string;
  point: HookPoint;
  hook_point: HookPoint;
  priority: number;
  priority_name: string;
  language: string;
  version: string;
  description?: string;
  tags: string[];
  enabled: boolean;
  circuit_breaker?: BreakerSnapshot;
  stats: HookStats;
}

export interface HookFilter {
  point?: string;
  hook_point?: string;
  language?: string;
  priority?: number | string;
  tag?: string;
  name?: string;
  enabled?: boolean;
  owner?: string;
}

const EMPTY: readonly RegisteredHook[] = Object.freeze([]);

/**
 * Hooks per point, kept sorted by priority (stable: ties keep registration order). The
 * enabled list of a point is rebuilt on every change and replaced whole, so a chain that is
 * running keeps the list it started with even if a hook unregisters itself.
 */
export class HookRegistry {
  private readonly byPoint = new Map<HookPoint, RegisteredHook[]>();
  private readonly active = new Map<HookPoint, readonly RegisteredHook[]>();
  private readonly byId = new Map<string, RegisteredHook>();
  private seq = 0;
  private globallyEnabled = true;

  register(reg: HookRegistration): RegisteredHook {
    if (typeof reg.handler !== 'function') throw new LlmspellError('INVALID_ARGUMENT', 'hook handler must be a function');
    const point = parseHookPoint(reg.point);
    const priority = parsePriority(reg.priority);
    const language = reg.language ?? 'native';
    const seq = ++this.seq;
    const name = reg.name ?? `${language}_hook_${seq}`;
    if (typeof name !== 'string' || name.trim() === '') throw new LlmspellError('INVALID_ARGUMENT', 'hook name must be a non-empty string');
    const list = this.byPoint.get(point) ?? [];
    if (list.some((h) => h.name === name)) {
      throw new LlmspellError('ALREADY_EXISTS', `a hook named '${name}' is already registered at ${point}`, { details: { point, name } });
    }
    const hook: RegisteredHook = {
      id: `hook-${seq}`,
      name,
      point,
      priority,
      language,
      description: reg.description,
      tags: Object.freeze([...(reg.tags ?? [])]),
      version: reg.version ?? '1.0.0',
      handler: reg.handler,
      when: reg.when,
      timeout_ms: reg.timeout_ms,
      use_circuit_breaker: reg.use_circuit_breaker ?? true,
      breakerConfig: reg.breaker,
      owner: reg.owner,
      seq,
      enabled: true,
      stats: { calls: 0, failures: 0, skipped: 0, total_ms: 0, max_ms: 0 },
    };
    list.push(hook);
    list.sort((a, b) => a.priority - b.priority || a.seq - b.seq);
    this.byPoint.set(point, list);
    this.byId.set(hook.id, hook);
    this.rebuild(point);
    return hook;
  }

  unregister(id: string): boolean {
    const hook = this.byId.get(id);
    if (!hook) return false;
    this.byId.delete(id);
    const list = this.byPoint.get(hook.point)!;
    list.splice(list.indexOf(hook), 1);
    if (list.length === 0) this.byPoint.delete(hook.point);
    this.rebuild(hook.point);
    return true;
  }

  /** Removes every hook registered by `owner` (a script run that ended, a built-in). */
  unregisterOwner(owner: string): number {
    let n = 0;
    for (const hook of [...this.byId.values()]) {
      if (hook.owner === owner && this.unregister(hook.id)) n += 1;
    }
    return n;
  }

  get(id: string): RegisteredHook | undefined {
    return this.byId.get(id);
  }

  setEnabled(id: string, enabled: boolean): boolean {
    const hook = this.byId.get(id);
    if (!hook) return false;
    hook.enabled = enabled;
    this.rebuild(hook.point);
    return true;
  }

  /** The global switch: off, no hook runs anywhere. */
  setGloballyEnabled(enabled: boolean): void {
    this.globallyEnabled = enabled;
  }

  get isGloballyEnabled(): boolean {
    return this.globallyEnabled;
  }

  hasHooks(point: HookPoint): boolean {
    return this.globallyEnabled && this.active.has(point);
  }

  /** The enabled hooks of a point in run order. */
  hooksFor(point: HookPoint): readonly RegisteredHook[] {
    if (!this.globallyEnabled) return EMPTY;
    return this.active.get(point) ?? EMPTY;
  }

  list(filter: HookFilter | string = {}): HookInfo[] {
    const f: HookFilter = typeof filter === 'string' ? { point: filter } : filter;
    const pointName = f.point ?? f.hook_point;
    const point = pointName === undefined ? undefined : parseHookPoint(pointName, 'filter.hook_point');
    const priority = f.priority === undefined ? undefined : parsePriority(f.priority, 'filter.priority');
    return [...this.byId.values()]
      .filter((h) => (point ? h.point === point : true))
      .filter((h) => (f.language ? h.language.toLowerCase() === f.language.toLowerCase() : true))
      .filter((h) => (priority !== undefined ? h.priority === priority : true))
      .filter((h) => (f.tag ? h.tags.includes(f.tag) : true))
      .filter((h) => (f.name ? h.name === f.name : true))
      .filter((h) => (f.enabled !== undefined ? h.enabled === f.enabled : true))
      .filter((h) => (f.owner ? h.owner === f.owner : true))
      .sort((a, b) => a.priority - b.priority || a.seq - b.seq)
      .map((h) => this.info(h));
  }

  info(h: RegisteredHook): HookInfo {
    return {
      id: h.id,
      name: h.name,
      point: h.point,
      hook_point: h.point,
      priority: h.priority,
      priority_name: priorityName(h.priority),
      language: h.language,
      version: h.version,
      ...(h.description ? { description: h.description } : {}),
      tags: [...h.tags],
      enabled: h.enabled,
      ...(h.breaker ? { circuit_breaker: h.breaker.snapshot() } : {}),
      stats: { ...h.stats },
    };
  }

  points(): HookPoint[] {
    return [...this.byPoint.keys()];
  }

  clearPoint(point: HookPoint | string): number {
    const p = parseHookPoint(point);
    const list = this.byPoint.get(p) ?? [];
    for (const h of [...list]) this.unregister(h.id);
    return list.length;
  }

  clear(): void {
    for (const id of [...this.byId.keys()]) this.unregister(id);
  }

  get size(): number {
    return this.byId.size;
  }

  stats(): { total: number; enabled: number; by_point: Record<string, number>; by_language: Record<string, number>; by_priority: Record<string, number> } {
    const by_point: Record<string, number> = {};
    const by_language: Record<string, number> = {};
    const by_priority: Record<string, number> = {};
    let enabled = 0;
    for (const h of this.byId.values()) {
      by_point[h.point] = (by_point[h.point] ?? 0) + 1;
      by_language[h.language] = (by_language[h.language] ?? 0) + 1;
      const b = priorityName(h.priority);
      by_priority[b] = (by_priority[b] ?? 0) + 1;
      if (h.enabled) enabled += 1;
    }
    return { total: this.byId.size, enabled, by_point, by_language, by_priority };
  }

  private rebuild(point: HookPoint): void {
    const enabled = (this.byPoint.get(point) ?? []).filter((h) => h.enabled);
    if (enabled.length === 0) this.active.delete(point);
    else this.active.set(point, Object.freeze(enabled));
  }
}

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
  /**
   * A guard enforces a rule (it cancels): at a Before point it fails closed — when it cannot
   * answer (throws, times out, its breaker is open) the operation is refused instead of run
   * unchecked — and its slow calls never open its breaker. Default: it becomes one the first
   * time it returns `cancel`; false opts out for good.
   */
  guard?: boolean;
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
  /** False also once unregistered, so a chain holding the old list skips it. */
  enabled: boolean;
  /** See HookRegistration.guard; undefined: not (yet) a guard. */
  guard?: boolean;
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
  /** True for a guard (see HookRegistration.guard). */
  guard: boolean;
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

/** One point's hooks by name, in registration order, and how many of them are enabled. */
interface PointHooks {
  byName: Map<string, RegisteredHook>;
  enabled: number;
}

/**
 * Hooks per point. The enabled list a chain runs (by priority, ties in registration order) is
 * made after a change, when it is next asked for, and replaced whole: a chain that is running
 * keeps the list it started with even if a hook unregisters itself, and a script registering
 * thousands of hooks in a loop pays for one sorted list, not for one per registration.
 */
export class HookRegistry {
  private readonly byPoint = new Map<HookPoint, PointHooks>();
  /** The points with an enabled hook: their enabled list, or null until it is next asked for. */
  private readonly active = new Map<HookPoint, readonly RegisteredHook[] | null>();
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
    let at = this.byPoint.get(point);
    if (at?.byName.has(name)) {
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
      guard: reg.guard,
      stats: { calls: 0, failures: 0, skipped: 0, total_ms: 0, max_ms: 0 },
    };
    if (!at) {
      at = { byName: new Map(), enabled: 0 };
      this.byPoint.set(point, at);
    }
    // a new hook has the highest seq: appended, the map stays in registration order
    at.byName.set(name, hook);
    at.enabled += 1;
    this.byId.set(hook.id, hook);
    this.changed(point, at);
    return hook;
  }

  unregister(id: string): boolean {
    const hook = this.byId.get(id);
    if (!hook) return false;
    this.byId.delete(id);
    const at = this.byPoint.get(hook.point)!;
    at.byName.delete(hook.name);
    if (hook.enabled) at.enabled -= 1;
    hook.enabled = false;
    this.changed(hook.point, at);
    return true;
  }

  /** Removes every hook registered by `owner` (a script run that ended, a built-in). */
  unregisterOwner(owner: string): number {
    return this.removeWhere((h) => h.owner === owner);
  }

  /** Removes the hooks `test` picks, each point changed once (a run that registered thousands ends at once). */
  private removeWhere(test: (hook: RegisteredHook) => boolean, points: Iterable<HookPoint> = [...this.byPoint.keys()]): number {
    let n = 0;
    for (const point of points) {
      const at = this.byPoint.get(point);
      if (!at) continue;
      const before = n;
      for (const [name, h] of at.byName) {
        if (!test(h)) continue;
        at.byName.delete(name);
        this.byId.delete(h.id);
        if (h.enabled) at.enabled -= 1;
        h.enabled = false;
        n += 1;
      }
      if (n > before) this.changed(point, at);
    }
    return n;
  }

  get(id: string): RegisteredHook | undefined {
    return this.byId.get(id);
  }

  setEnabled(id: string, enabled: boolean): boolean {
    const hook = this.byId.get(id);
    if (!hook) return false;
    if (hook.enabled !== enabled) {
      hook.enabled = enabled;
      const at = this.byPoint.get(hook.point)!;
      at.enabled += enabled ? 1 : -1;
      this.changed(hook.point, at);
    }
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
    const list = this.active.get(point);
    if (list !== null) return list ?? EMPTY;
    // a stable sort: equal priorities keep registration order
    const enabled = Object.freeze([...this.byPoint.get(point)!.byName.values()].filter((h) => h.enabled).sort((a, b) => a.priority - b.priority));
    this.active.set(point, enabled);
    return enabled;
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
      guard: h.guard === true,
      ...(h.breaker ? { circuit_breaker: h.breaker.snapshot() } : {}),
      stats: { ...h.stats },
    };
  }

  points(): HookPoint[] {
    return [...this.byPoint.keys()];
  }

  clearPoint(point: HookPoint | string): number {
    return this.removeWhere(() => true, [parseHookPoint(point)]);
  }

  clear(): void {
    this.removeWhere(() => true);
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

  /** After a change at `point`: its enabled list is made again when next asked for (hooksFor). */
  private changed(point: HookPoint, at: PointHooks): void {
    if (at.byName.size === 0) this.byPoint.delete(point);
    if (at.enabled === 0) this.active.delete(point);
    else this.active.set(point, null);
  }
}

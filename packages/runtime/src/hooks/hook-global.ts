import { randomUUID } from 'node:crypto';
import {
  HANDLE_KEY, HookPoints, LlmspellError, hostMethod, isPlainObject, isScriptCallback,
  type HookContext, type HookPoint, type HookResult, type ScriptCallback, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import {
  UNFIRED_HOOK_POINTS, assertHookCallLive, builtinHookName, normalizeHookResult, parseHookPoint, scriptHookHandler, toScriptData,
  type HookFilter, type HookHandler, type RegisteredHook,
} from '@llmspell/hooks';
import type { GlobalScope } from '../global-scope.js';
import { hookServices } from './hook-services.js';

const FN = 'Hook';

function hookResultToScript(r: HookResult): ScriptValue {
  return toScriptData(r);
}

interface RegisterOptions {
  priority?: unknown;
  name?: string;
  description?: string;
  tags?: string[];
  timeout_ms?: number;
  guard?: boolean;
}

/** Per runtime: the never-fired points a script was already warned about. */
const warnedUnfired = new WeakMap<object, Set<HookPoint>>();

function refused(fn: string, what: string, plural = false): LlmspellError {
  return new LlmspellError('OPERATION_NOT_ALLOWED',
    `${FN}.${fn}: ${what} ${plural ? 'come' : 'comes'} from llmspell.toml (or the host program) and a script may not disable, re-configure or unregister it; a script may change only the hooks it registered and the built-ins it enabled`,
    { details: { function: `${FN}.${fn}` } });
}

function readOptions(value: ScriptValue): RegisterOptions {
  if (value === undefined || value === null || typeof value === 'string' || typeof value === 'number') return { priority: value };
  if (!isPlainObject(value)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: third argument must be a priority (name or number) or an options table`);
  const o = value as Record<string, unknown>;
  if (o.name !== undefined && typeof o.name !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: options.name must be a string`);
  if (o.description !== undefined && typeof o.description !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: options.description must be a string`);
  if (o.tags !== undefined && !(Array.isArray(o.tags) && o.tags.every((t) => typeof t === 'string'))) {
    throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: options.tags must be a list of strings`);
  }
  if (o.timeout_ms !== undefined && !(typeof o.timeout_ms === 'number' && o.timeout_ms > 0)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: options.timeout_ms must be a positive number`);
  }
  if (o.guard !== undefined && typeof o.guard !== 'boolean') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: options.guard must be true or false`);
  return {
    priority: o.priority, name: o.name as string | undefined, description: o.description as string | undefined,
    tags: o.tags as string[] | undefined, timeout_ms: o.timeout_ms as number | undefined, guard: o.guard as boolean | undefined,
  };
}

/**
 * The `Hook` global. Hooks a script registers run for every matching operation of the
 * runtime (tools, agents, workflows, state, events) while the script runs; they are removed
 * when the script ends, because their functions live in the script's engine.
 */
export function createHookGlobal(scope: GlobalScope): ScriptObject {
  const { registry, executor, builtins } = hookServices(scope.runtime);
  const owner = `script:${randomUUID()}`;
  const callbacks = new Map<string, ScriptCallback>();

  const cleanup = () => {
    registry.unregisterOwner(owner);
    for (const cb of callbacks.values()) {
      try {
        cb.release();
      } catch {
        // already released by the engine
      }
    }
    callbacks.clear();
  };
  if (scope.signal.aborted) queueMicrotask(cleanup);
  else scope.signal.addEventListener('abort', cleanup, { once: true });

  /**
   * Whether this script may disable, enable or unregister `hook`: its own, or one of a
   * built-in a script enabled. What config or the host put in place (a budget cap, a security
   * block) must hold against the script it limits.
   */
  const mayChange = (hook: RegisteredHook, fn: string): void => {
    if (hook.owner === owner) return;
    const builtin = hook.owner?.startsWith('builtin:') ? hook.owner.slice('builtin:'.length) : undefined;
    if (builtin !== undefined) {
      const by = builtins.enabledBy(builtin);
      if (by !== undefined && by !== 'host') return;
      throw refused(fn, `hook '${hook.name}' (${hook.id}, built-in '${builtin}')`);
    }
    if (hook.owner?.startsWith('script:')) {
      throw new LlmspellError('OPERATION_NOT_ALLOWED', `${FN}.${fn}: hook '${hook.name}' (${hook.id}) belongs to another script`, { details: { function: `${FN}.${fn}` } });
    }
    throw refused(fn, `hook '${hook.name}' (${hook.id})`);
  };

  /** Refuses when a built-in the host enabled would be disabled or re-configured. */
  const mayChangeBuiltin = (name: string, fn: string): void => {
    const key = builtinHookName(name);
    if (builtins.enabledBy(key) === 'host') throw refused(fn, `built-in hook '${key}'`);
  };

  /** A hook by handle object, registry id (`hook-3`) or handle id (`hook#1`). */
  const resolve = (value: ScriptValue, fn: string): RegisteredHook | undefined => {
    const viaHandle = scope.handles.resolve<RegisteredHook>(value, 'hook');
    if (viaHandle) return registry.get(viaHandle.id);
    if (typeof value === 'string') return registry.get(value) ?? registry.get(scope.handles.get<RegisteredHook>(value)?.id ?? '');
    if (value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
    throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: expected a hook handle or id`);
  };

  const unregister = (hook: RegisteredHook | undefined): boolean => {
    if (!hook) return false;
    mayChange(hook, 'unregister');
    const ok = registry.unregister(hook.id);
    const cb = callbacks.get(hook.id);
    if (cb) {
      callbacks.delete(hook.id);
      try {
        cb.release();
      } catch {
        // ignore
      }
    }
    return ok;
  };

  const makeHandle = (hook: RegisteredHook): ScriptObject => {
    const handleId = scope.handles.add('hook', hook);
    return {
      [HANDLE_KEY]: handleId,
      id: hostMethod(() => hook.id),
      hook_point: hostMethod(() => hook.point),
      name: hostMethod(() => hook.name),
      priority: hostMethod(() => hook.priority),
      is_enabled: hostMethod(() => registry.get(hook.id)?.enabled ?? false),
      enable: hostMethod(() => registry.setEnabled(hook.id, true)),
      disable: hostMethod(() => registry.setEnabled(hook.id, false)),
      unregister: hostMethod(() => {
        scope.handles.remove(handleId);
        return unregister(registry.get(hook.id));
      }),
    };
  };

  const builtinNames = (value: ScriptValue, fn: string): Array<{ name: string; config: Record<string, unknown> }> => {
    if (typeof value === 'string') return [{ name: value, config: {} }];
    if (Array.isArray(value)) {
      return value.map((v, i) => {
        if (typeof v === 'string') return { name: v, config: {} };
        if (isPlainObject(v) && typeof v.name === 'string') {
          const cfg = v.config ?? {};
          if (!isPlainObject(cfg)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: entry ${i + 1}.config must be a table`);
          return { name: v.name, config: cfg as Record<string, unknown> };
        }
        throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: entry ${i + 1} must be a name or {name=..., config=...}`);
      });
    }
    throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: expected a built-in hook name or a list of them`);
  };

  return {
    register: (point: ScriptValue, fn: ScriptValue, priority?: ScriptValue) => {
      assertHookCallLive(`${FN}.register`);
      const p = parseHookPoint(point, `${FN}.register: point`);
      let handler: HookHandler;
      if (isScriptCallback(fn)) handler = scriptHookHandler(fn);
      else if (typeof fn === 'function') handler = (ctx) => (fn as (c: ScriptValue) => unknown)(toScriptData(ctx));
      else throw new LlmspellError('INVALID_ARGUMENT', `${FN}.register: second argument must be a function (the hook)`);
      const opts = readOptions(priority ?? null);
      const hook = registry.register({
        point: p,
        handler,
        priority: opts.priority as number | string | undefined,
        name: opts.name,
        description: opts.description,
        tags: opts.tags,
        timeout_ms: opts.timeout_ms,
        guard: opts.guard,
        language: isScriptCallback(fn) ? fn.language : scope.language,
        owner,
      });
      if (isScriptCallback(fn)) callbacks.set(hook.id, fn);
      if (UNFIRED_HOOK_POINTS.has(p)) {
        let warned = warnedUnfired.get(scope.runtime);
        if (!warned) warnedUnfired.set(scope.runtime, (warned = new Set()));
        if (!warned.has(p)) {
          warned.add(p);
          scope.runtime.logger.warn(`${FN}.register: nothing in llmspell fires ${p} yet, so this hook will not run (Hook.fire("${p}") runs it by hand)`);
        }
      }
      return makeHandle(hook);
    },
    unregister: (handle: ScriptValue) => unregister(resolve(handle, 'unregister')),
    list: (filter?: ScriptValue) => {
      if (filter !== undefined && filter !== null && typeof filter !== 'string' && !isPlainObject(filter)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${FN}.list: filter must be a hook point name or a table {hook_point, language, priority, tag, name}`);
      }
      return toScriptData(registry.list((filter ?? {}) as HookFilter | string));
    },
    enable: (handle: ScriptValue) => {
      const h = resolve(handle, 'enable');
      if (h) mayChange(h, 'enable');
      return h ? registry.setEnabled(h.id, true) : false;
    },
    disable: (handle: ScriptValue) => {
      const h = resolve(handle, 'disable');
      if (h) mayChange(h, 'disable');
      return h ? registry.setEnabled(h.id, false) : false;
    },
    /** Runs the hooks of a point (a `custom:` one, typically) and returns the folded result. */
    fire: async (point: ScriptValue, data?: ScriptValue) => {
      const p = parseHookPoint(point, `${FN}.fire: point`);
      if (data !== undefined && data !== null && !isPlainObject(data)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.fire: data must be a table`);
      const ctx: HookContext = {
        point: p,
        component_id: { id: `custom:${scope.language}`, type: 'custom', name: 'script' },
        data: { ...((data ?? {}) as Record<string, unknown>) },
        metadata: {},
        correlation_id: randomUUID(),
        language: scope.language,
        timestamp: new Date().toISOString(),
      };
      const r = executor.hasHooks(p) ? await executor.execute(p, ctx) : normalizeHookResult(undefined);
      return hookResultToScript(r);
    },
    points: () => [...HookPoints],
    enable_builtin: (name: ScriptValue, config?: ScriptValue) => {
      if (config !== undefined && config !== null && !isPlainObject(config)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${FN}.enable_builtin: config must be a table`);
      }
      const entries = builtinNames(name, 'enable_builtin');
      for (const e of entries) mayChangeBuiltin(e.name, 'enable_builtin');
      const enabled = entries.map((e) => builtins.enable(e.name, typeof name === 'string' ? (config ?? {}) as Record<string, unknown> : e.config, { by: owner }));
      return typeof name === 'string' ? enabled[0] : enabled;
    },
    disable_builtin: (name: ScriptValue) => {
      const entries = builtinNames(name, 'disable_builtin');
      for (const e of entries) mayChangeBuiltin(e.name, 'disable_builtin');
      const results = entries.map((e) => builtins.disable(e.name));
      return results.every(Boolean);
    },
    /** Disables the built-ins scripts enabled; refused (nothing disabled) while config's are on. */
    disable_all_builtin: () => {
      const host = builtins.hostEnabled();
      if (host.length > 0) throw refused('disable_all_builtin', `built-in hook${host.length > 1 ? 's' : ''} ${host.map((k) => `'${k}'`).join(', ')}`, host.length > 1);
      return builtins.disableAll();
    },
    is_builtin_enabled: (name: ScriptValue) => builtins.isEnabled(name as string),
    list_builtin: () => toScriptData(builtins.list()),
    builtin_stats: (name: ScriptValue) => toScriptData(builtins.stats(name as string) ?? null),
    stats: () => toScriptData({ registry: registry.stats(), executor: executor.stats() }),
  };
}

import {
  LlmspellError, isPlainObject, isScriptCallback, type PublishOptions, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import { assertHookCallLive, normalizeEventLanguage, toScriptData, type SubscribeOptions, type UniversalEvent } from '@llmspell/hooks';
import { randomUUID } from 'node:crypto';
import type { GlobalScope } from '../global-scope.js';
import { hookServices } from './hook-services.js';

const FN = 'Event';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function opt<T>(o: Record<string, unknown>, key: string, fn: string, check: (v: unknown) => boolean, what: string): T | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: options.${key} must be ${what}`);
  return v as T;
}

const isStr = (v: unknown) => typeof v === 'string';
const isNonNeg = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function formatPath(parts: Array<string | number>): string {
  let out = '$';
  for (const p of parts) out += typeof p === 'number' ? `[${p}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}

/** A value an event may carry as it is: not a function, symbol or object of a class other than Date and binary data. */
function isData(v: unknown): boolean {
  switch (typeof v) {
    case 'function':
    case 'symbol':
      return false;
    case 'object':
      if (v === null || Array.isArray(v) || v instanceof Date || ArrayBuffer.isView(v)) return true;
      if (isScriptCallback(v)) return false;
      {
        const proto = Object.getPrototypeOf(v) as object | null;
        // a plain object of any realm: its prototype's prototype is null
        return proto === null || Object.getPrototypeOf(proto) === null;
      }
    default:
      return true;
  }
}

/**
 * Refuses event data that is not data (a function, a Map, a Symbol…), naming where it is, as
 * State does: subscribers in another engine would get a stub (`{language = "lua"}`) or `{}`.
 */
function checkEventData(value: unknown): void {
  const path: Array<string | number> = [];
  const seen: object[] = [];
  const walk = (v: unknown): void => {
    if (!isData(v)) {
      const what = typeof v === 'object' && v !== null && !isScriptCallback(v)
        ? `a ${(Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'non-plain'} object`
        : isScriptCallback(v) || typeof v === 'function' ? 'a function' : `a ${typeof v}`;
      throw new LlmspellError('INVALID_ARGUMENT', `${FN}.publish: data at ${formatPath(path)} is ${what}; events carry data only (tables/objects, arrays, strings, numbers, booleans, nil/null)`, {
        details: { path: formatPath(path) },
      });
    }
    if (typeof v !== 'object' || v === null || v instanceof Date || ArrayBuffer.isView(v) || seen.includes(v)) return;
    seen.push(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else {
      for (const k of Object.keys(v)) {
        path.push(k);
        walk((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
    seen.pop();
  };
  walk(value);
}

/** The event as scripts see it: the UniversalEvent plus `correlation_id` at the top. */
function eventToScript(e: UniversalEvent | null): ScriptValue {
  if (!e) return null;
  return toScriptData({ ...e, correlation_id: e.metadata.correlation_id });
}

function timeout(value: ScriptValue, fn: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: timeout_ms must be a non-negative number`);
  return value;
}

/**
 * The `Event` global over the runtime's event bus. Subscriptions a script makes are closed
 * when the script ends.
 */
export function createEventGlobal(scope: GlobalScope): ScriptObject {
  const { bus } = hookServices(scope.runtime);
  const owner = `script:${randomUUID()}`;
  const cleanup = () => bus.unsubscribeOwner(owner);
  if (scope.signal.aborted) queueMicrotask(cleanup);
  else scope.signal.addEventListener('abort', cleanup, { once: true });

  const subId = (id: ScriptValue, fn: string): string => {
    if (typeof id !== 'string' || id === '') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: subscription id must be a string (from Event.subscribe)`);
    return id;
  };

  const query = (pattern: ScriptValue, options: ScriptValue, fn: string) => {
    const p = pattern === undefined || pattern === null ? '*' : pattern;
    if (typeof p !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: pattern must be a string`);
    if (options !== undefined && options !== null && !isPlainObject(options)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: options must be a table`);
    const o = (options ?? {}) as Record<string, unknown>;
    const time = (v: unknown) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
    return {
      pattern: p,
      q: {
        since: opt<string | number>(o, 'since', fn, time, 'an ISO time or epoch milliseconds'),
        until: opt<string | number>(o, 'until', fn, time, 'an ISO time or epoch milliseconds'),
        correlation_id: opt<string>(o, 'correlation_id', fn, isStr, 'a string'),
        limit: opt<number>(o, 'limit', fn, (v) => typeof v === 'number' && v > 0, 'a positive number'),
      },
    };
  };

  return {
    publish: (type: ScriptValue, data?: ScriptValue, options?: ScriptValue) => {
      assertHookCallLive(`${FN}.publish`);
      if (typeof type !== 'string' || type === '') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.publish: event type must be a non-empty string`);
      checkEventData(data);
      if (options !== undefined && options !== null && !isPlainObject(options)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.publish: options must be a table`);
      const o = (options ?? {}) as Record<string, unknown>;
      const correlation = opt<string>(o, 'correlation_id', 'publish', isStr, 'a string');
      if (correlation !== undefined && !UUID.test(correlation)) {
        throw new LlmspellError('INVALID_ARGUMENT', `${FN}.publish: options.correlation_id must be a UUID`);
      }
      const po: PublishOptions = {
        language: normalizeEventLanguage(opt<string>(o, 'language', 'publish', isStr, 'a string') ?? scope.language),
        correlation_id: correlation,
        ttl_seconds: opt<number>(o, 'ttl_seconds', 'publish', isNonNeg, 'a non-negative number') ?? opt<number>(o, 'ttl', 'publish', isNonNeg, 'a non-negative number'),
        source: opt<string>(o, 'source', 'publish', isStr, 'a string') ?? `script:${scope.language}`,
        target: opt<string>(o, 'target', 'publish', isStr, 'a string'),
        tags: opt<string[]>(o, 'tags', 'publish', (v) => Array.isArray(v) && v.every(isStr), 'a list of strings'),
        priority: opt<number>(o, 'priority', 'publish', (v) => typeof v === 'number' && Number.isFinite(v), 'a number'),
      };
      return bus.publishSettled(type, data ?? null, po);
    },
    subscribe: (pattern: ScriptValue, options?: ScriptValue) => {
      if (options !== undefined && options !== null && !isPlainObject(options)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.subscribe: options must be a table`);
      const o = (options ?? {}) as Record<string, unknown>;
      const patterns = typeof pattern === 'string' ? pattern : Array.isArray(pattern) ? pattern : undefined;
      if (patterns === undefined) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.subscribe: pattern must be a string or a list of strings`);
      const so: SubscribeOptions = {
        language: opt<string>(o, 'language', 'subscribe', isStr, 'a string') ?? scope.language,
        max_queue_size: opt<number>(o, 'max_queue_size', 'subscribe', (v) => Number.isInteger(v) && (v as number) > 0, 'a positive integer'),
        backpressure: opt<string>(o, 'backpressure', 'subscribe', isStr, 'a string') ?? opt<string>(o, 'overflow', 'subscribe', isStr, 'a string') ?? opt<string>(o, 'strategy', 'subscribe', isStr, 'a string'),
        block_timeout_ms: opt<number>(o, 'block_timeout_ms', 'subscribe', isNonNeg, 'a non-negative number'),
        owner,
      };
      return bus.subscribe(patterns as string | string[], so).id;
    },
    receive: async (id: ScriptValue, timeoutMs?: ScriptValue) => {
      const e = await bus.receive(subId(id, 'receive'), timeout(timeoutMs ?? null, 'receive', 5000), scope.signal);
      return eventToScript(e);
    },
    receive_batch: async (id: ScriptValue, max?: ScriptValue, timeoutMs?: ScriptValue) => {
      const n = max === undefined || max === null ? 100 : max;
      if (typeof n !== 'number' || !(n >= 1)) throw new LlmspellError('INVALID_ARGUMENT', `${FN}.receive_batch: max must be a positive number`);
      const events = await bus.receiveBatch(subId(id, 'receive_batch'), Math.floor(n), timeout(timeoutMs ?? null, 'receive_batch', 0), scope.signal);
      return events.map(eventToScript);
    },
    unsubscribe: (id: ScriptValue) => bus.unsubscribe(subId(id, 'unsubscribe')),
    list_subscriptions: () => toScriptData(bus.listSubscriptions()),
    get_stats: () => {
      const s = bus.stats();
      return toScriptData({
        event_bus_stats: { ...s, events_processed: s.events_published },
        bridge_stats: { active_subscriptions: s.active_subscriptions, subscriptions_by_language: s.subscriptions_by_language },
      });
    },
    /** Persisted events matching a pattern, oldest first (needs `[events.persistence] enabled`). */
    query: async (pattern?: ScriptValue, options?: ScriptValue) => {
      const { pattern: p, q } = query(pattern ?? null, options ?? null, 'query');
      return (await bus.getPersisted(p, q)).map(eventToScript);
    },
    /** Re-publishes persisted events (tagged "replayed") to current subscribers; returns them. */
    replay: async (pattern?: ScriptValue, options?: ScriptValue) => {
      const { pattern: p, q } = query(pattern ?? null, options ?? null, 'replay');
      return (await bus.replay(p, q)).map(eventToScript);
    },
  };
}

import {
  LlmspellError, isPlainObject, type PublishOptions, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import { normalizeEventLanguage, toScriptData, type SubscribeOptions, type UniversalEvent } from '@llmspell/hooks';
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
      if (typeof type !== 'string' || type === '') throw new LlmspellError('INVALID_ARGUMENT', `${FN}.publish: event type must be a non-empty string`);
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

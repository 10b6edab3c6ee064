import { markScriptSnapshot, type HookContext, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import type { HookHandler } from './hook-registry.js';

/**
 * Plain data for a script: JSON-like values only. Dates become ISO strings, errors
 * `{name, message, code}`, binary data base64, cycles and functions are dropped.
 */
export function toScriptData(value: unknown): ScriptValue {
  return plainData(value, [], 0);
}

/** `path`: the objects being converted around this one (a cycle is one met again on it; data is shallow, a list is cheaper than a WeakSet per call). */
function plainData(value: unknown, path: object[], depth: number): ScriptValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number(value);
    case 'function':
    case 'symbol':
      return null;
    default:
      break;
  }
  if (depth > 64) return null;
  const obj = value as object;
  if (path.includes(obj)) return null;
  if (obj instanceof Date) return obj.toISOString();
  if (obj instanceof Error) {
    return { name: obj.name, message: obj.message, ...((obj as { code?: unknown }).code ? { code: String((obj as { code?: unknown }).code) } : {}) };
  }
  if (ArrayBuffer.isView(obj)) return Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64');
  path.push(obj);
  try {
    if (Array.isArray(obj)) return obj.map((v) => plainData(v, path, depth + 1));
    if (obj instanceof Map) return Object.fromEntries([...obj].map(([k, v]) => [String(k), plainData(v, path, depth + 1)]));
    const out: Record<string, ScriptValue> = {};
    // Object.keys with a read per key: the same own enumerable keys in the same order as
    // Object.entries, without a [key, value] array per field (this runs for every hook call).
    const keys = Object.keys(obj);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      const v = (obj as Record<string, unknown>)[k];
      if (v !== undefined && typeof v !== 'function') out[k] = plainData(v, path, depth + 1);
    }
    return out;
  } finally {
    path.pop();
  }
}

/**
 * The context as a script hook sees it: plain data, a copy it may change freely. It is a
 * snapshot (made for this call, never changed by the host), so a bridge may hand it over
 * lazily: a hook that reads none of it costs no conversion.
 */
export function toScriptContext(ctx: HookContext): ScriptValue {
  return markScriptSnapshot({
    point: ctx.point,
    hook_point: ctx.point,
    component_id: { id: ctx.component_id.id, type: ctx.component_id.type, name: ctx.component_id.name },
    data: toScriptData(ctx.data),
    metadata: { ...ctx.metadata },
    correlation_id: ctx.correlation_id,
    language: ctx.language,
    timestamp: ctx.timestamp,
  });
}

/**
 * A hook handler that calls a script function (Lua or JS, through its bridge) with the
 * context as plain data; what it returns is read by `normalizeHookResult`. A bridge that can
 * answer within the call (`callNow`) does, so the hook costs its caller no promise.
 */
export function scriptHookHandler(callback: ScriptCallback): HookHandler {
  if (callback.callNow) {
    const callNow = callback.callNow.bind(callback);
    return (ctx) => callNow(toScriptContext(ctx));
  }
  return (ctx) => callback.call(toScriptContext(ctx));
}

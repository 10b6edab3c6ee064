import { CONTINUE, LlmspellError, ownEntry, stableJson, type HookContext, type HookResult } from '@llmspell/core';

type Kind = HookResult['type'];

const KINDS: Record<string, Kind> = {
  continue: 'continue', proceed: 'continue', allow: 'continue', ok: 'continue',
  modified: 'modified', modify: 'modified',
  cancel: 'cancel', cancelled: 'cancel', canceled: 'cancel', block: 'cancel', deny: 'cancel', abort: 'cancel',
  redirect: 'redirect',
  replace: 'replace',
  retry: 'retry',
  fork: 'fork',
  cache: 'cache',
  skip: 'skipped', skipped: 'skipped',
};

export const DEFAULT_RETRY_DELAY_MS = 1000;
export const DEFAULT_RETRY_MAX_ATTEMPTS = 3;
export const DEFAULT_CACHE_TTL_MS = 300_000;

function bad(detail: string): LlmspellError {
  return new LlmspellError('HOOK_ERROR', `invalid hook result: ${detail}`);
}

function num(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw bad(`${name} must be a non-negative number`);
  return n;
}

function firstDefined(obj: Record<string, unknown>, ...keys: string[]): unknown {
  for (const k of keys) if (obj[k] !== undefined && obj[k] !== null) return obj[k];
  return undefined;
}

function hasAny(obj: Record<string, unknown>, ...keys: string[]): boolean {
  return keys.some((k) => k in obj);
}

/** The default cache key of an operation: the component and its input. */
export function defaultCacheKey(ctx: HookContext | undefined): string {
  if (!ctx) return 'default';
  return `${ctx.component_id.id}:${stableJson(ctx.data.input ?? null)}`;
}

function parseOperations(value: unknown): Array<{ id?: string; operation_type: string; parameters?: unknown }> {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : typeof value === 'object' ? Object.values(value as object) : undefined;
  if (!list) throw bad('fork operations must be a list');
  return list.map((op, i) => {
    if (typeof op === 'string') return { operation_type: op };
    if (typeof op !== 'object' || op === null) throw bad(`fork operation ${i + 1} must be a table or a component name`);
    const o = op as Record<string, unknown>;
    const type = firstDefined(o, 'operation_type', 'target', 'component', 'tool', 'type');
    if (typeof type !== 'string') throw bad(`fork operation ${i + 1} needs operation_type (e.g. "tool:calculator")`);
    const id = o.id === undefined || o.id === null ? undefined : String(o.id);
    return { id, operation_type: type, parameters: firstDefined(o, 'parameters', 'params', 'input') };
  });
}

function targetName(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'object' && value !== null) {
    const t = value as Record<string, unknown>;
    if (typeof t.name === 'string') {
      const type = typeof t.type === 'string' ? t.type.toLowerCase() : typeof t.component_type === 'string' ? t.component_type.toLowerCase() : undefined;
      return type ? `${type}:${t.name}` : t.name;
    }
  }
  return undefined;
}

/**
 * Reads what a hook returned, in any spelling the reference's code or docs use: nil,
 * `"continue"` (any other string cancels with that reason, as the reference's Lua adapter
 * did), a table tagged by `type` (CODE) or `action` (DOC), or Rust's `{Cancel = "…"}`.
 * Malformed results throw HOOK_ERROR; the executor logs them and carries on.
 */
export function normalizeHookResult(raw: unknown, ctx?: HookContext): HookResult {
  if (raw === undefined || raw === null || raw === true) return CONTINUE;
  if (raw === false) return { type: 'cancel', reason: 'hook returned false' };
  if (typeof raw === 'string') {
    const kind = ownEntry(KINDS, raw.trim().toLowerCase());
    if (kind === 'continue' || raw.trim() === '') return CONTINUE;
    if (kind === 'skipped') return { type: 'skipped', reason: 'skipped by hook' };
    if (kind === 'cancel') return { type: 'cancel', reason: 'cancelled by hook' };
    return { type: 'cancel', reason: raw };
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw bad(`expected nothing (nil/undefined), a string or a table/object, got ${Array.isArray(raw) ? 'a list' : typeof raw}`);
  let obj = raw as Record<string, unknown>;
  let tag = obj.type ?? obj.action;
  if (tag === undefined) {
    // Rust's externally tagged form: {"Cancel": "reason"}, {"Modified": {...}}.
    const keys = Object.keys(obj);
    const k = keys.length === 1 ? ownEntry(KINDS, keys[0].toLowerCase()) : undefined;
    if (!k) return CONTINUE;
    const payload = obj[keys[0]];
    tag = k;
    obj = typeof payload === 'object' && payload !== null && !Array.isArray(payload) && k !== 'modified' && k !== 'replace'
      ? payload as Record<string, unknown>
      : { data: payload, reason: payload, target: payload };
  }
  if (typeof tag !== 'string') throw bad('`type`/`action` must be a string');
  const kind = ownEntry(KINDS, tag.trim().toLowerCase());
  if (!kind) throw bad(`unknown type '${tag}' (continue, modified, cancel, redirect, replace, retry, fork, cache, skipped)`);
  switch (kind) {
    case 'continue':
      return CONTINUE;
    case 'modified': {
      if (!hasAny(obj, 'data', 'modified_data', 'modified', 'value')) return CONTINUE;
      return { type: 'modified', data: firstDefined(obj, 'data', 'modified_data', 'modified', 'value') ?? null };
    }
    case 'cancel': {
      const reason = firstDefined(obj, 'reason', 'message', 'error');
      return { type: 'cancel', reason: reason === undefined ? 'cancelled by hook' : String(reason) };
    }
    case 'redirect': {
      const target = targetName(firstDefined(obj, 'target', 'component', 'to'));
      if (!target) throw bad('redirect needs a `target` (a component name, e.g. "tool:calculator")');
      return { type: 'redirect', target };
    }
    case 'replace':
      return { type: 'replace', data: firstDefined(obj, 'data', 'result', 'replacement', 'component', 'value', 'modified_data') ?? null };
    case 'retry': {
      const cfg = (typeof obj.config === 'object' && obj.config !== null ? obj.config : {}) as Record<string, unknown>;
      const delay = num(firstDefined(obj, 'delay_ms', 'backoff_ms') ?? firstDefined(cfg, 'delay_ms', 'backoff_ms', 'initial_delay_ms'), 'delay_ms');
      const delaySeconds = num(firstDefined(obj, 'delay_seconds', 'delay'), 'delay');
      let attempts = num(firstDefined(obj, 'max_attempts') ?? firstDefined(cfg, 'max_attempts'), 'max_attempts');
      const retries = num(firstDefined(obj, 'max_retries') ?? firstDefined(cfg, 'max_retries'), 'max_retries');
      if (attempts === undefined && retries !== undefined) attempts = retries + 1;
      return {
        type: 'retry',
        delay_ms: delay ?? (delaySeconds !== undefined ? delaySeconds * 1000 : DEFAULT_RETRY_DELAY_MS),
        max_attempts: Math.max(1, Math.floor(attempts ?? DEFAULT_RETRY_MAX_ATTEMPTS)),
      };
    }
    case 'fork':
      return { type: 'fork', operations: parseOperations(firstDefined(obj, 'operations', 'branches', 'parallel_operations')) };
    case 'cache': {
      const ttlMs = num(obj.ttl_ms, 'ttl_ms');
      const ttlS = num(firstDefined(obj, 'ttl_seconds', 'ttl'), 'ttl');
      const key = obj.key === undefined || obj.key === null ? defaultCacheKey(ctx) : String(obj.key);
      return { type: 'cache', key, ttl_ms: ttlMs ?? (ttlS !== undefined ? ttlS * 1000 : DEFAULT_CACHE_TTL_MS) };
    }
    case 'skipped': {
      const reason = firstDefined(obj, 'reason', 'message');
      return { type: 'skipped', reason: reason === undefined ? 'skipped by hook' : String(reason) };
    }
  }
}

/** A one-line description, for logs and listings. */
export function describeHookResult(result: HookResult): string {
  switch (result.type) {
    case 'cancel': return `cancel: ${result.reason}`;
    case 'redirect': return `redirect to ${result.target}`;
    case 'retry': return `retry (${result.max_attempts} attempts, ${result.delay_ms} ms)`;
    case 'cache': return `cache ${result.key} for ${result.ttl_ms} ms`;
    case 'fork': return `fork ${result.operations.length} operation(s)`;
    case 'skipped': return `skipped: ${result.reason}`;
    default: return result.type;
  }
}

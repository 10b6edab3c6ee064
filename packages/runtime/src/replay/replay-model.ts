import { LlmspellError, isPlainObject } from '@llmspell/core';
import type { JsonValue } from './json-diff.js';

export const REPLAY_MODES = ['exact', 'modified', 'simulate', 'debug'] as const;
export type ReplayMode = (typeof REPLAY_MODES)[number];

/** One change to a hook context: set `value` at `path` (`context.data.<key>…`) when enabled. */
export interface ParameterModification {
  readonly path: string;
  /** The path below `context`: `['data', 'input_value']`. */
  readonly segments: readonly string[];
  readonly value: JsonValue;
  enabled: boolean;
}

/** rs-llmspell v0.5.0's `ReplayConfig` defaults. */
export interface ReplayConfigState {
  readonly mode: ReplayMode;
  readonly modifications: ParameterModification[];
  readonly compare_results: boolean;
  readonly timeout_seconds: number;
  readonly stop_on_error: boolean;
}

export function defaultReplayConfig(mode: ReplayMode): ReplayConfigState {
  return { mode, modifications: [], compare_results: true, timeout_seconds: 30, stop_on_error: true };
}

const PATH = /^(?:context\.)?(data|metadata)((?:\.[^.\s[\]]+)+)$/;

/**
 * The segments of a modification path. Only `data` and `metadata` of a hook context hold what
 * a hook works on (v0.5.0's replay manager accepted only those two as well); the other fields
 * (point, correlation id, component) say which execution it was, which a what-if must keep.
 */
export function parseModificationPath(path: unknown, fn: string): string[] {
  if (typeof path !== 'string') throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'path' must be a string such as "context.data.input_value"`, { details: { parameter: 'path' } });
  const m = PATH.exec(path);
  if (!m) {
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: path '${path}' must be context.data.<key> or context.metadata.<key> (dots for nested keys)`, { details: { parameter: 'path', path } });
  }
  return [m[1], ...m[2].slice(1).split('.')];
}

function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}

export function copyJson<T extends JsonValue>(value: T): T {
  return copy(value);
}

/**
 * A copy of `context` with the enabled modifications applied in order (later ones win). A
 * nil/null value removes the key, as assigning nil does in Lua. Missing tables on the way are
 * created; a non-table on the way is an error naming the path.
 */
export function applyModifications(context: unknown, modifications: readonly ParameterModification[], fn: string): Record<string, unknown> {
  if (!isPlainObject(context)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter 'context' must be a table (a hook context {data=…, metadata=…})`, { details: { parameter: 'context' } });
  }
  const result = copy(context);
  for (const mod of modifications) {
    if (!mod.enabled) continue;
    let target: Record<string, unknown> = result;
    for (let i = 0; i < mod.segments.length - 1; i++) {
      const key = mod.segments[i];
      const next = target[key];
      if (next === undefined || next === null) target[key] = {};
      else if (!isPlainObject(next)) {
        const at = `context.${mod.segments.slice(0, i + 1).join('.')}`;
        throw new LlmspellError('INVALID_ARGUMENT', `${fn}: cannot apply '${mod.path}': ${at} is ${Array.isArray(next) ? 'a list' : `a ${typeof next}`}, not a table`, { details: { parameter: 'context', path: mod.path } });
      }
      target = target[key] as Record<string, unknown>;
    }
    const last = mod.segments[mod.segments.length - 1];
    if (mod.value === null) delete target[last];
    else target[last] = copy(mod.value);
  }
  return result;
}

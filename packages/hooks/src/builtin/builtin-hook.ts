import {
  LlmspellError, REDACTED, looksLikeSecretName, type EventSink, type HookContext, type HookPoint, type HookResult, type Logger,
} from '@llmspell/core';
import type { HookHandler } from '../hook-registry.js';
import { parseHookPoint } from '../hook-points.js';

export interface BuiltinDeps {
  logger: Logger;
  events?: EventSink;
  /** Masks known secrets in text that goes to logs. */
  redact?: (text: string) => string;
  /** Fires another hook point (SecurityViolation, ResourceLimitExceeded…). */
  fire?: (point: HookPoint, data: Record<string, unknown>, from: HookContext) => Promise<HookResult>;
  now?: () => number;
}

export interface BuiltinRegistration {
  point: HookPoint;
  handler: HookHandler;
  priority?: number | string;
  /** It enforces a rule (cancels): fails closed, slowness never opens its breaker (HookRegistration.guard). */
  guard?: boolean;
}

/** A built-in hook: the hooks it registers and the numbers it keeps. */
export interface BuiltinHook {
  readonly name: string;
  readonly description: string;
  readonly priority: number | string;
  readonly registrations: BuiltinRegistration[];
  /** The default of `guard` for its registrations. */
  readonly guard?: boolean;
  stats(): Record<string, unknown>;
  reset(): void;
}

/** A built-in hook that runs one handler at each of `points`. */
export function hookAtPoints(spec: Omit<BuiltinHook, 'registrations'> & { points: HookPoint[]; handler: HookHandler }): BuiltinHook {
  const { points, handler, ...hook } = spec;
  return { ...hook, registrations: points.map((point) => ({ point, handler })) };
}

export type BuiltinFactory = (config: Record<string, unknown>, deps: BuiltinDeps) => BuiltinHook;

export const TOOL_POINTS: HookPoint[] = ['BeforeToolExecution', 'AfterToolExecution', 'ToolError'];
export const AGENT_POINTS: HookPoint[] = ['BeforeAgentExecution', 'AfterAgentExecution', 'AgentError'];
export const WORKFLOW_POINTS: HookPoint[] = [
  'BeforeWorkflowStart', 'AfterWorkflowComplete', 'WorkflowError', 'BeforeWorkflowStage', 'AfterWorkflowStage',
];
export const EXECUTION_POINTS: HookPoint[] = [...TOOL_POINTS, ...AGENT_POINTS, ...WORKFLOW_POINTS];

// ---- small config readers: a wrong type is an error naming the key ----

export function cfgNumber(cfg: Record<string, unknown>, name: string, keys: string[], fallback: number, min = 0): number {
  for (const k of keys) {
    const v = cfg[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
      throw new LlmspellError('CONFIG_INVALID', `${name}.${k} must be a number >= ${min}`);
    }
    return v;
  }
  return fallback;
}

export function cfgBool(cfg: Record<string, unknown>, name: string, keys: string[], fallback: boolean): boolean {
  for (const k of keys) {
    const v = cfg[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw new LlmspellError('CONFIG_INVALID', `${name}.${k} must be true or false`);
    return v;
  }
  return fallback;
}

export function cfgString<T extends string>(cfg: Record<string, unknown>, name: string, keys: string[], allowed: readonly T[], fallback: T): T {
  for (const k of keys) {
    const v = cfg[k];
    if (v === undefined || v === null) continue;
    const s = typeof v === 'string' ? v.toLowerCase() : undefined;
    if (!s || !allowed.includes(s as T)) throw new LlmspellError('CONFIG_INVALID', `${name}.${k} must be one of ${allowed.join(', ')}`);
    return s as T;
  }
  return fallback;
}

export function cfgStrings(cfg: Record<string, unknown>, name: string, keys: string[], fallback: string[]): string[] {
  for (const k of keys) {
    const v = cfg[k];
    if (v === undefined || v === null) continue;
    const list = Array.isArray(v) ? v : typeof v === 'object' ? Object.values(v as object) : [v];
    if (!list.every((x) => typeof x === 'string')) throw new LlmspellError('CONFIG_INVALID', `${name}.${k} must be a list of strings`);
    return list as string[];
  }
  return fallback;
}

/** `points` from config: a list of point names or "all"; default `fallback`. */
export function cfgPoints(cfg: Record<string, unknown>, name: string, fallback: HookPoint[], all: HookPoint[]): HookPoint[] {
  const v = cfg.points ?? cfg.hook_points;
  if (v === undefined || v === null) return fallback;
  if (v === 'all' || v === '*') return all;
  const list = cfgStrings({ points: v }, name, ['points'], []);
  return list.map((p, i) => parseHookPoint(p, `${name}.points[${i + 1}]`));
}

/** JSON of a value cut to `max` characters, for logs. */
export function preview(value: unknown, max: number, redact?: (t: string) => string): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value, (k, v) => (
      k !== '' && looksLikeSecretName(k) && (typeof v === 'string' || typeof v === 'number') && v !== '' ? REDACTED : v
    )) ?? 'null';
  } catch {
    text = '[unserializable]';
  }
  if (redact) text = redact(text);
  return text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text;
}

export function componentName(ctx: HookContext): string {
  return ctx.component_id.name;
}

export function publishSafe(events: EventSink | undefined, type: string, data: Record<string, unknown>, ctx?: HookContext): void {
  if (!events || (events.hasSubscribers && !events.hasSubscribers(type))) return;
  try {
    events.publish(type, data, { source: 'hooks', ...(ctx ? { correlation_id: ctx.correlation_id } : {}) });
  } catch {
    // Never let a full queue break the operation a hook watches.
  }
}

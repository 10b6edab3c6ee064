/**
 * The contract between components and the hook system. Core defines it; `@llmspell/hooks`
 * implements it. Components never call hooks themselves: `executeComponent` does.
 */
export const HookPoints = [
  // Agent lifecycle (7)
  'BeforeAgentInit', 'AfterAgentInit', 'BeforeAgentExecution', 'AfterAgentExecution', 'AgentError',
  'BeforeAgentShutdown', 'AfterAgentShutdown',
  // Tool execution (6)
  'BeforeToolDiscovery', 'AfterToolDiscovery', 'BeforeToolExecution', 'AfterToolExecution', 'ToolValidation', 'ToolError',
  // Workflow (8)
  'BeforeWorkflowStart', 'WorkflowStageTransition', 'BeforeWorkflowStage', 'AfterWorkflowStage', 'WorkflowCheckpoint',
  'WorkflowRollback', 'AfterWorkflowComplete', 'WorkflowError',
  // State (6)
  'BeforeStateRead', 'AfterStateRead', 'BeforeStateWrite', 'AfterStateWrite', 'StateConflict', 'StateMigration',
  // System (5)
  'SystemStartup', 'SystemShutdown', 'ConfigurationChange', 'ResourceLimitExceeded', 'SecurityViolation',
  // Session (4)
  'SessionStart', 'SessionEnd', 'SessionCheckpoint', 'SessionRestore',
  // Event (3)
  'BeforeEventEmit', 'AfterEventEmit', 'EventHandlerError',
  // Performance (3)
  'PerformanceThresholdExceeded', 'MemoryUsageHigh', 'CpuUsageHigh',
] as const;

export type BuiltinHookPoint = (typeof HookPoints)[number];
/** A built-in point or `custom:<name>`. */
export type HookPoint = BuiltinHookPoint | `custom:${string}`;

export type ComponentKind = 'tool' | 'agent' | 'workflow' | 'system' | 'state' | 'event' | 'custom';

export interface HookComponentId {
  id: string;
  type: ComponentKind;
  name: string;
}

/** Points whose context carries an `error`; a `modified`/`replace` there recovers with an output. */
export const ErrorHookPoints: readonly BuiltinHookPoint[] = ['AgentError', 'ToolError', 'WorkflowError', 'EventHandlerError'];

export function isErrorHookPoint(point: HookPoint): boolean {
  return point === 'AgentError' || point === 'ToolError' || point === 'WorkflowError' || point === 'EventHandlerError';
}

/**
 * What a hook sees. Plain data, so script hooks get it unchanged.
 *
 * `data` conventions used by the callers: `{input}` before an operation, `{input, output,
 * duration_ms}` after it, `{input, error: {code, message}, attempt}` on error points,
 * `{scope, key, value}` around state operations.
 */
export interface HookContext {
  point: HookPoint;
  component_id: HookComponentId;
  /** The operation's data: `input` before, `output` after, `error` on error points. */
  data: Record<string, unknown>;
  metadata: Record<string, string>;
  correlation_id: string;
  language: string;
  timestamp: string;
}

export type HookResult =
  | { type: 'continue' }
  | { type: 'modified'; data: unknown }
  | { type: 'cancel'; reason: string }
  | { type: 'redirect'; target: string }
  | { type: 'replace'; data: unknown }
  | { type: 'retry'; delay_ms: number; max_attempts: number }
  | { type: 'fork'; operations: Array<{ id?: string; operation_type: string; parameters?: unknown }> }
  | { type: 'cache'; key: string; ttl_ms: number }
  | { type: 'skipped'; reason: string };

export const CONTINUE: HookResult = Object.freeze({ type: 'continue' }) as HookResult;

/**
 * Runs the hooks registered at a point and folds their results into one.
 *
 * Folding: hooks run in priority order; `continue`/`skipped` go on; `modified` replaces the
 * data the next hook sees and the chain goes on; any other kind ends the chain and is
 * returned. When a hook modified the data, `context.data` holds the data after the change
 * when `execute` returns (also when a later hook ends the chain with `cache`, `redirect`…),
 * and a `modified` result's `data` is that whole data record (`{input: …}`). Callers read
 * the field they care about with `modifiedField(result.data, 'input', context)`.
 */
export interface HookExecutor {
  /** Cheap check so the hot path builds no context when nothing listens. */
  hasHooks(point: HookPoint): boolean;
  execute(point: HookPoint, context: HookContext): Promise<HookResult>;
  /**
   * `execute` answering within the call when nothing at the point waits (an observer with no
   * hook registered behind it), else a promise; `executeComponent` prefers it, so a
   * synchronous tool stays synchronous under an executor that watches every call.
   */
  executeNow?(point: HookPoint, context: HookContext, call?: ComponentCallTrace): HookResult | Promise<HookResult>;
  /**
   * Opens the trace of one component call (telemetry's span), at its Before point and before any
   * hook there runs; `executeComponent` then reports the call's course to it directly, and passes
   * it with the hook points it fires for that call (`executeNow`'s `call`). An observer that
   * traces calls this way needs no hook points nor `<kind>.*` events to see them, so a call with
   * no hook and no subscriber builds neither. Undefined: this call is not traced.
   */
  traceCall?(point: HookPoint, component: HookComponentId, metadata: Readonly<Record<string, string>>, input: unknown): ComponentCallTrace | undefined;
  /**
   * True when the executor keeps per-call async context (AsyncLocalStorage) and may make a
   * call's own value current from inside it: each component call then runs in an async scope
   * of its own, so what a call sets never leaks into its caller's, synchronous or not.
   */
  readonly scopesCalls?: boolean;
}

/**
 * What `executeComponent` tells the observer of one call (see `HookExecutor.traceCall`), in the
 * order it happens: the same course its `<kind>.*` events describe. Each call ends with exactly
 * one of `completed`, `failed` or `redirected` (an error that escapes the call otherwise ends it
 * with `failed`). Methods must not throw; what they get is unmasked (the observer masks).
 */
export interface ComponentCallTrace {
  /** An attempt starts running; the first one's call is current from here on (see `scopesCalls`). */
  started(attempt: number, input: unknown): void;
  /** An attempt's output, as the component returned it (before the After hooks). */
  returned(output: unknown): void;
  /** An attempt failed: the error point, before its hooks run. */
  errored(code: string, message: string, attempt: number): void;
  /** Another attempt follows (a retry result of an After or error hook). */
  retrying(attempt: number, code?: string): void;
  /** A Before hook sent the call to another component, which runs as a call of its own. */
  redirected(target: string): void;
  /** The call ends with an output: its own, or one a hook stood in with. */
  completed(how?: { cached?: boolean; replaced?: boolean; recovered?: boolean }): void;
  /** The call ends with an error. */
  failed(code: string, message: string): void;
}

/**
 * The value of `field` in a `modified`/`replace` payload. A payload that is an object whose
 * keys all belong to the context's data (plus `field`) is the whole data record, so its
 * `field` is taken; anything else is the new value itself. This lets hooks return either
 * `{input = {...}}` or just the new input.
 */
export function modifiedField(payload: unknown, field: string, original: Record<string, unknown>): unknown {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return payload;
  if (!isWholeRecord(payload as Record<string, unknown>, field, original)) return payload;
  return (payload as Record<string, unknown>)[field];
}

function isRecordValue(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * True when `payload` reads as the whole data record rather than the new value of `field`:
 * it has `field`, its other keys all belong to `original`, and (for `input`, which is always
 * a parameter table) its `input` is a table when the original one was — so a tool's new
 * parameters `{input = "text"}` are taken as parameters, not as the record.
 */
export function isWholeRecord(payload: Record<string, unknown>, field: string, original: Record<string, unknown>): boolean {
  if (!(field in payload)) return false;
  for (const k of Object.keys(payload)) {
    if (k !== field && !(k in original)) return false;
  }
  if (field === 'input' && isRecordValue(original.input) && !isRecordValue(payload.input)) return false;
  return true;
}

export interface PublishOptions {
  correlation_id?: string;
  source?: string;
  language?: string;
  ttl_seconds?: number;
  tags?: string[];
  target?: string;
  /** Lower is more urgent (informational; routing ignores it). */
  priority?: number;
}

/** Where components publish events (`tool.started`, `agent.completed`, `state.changed`…). */
export interface EventSink {
  /** Cheap check so the hot path builds no payload when nobody subscribes. */
  hasSubscribers?(type: string): boolean;
  /**
   * True when what subscribes to `type` reads only which call an event is about (component,
   * kind, attempt), not its content: the publisher may then leave content out (the masked
   * input of `<kind>.started`, whose masking costs more than the rest of the event).
   */
  readsOnlyIdentity?(type: string): boolean;
  publish(type: string, data: unknown, options?: PublishOptions): void;
}

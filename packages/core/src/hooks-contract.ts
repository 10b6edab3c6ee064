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

/** What a hook sees. Plain data, so script hooks get it unchanged. */
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

/** Runs the hooks registered at a point and folds their results into one. */
export interface HookExecutor {
  /** Cheap check so the hot path builds no context when nothing listens. */
  hasHooks(point: HookPoint): boolean;
  execute(point: HookPoint, context: HookContext): Promise<HookResult>;
}

export interface PublishOptions {
  correlation_id?: string;
  source?: string;
  language?: string;
  ttl_seconds?: number;
  tags?: string[];
}

/** Where components publish events (`tool.started`, `agent.completed`, `state.changed`…). */
export interface EventSink {
  /** Cheap check so the hot path builds no payload when nobody subscribes. */
  hasSubscribers?(type: string): boolean;
  publish(type: string, data: unknown, options?: PublishOptions): void;
}

import type { Component, ExecutionContext } from '@llmspell/core';

export type WorkflowType = 'sequential' | 'conditional' | 'loop' | 'parallel';

export interface RetryPolicy {
  maxAttempts: number;
  backoffMs: number;
  backoffMultiplier: number;
}

export type ErrorStrategy =
  | { kind: 'fail_fast' }
  | { kind: 'continue'; onError?: (error: unknown, stepName: string) => unknown }
  | { kind: 'retry'; retry: RetryPolicy };

/** What a custom step's function receives (plain data plus helper functions). */
export interface StepFunctionContext {
  input: unknown;
  workflow: string;
  step: string;
  run_id: string | null;
  current_item?: unknown;
  current_index?: number;
  /** Outputs of the steps completed so far, by step name. */
  outputs: Record<string, unknown>;
  /** A snapshot of the shared workflow data. */
  shared: Record<string, unknown>;
  get_shared(key: string): unknown;
  set_shared(key: string, value: unknown): null;
  get_state(key: string): Promise<unknown>;
  set_state(key: string, value: unknown): Promise<null>;
}

export type StepFunction = (ctx: StepFunctionContext) => unknown | Promise<unknown>;

export type ConditionSpec =
  | { type: 'always' }
  | { type: 'never' }
  | { type: 'shared_data_equals'; key: string; value: unknown }
  | { type: 'shared_data_exists'; key: string }
  | { type: 'shared_data_greater_than'; key: string; value: number }
  | { type: 'shared_data_less_than'; key: string; value: number }
  | { type: 'step_output_equals'; step: string; value: unknown }
  | { type: 'step_output_contains'; step: string; value: string }
  | { type: 'input_equals'; key: string; value: unknown }
  | { type: 'and'; conditions: ConditionSpec[] }
  | { type: 'or'; conditions: ConditionSpec[] }
  | { type: 'not'; condition: ConditionSpec }
  | { type: 'expression'; expression: string }
  | { type: 'tool'; tool: string; params: unknown }
  | { type: 'agent_decision'; agent: string | Component; prompt: unknown; expected: unknown }
  | { type: 'function'; fn: (data: ConditionData) => unknown | Promise<unknown> };

export interface ConditionData {
  input: unknown;
  shared: Record<string, unknown>;
  outputs: Record<string, unknown>;
  current_item?: unknown;
  current_index?: number;
  iteration?: number;
}

export interface StepSpec {
  name: string;
  kind: 'tool' | 'agent' | 'workflow' | 'custom';
  tool?: string;
  /** Agent by registered name, or the agent itself. */
  agent?: string | Component;
  workflow?: Component | string;
  fn?: StepFunction;
  /** Tool parameters / agent input / nested workflow input; may hold {{references}}. */
  params?: unknown;
  timeoutMs?: number;
  errorStrategy?: ErrorStrategy;
  fallback?: StepSpec;
}

export interface BranchSpec {
  name: string;
  condition?: ConditionSpec;
  steps: StepSpec[];
  /** Parallel: a failing optional branch does not fail the workflow. */
  optional?: boolean;
  timeoutMs?: number;
}

export interface StepResult {
  step_name: string;
  success: boolean;
  duration_ms: number;
  output: unknown;
  error: string | null;
  attempts: number;
  skipped?: boolean;
  from_checkpoint?: boolean;
}

/** Why a workflow failed, in full (`error_details` of a result). */
export interface WorkflowError {
  error_type: string;
  message: string;
  /** The code of the error that failed it (`TOOL_EXECUTION_FAILED`, `TIMEOUT`…), when it had one. */
  code?: string;
  location?: string;
  details?: unknown;
}

/** The reference's `execute()` result (api.md 4.7), made real. */
export interface WorkflowResult {
  success: boolean;
  workflow_type: WorkflowType;
  workflow_name: string;
  run_id?: string;
  duration_ms: number;
  data: Record<string, unknown>;
  /** The workflow's final value (what a parent step or a tool call sees). */
  output: unknown;
  /**
   * Why it failed: the reference's `{error_type, message, location?, details?}` (and `code`),
   * the fields of `error_details`, as an error value (core's `markScriptError`) that scripts
   * also use as its message, as the reference's examples do (`"failed: " .. tostring(r.error)`,
   * `r.error.message`, `r.error:match(…)`). The code is also in `error_code`.
   */
  error?: WorkflowError;
  error_code?: string;
  error_details?: WorkflowError;
  metadata: {
    start_time: string;
    end_time: string;
    steps_executed: number;
    steps_succeeded: number;
    steps_failed: number;
    resumed?: boolean;
    extra: Record<string, unknown>;
  };
}

export interface WorkflowInput {
  /** Data for `{{input.x}}` references and custom steps. */
  input?: unknown;
  /** Names a durable run: completed steps are checkpointed and never re-run on resume. */
  run_id?: string;
}

/** Runtime services a workflow needs beyond the execution context. */
export interface WorkflowServices {
  /** Runs a custom step function defined in a script. */
  resolveAgent?(nameOrHandle: unknown): Component | undefined;
}

export type WorkflowComponent = Component<WorkflowInput, WorkflowResult> & {
  readonly type: WorkflowType;
  readonly id: string;
};

export type { ExecutionContext };

export { createWorkflowFromConfig, parseCondition, parseErrorStrategy, parseStep, parseSteps } from './parse-config.js';
export type { ConfigResolver } from './parse-config.js';
export {
  BaseWorkflow, ConditionalWorkflow, LoopWorkflow, ParallelWorkflow, SequentialWorkflow, revivedResult,
} from './workflow.js';
export type { Aggregation, BaseWorkflowOptions, LoopIterator, UnitSelection, WorkflowMetrics } from './workflow.js';
export { UNIT_DISPATCHER, UNIT_TARGET, decodeUnitRunId, encodeUnitRunId, unitKey } from './distributed.js';
export type { UnitDispatcher, UnitOutcome, UnitTarget, WorkUnit } from './distributed.js';
export { CheckpointStore, DEFAULT_RETENTION, runScope } from './checkpoints.js';
export type { RetentionSettings, RunRecord, StepCheckpoint, UnitRecord } from './checkpoints.js';
export { evaluateExpression } from './expression.js';
export { resolveReferences } from './references.js';
export { executeWorkflow, workflowAsTool } from './execute-workflow.js';
export type {
  BranchSpec, ConditionSpec, ErrorStrategy, RetryPolicy, StepFunctionContext, StepResult, StepSpec, WorkflowComponent, WorkflowError,
  WorkflowInput, WorkflowResult, WorkflowType,
} from './types.js';

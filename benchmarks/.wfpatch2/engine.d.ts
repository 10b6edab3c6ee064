import { type ExecutionContext } from '@llmspell/core';
import { CheckpointStore, type StepCheckpoint } from './checkpoints.js';
import { type ReferenceScope } from './references.js';
import type { ConditionData, ConditionSpec, ErrorStrategy, StepResult, StepSpec } from './types.js';
/** Everything one run of one workflow shares between its steps. */
export declare class RunState {
    readonly workflowName: string;
    readonly ctx: ExecutionContext;
    readonly input: unknown;
    readonly runId: string | null;
    readonly checkpoints: CheckpointStore | null;
    readonly restored: Map<string, StepCheckpoint>;
    readonly outputs: Record<string, unknown>;
    readonly branches: Record<string, Record<string, unknown>>;
    shared: Record<string, unknown>;
    sharedDirty: boolean;
    stepsExecuted: number;
    stepsSucceeded: number;
    stepsFailed: number;
    resumed: boolean;
    constructor(workflowName: string, ctx: ExecutionContext, input: unknown, runId: string | null, checkpoints: CheckpointStore | null, restored: Map<string, StepCheckpoint>, shared?: Record<string, unknown>);
    scope(loop?: {
        current_item: unknown;
        current_index: number;
    }, state?: Record<string, unknown>): ReferenceScope;
    conditionData(loop?: {
        current_item: unknown;
        current_index: number;
    }, iteration?: number): ConditionData;
}
/**
 * Runs a step with its error strategy (retry with backoff, fallback step), resuming from a
 * checkpoint when the run already completed it. Never throws: failures are in the result.
 */
export declare function runStep(rs: RunState, step: StepSpec, path: string, defaultStrategy: ErrorStrategy, loop?: {
    current_item: unknown;
    current_index: number;
}, branch?: string): Promise<StepResult>;
export interface SequenceOutcome {
    results: StepResult[];
    lastOutput: unknown;
    failed?: StepResult;
}
/** Runs steps in order; stops at the first failure unless the strategy is `continue`. */
export declare function runSequence(rs: RunState, steps: StepSpec[], prefix: string, strategy: ErrorStrategy, loop?: {
    current_item: unknown;
    current_index: number;
}, branch?: string): Promise<SequenceOutcome>;
/** Evaluates a branch/break/while condition. */
export declare function evaluateCondition(cond: ConditionSpec, rs: RunState, data: ConditionData): Promise<boolean>;
//# sourceMappingURL=engine.d.ts.map
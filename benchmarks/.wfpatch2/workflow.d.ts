import { type ExecutionContext } from '@llmspell/core';
import { type RetentionSettings, type RunRecord } from './checkpoints.js';
import { RunState } from './engine.js';
import type { BranchSpec, ConditionSpec, ErrorStrategy, StepResult, StepSpec, WorkflowComponent, WorkflowError, WorkflowInput, WorkflowResult, WorkflowType } from './types.js';
export interface WorkflowMetrics {
    total_executions: number;
    successful_executions: number;
    failed_executions: number;
    average_duration_ms: number;
    last_execution_time: string | null;
}
interface PatternOutcome {
    success: boolean;
    data: Record<string, unknown>;
    output: unknown;
    error?: WorkflowError;
    extra: Record<string, unknown>;
}
export interface BaseWorkflowOptions {
    name: string;
    description?: string;
    errorStrategy?: ErrorStrategy;
    timeoutMs?: number;
    retention?: RetentionSettings;
}
/** The pieces every pattern shares: run bookkeeping, durable checkpoints, metrics. */
export declare abstract class BaseWorkflow implements WorkflowComponent {
    readonly kind: "workflow";
    readonly id: string;
    abstract readonly type: WorkflowType;
    readonly name: string;
    readonly description: string;
    readonly errorStrategy: ErrorStrategy;
    readonly timeoutMs?: number;
    readonly retention: RetentionSettings;
    /** Script metadata recorded with durable runs (set by the CLI for `llmspell resume`). */
    scriptInfo?: RunRecord['script'];
    private readonly stats;
    constructor(options: BaseWorkflowOptions);
    protected abstract execute(rs: RunState): Promise<PatternOutcome>;
    /** Every step of this workflow (for validation and `getInfo`). */
    abstract steps(): StepSpec[];
    get metrics(): WorkflowMetrics;
    run(raw: WorkflowInput | undefined, ctx: ExecutionContext): Promise<WorkflowResult>;
    protected failure(type: string, failed: StepResult | undefined, location?: string, details?: unknown): WorkflowError;
}
export declare class SequentialWorkflow extends BaseWorkflow {
    private readonly stepList;
    readonly type: "sequential";
    constructor(options: BaseWorkflowOptions, stepList: StepSpec[]);
    steps(): StepSpec[];
    protected execute(rs: RunState): Promise<PatternOutcome>;
}
export declare class ConditionalWorkflow extends BaseWorkflow {
    private readonly branches;
    private readonly defaultBranch?;
    private readonly executeAllMatching;
    readonly type: "conditional";
    constructor(options: BaseWorkflowOptions, branches: BranchSpec[], defaultBranch?: BranchSpec | undefined, executeAllMatching?: boolean);
    steps(): StepSpec[];
    protected execute(rs: RunState): Promise<PatternOutcome>;
}
export type LoopIterator = {
    kind: 'range';
    start: number;
    end: number;
    step: number;
} | {
    kind: 'collection';
    items: unknown[];
} | {
    kind: 'while';
    condition: ConditionSpec;
};
export type Aggregation = 'collect_all' | 'last' | 'summary' | 'concat' | 'none';
export declare class LoopWorkflow extends BaseWorkflow {
    private readonly iterator;
    private readonly body;
    private readonly maxIterations;
    private readonly breakConditions;
    private readonly aggregation;
    readonly type: "loop";
    constructor(options: BaseWorkflowOptions, iterator: LoopIterator, body: StepSpec[], maxIterations: number, breakConditions: ConditionSpec[], aggregation: Aggregation);
    steps(): StepSpec[];
    private items;
    protected execute(rs: RunState): Promise<PatternOutcome>;
}
export declare class ParallelWorkflow extends BaseWorkflow {
    private readonly branches;
    private readonly maxConcurrency;
    private readonly failFast;
    readonly type: "parallel";
    constructor(options: BaseWorkflowOptions, branches: BranchSpec[], maxConcurrency: number, failFast: boolean);
    steps(): StepSpec[];
    protected execute(rs: RunState): Promise<PatternOutcome>;
}
export {};
//# sourceMappingURL=workflow.d.ts.map
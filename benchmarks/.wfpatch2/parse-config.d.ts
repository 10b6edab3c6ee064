import { type Component } from '@llmspell/core';
import { type RetentionSettings } from './checkpoints.js';
import type { ConditionSpec, ErrorStrategy, StepSpec } from './types.js';
import { type BaseWorkflow } from './workflow.js';
/** How script values that are not plain data (functions, agent and workflow handles) are turned into host objects. */
export interface ConfigResolver {
    agent?(value: unknown): Component | undefined;
    workflow?(value: unknown): Component | undefined;
    /** A script function → an async host function, or undefined when `value` is not one. */
    fn?(value: unknown): ((...args: unknown[]) => Promise<unknown>) | undefined;
}
export declare function parseErrorStrategy(v: unknown, where: string): ErrorStrategy | undefined;
export declare function parseStep(raw: unknown, index: number, resolver: ConfigResolver, where?: string): StepSpec;
export declare function parseSteps(raw: unknown, resolver: ConfigResolver, where?: string): StepSpec[];
export declare function parseCondition(raw: unknown, resolver: ConfigResolver, where?: string): ConditionSpec;
/** Builds a workflow from a script's option table (DOC and CODE spellings both accepted). */
export declare function createWorkflowFromConfig(type: string, raw: unknown, resolver?: ConfigResolver, retention?: RetentionSettings): BaseWorkflow;
//# sourceMappingURL=parse-config.d.ts.map
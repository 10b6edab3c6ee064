import { type ExecutionContext, type Tool } from '@llmspell/core';
import type { WorkflowComponent, WorkflowInput, WorkflowResult } from './types.js';
/**
 * Runs a workflow through the single execution path and returns its result, also when it
 * failed (then `success` is false and `error` says why), as the reference's `execute()` did.
 */
export declare function executeWorkflow(wf: WorkflowComponent, input: WorkflowInput, ctx: ExecutionContext, timeoutMs?: number): Promise<WorkflowResult>;
/** Wraps a workflow as a tool, so agents and other workflows can call it. */
export declare function workflowAsTool(wf: WorkflowComponent, options?: {
    name?: string;
    description?: string;
}): Tool;
//# sourceMappingURL=execute-workflow.d.ts.map
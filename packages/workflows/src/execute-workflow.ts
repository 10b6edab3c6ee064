import { defineTool, executeComponent, isLlmspellError, z, type ExecutionContext, type Tool } from '@llmspell/core';
import type { WorkflowComponent, WorkflowInput, WorkflowResult } from './types.js';

/**
 * Runs a workflow through the single execution path and returns its result, also when it
 * failed (then `success` is false and `error` says why), as the reference's `execute()` did.
 */
export async function executeWorkflow(wf: WorkflowComponent, input: WorkflowInput, ctx: ExecutionContext, timeoutMs?: number): Promise<WorkflowResult> {
  try {
    return await executeComponent(wf, input, ctx, { timeoutMs: timeoutMs ?? (wf as { timeoutMs?: number }).timeoutMs });
  } catch (error) {
    const result = isLlmspellError(error) ? (error.details.result as WorkflowResult | undefined) : undefined;
    if (result) return result;
    throw error;
  }
}

/** Wraps a workflow as a tool, so agents and other workflows can call it. */
export function workflowAsTool(wf: WorkflowComponent, options: { name?: string; description?: string } = {}): Tool {
  return defineTool({
    name: options.name ?? wf.name,
    description: options.description ?? wf.description,
    category: 'workflow',
    securityLevel: 'safe',
    parameters: z.object({
      input: z.unknown().optional().describe('Input passed to the workflow ({{input}} / {{input.field}})'),
      run_id: z.string().optional().describe('Names a durable run'),
    }).loose(),
    execute: async (params, ctx) => {
      const { run_id, input, ...rest } = params as { run_id?: string; input?: unknown } & Record<string, unknown>;
      const result = await executeWorkflow(wf, { input: input ?? (Object.keys(rest).length ? rest : null), run_id }, ctx);
      return {
        operation: 'execute',
        success: result.success,
        result: result.output,
        ...(result.error !== undefined ? { error: { message: result.error.message, code: 'WORKFLOW_ERROR', details: result.error_details } } : {}),
        metadata: { workflow: wf.name, duration_ms: result.duration_ms, steps_executed: result.metadata.steps_executed },
      };
    },
  });
}

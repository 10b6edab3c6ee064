import type { ComponentKind } from './hooks-contract.js';
import type { ExecutionContext } from './execution-context.js';

/**
 * Anything the runtime can run: a tool, an agent, a workflow. All of them run through
 * `executeComponent`, which fires hooks and events and applies limits and cancellation.
 */
export interface Component<Input = unknown, Output = unknown> {
  readonly kind: Extract<ComponentKind, 'tool' | 'agent' | 'workflow'>;
  readonly name: string;
  readonly description: string;
  /** Does the work. Called only by `executeComponent`. */
  run(input: Input, ctx: ExecutionContext): Promise<Output>;
}

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
  /**
   * Optional: the same work as `run`, returning the output itself (not a promise) when it
   * finished without waiting. `executeComponent` prefers it, so a synchronous tool called
   * from a script answers within the call. `defineTool` provides it.
   */
  [RUN_NOW]?(input: Input, ctx: ExecutionContext): Output | Promise<Output>;
}

/** Key of a component's optional synchronous-when-possible `run` (see `Component`). */
export const RUN_NOW: unique symbol = Symbol.for('llmspell.component.runNow');

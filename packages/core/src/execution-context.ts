import { randomUUID } from 'node:crypto';
import type { ComponentLookup, ExecutionContext, StateAccess } from './component.js';
import type { EventSink, HookExecutor } from './hooks-contract.js';
import { type Logger, silentLogger } from './logger.js';
import { SecurityPolicy } from './security/security-policy.js';

export interface ExecutionContextInit {
  signal?: AbortSignal;
  policy?: SecurityPolicy;
  logger?: Logger;
  correlationId?: string;
  language?: string;
  hooks?: HookExecutor;
  events?: EventSink;
  state?: StateAccess;
  components?: ComponentLookup;
  settings?: Record<string, unknown>;
  services?: Record<string, unknown>;
}

export function createExecutionContext(init: ExecutionContextInit = {}): ExecutionContext {
  return {
    signal: init.signal ?? new AbortController().signal,
    policy: init.policy ?? new SecurityPolicy(),
    logger: init.logger ?? silentLogger,
    correlationId: init.correlationId ?? randomUUID(),
    language: init.language ?? 'native',
    hooks: init.hooks,
    events: init.events,
    state: init.state,
    components: init.components,
    settings: init.settings ?? {},
    services: init.services ?? {},
  };
}

/** A copy of `ctx` with some fields replaced. */
export function deriveContext(ctx: ExecutionContext, changes: Partial<ExecutionContextInit>): ExecutionContext {
  return { ...ctx, ...Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined)) } as ExecutionContext;
}

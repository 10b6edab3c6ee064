import { randomUUID } from 'node:crypto';
import type { Component } from './component.js';
import type { EventSink, HookExecutor } from './hooks-contract.js';
import { type Logger, silentLogger } from './logger.js';
import { SecurityPolicy } from './security/security-policy.js';
import type { Tool } from './tool.js';

/** Scoped JSON state as components see it (agent history, workflow checkpoints). */
export interface StateAccess {
  get(scope: string, key: string): Promise<unknown>;
  set(scope: string, key: string, value: unknown): Promise<void>;
  delete(scope: string, key: string): Promise<boolean>;
  keys(scope: string): Promise<string[]>;
  /** Deletes the keys of a scope starting with a prefix, atomically where the backend can. */
  deletePrefix?(scope: string, keyPrefix: string): Promise<number>;
}

/** How a component finds others by name (an agent's tools, a workflow's steps). */
export interface ComponentLookup {
  tool(name: string): Tool | undefined;
  agent(name: string): Component | undefined;
  workflow(name: string): Component | undefined;
  tools(): Tool[];
}

export interface ExecutionContext {
  /** Aborted when the run is cancelled or times out; long work must watch it. */
  readonly signal: AbortSignal;
  readonly policy: SecurityPolicy;
  readonly logger: Logger;
  /** Ties together the hooks and events of one top-level call. */
  readonly correlationId: string;
  /** "lua", "javascript" or "native": who started the call. */
  readonly language: string;
  readonly hooks?: HookExecutor;
  readonly events?: EventSink;
  readonly state?: StateAccess;
  readonly components?: ComponentLookup;
  /** Settings for the running component from config (`[tools.<name>]`), plain data. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Extra services by name, for packages that add their own (agents' provider registry…). */
  readonly services: Readonly<Record<string, unknown>>;
}

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

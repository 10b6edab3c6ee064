// The component contract: components, the context they run in, and tools. These types refer
// to one another (a tool is a component, a component runs in a context, a context looks tools
// up), so they live in one file and the files that implement them import it one way.
import type { z } from 'zod';
import type { ComponentKind, EventSink, HookExecutor } from './hooks-contract.js';
import type { Logger } from './logger.js';
import type { SecurityLevel } from './security/security-levels.js';
import type { SecurityPolicy } from './security/security-policy.js';

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

export const ToolCategories = [
  'api', 'communication', 'data', 'filesystem', 'media', 'search', 'system', 'utility', 'web', 'agent', 'workflow', 'custom',
] as const;
export type ToolCategory = (typeof ToolCategories)[number] | (string & {});

export interface MediaItem {
  type: 'image' | 'audio' | 'video' | 'binary';
  base64?: string;
  format?: string;
  width?: number;
  height?: number;
  color_space?: string;
}

/** What a tool's `execute` returns. Everything but `result` is optional. */
export interface ToolOutput {
  /** The operation performed (`encode`, `read`…); defaults to the `operation` parameter. */
  operation?: string;
  /** False for a soft failure reported as data rather than thrown. Default true. */
  success?: boolean;
  message?: string;
  result?: unknown;
  error?: { message: string; code?: string; details?: unknown };
  metadata?: Record<string, unknown>;
  media?: MediaItem[];
}

/**
 * What scripts receive from a tool call: the reference's `{text, metadata}` (text is the
 * pretty JSON document rs-llmspell scripts `JSON.parse`), plus the parsed fields.
 */
export interface ToolResult {
  text: string;
  metadata: Record<string, unknown>;
  success: boolean;
  result: unknown;
  /** The DOC's name for the result value (same as `result`). */
  output: unknown;
  /** A soft failure's error, marked with `markScriptError`: scripts also use it as its message (`"failed: " .. r.error`). */
  error?: { message: string; code?: string; details?: unknown };
  message?: string;
  media?: MediaItem[];
}

export type ToolParameters = z.ZodType<Record<string, unknown>>;

export interface ToolExample {
  description: string;
  params: Record<string, unknown>;
  /**
   * What the example needs that a fresh install lacks (`a mail provider in [tools.email_sender]`).
   * Examples without it run as shown, given the permissions their tool needs.
   */
  needs?: string;
}

export interface ToolDefinition<P extends ToolParameters = ToolParameters> {
  /** Registered name, snake_case (`web_scraper`). */
  name: string;
  /** Other names it answers to (`web-scraper`). */
  aliases?: string[];
  description: string;
  category: ToolCategory;
  /** The level every call needs (what discovery filters on). */
  securityLevel: SecurityLevel;
  /**
   * Parameters that raise the level of a call when given (any value but undefined, null or
   * false): `base64_encoder` is `safe`, but a call with `input_file` reads a file and needs
   * `restricted`. A tool's declared level must cover every parameter it has.
   */
  parameterLevels?: Readonly<Record<string, SecurityLevel>>;
  version?: string;
  tags?: string[];
  /**
   * A zod object schema; arguments are validated against it before `execute` runs. A key it
   * does not declare is refused (`unknown parameter 'inptu' (did you mean 'input'?)`) unless the
   * schema is open (`z.looseObject`) or the key is in `ignoredParameters`.
   */
  parameters: P;
  /** Keys accepted and not used: spellings older callers pass (the reference's docs and examples). */
  ignoredParameters?: readonly string[];
  /** The shape of `result` on success, a zod schema; shown by `llmspell tools show` and `llmspell types`. */
  outputSchema?: z.ZodType;
  /** Calls that work as shown; the first is the one `llmspell tools show` prints. */
  examples?: ToolExample[];
  execute(params: z.infer<P>, ctx: ExecutionContext): Promise<ToolOutput> | ToolOutput;
}

export interface Tool extends Component<Record<string, unknown>, ToolResult> {
  readonly kind: 'tool';
  readonly aliases: readonly string[];
  readonly category: ToolCategory;
  readonly securityLevel: SecurityLevel;
  /**
   * Parameters that raise a call's level when given (see `ToolDefinition.parameterLevels`).
   * Set by `defineTool`, whose `run` checks them; a hand-built tool has only `securityLevel`.
   */
  readonly parameterLevels?: Readonly<Record<string, SecurityLevel>>;
  /** The level a call with these (validated) arguments needs, and the parameter that sets it. */
  callSecurityLevel?(params: Record<string, unknown>): { level: SecurityLevel; parameter?: string };
  readonly version: string;
  readonly tags: readonly string[];
  readonly parameters: ToolParameters;
  readonly ignoredParameters?: readonly string[];
  readonly outputSchema?: z.ZodType;
  readonly examples: readonly ToolExample[];
  /** Validates raw script arguments; throws INVALID_ARGUMENT naming the parameter. */
  validate(params: unknown): Record<string, unknown>;
}

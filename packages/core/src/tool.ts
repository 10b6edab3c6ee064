import { z } from 'zod';
import { RUN_NOW, type Component } from './component.js';
import type { ExecutionContext } from './execution-context.js';
import { LlmspellError } from './errors.js';
import { isPromiseLike } from './execution/maybe-sync.js';
import { checkParameterKeys } from './parameter-keys.js';
import { type SecurityLevel, securityLevelRank } from './security/security-levels.js';

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

const TOOL_MARK = Symbol.for('llmspell.tool');

function describeIssue(toolName: string, issue: z.core.$ZodIssue): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
  return `${toolName}: parameter '${where}': ${issue.message}`;
}

/** Turns a ToolOutput into the script-facing ToolResult. */
export function toToolResult(output: ToolOutput, operation: string | undefined, executionTimeMs?: number): ToolResult {
  const success = output.success ?? true;
  const op = output.operation ?? operation;
  const doc: Record<string, unknown> = {};
  if (op !== undefined) doc.operation = op;
  doc.success = success;
  if (output.message !== undefined) doc.message = output.message;
  if (output.result !== undefined) doc.result = output.result;
  if (output.error !== undefined) doc.error = output.error;
  if (output.metadata !== undefined) doc.metadata = output.metadata;
  const metadata: Record<string, unknown> = { ...(output.metadata ?? {}) };
  if (executionTimeMs !== undefined) metadata.execution_time_ms = executionTimeMs;
  const result: ToolResult = {
    text: JSON.stringify(doc, null, 2),
    metadata,
    success,
    result: output.result ?? null,
    output: output.result ?? null,
  };
  if (output.error !== undefined) result.error = output.error;
  if (output.message !== undefined) result.message = output.message;
  if (output.media !== undefined && output.media.length > 0) result.media = output.media;
  return result;
}

/**
 * Defines a tool. This is all a third-party plugin needs:
 *
 * ```ts
 * export default defineTool({
 *   name: 'shout', description: 'Upper-cases text', category: 'utility', securityLevel: 'safe',
 *   parameters: z.object({ input: z.string() }),
 *   execute: ({ input }) => ({ result: input.toUpperCase() }),
 * });
 * ```
 */
export function defineTool<P extends ToolParameters>(definition: ToolDefinition<P>): Tool {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(definition.name)) {
    throw new LlmspellError('INVALID_ARGUMENT', `tool name '${definition.name}' must start with a letter and use letters, digits, _ or -`);
  }
  const name = definition.name;
  const parameterLevels = Object.freeze({ ...(definition.parameterLevels ?? {}) });
  const leveledParameters = Object.entries(parameterLevels);
  const callSecurityLevel = (params: Record<string, unknown>): { level: SecurityLevel; parameter?: string } => {
    let need: { level: SecurityLevel; parameter?: string } = { level: definition.securityLevel };
    for (const [parameter, level] of leveledParameters) {
      const value = params[parameter];
      if (value === undefined || value === null || value === false) continue;
      if (securityLevelRank(level) > securityLevelRank(need.level)) need = { level, parameter };
    }
    return need;
  };
  // The tool's answer as soon as it has one: a synchronous `execute` is not made to wait a turn.
  const runNow = (input: Record<string, unknown>, ctx: ExecutionContext): ToolResult | Promise<ToolResult> => {
    // Checked here, on the arguments the tool really gets (after hooks changed them).
    if (leveledParameters.length > 0) {
      const need = callSecurityLevel(input);
      if (need.parameter !== undefined) ctx.policy.checkSecurityLevel(name, need.level, need.parameter);
    }
    const started = performance.now();
    const op = typeof input.operation === 'string' ? input.operation : undefined;
    const finish = (output: ToolOutput | undefined) => toToolResult(output ?? {}, op, Math.round((performance.now() - started) * 1000) / 1000);
    const output = definition.execute(input as z.infer<P>, ctx);
    return isPromiseLike(output) ? Promise.resolve(output).then(finish) : finish(output);
  };
  const tool: Tool & { [TOOL_MARK]: true } = {
    [TOOL_MARK]: true,
    kind: 'tool',
    name,
    aliases: definition.aliases ?? [],
    description: definition.description,
    category: definition.category,
    securityLevel: definition.securityLevel,
    parameterLevels,
    callSecurityLevel,
    version: definition.version ?? '1.0.0',
    tags: definition.tags ?? [],
    parameters: definition.parameters,
    ignoredParameters: definition.ignoredParameters ?? [],
    ...(definition.outputSchema ? { outputSchema: definition.outputSchema } : {}),
    examples: definition.examples ?? [],
    validate(params: unknown): Record<string, unknown> {
      const raw = params === undefined || params === null ? {} : params;
      if (typeof raw === 'object' && !Array.isArray(raw)) checkParameterKeys(name, raw as Record<string, unknown>, definition.parameters, definition.ignoredParameters);
      const parsed = definition.parameters.safeParse(raw);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new LlmspellError('INVALID_ARGUMENT', describeIssue(name, first), {
          details: { tool: name, parameter: first.path.map(String).join('.'), issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
        });
      }
      return parsed.data as Record<string, unknown>;
    },
    async run(input: Record<string, unknown>, ctx: ExecutionContext): Promise<ToolResult> {
      return runNow(input, ctx);
    },
    [RUN_NOW]: runNow,
  };
  return tool;
}

export function isTool(value: unknown): value is Tool {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TOOL_MARK] === true;
}

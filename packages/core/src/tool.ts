import { z } from 'zod';
import { RUN_NOW, type ExecutionContext, type Tool, type ToolDefinition, type ToolOutput, type ToolParameters, type ToolResult } from './component.js';
import { LlmspellError } from './errors.js';
import { isPromiseLike } from './execution/maybe-sync.js';
import { checkParameterKeys } from './parameter-keys.js';
import { markScriptError } from './script-values.js';
import { type SecurityLevel, securityLevelRank } from './security/security-levels.js';

/** What `isTool` looks for (shared with lazy tools, across copies of this package). */
export const TOOL_MARK = Symbol.for('llmspell.tool');

/** The value at `path` inside `raw` (undefined when any step is missing: own keys only). */
function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeIssue(toolName: string, issue: z.core.$ZodIssue, raw: unknown): string {
  const where = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
  // zod words a missing field as a wrong type ("expected string, received undefined"): a
  // script author left it out, and "required" says so
  if (issue.code === 'invalid_type' && issue.path.length > 0 && valueAt(raw, issue.path) === undefined) {
    return `${toolName}: parameter '${where}' is required`;
  }
  return `${toolName}: parameter '${where}': ${issue.message}`;
}

/** Turns a ToolOutput into the script-facing ToolResult. */
export function toToolResult(output: ToolOutput, operation: string | undefined, executionTimeMs?: number): ToolResult {
  const success = output.success ?? true;
  // One shape for every call (JSON.stringify leaves out the fields that are undefined): the
  // text is what the fields given make, in this order, as before.
  const doc = {
    operation: output.operation ?? operation,
    success,
    message: output.message,
    result: output.result,
    error: output.error,
    metadata: output.metadata,
  };
  const metadata: Record<string, unknown> = {};
  const given = output.metadata;
  // copied key by key (a spread costs several times more); `__proto__` as data, as a spread would
  if (given !== undefined) {
    for (const key of Object.keys(given)) {
      if (key === '__proto__') Object.defineProperty(metadata, key, { value: given[key], enumerable: true, writable: true, configurable: true });
      else metadata[key] = given[key];
    }
  }
  if (executionTimeMs !== undefined) metadata.execution_time_ms = executionTimeMs;
  const result: ToolResult = {
    text: JSON.stringify(doc, null, 2),
    metadata,
    success,
    result: output.result ?? null,
    output: output.result ?? null,
  };
  // a copy (the tool's own object may be shared or frozen), marked so that scripts may also use it as its message
  if (output.error !== undefined) result.error = markScriptError({ ...output.error, message: output.error.message });
  if (output.message !== undefined) result.message = output.message;
  if (output.media !== undefined && output.media.length > 0) result.media = output.media;
  return result;
}

/** The level a call needs: the tool's, raised by each leveled parameter given (not undefined, null or false). */
export function securityLevelOfCall(toolLevel: SecurityLevel, parameterLevels: Readonly<Record<string, SecurityLevel>>): (params: Record<string, unknown>) => { level: SecurityLevel; parameter?: string } {
  const leveled = Object.entries(parameterLevels);
  return (params) => {
    let need: { level: SecurityLevel; parameter?: string } = { level: toolLevel };
    for (const [parameter, level] of leveled) {
      const value = params[parameter];
      if (value === undefined || value === null || value === false) continue;
      if (securityLevelRank(level) > securityLevelRank(need.level)) need = { level, parameter };
    }
    return need;
  };
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
  const callSecurityLevel = securityLevelOfCall(definition.securityLevel, parameterLevels);
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
        throw new LlmspellError('INVALID_ARGUMENT', describeIssue(name, first, raw), {
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

import { z } from 'zod';
import { RUN_NOW, type ExecutionContext, type Tool, type ToolCategory, type ToolExample, type ToolResult } from './component.js';
import { outputJsonSchema, parametersJsonSchema, seedSchemaDescriptions, type JsonSchema } from './describe-parameters.js';
import { LlmspellError } from './errors.js';
import type { SecurityLevel } from './security/security-levels.js';
import { TOOL_MARK, securityLevelOfCall } from './tool.js';

/**
 * What a tool shows without its code: everything `Tool.list()`, `llmspell tools show`, agents'
 * tool schemas and the security checks before a call need. Written at build time from the
 * tool itself (`toolManifestEntry`), plain JSON.
 */
export interface ToolManifestEntry {
  name: string;
  aliases: string[];
  description: string;
  category: ToolCategory;
  securityLevel: SecurityLevel;
  parameterLevels: Record<string, SecurityLevel>;
  version: string;
  tags: string[];
  ignoredParameters: string[];
  examples: ToolExample[];
  /** JSON Schema of the parameters (input side), as `parametersJsonSchema` gives it. */
  parameters: JsonSchema;
  /** JSON Schema of `result` (output side), when the tool declares one. */
  output?: JsonSchema;
}

/** Loads a lazy tool's code: resolves undefined when already loaded (see executeComponent). */
export const LOAD_TOOL = Symbol.for('llmspell.tool.load');

export function toolManifestEntry(tool: Tool): ToolManifestEntry {
  const entry: ToolManifestEntry = {
    name: tool.name,
    aliases: [...tool.aliases],
    description: tool.description,
    category: tool.category,
    securityLevel: tool.securityLevel,
    parameterLevels: { ...(tool.parameterLevels ?? {}) },
    version: tool.version,
    tags: [...tool.tags],
    ignoredParameters: [...(tool.ignoredParameters ?? [])],
    examples: structuredClone([...tool.examples]),
    parameters: parametersJsonSchema(tool.parameters),
  };
  if (tool.outputSchema) entry.output = outputJsonSchema(tool.outputSchema);
  return structuredClone(entry);
}

/**
 * A tool known from its manifest entry whose code loads on its first call (`load`, shared by
 * the tools of one package): listing and describing it costs no import. The loaded tool must
 * be the one the entry describes (name, level, parameter levels), so a stale manifest can
 * never lower a check. Until loaded, `parameters` is a stand-in that refuses every value
 * (its descriptions are the entry's); executeComponent loads the tool before validating.
 */
export function defineLazyTool(entry: ToolManifestEntry, load: () => Promise<Tool>): Tool {
  let real: Tool | undefined;
  let loading: Promise<Tool> | undefined;
  let standIn: { parameters: z.ZodType<Record<string, unknown>>; output?: z.ZodType } | undefined;
  const stand = () => {
    if (!standIn) {
      standIn = { parameters: z.never() as unknown as z.ZodType<Record<string, unknown>>, output: entry.output ? z.never() : undefined };
      seedSchemaDescriptions(standIn.parameters, entry.parameters, undefined);
      if (standIn.output) seedSchemaDescriptions(standIn.output, undefined, entry.output);
    }
    return standIn;
  };
  const ensure = (): Promise<Tool> => {
    loading ??= load().then((tool) => {
      const same = tool.name === entry.name && tool.securityLevel === entry.securityLevel
        && JSON.stringify(tool.parameterLevels ?? {}) === JSON.stringify(entry.parameterLevels);
      if (!same) {
        throw new LlmspellError('INTERNAL', `tool '${entry.name}': its code does not match the tool manifest the CLI was built with (rebuild it)`, { details: { tool: entry.name } });
      }
      real = tool;
      return tool;
    });
    loading.catch(() => {
      loading = undefined; // a failed load (a package removed meanwhile) is tried again next call
    });
    return loading;
  };
  const parameterLevels = Object.freeze({ ...entry.parameterLevels });
  const levelOfCall = securityLevelOfCall(entry.securityLevel, parameterLevels);
  const tool: Tool & { [TOOL_MARK]: true; [LOAD_TOOL](): Promise<Tool> | undefined } = {
    [TOOL_MARK]: true,
    kind: 'tool',
    name: entry.name,
    aliases: Object.freeze([...entry.aliases]),
    description: entry.description,
    category: entry.category,
    securityLevel: entry.securityLevel,
    parameterLevels,
    callSecurityLevel(params: Record<string, unknown>) {
      return real?.callSecurityLevel ? real.callSecurityLevel(params) : levelOfCall(params);
    },
    version: entry.version,
    tags: Object.freeze([...entry.tags]),
    get parameters() {
      return real?.parameters ?? stand().parameters;
    },
    ignoredParameters: Object.freeze([...entry.ignoredParameters]),
    examples: Object.freeze(entry.examples),
    validate(params: unknown): Record<string, unknown> {
      if (!real) throw new LlmspellError('INTERNAL', `tool '${entry.name}' is not loaded yet: call it through executeComponent`, { details: { tool: entry.name } });
      return real.validate(params);
    },
    async run(input: Record<string, unknown>, ctx: ExecutionContext): Promise<ToolResult> {
      return (real ?? (await ensure())).run(input, ctx);
    },
    [RUN_NOW](input: Record<string, unknown>, ctx: ExecutionContext): ToolResult | Promise<ToolResult> {
      const now = (t: Tool) => (t[RUN_NOW] ? t[RUN_NOW](input, ctx) : t.run(input, ctx));
      return real ? now(real) : ensure().then(now);
    },
    [LOAD_TOOL]: () => (real ? undefined : ensure()),
  };
  if (entry.output) {
    Object.defineProperty(tool, 'outputSchema', { enumerable: true, get: () => real?.outputSchema ?? stand().output });
  }
  return tool;
}

/** Loads a lazy tool's code (nothing for any other component); undefined when there is nothing to wait for. */
export function loadToolCode(component: object): Promise<unknown> | undefined {
  return (component as { [LOAD_TOOL]?: () => Promise<Tool> | undefined })[LOAD_TOOL]?.();
}

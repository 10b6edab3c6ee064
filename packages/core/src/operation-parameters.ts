import { z } from 'zod';
import { type ErrorCode, LlmspellError } from './errors.js';

/*
 * Helpers for tools that take an `operation` parameter with reference aliases
 * (`read`/`read_file`…) and parameters that only some operations need. Shared so that
 * every tool names the bad parameter the same way.
 */

/** Normalises an operation name through an alias table; names the parameter on failure. */
export function normaliseOperation(tool: string, raw: string, table: Record<string, string>): string {
  const op = table[raw.trim().toLowerCase()];
  if (!op) {
    const names = [...new Set(Object.values(table))];
    throw new LlmspellError('INVALID_ARGUMENT', `${tool}: parameter 'operation': unknown operation '${raw}' (expected one of ${names.join(', ')})`, {
      details: { tool, parameter: 'operation', value: raw },
    });
  }
  return op;
}

/** Throws a tool's standard refusal of a bad parameter: `<tool>: parameter '<name>': <why>`. */
export function paramError(tool: string, parameter: string, why: string, code: ErrorCode = 'INVALID_ARGUMENT', details: Record<string, unknown> = {}): never {
  throw new LlmspellError(code, `${tool}: parameter '${parameter}': ${why}`, { details: { tool, parameter, ...details } });
}

/** The error for a parameter an operation needs but did not get. */
export function missingParameter(tool: string, parameter: string, operation?: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `${tool}: parameter '${parameter}' is required${operation ? ` for operation '${operation}'` : ''}`, {
    details: { tool, parameter },
  });
}

/** Lua's empty table arrives as `{}`; for list parameters it means an empty list. */
export function emptyTableAsList(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0 ? [] : value;
}

/**
 * A parameter that is another name for `target` (the reference's spelling): optional, and
 * described as the alias, so `tools show` and the JSON Schema say which parameter it stands for.
 */
export function aliasOf(target: string): z.ZodOptional<z.ZodString>;
export function aliasOf<T extends z.ZodType>(target: string, schema: T): z.ZodOptional<T>;
export function aliasOf(target: string, schema: z.ZodType = z.string()): z.ZodOptional<z.ZodType> {
  return schema.optional().describe(`Alias of '${target}'`);
}

/** A web tool's URL parameters: `input`, and `url` as its alias (the reference's spelling). */
export function urlParameters(description: string): { input: z.ZodOptional<z.ZodString>; url: z.ZodOptional<z.ZodString> } {
  return { input: z.string().optional().describe(description), url: aliasOf('input') };
}

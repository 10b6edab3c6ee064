import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { compileScriptRegex, LlmspellError, defineTool, z } from '@llmspell/core';
import { DEFAULT_MAX_STEPS, DEFAULT_MAX_VALUE_BYTES } from './jq/budget.js';
import { runJq } from './jq/evaluate.js';
import { jsonSizeWithin } from './jq/json-size.js';
import { jsonTooDeepAt, MAX_JSON_DEPTH } from './json-text.js';

const MAX_INPUT_BYTES = 100 * 1024 * 1024;
const MAX_TIME_MS = 30_000;

// Loaded on first use, so importing the tool package only builds its definition.
let ajvLibs: Promise<{ Ajv: typeof Ajv; Ajv2020: typeof Ajv2020; addFormats: (ajv: Ajv | Ajv2020) => void }> | undefined;
const loadAjv = () => (ajvLibs ??= Promise.all([import('ajv'), import('ajv/dist/2020.js'), import('ajv-formats')]).then(([a, a2020, formats]) => ({
  Ajv: a.Ajv,
  Ajv2020: a2020.Ajv2020,
  addFormats: ((formats.default as unknown as { default?: unknown }).default ?? formats.default) as (ajv: Ajv | Ajv2020) => void,
})));

/**
 * Ajv's `pattern` and `patternProperties` run on the linear-time engine: a schema's regex comes
 * from the script, and V8's backtracking one would let `^(a+)+$` stall the host.
 */
const scriptRegExp = Object.assign((pattern: string, flags: string) => {
  const rx = compileScriptRegex(pattern, { parameter: 'schema', flags });
  return { test: (s: string) => rx.test(s), toString: () => `/${pattern}/${flags}` };
}, { code: 'scriptRegExp' });

const OPERATIONS = ['query', 'validate', 'stream', 'transform', 'jq', 'parse', 'stringify', 'format'] as const;

/**
 * Parses JSON text given as `parameter`: malformed text is INVALID_ARGUMENT with the parser's
 * position, and text nested past MAX_JSON_DEPTH is refused before anything walks it.
 */
function parseJsonText(text: string, parameter: string): unknown {
  const deepAt = jsonTooDeepAt(text);
  if (deepAt >= 0) {
    throw new LlmspellError('SIZE_LIMIT_EXCEEDED', `parameter '${parameter}': JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at position ${deepAt})`, { details: { parameter, limit: MAX_JSON_DEPTH, position: deepAt } });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}': invalid JSON: ${(e as Error).message}`, { details: { parameter } });
  }
}

/**
 * Scripts often hand over JSON as text; a string that holds an object or array is parsed. One
 * that starts like one but does not parse is a mistake to report, not a string to query.
 */
function coerceInput(input: unknown): unknown {
  if (typeof input === 'string') {
    const t = input.trim();
    if (t.startsWith('{') || t.startsWith('[')) return parseJsonText(t, 'input');
  }
  return input === undefined ? null : input;
}

function positiveSetting(value: unknown): number | undefined {
  return typeof value === 'number' && value > 0 ? value : undefined;
}

function collapse(outputs: unknown[]): unknown {
  if (outputs.length === 1) return outputs[0];
  if (outputs.length === 0) return null;
  return outputs;
}

let ajv07: Ajv | undefined;
let ajv2020: Ajv2020 | undefined;
const compiled = new WeakMap<object, ValidateFunction>();

async function validatorFor(schema: Record<string, unknown>): Promise<ValidateFunction> {
  const hit = compiled.get(schema);
  if (hit) return hit;
  const lib = await loadAjv();
  const draft = typeof schema.$schema === 'string' ? schema.$schema : '';
  const modern = /2019-09|2020-12/.test(draft);
  let ajv: Ajv | Ajv2020;
  if (modern) {
    ajv2020 ??= (() => { const a = new lib.Ajv2020({ allErrors: true, strict: false, code: { regExp: scriptRegExp } }); lib.addFormats(a); return a; })();
    ajv = ajv2020;
  } else {
    ajv07 ??= (() => { const a = new lib.Ajv({ allErrors: true, strict: false, code: { regExp: scriptRegExp } }); lib.addFormats(a); return a; })();
    ajv = ajv07;
  }
  let fn: ValidateFunction;
  try {
    // Schemas arrive per call; compiling without caching by $id keeps one call's ids from clashing with the next's.
    const { $id: _id, ...rest } = schema;
    void _id;
    fn = ajv.compile(rest);
  } catch (error) {
    throw new LlmspellError('INVALID_ARGUMENT', `parameter 'schema': not a valid JSON Schema: ${(error as Error).message}`);
  }
  compiled.set(schema, fn);
  return fn;
}

function describeErrors(errors: ErrorObject[] | null | undefined): Array<Record<string, unknown>> {
  return (errors ?? []).map((e) => ({
    path: e.instancePath || '/',
    message: `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`,
    keyword: e.keyword,
    params: e.params,
  }));
}

export const jsonProcessor = defineTool({
  name: 'json_processor',
  aliases: ['json-processor'],
  description: 'Query and transform JSON with jq expressions, validate it against a JSON Schema, or process JSON lines',
  outputSchema: z.union([
    z.object({
      valid: z.boolean(),
      errors: z.array(z.object({ path: z.string(), message: z.string(), keyword: z.string(), params: z.record(z.string(), z.unknown()) })),
    }).describe('validate'),
    z.array(z.object({ line: z.number(), success: z.boolean(), result: z.unknown().optional(), error: z.string().optional() })).describe('stream: one entry per line'),
    z.unknown().describe('query: what the jq expression gives (a list when it gives several values); parse: the value; stringify: JSON text'),
  ]),
  ignoredParameters: ['transformation', 'json', 'input_json', 'path', 'value'],
  category: 'data',
  securityLevel: 'safe',
  tags: ['json', 'jq', 'schema', 'validation', 'data'],
  parameters: z.object({
    operation: z.enum(OPERATIONS).default('query')
      .describe('query | validate | stream (transform and jq are aliases of query) | parse (JSON text to a value) | stringify (a value to JSON text; format = pretty stringify)'),
    input: z.unknown().optional().describe('The JSON value (for stream: a string of JSON lines)'),
    query: z.string().default('.').describe('jq expression'),
    schema: z.record(z.string(), z.unknown()).optional().describe('JSON Schema for validate'),
    pretty: z.boolean().optional().describe('stringify: indent the output (default false; true for format)'),
    indent: z.number().int().min(0).max(10).optional().describe('stringify: spaces per level when pretty (default 2)'),
  }),
  examples: [
    { description: 'Names of active users', params: { operation: 'query', input: { users: [{ name: 'a', active: true }, { name: 'b', active: false }] }, query: '[.users[] | select(.active) | .name]' } },
    { description: 'Check a value against a JSON Schema', params: { operation: 'validate', input: { age: -1 }, schema: { type: 'object', properties: { age: { type: 'integer', minimum: 0 } } } } },
    { description: 'A jq query over JSON lines', params: { operation: 'stream', input: '{"n":1}\n{"n":2}\n', query: '.n * 10' } },
  ],
  async execute(params, ctx) {
    const deadline = Date.now() + MAX_TIME_MS;
    // The step budget bounds time (`range(1e12)`, `repeat`); [tools.json_processor] max_steps raises it.
    const maxSteps = positiveSetting(ctx.settings.max_steps) ?? DEFAULT_MAX_STEPS;
    // The value budget bounds memory (`reduce range(27) as $i ([0]; . + .)`, `"x" * 1e9`): no value
    // the query builds, and not its outputs together, may pass it. A large input raises it, so a
    // query can still copy or return its whole input.
    const maxOutput = positiveSetting(ctx.settings.max_output_bytes) ?? DEFAULT_MAX_VALUE_BYTES;
    const inputBytes = typeof params.input === 'string' ? Buffer.byteLength(params.input) : jsonSizeWithin(params.input ?? null, MAX_INPUT_BYTES);
    const limits = { deadline, signal: ctx.signal, maxSteps, maxValueBytes: Math.max(maxOutput, 2 * Math.min(inputBytes, MAX_INPUT_BYTES)) };
    const operation = params.operation === 'transform' || params.operation === 'jq' ? 'query' : params.operation;
    if (operation === 'stream') {
      if (typeof params.input !== 'string') {
        if (!Array.isArray(params.input)) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input': stream needs a string of JSON lines (or an array of values)");
      }
      if (typeof params.input === 'string') ctx.policy.checkSize("parameter 'input'", Buffer.byteLength(params.input), MAX_INPUT_BYTES);
      const items: Array<{ line: number; value?: unknown; error?: string }> = [];
      if (typeof params.input === 'string') {
        params.input.split(/\r?\n/).forEach((text, i) => {
          if (text.trim() === '') return;
          if (jsonTooDeepAt(text) >= 0) {
            items.push({ line: i + 1, error: `JSON is nested deeper than ${MAX_JSON_DEPTH} levels` });
            return;
          }
          try {
            items.push({ line: i + 1, value: JSON.parse(text) });
          } catch (e) {
            items.push({ line: i + 1, error: `invalid JSON: ${(e as Error).message}` });
          }
        });
      } else (params.input as unknown[]).forEach((value, i) => items.push({ line: i + 1, value }));
      const results = items.map((item) => {
        if (item.error) return { line: item.line, success: false, error: item.error };
        try {
          return { line: item.line, success: true, result: collapse(runJq(params.query, item.value, limits)) };
        } catch (e) {
          if (e instanceof LlmspellError && e.code === 'INVALID_ARGUMENT' && e.message.includes('jq error')) {
            return { line: item.line, success: false, error: e.detail };
          }
          throw e;
        }
      });
      const failed = results.filter((r) => !r.success).length;
      return {
        operation: 'stream',
        result: results,
        message: `processed ${results.length} lines (${failed} failed)`,
        metadata: { line_count: results.length, failed_count: failed },
      };
    }
    if (operation === 'parse') {
      // DOC operation (absent from the reference code): JSON text in, the value out; a non-string is already a value.
      if (typeof params.input !== 'string') {
        if (params.input === undefined) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'input' is required for operation 'parse'");
        return { operation: 'parse', result: params.input, message: 'input is already a JSON value' };
      }
      ctx.policy.checkSize("parameter 'input'", Buffer.byteLength(params.input), MAX_INPUT_BYTES);
      const value = parseJsonText(params.input, 'input');
      return { operation: 'parse', result: value, message: 'JSON parsed', metadata: { type: value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value } };
    }
    if (operation === 'stringify' || operation === 'format') {
      // DOC operations: a value (or JSON text, re-serialised) to JSON text.
      const value = coerceInput(params.input);
      const pretty = params.pretty ?? operation === 'format';
      const text = JSON.stringify(value, null, pretty ? (params.indent ?? 2) : undefined);
      return { operation, result: text, message: `JSON serialised (${Buffer.byteLength(text)} bytes)`, metadata: { length: text.length, pretty } };
    }
    // Required as in the reference ("Query operation requires 'input' parameter"); a misspelt
    // name (json =, data =) must not quietly query null.
    if (params.input === undefined) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'input' is required for operation '${operation}'`);
    const input = coerceInput(params.input);
    if (operation === 'validate') {
      if (!params.schema) throw new LlmspellError('INVALID_ARGUMENT', "parameter 'schema' is required for operation 'validate'");
      const validate = await validatorFor(params.schema);
      const valid = validate(input) as boolean;
      const errors = describeErrors(validate.errors);
      return {
        operation: 'validate',
        result: { valid, errors },
        message: valid ? 'input is valid' : `input is invalid (${errors.length} error${errors.length === 1 ? '' : 's'})`,
        metadata: { error_count: errors.length },
      };
    }
    const outputs = runJq(params.query, input, limits);
    return {
      operation: 'query',
      result: collapse(outputs),
      metadata: { query: params.query, output_count: outputs.length },
    };
  },
});

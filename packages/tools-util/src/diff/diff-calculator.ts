import { defineTool, jsonTooDeepAt, MAX_JSON_DEPTH, z, type ExecutionContext, paramError } from '@llmspell/core';
import { readAllowedFile } from '../policy-files.js';
import { jsonDiff } from './json-diff.js';
import { textDiff } from './text-diff.js';

const NAME = 'diff_calculator';

const parameters = z.object({
  type: z.enum(['text', 'json']).optional().describe("'text' (line diff, default) or 'json' (structural diff)"),
  operation: z.enum(['text', 'json', 'diff', 'text_diff', 'json_diff']).optional()
    .describe("DOC alias of 'type' ('diff' and 'text_diff' = text, 'json_diff' = json)"),
  old_text: z.string().optional().describe('text: the original text'),
  new_text: z.string().optional().describe('text: the changed text'),
  old_json: z.unknown().optional().describe('json: the original value (any JSON; a string is parsed as JSON)'),
  new_json: z.unknown().optional().describe('json: the changed value (any JSON; a string is parsed as JSON)'),
  old_file: z.string().optional().describe('Path of the original file instead of old_text/old_json (inside the allowed paths)'),
  new_file: z.string().optional().describe('Path of the changed file instead of new_text/new_json (inside the allowed paths)'),
  format: z.enum(['unified', 'context', 'inline', 'simple']).default('unified')
    .describe("text: 'unified' (diff -u), 'context' (diff -c), 'inline' (word diff: [-old-]{+new+}) or 'simple' (a summary of changed line ranges)"),
  context_lines: z.number().int().min(0).max(1000).default(3).describe('text: lines of context around changes in unified/context output'),
});

async function readSide(ctx: ExecutionContext, param: string, file: string | undefined): Promise<string | undefined> {
  if (file === undefined) return undefined;
  const data = await readAllowedFile(ctx, NAME, param, file);
  return data.toString('utf8');
}

function asJson(value: unknown, parameter: string): unknown {
  if (typeof value !== 'string') return value;
  const deepAt = jsonTooDeepAt(value);
  if (deepAt >= 0) paramError(NAME, parameter, `JSON is nested deeper than ${MAX_JSON_DEPTH} levels (at position ${deepAt})`, 'SIZE_LIMIT_EXCEEDED', { limit: MAX_JSON_DEPTH, position: deepAt });
  try {
    return JSON.parse(value);
  } catch (error) {
    paramError(NAME, parameter, `is not valid JSON: ${(error as Error).message}`);
  }
}

export const diffCalculator = defineTool({
  name: NAME,
  description: 'Computes differences between texts (unified, context, word-inline or summary output with insert/delete counts) or JSON values (added, removed and modified paths). Accepts inline values or files.',
  outputSchema: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('text'), format: z.enum(['unified', 'context', 'inline', 'simple']), diff: z.string(),
      stats: z.object({
        old_lines: z.number(), new_lines: z.number(), insertions: z.number(), deletions: z.number(), unchanged: z.number(), changes: z.number(),
        hunks: z.number(), identical: z.boolean(),
      }),
    }),
    z.object({
      type: z.literal('json'), equal: z.boolean(),
      added: z.record(z.string(), z.unknown()).describe('path → new value'), removed: z.record(z.string(), z.unknown()).describe('path → old value'),
      modified: z.record(z.string(), z.object({ old: z.unknown(), new: z.unknown() })),
      changes: z.array(z.object({ path: z.string(), type: z.enum(['added', 'removed', 'modified']), old: z.unknown().optional(), new: z.unknown().optional() })),
      unchanged_count: z.number(),
      stats: z.object({ added: z.number(), removed: z.number(), modified: z.number(), total: z.number() }),
    }),
  ]),
  category: 'utility',
  securityLevel: 'safe',
  // Reading or writing files is what `restricted` means; text in, text out stays `safe`.
  parameterLevels: { old_file: 'restricted', new_file: 'restricted' },
  tags: ['diff', 'compare', 'patch'],
  parameters,
  examples: [
    { description: 'Unified text diff', params: { type: 'text', old_text: 'a\nb\nc\n', new_text: 'a\nB\nc\n', format: 'unified' } },
    { description: 'JSON diff', params: { type: 'json', old_json: { name: 'Ann', age: 30 }, new_json: { name: 'Ann', age: 31, city: 'Oslo' } } },
  ],
  async execute(params, ctx) {
    const type = params.type ?? (params.operation === 'json' || params.operation === 'json_diff' ? 'json' : 'text');
    const oldFile = await readSide(ctx, 'old_file', params.old_file);
    const newFile = await readSide(ctx, 'new_file', params.new_file);

    if (type === 'json') {
      const oldRaw = oldFile ?? params.old_json;
      const newRaw = newFile ?? params.new_json;
      if (oldRaw === undefined) paramError(NAME, 'old_json', 'is required for a json diff (or old_file)');
      if (newRaw === undefined) paramError(NAME, 'new_json', 'is required for a json diff (or new_file)');
      const oldValue = asJson(oldRaw, oldFile !== undefined ? 'old_file' : 'old_json');
      const newValue = asJson(newRaw, newFile !== undefined ? 'new_file' : 'new_json');
      const diff = jsonDiff(oldValue, newValue);
      return {
        operation: 'json_diff',
        message: diff.equal ? 'JSON values are equal' : `JSON diff: ${diff.stats.added} added, ${diff.stats.removed} removed, ${diff.stats.modified} modified`,
        result: { type: 'json', ...diff },
      };
    }

    const oldText = oldFile ?? params.old_text;
    const newText = newFile ?? params.new_text;
    if (oldText === undefined) paramError(NAME, 'old_text', 'is required for a text diff (or old_file)');
    if (newText === undefined) paramError(NAME, 'new_text', 'is required for a text diff (or new_file)');
    const { diff, stats } = textDiff(oldText, newText, params.format, {
      context: params.context_lines,
      oldLabel: params.old_file ?? 'old',
      newLabel: params.new_file ?? 'new',
    });
    return {
      operation: 'text_diff',
      message: stats.identical ? 'Texts are identical' : `Text diff: ${stats.insertions} insertion(s), ${stats.deletions} deletion(s)`,
      result: { type: 'text', format: params.format, diff, stats },
    };
  },
});

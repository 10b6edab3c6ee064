import { CallToolResultSchema, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/**
 * Whether a `tools/call` result is one that `CallToolResultSchema` returns unchanged: an
 * object of exactly `content` (and maybe a boolean `isError`), whose blocks are each exactly
 * `{type: 'text', text}` in that key order. Most tool answers are; anything else (annotations,
 * structured content, `_meta`, images…) is left to the schema, which may drop or add fields.
 */
export function isPlainTextCallResult(value: unknown): value is CallToolResult {
  if (!isPlainObject(value)) return false;
  let n = 0;
  for (const key in value) {
    // the schema's output lists `content` before `isError`: only that order comes out unchanged
    if (n === 0 ? key !== 'content' : n > 1 || key !== 'isError' || typeof value.isError !== 'boolean') return false;
    n++;
  }
  const content = value.content;
  if (!Array.isArray(content)) return false;
  for (let i = 0; i < content.length; i++) {
    const block: unknown = content[i];
    if (!isPlainObject(block)) return false;
    let k = 0;
    for (const key in block) {
      if (key !== (k === 0 ? 'type' : k === 1 ? 'text' : undefined)) return false;
      k++;
    }
    if (k !== 2 || block.type !== 'text' || typeof block.text !== 'string') return false;
  }
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

type SchemaRun = (payload: { value: unknown; issues: unknown[] }, ctx: unknown) => unknown;
const fullRun: SchemaRun = (CallToolResultSchema as unknown as { _zod: { run: SchemaRun } })._zod.run.bind(
  (CallToolResultSchema as unknown as { _zod: unknown })._zod,
);

/**
 * `CallToolResultSchema` as the SDK's `Protocol.request` runs it (`safeParse`, which calls
 * the schema's `_zod.run`), without the zod walk for a plain text answer: that walk is
 * several microseconds of every tool call. Any other value goes through the schema itself,
 * so what it accepts, returns and reports is the schema's.
 */
export const CallToolResultFastSchema = {
  _zod: {
    run(payload: { value: unknown; issues: unknown[] }, ctx: unknown): unknown {
      return isPlainTextCallResult(payload.value) ? payload : fullRun(payload, ctx);
    },
  },
} as unknown as typeof CallToolResultSchema;

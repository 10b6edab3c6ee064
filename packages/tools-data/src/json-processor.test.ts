import { createExecutionContext, executeComponent, isLlmspellError, type ToolResult } from '@llmspell/core';
import { jsonProcessor } from './index.js';

const evil = `${'a'.repeat(34)}!`;

async function run(params: Record<string, unknown>, settings?: Record<string, unknown>): Promise<ToolResult> {
  return executeComponent(jsonProcessor, params, createExecutionContext({ settings })) as Promise<ToolResult>;
}

async function failure(params: Record<string, unknown>, settings?: Record<string, unknown>): Promise<{ code: string; message: string }> {
  try {
    await run(params, settings);
  } catch (error) {
    if (isLlmspellError(error)) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('json_processor against hostile queries and schemas', () => {
  it('ends the doubling bomb of the issue with SIZE_LIMIT_EXCEEDED, host alive', async () => {
    const e = await failure({ input: {}, query: 'reduce range(27) as $i ([0]; . + .) | length' });
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
    expect(e.message).toContain('max_output_bytes');
    expect((await run({ input: {}, query: 'reduce range(10) as $i ([0]; . + .) | length' })).result).toBe(1024);
  });

  it('honours [tools.json_processor] max_output_bytes and max_steps', async () => {
    const query = '"x" * 100000 | length';
    expect((await run({ input: {}, query })).result).toBe(100_000);
    expect((await failure({ input: {}, query }, { max_output_bytes: 50_000 })).message).toContain('over the limit of 50000');
    expect((await failure({ input: {}, query: '[range(1000)] | length' }, { max_steps: 500 })).message).toContain('exceeded 500 evaluation steps');
  });

  it('lets a query copy or return an input larger than the output limit', async () => {
    const input = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i, name: `item ${i}` })));
    const r = await run({ input, query: '[.[] | select(.id % 2 == 0)] | length' }, { max_output_bytes: 1000 });
    expect(r.result).toBe(10_000);
    expect(((await run({ input, query: '.' }, { max_output_bytes: 1000 })).result as unknown[]).length).toBe(20_000);
  });

  it('matches query regexes in linear time', async () => {
    expect((await run({ input: evil, query: 'test("^(a+)+$")' })).result).toBe(false);
  });

  it('validates schema pattern and patternProperties in linear time, refusing backreferences', async () => {
    const schema = { type: 'object', properties: { id: { type: 'string', pattern: '^(a+)+$' } }, patternProperties: { '^(x+x+)+y$': { type: 'number' } } };
    const r = (await run({ operation: 'validate', input: { id: evil, [`${'x'.repeat(40)}y`]: 'text' }, schema })).result as { valid: boolean; errors: Array<{ keyword: string }> };
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.keyword).sort()).toEqual(['pattern', 'type']);
    expect((await run({ operation: 'validate', input: { id: 'aaa' }, schema })).result).toEqual({ valid: true, errors: [] });
    const e = await failure({ operation: 'validate', input: {}, schema: { pattern: '(a)\\1' } });
    expect(e.message).toMatch(/parameter 'schema'.*backreference/);
  });
});

describe('json_processor with JSON text input', () => {
  const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;

  it('refuses text nested deeper than 200 levels with SIZE_LIMIT_EXCEEDED on input, not a stack overflow', async () => {
    for (const operation of ['query', 'validate', 'parse', 'stringify']) {
      const e = await failure({ operation, input: deep, query: '.', schema: {} });
      expect(e).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED', details: { parameter: 'input', limit: 200 } });
      expect(e.message).toContain("parameter 'input': JSON is nested deeper than 200 levels (at position 200)");
    }
    // Brackets inside strings do not count, and 200 levels are fine.
    expect((await run({ input: `{"s":"${'['.repeat(500)}"}`, query: '.s | length' })).result).toBe(500);
    expect((await run({ input: `${'['.repeat(200)}${']'.repeat(200)}`, query: '[paths] | length' })).result).toBe(199);
    // stream reports such a line as a failed line, like any other bad line.
    const lines = (await run({ operation: 'stream', input: `${deep}\n1\n`, query: '.' })).result as Array<{ success: boolean; error?: string }>;
    expect(lines).toEqual([{ line: 1, success: false, error: 'JSON is nested deeper than 200 levels' }, { line: 2, success: true, result: 1 }]);
  });

  it('refuses deep values made inside jq (fromjson, reduce) on the query parameter', async () => {
    const e = await failure({ input: { s: deep }, query: '.s | fromjson' });
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(e.message).toMatch(/parameter 'query': jq error: .*nested deeper than 200 levels/);
    const built = await failure({ input: null, query: 'reduce range(100000) as $i (null; [.])' });
    expect(built).toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
    expect(built.message).toContain("parameter 'query': the jq output is nested deeper than 200 levels");
  });

  it('reports malformed object or array text as a bad input with the position, not a jq error on query', async () => {
    const e = await failure({ input: '{"a":1,}', query: '.a' });
    expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', details: { parameter: 'input' } });
    expect(e.message).toMatch(/parameter 'input': invalid JSON: .*position 7/);
    await expect(run({ operation: 'validate', input: ' [1, 2', schema: {} })).rejects.toThrow(/parameter 'input': invalid JSON/);
    // Text that does not look like an object or array stays a string.
    expect((await run({ input: 'plain text', query: 'length' })).result).toBe(10);
    expect((await run({ input: ' {"a": [1, 2]} ', query: '.a[1]' })).result).toBe(2);
  });
});

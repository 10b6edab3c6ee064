import { createExecutionContext, executeComponent, isLlmspellError, type ToolResult } from '@llmspell/core';
import { csvAnalyzer } from './index.js';
import { MAX_ROW_OBJECTS_BYTES } from './csv-analyzer.js';
import { DistinctCounter } from './csv/column-profile.js';
import { readRecords } from './csv/csv-records.js';

const ctx = createExecutionContext();
const run = (params: Record<string, unknown>) => executeComponent(csvAnalyzer, params, ctx) as Promise<ToolResult>;

async function failure(params: Record<string, unknown>): Promise<{ code: string; message: string }> {
  try {
    await run(params);
  } catch (error) {
    if (isLlmspellError(error)) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

function records(text: string, delimiter = ',', trim = false): string[][] {
  const out: string[][] = [];
  readRecords(text, { delimiter, trim }, (r) => out.push(r));
  return out;
}

/** `rows` rows of `id,name,amount,city` (about 30 bytes each). */
function table(rows: number): string {
  const cities = ['Paris', 'Berlin', 'Rome', 'Oslo'];
  const lines = ['id,name,amount,city'];
  for (let i = 0; i < rows; i++) lines.push(`${i},user${i},${(i % 1000) / 10},${cities[i % 4]}`);
  return lines.join('\n') + '\n';
}

describe('CSV records', () => {
  it('reads quotes, escaped quotes, delimiters and newlines inside quotes, any line ending and a BOM', () => {
    expect(records('\uFEFFa,b\r\n"x, ""y""","multi\nline"\rlast,\n')).toEqual([['a', 'b'], ['x, "y"', 'multi\nline'], ['last', '']]);
    expect(records('a;b\n\n\n1;2', ';')).toEqual([['a', 'b'], ['1', '2']]);
    expect(records('a||b\n1||"2||3"', '||')).toEqual([['a', 'b'], ['1', '2||3']]);
    expect(records('5 "inch",x\n')).toEqual([['5 "inch"', 'x']]);
    expect(records('  a ,  "b c"  \n   \n', ',', true)).toEqual([['a', 'b c']]);
  });

  it('refuses an unclosed quote naming the line it opened on', () => {
    expect(() => records('a\nb\n"open,\nx')).toThrow(/INVALID_ARGUMENT: parameter 'input': CSV could not be parsed: a quoted field opened on line 3 is never closed/);
  });
});

describe('csv_analyzer on large and hostile input', () => {
  it('analyzes a 5 MB table (it used to overflow the stack) with exact statistics', async () => {
    const r = (await run({ input: table(200_000) })).result as { row_count: number; columns: Array<Record<string, unknown>> };
    expect(r.row_count).toBe(200_000);
    const [id, , amount, city] = r.columns;
    expect(id).toMatchObject({ type: 'integer', min: 0, max: 199_999, sum: (199_999 * 200_000) / 2, median: 99_999.5 });
    expect(amount).toMatchObject({ type: 'float', min: 0, max: 99.9, unique_count: 1000 });
    expect(city).toMatchObject({ type: 'string', unique_count: 4, value_counts: { Paris: 50_000, Berlin: 50_000, Rome: 50_000, Oslo: 50_000 }, min_length: 4, max_length: 6 });
  });

  it('estimates distinct counts past the exact budget, within a few percent', async () => {
    const counter = new DistinctCounter(1000);
    for (let i = 0; i < 300_000; i++) counter.add(`v${i}`);
    for (let i = 0; i < 300_000; i++) counter.add(`v${i}`);
    expect(counter.estimated).toBe(true);
    expect(Math.abs(counter.count - 300_000) / 300_000).toBeLessThan(0.03);
    const small = new DistinctCounter(1000);
    ['a', 'b', 'a'].forEach((v) => small.add(v));
    expect([small.count, small.estimated]).toEqual([2, false]);
  });

  it('filters and validates with a catastrophic-backtracking regex in linear time, with the right answer', async () => {
    const evil = `${'a'.repeat(34)}!`;
    const input = `name\n${evil}\n${'a'.repeat(34)}\n`;
    const filtered = await run({ operation: 'filter', input, options: { conditions: [{ column: 'name', operator: 'regex', value: '^(a+)+$' }], output: 'rows' } });
    expect((filtered.result as { rows: Array<{ name: string }> }).rows).toEqual([{ name: 'a'.repeat(34) }]);
    const validated = (await run({ operation: 'validate', input, options: { rules: { name: { pattern: '^(a+)+$' } } } })).result as { error_count: number; errors: Array<{ row: number }> };
    expect(validated.error_count).toBe(1);
    expect(validated.errors[0].row).toBe(1);
    const bad = await failure({ operation: 'filter', input, options: { conditions: [{ column: 'name', operator: 'regex', value: '(a)\\1' }] } });
    expect(bad.code).toBe('INVALID_ARGUMENT');
    expect(bad.message).toContain("parameter 'options.conditions.0.value'");
    const badRule = await failure({ operation: 'validate', input, options: { rules: { name: { pattern: 'a(?=b)' } } } });
    expect(badRule.message).toContain("parameter 'options.rules.name.pattern'");
  });

  it('reads a cell of a million digits followed by a letter as text, quickly', async () => {
    const r = (await run({ input: `v\n${'1'.repeat(1_000_000)}x\n` })).result as { columns: Array<{ type: string }> };
    expect(r.columns[0].type).toBe('string');
  });

  it('counts every validation error but lists the first 1000, quoting long values in part', async () => {
    const long = 'z'.repeat(10_000);
    const input = `code\n${Array.from({ length: 5000 }, () => long).join('\n')}\n`;
    const r = (await run({ operation: 'validate', input, options: { rules: { code: { type: 'integer' } } } })).result as { error_count: number; errors: Array<{ message: string }> };
    expect(r.error_count).toBe(5000);
    expect(r.errors).toHaveLength(1000);
    expect(r.errors[0].message.length).toBeLessThan(200);
    expect(r.errors[0].message).toContain('(10000 characters)');
  });

  it('refuses row objects past the size limit, pointing to the text formats that work', async () => {
    const wide = `a\n${Array.from({ length: 70 }, () => 'x'.repeat(1024 * 1024)).join('\n')}\n`;
    const e = await failure({ operation: 'convert', input: wide, options: { format: 'json' } });
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
    expect(e.message).toContain(`${MAX_ROW_OBJECTS_BYTES} bytes`);
    expect(e.message).toContain('jsonl');
    const jsonl = (await run({ operation: 'convert', input: wide, options: { format: 'jsonl' } })).result as { row_count: number };
    expect(jsonl.row_count).toBe(70);
  });

  it('samples, transforms and counts ragged rows of a large table in passes', async () => {
    const input = table(100_000);
    const sample = (await run({ operation: 'sample', input, options: { size: 3, method: 'last' } })).result;
    expect(sample).toBe('id,name,amount,city\n99997,user99997,99.7,Berlin\n99998,user99998,99.8,Rome\n99999,user99999,99.9,Oslo\n');
    const top = (await run({ operation: 'transform', input, options: { select: ['id'], sort_by: 'id', descending: true, limit: 2 } })).result;
    expect(top).toBe('id\n99999\n99998\n');
    const ragged = `${input}1,2\n3\n`;
    const v = (await run({ operation: 'validate', input: ragged })).result as { error_count: number; errors: Array<{ message: string }> };
    expect(v.error_count).toBe(2);
    expect(v.errors.map((e) => e.message)).toEqual(['row 100001 has 2 fields, expected 4', 'row 100002 has 1 fields, expected 4']);
  });
});

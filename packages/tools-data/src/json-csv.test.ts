import { createExecutionContext, executeComponent, type ToolResult } from '@llmspell/core';
import { csvAnalyzer, dataTools, jsonProcessor } from './index.js';

const ctx = createExecutionContext();
const run = (tool: typeof jsonProcessor, params: Record<string, unknown>) => executeComponent(tool, params, ctx) as Promise<ToolResult>;

describe('json_processor', () => {
  const input = { orders: [{ id: 1, total: 20, status: 'paid' }, { id: 2, total: 5, status: 'open' }, { id: 3, total: 12.5, status: 'paid' }] };

  test('query returns the single output as is', async () => {
    const r = await run(jsonProcessor, { operation: 'query', input, query: '[.orders[] | select(.status == "paid") | .total] | add' });
    expect(r.success).toBe(true);
    expect(r.result).toBe(32.5);
    expect(JSON.parse(r.text)).toMatchObject({ operation: 'query', success: true, result: 32.5 });
  });

  test('several outputs come back as an array; query defaults to "."', async () => {
    expect((await run(jsonProcessor, { input, query: '.orders[].id' })).result).toEqual([1, 2, 3]);
    expect((await run(jsonProcessor, { input: { a: 1 } })).result).toEqual({ a: 1 });
  });

  test('transform and jq are aliases of query; JSON text input is parsed', async () => {
    expect((await run(jsonProcessor, { operation: 'transform', input: '{"a":{"b":[1,2]}}', query: '.a.b | length' })).result).toBe(2);
    expect((await run(jsonProcessor, { operation: 'jq', input, query: '.orders | group_by(.status) | map({(.[0].status): length}) | add' })).result).toEqual({ open: 1, paid: 2 });
  });

  test('validate reports schema errors', async () => {
    const schema = {
      type: 'object',
      required: ['name', 'email'],
      properties: { name: { type: 'string', minLength: 2 }, email: { type: 'string', format: 'email' }, age: { type: 'integer', minimum: 0 } },
    };
    const ok = await run(jsonProcessor, { operation: 'validate', input: { name: 'Al', email: 'al@example.com', age: 3 }, schema });
    expect(ok.result).toEqual({ valid: true, errors: [] });
    const bad = await run(jsonProcessor, { operation: 'validate', input: { name: 'A', email: 'nope', age: -1 }, schema });
    const res = bad.result as { valid: boolean; errors: Array<{ path: string; keyword: string }> };
    expect(res.valid).toBe(false);
    expect(res.errors.map((e) => `${e.path}:${e.keyword}`).sort()).toEqual(['/age:minimum', '/email:format', '/name:minLength']);
  });

  test('validate understands draft 2020-12 schemas', async () => {
    const schema = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'number' }, { type: 'string' }] };
    expect(((await run(jsonProcessor, { operation: 'validate', input: [1, 'a'], schema })).result as { valid: boolean }).valid).toBe(true);
    expect(((await run(jsonProcessor, { operation: 'validate', input: ['a', 1], schema })).result as { valid: boolean }).valid).toBe(false);
  });

  test('stream applies the query to each JSON line and reports bad lines', async () => {
    const r = await run(jsonProcessor, { operation: 'stream', input: '{"n":1}\n{"n":2}\n\nnot json\n{"n":"x"}', query: '.n + 10' });
    const lines = r.result as Array<{ line: number; success: boolean; result?: unknown; error?: string }>;
    expect(lines.map((l) => [l.line, l.success, l.result ?? null])).toEqual([[1, true, 11], [2, true, 12], [4, false, null], [5, false, null]]);
    expect(lines[2].error).toMatch(/invalid JSON/);
    expect(lines[3].error).toMatch(/cannot be added/);
  });

  test('bad input fails with a clear error', async () => {
    await expect(run(jsonProcessor, { operation: 'validate', input: {} })).rejects.toThrow(/parameter 'schema' is required/);
    await expect(run(jsonProcessor, { operation: 'bogus', input: {} })).rejects.toThrow(/INVALID_ARGUMENT: json_processor: parameter 'operation'/);
    await expect(run(jsonProcessor, { input: {}, query: '.a[' })).rejects.toThrow(/jq syntax error/);
  });
});

const CSV = `name,age,city,active
Ann,31,Paris,true
Bob,25,Berlin,false
Cy,42,Paris,true
Dee,,Rome,yes
`;

describe('csv_analyzer', () => {
  test('analyze infers types and statistics', async () => {
    const r = await run(csvAnalyzer, { input: CSV });
    const a = r.result as { row_count: number; column_count: number; columns: Array<Record<string, unknown>> };
    expect(a.row_count).toBe(4);
    expect(a.column_count).toBe(4);
    const age = a.columns.find((c) => c.name === 'age')!;
    expect(age).toMatchObject({ type: 'integer', null_count: 1, min: 25, max: 42, mean: (31 + 25 + 42) / 3, median: 31 });
    expect(a.columns.find((c) => c.name === 'city')).toMatchObject({ type: 'string', unique_count: 3, value_counts: { Paris: 2, Berlin: 1, Rome: 1 } });
    expect(a.columns.find((c) => c.name === 'active')).toMatchObject({ type: 'boolean', true_count: 3, false_count: 1 });
  });

  test('delimiter is sniffed; quoted fields with commas and newlines survive', async () => {
    const r = await run(csvAnalyzer, { operation: 'convert', input: 'a;b\n"x;1";"multi\nline"\n', options: { format: 'json' } });
    expect((r.result as { output: unknown }).output).toEqual([{ a: 'x;1', b: 'multi\nline' }]);
  });

  test('convert to json (typed), jsonl, tsv and csv', async () => {
    const json = await run(csvAnalyzer, { operation: 'convert', input: CSV, options: { format: 'json' } });
    expect((json.result as { output: unknown[] }).output[0]).toEqual({ name: 'Ann', age: 31, city: 'Paris', active: true });
    expect((json.result as { output: unknown[] }).output[3]).toEqual({ name: 'Dee', age: null, city: 'Rome', active: true });
    const jsonl = await run(csvAnalyzer, { operation: 'convert', input: CSV, options: { format: 'jsonl' } });
    expect(((jsonl.result as { output: string }).output).trim().split('\n')).toHaveLength(4);
    const tsv = await run(csvAnalyzer, { operation: 'convert', input: CSV, options: { format: 'tsv' } });
    expect((tsv.result as { output: string }).output.split('\n')[1]).toBe('Ann\t31\tParis\ttrue');
    const csv = await run(csvAnalyzer, { operation: 'convert', input: 'a,b\n"x,y",2\n', options: { format: 'csv', output_delimiter: ';' } });
    expect((csv.result as { output: string }).output).toBe('a;b\nx,y;2\n');
    await expect(run(csvAnalyzer, { operation: 'convert', input: CSV, options: { format: 'parquet' } })).rejects.toThrow(/UNSUPPORTED/);
  });

  test('filter with conditions (all / any)', async () => {
    const r = await run(csvAnalyzer, { operation: 'filter', input: CSV, options: { output: 'rows', conditions: [{ column: 'city', operator: 'eq', value: 'Paris' }, { column: 'age', operator: 'gt', value: 35 }] } });
    expect((r.result as { rows: Array<{ name: string }> }).rows.map((x) => x.name)).toEqual(['Cy']);
    const any = await run(csvAnalyzer, { operation: 'filter', input: CSV, options: { output: 'rows', match: 'any', conditions: [{ column: 'city', value: 'Rome' }, { column: 'age', operator: '<', value: 30 }] } });
    expect((any.result as { rows: Array<{ name: string }> }).rows.map((x) => x.name)).toEqual(['Bob', 'Dee']);
    // Default result is the CSV text, as in the reference.
    const simple = await run(csvAnalyzer, { operation: 'filter', input: CSV, options: { filter: { city: 'Berlin' } } });
    expect(simple.result).toBe('name,age,city,active\nBob,25,Berlin,false\n');
    expect(simple.metadata).toMatchObject({ row_count: 1, headers: ['name', 'age', 'city', 'active'] });
    await expect(run(csvAnalyzer, { operation: 'filter', input: CSV, options: { output: 'table', filter: { city: 'Berlin' } } })).rejects.toThrow(/options.output/);
    await expect(run(csvAnalyzer, { operation: 'filter', input: CSV, options: { conditions: [{ column: 'nope', value: 1 }] } })).rejects.toThrow(/unknown column 'nope'/);
  });

  test('filter with the reference string syntax "column op value" (and/or, quotes)', async () => {
    const names = async (filter: string) => ((await run(csvAnalyzer, { operation: 'filter', input: CSV, options: { filter, output: 'rows' } })).result as { rows: Array<{ name: string }> }).rows.map((x) => x.name);
    expect(await names('age > 30')).toEqual(['Ann', 'Cy']);
    expect(await names('age >= 30 and city == Paris')).toEqual(['Ann', 'Cy']);
    expect(await names('city == "Rome" or age < 30')).toEqual(['Bob', 'Dee']);
    expect(await names("city != 'Paris'")).toEqual(['Bob', 'Dee']);
    await expect(names('age between 1 and 2')).rejects.toThrow(/options.filter/);
    await expect(names('age > 1 and city == x or age < 3')).rejects.toThrow(/mixing/);
    await expect(names('height > 3')).rejects.toThrow(/unknown column 'height'/);
  });

  test('json_processor requires input for query and validate (a misspelt name is not null)', async () => {
    await expect(run(jsonProcessor, { operation: 'query', json: '{"a":1}', query: '.' })).rejects.toThrow(/parameter 'input' is required for operation 'query'/);
    await expect(run(jsonProcessor, { operation: 'validate', schema: { type: 'object' } })).rejects.toThrow(/parameter 'input' is required/);
    expect((await run(jsonProcessor, { operation: 'query', input: null, query: '.' })).result).toBeNull();
  });

  test('json_processor parse, stringify and format (DOC operations)', async () => {
    const parsed = await run(jsonProcessor, { operation: 'parse', input: '{"name": "test", "value": 42}' });
    expect(parsed.result).toEqual({ name: 'test', value: 42 });
    expect((await run(jsonProcessor, { operation: 'parse', input: '[1, 2]' })).result).toEqual([1, 2]);
    await expect(run(jsonProcessor, { operation: 'parse', input: '{bad' })).rejects.toThrow(/parameter 'input': invalid JSON/);
    const compact = await run(jsonProcessor, { operation: 'stringify', input: { a: [1, 2], b: 'x' } });
    expect(compact.result).toBe('{"a":[1,2],"b":"x"}');
    const pretty = await run(jsonProcessor, { operation: 'stringify', input: { a: 1 }, pretty: true });
    expect(pretty.result).toBe('{\n  "a": 1\n}');
    expect((await run(jsonProcessor, { operation: 'format', input: '{"a":1}' })).result).toBe('{\n  "a": 1\n}');
    expect(JSON.parse(JSON.parse(compact.text).result)).toEqual({ a: [1, 2], b: 'x' });
  });

  test('transform selects, renames, sorts and limits', async () => {
    const r = await run(csvAnalyzer, { operation: 'transform', input: CSV, options: { select: ['name', 'age'], rename: { age: 'years' }, sort_by: 'age', descending: true, limit: 2 } });
    expect(r.result).toBe('name,years\nCy,42\nAnn,31\n');
    const rows = await run(csvAnalyzer, { operation: 'transform', input: CSV, options: { output: 'rows', select: ['name', 'age'], limit: 1 } });
    expect(rows.result).toMatchObject({ headers: ['name', 'age'], rows: [{ name: 'Ann', age: 31 }], row_count: 1 });
  });

  test('validate checks rules per column and ragged rows', async () => {
    const r = await run(csvAnalyzer, {
      operation: 'validate',
      input: `${CSV}Eve,abc,Oslo,true,extra\n`,
      options: { rules: { age: { type: 'integer', required: true, max: 40 }, city: { values: ['Paris', 'Berlin', 'Rome'] } } },
    });
    const v = r.result as { valid: boolean; errors: Array<{ message: string }> };
    expect(v.valid).toBe(false);
    const messages = v.errors.map((e) => e.message);
    expect(messages).toEqual(expect.arrayContaining([
      'row 5 has 5 fields, expected 4',
      "row 3: 'age' = 42 is above 40",
      "row 4: 'age' is required",
      "row 5: 'age' = 'abc' is not integer",
      "row 5: 'city' = 'Oslo' is not one of Paris, Berlin, Rome",
    ]));
    expect(messages).toHaveLength(5);
  });

  test('sample: seeded random is repeatable, first/systematic are exact', async () => {
    const big = 'n\n' + Array.from({ length: 100 }, (_, i) => i).join('\n') + '\n';
    const a = await run(csvAnalyzer, { operation: 'sample', input: big, options: { size: 5, seed: 7, output: 'rows' } });
    const b = await run(csvAnalyzer, { operation: 'sample', input: big, options: { size: 5, seed: 7, output: 'rows' } });
    expect((a.result as { rows: unknown[] }).rows).toEqual((b.result as { rows: unknown[] }).rows);
    expect((a.result as { rows: unknown[] }).rows).toHaveLength(5);
    const first = await run(csvAnalyzer, { operation: 'sample', input: big, options: { size: 3, method: 'first', output: 'rows' } });
    expect((first.result as { rows: Array<{ n: number }> }).rows.map((r) => r.n)).toEqual([0, 1, 2]);
    const sys = await run(csvAnalyzer, { operation: 'sample', input: big, options: { size: 4, method: 'systematic', output: 'rows' } });
    expect((sys.result as { rows: Array<{ n: number }> }).rows.map((r) => r.n)).toEqual([0, 25, 50, 75]);
    expect((await run(csvAnalyzer, { operation: 'sample', input: big, options: { size: 2, method: 'last' } })).result).toBe('n\n98\n99\n');
  });

  test('input is required and must be a string', async () => {
    await expect(run(csvAnalyzer, { operation: 'analyze' })).rejects.toThrow(/parameter 'input'/);
  });
});

test('dataTools lists the four tools with CODE security levels', () => {
  expect(dataTools.map((t) => [t.name, t.securityLevel])).toEqual([
    ['json_processor', 'safe'], ['csv_analyzer', 'safe'], ['http_request', 'restricted'], ['graphql_query', 'privileged'],
  ]);
});

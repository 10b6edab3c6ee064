import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SecurityPolicy, createExecutionContext, executeComponent, isLlmspellError, type ToolResult } from '@llmspell/core';
import { csvAnalyzer } from '../index.js';
import { CHUNK_BYTES } from './csv-source.js';

/**
 * `path`: the same table read from a file in parts gives what the same text inline gives, at
 * every part boundary (quoted fields with line breaks and `""`, CRLF, a BOM, multi-byte UTF-8).
 */
describe('csv_analyzer path', () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'llmspell-csv-')));
  const policy = new SecurityPolicy({ allowedPaths: [root], cwd: root });
  const ctx = createExecutionContext({ policy });
  const run = async (params: Record<string, unknown>) => ((await executeComponent(csvAnalyzer, params, ctx)) as ToolResult).result;
  const refusal = async (params: Record<string, unknown>, c = ctx) => {
    try {
      await executeComponent(csvAnalyzer, params, c);
    } catch (error) {
      if (isLlmspellError(error)) return { code: error.code, message: error.message };
      throw error;
    }
    throw new Error('the call succeeded');
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  // About 3 parts, with every kind of field crossing the part boundaries somewhere.
  const rows: string[] = [];
  for (let i = 0, length = 0; length < 2.6 * CHUNK_BYTES; i++, length += rows[rows.length - 1].length + 2) {
    rows.push(`${i},"note ${i}\r\nsays ""hi"", then ${'é'.repeat(i % 7)}",${i % 5 === 0 ? '' : (i * 1.5).toFixed(1)},"${'x'.repeat(i % 300)}",Ünï${i % 3}`);
  }
  const text = `\ufeffid,note,amount,pad,tag\r\n${rows.join('\r\n')}\r\n`;
  fs.writeFileSync(path.join(root, 'big.csv'), text);

  test.each([
    ['analyze', {}],
    ['convert', { format: 'jsonl' }],
    ['filter', { filter: 'amount > 1000' }],
    ['validate', { rules: { id: { type: 'integer', unique: true }, tag: { values: ['Ünï0', 'Ünï1'] } } }],
    ['sample', { size: 5, method: 'systematic' }],
    ['transform', { select: ['id', 'tag'], sort_by: 'id', descending: true, limit: 3 }],
  ])('%s from a file equals %s of the same text', async (operation, options) => {
    const fromFile = await run({ operation, path: 'big.csv', options });
    expect(fromFile).toEqual(await run({ operation, input: text, options }));
  });

  test('row count and a field that crossed a boundary', async () => {
    const r = (await run({ operation: 'analyze', path: 'big.csv' })) as { row_count: number; headers: string[] };
    expect(r.row_count).toBe(rows.length);
    expect(r.headers).toEqual(['id', 'note', 'amount', 'pad', 'tag']);
  });

  test('an unclosed quote names path and its line; bad use of the parameters is an error naming them', async () => {
    fs.writeFileSync(path.join(root, 'broken.csv'), `a,b\n1,2\n3,"never closed\n${'z'.repeat(CHUNK_BYTES)}\n`);
    const broken = await refusal({ path: 'broken.csv' });
    expect(broken.code).toBe('INVALID_ARGUMENT');
    expect(broken.message).toContain("parameter 'path': CSV could not be parsed: a quoted field opened on line 3 is never closed");
    expect(await refusal({ input: 'a\n1\n', path: 'big.csv' })).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('not both') });
    expect(await refusal({})).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("parameter 'input'") });
  });

  test('refusals name the tool and the path parameter', async () => {
    const outside = await refusal({ path: '/etc/passwd' });
    expect(outside).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    expect(outside.message).toContain("csv_analyzer: parameter 'path': /etc/passwd");
    execFileSync('mkfifo', [path.join(root, 'fifo.csv')]);
    expect(await refusal({ path: 'fifo.csv' })).toEqual({ code: 'INVALID_ARGUMENT', message: "INVALID_ARGUMENT: csv_analyzer: parameter 'path': not a regular file: fifo.csv" });
    expect(await refusal({ path: 'missing.csv' })).toEqual({ code: 'NOT_FOUND', message: "NOT_FOUND: csv_analyzer: parameter 'path': file not found: missing.csv" });
  });

  test('the file policy applies, and a path needs the restricted level', async () => {
    expect(await refusal({ path: '/etc/passwd' })).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    fs.writeFileSync(path.join(root, '.env'), 'KEY=1\n');
    expect(await refusal({ path: '.env' })).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    const safeOnly = createExecutionContext({ policy: new SecurityPolicy({ allowedPaths: [root], cwd: root, maxSecurityLevel: 'safe' }) });
    expect((await refusal({ path: 'big.csv' }, safeOnly)).code).toMatch(/NOT_ALLOWED|SECURITY/);
    expect(((await executeComponent(csvAnalyzer, { input: 'a\n1\n' }, safeOnly)) as ToolResult).result).toMatchObject({ row_count: 1 });
  });
});

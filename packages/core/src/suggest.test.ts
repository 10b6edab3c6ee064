import { z } from 'zod';
import {
  ComponentRegistry, closestMatch, createExecutionContext, declaredKeys, defineTool, didYouMean, editDistance, executeComponent, unwrapSchema,
} from './index.js';

describe('editDistance', () => {
  test.each([
    ['input', 'input', 0],
    ['inptu', 'input', 1], // a transposition is one edit
    ['calculater', 'calculator', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
    ['ab', 'ba', 1],
    ['abc', 'ca', 3],
  ])('%s → %s = %d', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestMatch', () => {
  const tools = ['calculator', 'uuid_generator', 'web_scraper', 'file_operations', 'hash_calculator'];
  test('a typo finds the name meant', () => {
    expect(closestMatch('calculater', tools)).toBe('calculator');
    expect(closestMatch('uuid_genrator', tools)).toBe('uuid_generator');
    expect(closestMatch('file_operation', tools)).toBe('file_operations');
  });
  test('case, - and _ do not count as differences', () => {
    expect(closestMatch('Web-Scraper', tools)).toBe('web_scraper');
  });
  test('a prefix of four or more characters finds the longer name', () => {
    expect(closestMatch('calc', tools)).toBe('calculator');
    expect(closestMatch('has', tools)).toBeUndefined();
  });
  test('nothing close is no suggestion rather than a wild guess', () => {
    expect(closestMatch('weather', tools)).toBeUndefined();
    expect(closestMatch('x', ['y', 'z'])).toBeUndefined(); // replacing all of a name is no near miss
    expect(closestMatch('ab', ['ax'])).toBe('ax');
    expect(closestMatch('', tools)).toBeUndefined();
    expect(closestMatch('abc', [])).toBeUndefined();
  });
  test('didYouMean phrases it, or says nothing', () => {
    expect(didYouMean('inptu', ['input', 'operation'])).toBe(" (did you mean 'input'?)");
    expect(didYouMean('zzzzzz', ['input'])).toBe('');
  });
});

describe('ComponentRegistry suggestions', () => {
  const r = new ComponentRegistry<{ name: string }>('tool', 'TOOL_NOT_FOUND');
  r.register({ name: 'calculator' });
  r.register({ name: 'web_scraper' }, { aliases: ['web-scraper', 'scraper'] });
  test('require names the closest registered name or alias', () => {
    expect(() => r.require('calculater')).toThrow("TOOL_NOT_FOUND: tool 'calculater' not found (did you mean 'calculator'?)");
    expect(() => r.require('scrapr')).toThrow("(did you mean 'scraper'?)");
    expect(r.notFoundError('calculater').details).toEqual({ name: 'calculater', suggestion: 'calculator' });
  });
  test('with nothing near, the hint (if any) instead', () => {
    expect(r.notFoundError('weather', { noun: 'Tool', prefix: "step 's': ", hint: 'Tool.list() names them' }).message)
      .toBe("TOOL_NOT_FOUND: step 's': Tool 'weather' not found (Tool.list() names them)");
  });
});

describe('unknown parameter keys', () => {
  const calc = defineTool({
    name: 'calc',
    description: 'x',
    category: 'utility',
    securityLevel: 'safe',
    parameters: z.object({ operation: z.enum(['evaluate', 'validate']).default('evaluate'), input: z.string().optional(), expression: z.string().optional() }),
    ignoredParameters: ['format'],
    execute: ({ input, expression }) => {
      if ((input ?? expression) === undefined) throw new Error('an expression is required');
      return { result: input ?? expression };
    },
  });
  const run = (params: Record<string, unknown>) => executeComponent(calc, params, createExecutionContext());

  test('a misspelt key is refused, naming it and the key meant, before the tool runs', async () => {
    await expect(run({ inptu: '1+1' })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: "INVALID_ARGUMENT: calc: unknown parameter 'inptu' (did you mean 'input'?)",
      details: { tool: 'calc', parameter: 'inptu', suggestion: 'input' },
    });
    await expect(run({ input: '1', opration: 'validate' })).rejects.toThrow("unknown parameter 'opration' (did you mean 'operation'?)");
  });
  test('a key unlike any is refused with the list of known ones', async () => {
    await expect(run({ input: '1', colour: 'red' })).rejects.toThrow("calc: unknown parameter 'colour' (known parameters: operation, input, expression)");
  });
  test('declared aliases and ignored reference names pass; undefined values count as absent', async () => {
    expect((await run({ expression: '2' })).result).toBe('2');
    expect((await run({ input: '3', format: 'x' })).result).toBe('3');
    expect((await run({ input: '4', nothing: undefined })).result).toBe('4');
  });
  test('an open schema (looseObject) keeps taking any key', async () => {
    const open = defineTool({
      name: 'open', description: 'x', category: 'utility', securityLevel: 'safe',
      parameters: z.looseObject({ a: z.string().optional() }),
      execute: (p) => ({ result: Object.keys(p).sort() }),
    });
    expect((await executeComponent(open, { a: '1', b: 2 }, createExecutionContext())).result).toEqual(['a', 'b']);
  });
  test('keys are read through preprocess, unions and intersections; other schemas are not judged', () => {
    expect(declaredKeys(z.preprocess((v) => v, z.object({ a: z.string() })))).toEqual({ keys: ['a'], open: false });
    expect(declaredKeys(z.union([z.object({ a: z.string() }), z.object({ b: z.string() })]))).toEqual({ keys: ['a', 'b'], open: false });
    expect(declaredKeys(z.intersection(z.object({ a: z.string() }), z.looseObject({ c: z.string() })))).toEqual({ keys: ['a', 'c'], open: true });
    expect(declaredKeys(z.strictObject({ a: z.string() }))).toEqual({ keys: ['a'], open: false });
    expect(declaredKeys(z.record(z.string(), z.string()) as never)).toBeNull();
  });
  test('unwrapSchema finds the schema inside defaults, optionals and a preprocess', () => {
    const inner = z.object({ a: z.string() });
    expect(unwrapSchema(inner.prefault({ a: '' }).optional())).toBe(inner);
    expect(unwrapSchema(z.preprocess((v) => v, inner))).toBe(inner);
    expect(unwrapSchema(inner)).toBe(inner);
  });
});

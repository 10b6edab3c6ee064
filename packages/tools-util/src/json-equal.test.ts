import { dataValidation, diffCalculator, templateEngine } from './index.js';
import { jsonEqual } from './json-equal.js';
import { toolResult } from '@llmspell/core/testing';

describe('jsonEqual', () => {
  it('compares objects by content whatever their key order, arrays in order', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
    expect(jsonEqual(1, '1')).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(false);
    expect(jsonEqual({ a: null }, { a: undefined })).toBe(false);
  });

  it('takes 0 and -0 for one number at any depth (JSON has one zero); NaN equals NaN', () => {
    expect(jsonEqual(-0, 0)).toBe(true);
    expect(jsonEqual({ a: [1, { z: -0 }] }, { a: [1, { z: 0 }] })).toBe(true);
    expect(jsonEqual({ a: [1, { z: -0 }] }, { a: [1, { z: 1 }] })).toBe(false);
    expect(jsonEqual(NaN, NaN)).toBe(true);
    expect(jsonEqual([NaN], [NaN])).toBe(true);
  });

  it('a key holding undefined is not a missing key, nor another key holding undefined', () => {
    // The four hand-written copies this replaces took { a: undefined } for { b: undefined }.
    expect(jsonEqual({ a: undefined }, { b: undefined })).toBe(false);
    expect(jsonEqual({ a: undefined }, {})).toBe(false);
    expect(jsonEqual({ a: undefined }, { a: undefined })).toBe(true);
  });

  it('ends on cyclic values', () => {
    const cyclic = (n: number) => {
      const v: Record<string, unknown> = { n };
      v.self = v;
      return v;
    };
    expect(jsonEqual(cyclic(1), cyclic(1))).toBe(true);
    expect(jsonEqual(cyclic(1), cyclic(2))).toBe(false);
    expect(jsonEqual(cyclic(-0), cyclic(1))).toBe(false);
  });
});

describe('tools comparing values use JSON equality', () => {
  const render = async (engine: string, input: string, context: Record<string, unknown>) =>
    (await toolResult(templateEngine, { input, context, engine })).rendered;

  it('template == and eq: -0 is zero, key order does not matter', async () => {
    expect(await render('tera', '{% if n == 0 %}zero{% else %}other{% endif %}', { n: -0 })).toBe('zero');
    expect(await render('tera', '{% if a == b %}same{% else %}different{% endif %}', { a: { x: 1, y: [2] }, b: { y: [2], x: 1 } })).toBe('same');
    expect(await render('tera', '{{ xs | unique | join(sep=",") }}', { xs: [0, -0, 1] })).toBe('0,1');
    expect(await render('handlebars', '{{#if (eq n 0)}}zero{{else}}other{{/if}}', { n: -0 })).toBe('zero');
    expect(await render('handlebars', '{{#if (eq a b)}}same{{else}}different{{/if}}', { a: { x: 1 }, b: { x: 2 } })).toBe('different');
  });

  it('data_validation enum and unique', async () => {
    const check = (input: unknown, rules: unknown[]) => toolResult(dataValidation, { input, rules: { rules } });
    expect((await check(-0, [{ type: 'enum', values: [0, 1] }])).valid).toBe(true);
    expect((await check({ b: 2, a: 1 }, [{ type: 'enum', values: [{ a: 1, b: 2 }] }])).valid).toBe(true);
    expect((await check([{ a: 1, b: 2 }, { b: 2, a: 1 }], [{ type: 'array', unique: true }])).valid).toBe(false);
    expect((await check([0, -0], [{ type: 'array', unique: true }])).valid).toBe(false);
  });

  it('diff_calculator json: -0 and 0 are unchanged', async () => {
    expect(await toolResult(diffCalculator, { type: 'json', old_json: { x: -0, y: [1] }, new_json: { x: 0, y: [1] } })).toMatchObject({ equal: true, unchanged_count: 2 });
  });
});

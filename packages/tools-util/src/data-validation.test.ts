import { dataValidation } from './index.js';
import { expectToolFailure, toolResult } from '@llmspell/core/testing';

const validate = (input: unknown, rules: unknown[], extra: Record<string, unknown> = {}) =>
  toolResult(dataValidation, { input, rules: { rules, ...extra } });

describe('data_validation', () => {
  it('passes valid data with an empty error list', async () => {
    expect(await validate('hello', [{ type: 'required' }, { type: 'type', expected: 'string' }, { type: 'length', min: 1, max: 10 }]))
      .toMatchObject({ valid: true, errors: [] });
  });

  it('checks required, type, length, range, pattern and enum', async () => {
    const req = await validate(null, [{ type: 'required' }]);
    expect(req).toMatchObject({ valid: false, errors: [{ field: 'input', rule: 'required' }] });
    expect((await validate('', [{ type: 'required' }])).valid).toBe(false);
    const type = await validate(3.5, [{ type: 'type', expected: 'integer' }]);
    expect(type.errors[0]).toMatchObject({ field: 'input', rule: 'type', value: 3.5 });
    expect(type.errors[0].message).toMatch(/must be of type integer, got number/);
    expect((await validate([1], [{ type: 'type', expected: 'array' }])).valid).toBe(true);
    expect((await validate({}, [{ type: 'type', expected: 'array' }])).valid).toBe(false);
    expect((await validate('ab', [{ type: 'length', min: 3 }])).errors[0].message).toMatch(/at least 3, got 2/);
    expect((await validate([1, 2, 3], [{ type: 'length', max: 2 }])).valid).toBe(false);
    expect((await validate('✓✓', [{ type: 'length', max: 2 }])).valid).toBe(true);
    expect((await validate(5, [{ type: 'range', min: 0, max: 10 }])).valid).toBe(true);
    expect((await validate(-1, [{ type: 'range', min: 0 }])).errors[0]).toMatchObject({ rule: 'range', value: -1 });
    expect((await validate('5', [{ type: 'range', max: 10 }])).valid).toBe(false);
    expect((await validate('ABC-123', [{ type: 'pattern', regex: '^[A-Z]+-\\d+$' }])).valid).toBe(true);
    expect((await validate('abc', [{ type: 'pattern', regex: '^\\d+$' }])).errors[0].rule).toBe('pattern');
    expect((await validate('red', [{ type: 'enum', values: ['red', 'green'] }])).valid).toBe(true);
    expect((await validate({ a: 1 }, [{ type: 'enum', values: [{ a: 1 }] }])).valid).toBe(true);
    expect((await validate('blue', [{ type: 'enum', values: ['red', 'green'] }])).errors[0].message).toMatch(/one of \["red","green"\]/);
  });

  it('checks email, url and date', async () => {
    expect((await validate('ann@example.com', [{ type: 'email' }])).valid).toBe(true);
    for (const bad of ['ann', 'ann@', '@x.com', 'a b@x.com', 'ann@x']) expect((await validate(bad, [{ type: 'email' }])).valid).toBe(false);
    expect((await validate('https://example.com/a?b=1', [{ type: 'url' }])).valid).toBe(true);
    expect((await validate('javascript:alert(1)', [{ type: 'url' }])).valid).toBe(false);
    expect((await validate('example.com', [{ type: 'url' }])).valid).toBe(false);
    expect((await validate('2024-02-29', [{ type: 'date', format: '%Y-%m-%d' }])).valid).toBe(true);
    expect((await validate('2023-02-29', [{ type: 'date', format: '%Y-%m-%d' }])).valid).toBe(false);
    expect((await validate('15/01/2024', [{ type: 'date', format: '%Y-%m-%d' }])).valid).toBe(false);
    expect((await validate('15/01/2024 10:30', [{ type: 'date', format: '%d/%m/%Y %H:%M' }])).valid).toBe(true);
    expect((await validate('Jan 15 2024', [{ type: 'date' }])).valid).toBe(true);
    expect((await validate('someday', [{ type: 'date' }])).valid).toBe(false);
  });

  it('runs custom checks (phone, uuid, credit_card, ipv4 …)', async () => {
    const custom = async (name: string, value: unknown) => (await validate(value, [{ type: 'custom', name }])).valid;
    expect(await custom('phone', '+1 (555) 123-4567')).toBe(true);
    expect(await custom('phone', '12')).toBe(false);
    expect(await custom('uuid', '550e8400-e29b-41d4-a716-446655440000')).toBe(true);
    expect(await custom('uuid', '550e8400')).toBe(false);
    expect(await custom('credit_card', '4111 1111 1111 1111')).toBe(true);
    expect(await custom('credit_card', '4111 1111 1111 1112')).toBe(false);
    expect(await custom('credit-card', '4012888888881881')).toBe(true);
    expect(await custom('ipv4', '192.168.1.1')).toBe(true);
    expect(await custom('ipv4', '256.1.1.1')).toBe(false);
    expect(await custom('ipv6', '::1')).toBe(true);
    expect(await custom('hex_color', '#ff0')).toBe(true);
    expect(await custom('semver', '1.2.3-beta.1')).toBe(true);
    expect(await custom('slug', 'Not A Slug')).toBe(false);
    const r = await validate('x', [{ type: 'custom', name: 'ipv4' }]);
    expect(r.errors[0]).toMatchObject({ rule: 'custom:ipv4', field: 'input', value: 'x' });
  });

  it('validates arrays: size, uniqueness and item rules', async () => {
    const rules = [{ type: 'array', min_items: 1, max_items: 3, unique: true, item_rules: { rules: [{ type: 'type', expected: 'integer' }, { type: 'range', min: 0 }] } }];
    expect((await validate([1, 2, 3], rules)).valid).toBe(true);
    const bad = await validate([1, -2, 'x', 1], rules);
    expect(bad.errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`)).toEqual(['input:array', 'input:array', 'input[1]:range', 'input[2]:type', 'input[2]:range']);
    expect((await validate([], rules)).errors[0].message).toMatch(/at least 1 items/);
    expect((await validate('nope', rules)).errors[0].message).toMatch(/must be an array/);
  });

  it('validates nested objects with required fields and additional properties', async () => {
    const rules = [{
      type: 'object',
      required: ['name', 'address'],
      additional_properties: false,
      properties: {
        name: { rules: [{ type: 'type', expected: 'string' }, { type: 'length', min: 2 }] },
        email: { rules: [{ type: 'email' }] },
        address: {
          rules: [{
            type: 'object',
            required: ['city'],
            properties: {
              city: { rules: [{ type: 'required' }, { type: 'type', expected: 'string' }] },
              zip: { rules: [{ type: 'pattern', regex: '^\\d{4}$' }] },
            },
          }],
        },
        tags: { rules: [{ type: 'array', item_rules: { rules: [{ type: 'length', max: 3 }] } }] },
      },
    }];
    expect((await validate({ name: 'Ann', address: { city: 'Oslo', zip: '0150' }, tags: ['a'] }, rules)).valid).toBe(true);
    const bad = await validate({ name: 'A', email: 'nope', address: { zip: '12' }, tags: ['ok', 'toolong'], extra: 1 }, rules);
    expect(bad.valid).toBe(false);
    expect(bad.errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`)).toEqual([
      'name:length', 'email:email', 'address.city:required', 'address.city:required', 'address.zip:pattern', 'tags[1]:length', 'extra:additional_properties',
    ]);
    const missing = await validate({}, rules);
    expect(missing.errors.map((e: { field: string }) => e.field)).toEqual(['name', 'address']);
    // A field named like an Object.prototype member is not "present".
    expect((await validate({}, [{ type: 'object', required: ['constructor'] }])).valid).toBe(false);
  });

  it('stops at the first error with fail_fast', async () => {
    const rules = [{ type: 'type', expected: 'string' }, { type: 'length', min: 5 }, { type: 'pattern', regex: '^x' }];
    expect((await validate(12, rules)).errors).toHaveLength(3);
    expect((await validate(12, rules, { fail_fast: true })).errors).toHaveLength(1);
    expect((await toolResult(dataValidation, { input: 12, rules: { rules }, fail_fast: true })).errors).toHaveLength(1);
  });

  it('accepts a bare rule list and an empty rule table', async () => {
    expect((await toolResult(dataValidation, { input: 5, rules: [{ type: 'range', max: 3 }] })).valid).toBe(false);
    expect((await toolResult(dataValidation, { input: 'x', rules: { rules: {} } })).valid).toBe(true);
  });

  it('rejects malformed rules naming where they are', async () => {
    await expectToolFailure(dataValidation, { input: 1 }, 'INVALID_ARGUMENT', 'rules');
    await expectToolFailure(dataValidation, { rules: { rules: [] } }, 'INVALID_ARGUMENT', 'input');
    await expectToolFailure(dataValidation, { input: 1, rules: { rules: [{ type: 'bogus' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].type');
    await expectToolFailure(dataValidation, { input: 1, rules: { rules: [{ type: 'type' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].expected');
    await expectToolFailure(dataValidation, { input: 1, rules: { rules: [{ type: 'type', expected: 'float' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].expected');
    await expectToolFailure(dataValidation, { input: 'x', rules: { rules: [{ type: 'pattern', regex: '(' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].regex');
    await expectToolFailure(dataValidation, { input: 'x', rules: { rules: [{ type: 'custom', name: 'telepathy' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].name');
    await expectToolFailure(dataValidation, { input: 'x', rules: { rules: [{ type: 'custom', name: 'constructor' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].name');
    await expectToolFailure(dataValidation, { input: 1, rules: { rules: [{ type: 'range', min: 'zero' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].min');
    await expectToolFailure(dataValidation, { input: { a: 1 }, rules: { rules: [{ type: 'object', properties: { a: { rules: [{ type: 'nope' }] } } }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].properties.a[0].type');
    await expectToolFailure(dataValidation, { input: 1, rules: { rules: [{ type: 'enum', values: 'a' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].values');
  });

  it('accepts the DOC JSON-Schema form in schema (subset translated to rules)', async () => {
    const check = (input: unknown, schema: Record<string, unknown>) => toolResult(dataValidation, { input, schema });
    expect((await check('ann@example.com', { type: 'string', format: 'email' })).valid).toBe(true);
    expect((await check('not-an-email', { type: 'string', format: 'email' })).errors.map((e: { rule: string }) => e.rule)).toEqual(['email']);
    expect((await check(30, { type: 'number', minimum: 18, maximum: 120 })).valid).toBe(true);
    expect((await check(12, { type: 'number', minimum: 18, maximum: 120 })).errors[0].rule).toBe('range');
    const user = {
      type: 'object',
      required: ['name', 'tags'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 2, pattern: '^[A-Z]' },
        role: { enum: ['admin', 'user'] },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, uniqueItems: true },
      },
    };
    expect((await check({ name: 'Ann', role: 'user', tags: ['a'] }, user)).valid).toBe(true);
    const bad = await check({ name: 'a', role: 'root', tags: ['x', 'x', 3], extra: 1 }, user);
    expect(bad.errors.map((e: { field: string; rule: string }) => `${e.field}:${e.rule}`).sort()).toEqual([
      'extra:additional_properties', 'name:length', 'name:pattern', 'role:enum', 'tags:array', 'tags[2]:type',
    ]);
    expect((await check({}, { type: 'object', required: ['a'] })).errors[0]).toMatchObject({ field: 'a', rule: 'required' });
    await expectToolFailure(dataValidation, { input: 1, schema: { oneOf: [] } }, 'INVALID_ARGUMENT', 'schema.oneOf');
    await expectToolFailure(dataValidation, { input: 1, schema: { format: 'isbn' } }, 'INVALID_ARGUMENT', 'schema.format');
    await expectToolFailure(dataValidation, { input: 1, schema: { properties: { a: { type: 'float' } } } }, 'INVALID_ARGUMENT', 'schema.properties.a.type');
  });

  describe('hostile input', () => {
    const evil = `${'a'.repeat(34)}!`;

    it('matches a catastrophic-backtracking rule pattern in linear time with the right answer', async () => {
      const r = await validate(evil, [{ type: 'pattern', regex: '^(a+)+$' }]);
      expect(r.errors.map((e: { rule: string }) => e.rule)).toEqual(['pattern']);
      expect((await validate('a'.repeat(34), [{ type: 'pattern', regex: '^(a+)+$' }])).valid).toBe(true);
      const many = await validate(Array(2000).fill(evil), [{ type: 'array', item_rules: { rules: [{ type: 'pattern', regex: '^(a|aa)+$' }] } }]);
      expect(many.error_count).toBe(100);
    });

    it('does the same for a JSON-Schema pattern, naming schema.pattern when it is refused', async () => {
      const r = await toolResult(dataValidation, { input: { id: evil }, schema: { properties: { id: { type: 'string', pattern: '^(a+)+$' } } } });
      expect(r.errors[0]).toMatchObject({ field: 'id', rule: 'pattern' });
      const e = await expectToolFailure(dataValidation, { input: 'aa', schema: { pattern: '(a)\\1' } }, 'INVALID_ARGUMENT', 'schema.pattern');
      expect(e.message).toContain('backreference');
      await expectToolFailure(dataValidation, { input: 'aa', rules: { rules: [{ type: 'pattern', regex: 'a(?=a)' }] } }, 'INVALID_ARGUMENT', 'rules.rules[0].regex');
    });

    it('checks a date format with many greedy fields in linear time', async () => {
      const format = '%B'.repeat(30) + '!';
      const r = await validate('abcdefghijklmnopqrstuvwxyzabcdefghijklmn', [{ type: 'date', format }]);
      expect(r.errors[0].rule).toBe('date');
    });

    it('finds repeats in a large array with unique = true in one pass', async () => {
      const items = Array.from({ length: 200_000 }, (_, i) => ({ id: i, tags: ['x', i % 7] }));
      expect((await validate(items, [{ type: 'array', unique: true }])).valid).toBe(true);
      items.push({ tags: ['x', 5], id: 12 });
      const r = await validate(items, [{ type: 'array', unique: true }]);
      expect(r.errors[0].message).toContain('item 200000 repeats an earlier one');
      expect((await validate([NaN, NaN], [{ type: 'array', unique: true }])).errors[0].message).toContain('item 1 repeats');
      expect((await validate([0, -0], [{ type: 'array', unique: true }])).errors[0].message).toContain('item 1 repeats');
      expect((await validate([{ a: undefined }, {}], [{ type: 'array', unique: true }])).valid).toBe(true);
    });
  });
});

import { outputJsonSchema, z } from '@llmspell/core';
import { formatSchemaType, mergeObjectUnions, schemaToLua, schemaToTs, type JsonSchema } from './schema-types.js';

const json = (schema: z.ZodType) => outputJsonSchema(schema) as JsonSchema;

const calculatorLike = z.union([
  z.object({ result: z.union([z.number(), z.boolean()]).describe('The value'), expression: z.string() }).describe('evaluate'),
  z.object({ valid: z.boolean(), expression: z.string(), position: z.number().optional() }).describe('validate'),
]);

describe('schema types', () => {
  test('one-line TypeScript and LuaLS types', () => {
    const s = json(z.object({ a: z.string(), b: z.array(z.number()).optional(), c: z.record(z.string(), z.boolean()), d: z.string().nullable(), e: z.enum(['x', 'y']) }));
    expect(schemaToTs(s)).toBe('{ a: string; b?: number[]; c: Record<string, boolean>; d: string | null; e: "x" | "y" }');
    expect(schemaToLua(s)).toBe('{ a: string, b?: number[], c: table<string, boolean>, d: string|nil, e: "x"|"y" }');
    expect(schemaToTs(json(z.array(z.object({ n: z.number() }))))).toBe('Array<{ n: number }>');
    expect(schemaToLua(json(z.array(z.union([z.string(), z.number()]))))).toBe('(string|number)[]');
    expect(schemaToTs(json(z.unknown()))).toBe('unknown');
  });

  test('the display form puts each alternative and described field on its own line', () => {
    expect(formatSchemaType(json(calculatorLike), '  ')).toBe([
      '',
      '    // evaluate',
      '    | {',
      '        result: number | boolean  // The value',
      '        expression: string',
      '      }',
      '    | { valid: boolean; expression: string; position?: number }  // validate',
    ].join('\n'));
    expect(formatSchemaType(json(z.string().describe('The text')))).toBe('string');
  });

  test('declarations fold a union of objects into one object, optional where the alternatives differ', () => {
    const merged = mergeObjectUnions(json(calculatorLike));
    expect(schemaToTs(merged)).toBe('{ result?: number | boolean; expression: string; valid?: boolean; position?: number }');
    // A union with a non-object member stays a union.
    expect(schemaToTs(mergeObjectUnions(json(z.union([z.string(), z.array(z.string())]))))).toBe('string | string[]');
  });
});

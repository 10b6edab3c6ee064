import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { safeParse } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { CallToolResultFastSchema, isPlainTextCallResult } from './call-result-schema.js';

// Protocol.request parses every tools/call answer with `safeParse(resultSchema, result)`: the
// fast schema must give exactly what CallToolResultSchema gives, for every value.
const plain = [
  '{"content":[{"type":"text","text":"echo: hi"}]}',
  '{"content":[]}',
  '{"content":[{"type":"text","text":""},{"type":"text","text":"two"}],"isError":true}',
  '{"content":[{"type":"text","text":"x"}],"isError":false}',
];
const other = [
  '{}',
  '{"isError":true}',
  '{"isError":true,"content":[{"type":"text","text":"order"}]}',
  '{"content":[{"text":"order","type":"text"}]}',
  '{"content":[{"type":"text","text":"a","annotations":{"priority":0.5}}]}',
  '{"content":[{"type":"text","text":"a","extra":1}]}',
  '{"content":[{"type":"text","text":5}]}',
  '{"content":[{"type":"image","data":"aGk=","mimeType":"image/png"}]}',
  '{"content":[{"type":"text","text":"a"}],"structuredContent":{"a":1}}',
  '{"content":[{"type":"text","text":"a"}],"_meta":{"k":"v"}}',
  '{"content":[{"type":"text","text":"a"}],"isError":"yes"}',
  '{"content":[{"type":"text","text":"a"}],"extra":{"kept":true}}',
  '{"content":{"type":"text","text":"a"}}',
  '{"content":[null]}',
  '{"content":[["type","text"]]}',
  '{"toolResult":"old protocol"}',
  '[]',
  'null',
  '"text"',
  '{"content":[{"type":"text","text":"a","__proto__":{"polluted":true}}]}',
];

function outcome(schema: typeof CallToolResultSchema, value: unknown): string {
  const r = safeParse(schema, value) as { success: boolean; data?: unknown; error?: { issues: unknown } };
  return JSON.stringify(r.success ? { ok: r.data } : { issues: r.error!.issues });
}

describe('CallToolResultFastSchema', () => {
  test.each(plain)('takes %s unchanged, without the schema, as the schema would', (json) => {
    const value: unknown = JSON.parse(json);
    expect(isPlainTextCallResult(value)).toBe(true);
    expect(outcome(CallToolResultFastSchema, value)).toBe(outcome(CallToolResultSchema, value));
    expect(outcome(CallToolResultFastSchema, value)).toBe(JSON.stringify({ ok: value }));
  });

  test.each(other)('leaves %s to the schema, with the same outcome', (json) => {
    const value: unknown = JSON.parse(json);
    expect(isPlainTextCallResult(value)).toBe(false);
    expect(outcome(CallToolResultFastSchema, value)).toBe(outcome(CallToolResultSchema, value));
  });

  test('a value that is not plain JSON data goes to the schema', () => {
    const block = Object.assign(Object.create({ inherited: 1 }) as object, { type: 'text', text: 'a' });
    expect(isPlainTextCallResult({ content: [block] })).toBe(false);
    expect(isPlainTextCallResult(Object.assign(Object.create(null) as object, { content: [] }))).toBe(false);
  });
});

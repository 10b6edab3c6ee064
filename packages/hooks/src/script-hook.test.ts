import { isScriptSnapshot, scriptSnapshotFields, type HookContext } from '@llmspell/core';
import { toScriptContext, toScriptData } from './script-hook.js';

const context = (data: Record<string, unknown>): HookContext => ({
  point: 'BeforeToolExecution',
  component_id: { id: 'tool:x', type: 'tool', name: 'x' },
  data,
  metadata: { step: 's1' },
  correlation_id: 'c-1',
  language: 'lua',
  timestamp: '2026-12-04T00:00:00.000Z',
});

describe('toScriptContext', () => {
  it('is a snapshot a bridge may convert lazily, and the mark shows nowhere else', () => {
    const plain = toScriptContext(context({ input: { a: 1 } })) as Record<string, unknown>;
    expect(isScriptSnapshot(plain)).toBe(true);
    expect(scriptSnapshotFields(plain)).toBe(plain);
    expect(Object.keys(plain)).toEqual(['point', 'hook_point', 'component_id', 'data', 'metadata', 'correlation_id', 'language', 'timestamp']);
    expect(JSON.parse(JSON.stringify(plain))).toEqual(plain);
    expect({ ...plain }).toEqual(plain);
    expect(isScriptSnapshot({ ...plain })).toBe(false);
    expect(plain.data).toEqual({ input: { a: 1 } });
  });

  it('copies the data: later changes by the host do not reach the snapshot', () => {
    const input = { a: 1, nested: { b: 2 } };
    const plain = toScriptContext(context({ input })) as { data: { input: { a: number; nested: { b: number } } } };
    input.a = 9;
    input.nested.b = 9;
    expect(plain.data.input).toEqual({ a: 1, nested: { b: 2 } });
  });
});

describe('toScriptData', () => {
  it('keeps own enumerable fields in their order, without undefined values or functions', () => {
    const proto = { inherited: 1 };
    const value = Object.assign(Object.create(proto) as Record<string, unknown>, { b: 1, a: undefined, c: () => 1, d: 'x', nested: { z: 2, y: [undefined, 3] } });
    Object.defineProperty(value, 'hidden', { value: 'h', enumerable: false });
    const plain = toScriptData(value) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(['b', 'd', 'nested']);
    expect(plain).toEqual({ b: 1, d: 'x', nested: { z: 2, y: [null, 3] } });
  });

  it('drops a cycle but keeps an object met twice side by side', () => {
    const shared = { v: 1 };
    const loop: Record<string, unknown> = { name: 'loop' };
    loop.self = loop;
    expect(toScriptData({ first: shared, second: shared, loop, list: [shared, shared] })).toEqual({
      first: { v: 1 }, second: { v: 1 }, loop: { name: 'loop', self: null }, list: [{ v: 1 }, { v: 1 }],
    });
  });
});

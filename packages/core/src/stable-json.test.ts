import { stableJson } from './index.js';

describe('stableJson', () => {
  it('writes equal values the same whatever their key order, at every depth', () => {
    const a = { b: 1, a: { d: [1, { z: true, y: null }], c: 'x' } };
    const b = { a: { c: 'x', d: [1, { y: null, z: true }] }, b: 1 };
    expect(stableJson(a)).toBe('{"a":{"c":"x","d":[1,{"y":null,"z":true}]},"b":1}');
    expect(stableJson(b)).toBe(stableJson(a));
  });

  it('orders keys by code unit, integer-like keys included (not the engine\'s integer-first order)', () => {
    expect(stableJson({ 10: 'ten', 9: 'nine', b: 1, B: 2, é: 3 })).toBe('{"10":"ten","9":"nine","B":2,"b":1,"é":3}');
  });

  it('treats what JSON cannot hold as JSON.stringify does, only sorted', () => {
    const value = { u: undefined, f: () => 1, s: Symbol('s'), list: [undefined, () => 1, NaN, Infinity, -0], when: new Date(Date.UTC(2025, 0, 2)), n: new Number(5) };
    // The documented rule, checked against JSON.stringify itself on a value whose keys are already sorted.
    const sorted = { f: value.f, list: value.list, n: value.n, s: value.s, u: undefined, when: value.when };
    expect(stableJson(value)).toBe(JSON.stringify(sorted));
    expect(stableJson(value)).toBe('{"list":[null,null,null,null,0],"n":5,"when":"2025-01-02T00:00:00.000Z"}');
    // An undefined-valued key and a missing key are the same JSON, so they hash the same.
    expect(stableJson({ a: 1, b: undefined })).toBe(stableJson({ a: 1 }));
  });

  it('always returns a string, "null" for a value with no JSON form', () => {
    expect(stableJson(undefined)).toBe('null');
    expect(stableJson(() => 1)).toBe('null');
    expect(stableJson(null)).toBe('null');
    expect(stableJson('a"b')).toBe('"a\\"b"');
    expect(stableJson(new Map([[1, 2]]))).toBe('{}');
  });

  it('refuses a cyclic value with INVALID_ARGUMENT, but allows the same object twice', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => stableJson(cyclic)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const shared = { x: 1 };
    expect(stableJson({ p: shared, q: [shared] })).toBe('{"p":{"x":1},"q":[{"x":1}]}');
  });
});

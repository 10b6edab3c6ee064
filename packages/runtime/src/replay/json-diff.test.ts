import { compareJson, leafCount, toJsonValue, type JsonValue } from './json-diff.js';

const lua = { indexBase: 1 };
const js = { indexBase: 0 };
const paths = (a: JsonValue, b: JsonValue, o = lua) => compareJson(a, b, o).differences.map((d) => `${d.path} ${d.kind}`);

describe('compareJson', () => {
  test('identical documents: score 1, no differences, key order and {} vs [] do not matter', () => {
    const c = compareJson({ a: 1, b: { c: [1, 2] }, e: {} }, { e: [], b: { c: [1, 2] }, a: 1 }, lua);
    expect(c).toEqual({ identical: true, similarity_score: 1, summary: 'Results are identical', differences: [], matched: 4, unmatched: 0 });
  });

  test('the reference example: nested path, added array element (Lua index), score = matched leaves / all leaves', () => {
    const original = { status: 'success', value: 42, items: [1, 2, 3], metadata: { timestamp: 1234567890, user: 'test' } };
    const replayed = { status: 'success', value: 43, items: [1, 2, 3, 4], metadata: { timestamp: 1234567891, user: 'test' } };
    const c = compareJson(original, replayed, lua);
    expect(c.differences).toEqual([
      { path: 'items[4]', kind: 'added', description: 'added in replayed: 4', replayed: 4 },
      { path: 'metadata.timestamp', kind: 'changed', description: 'changed from 1234567890 to 1234567891', original: 1234567890, replayed: 1234567891 },
      { path: 'value', kind: 'changed', description: 'changed from 42 to 43', original: 42, replayed: 43 },
    ]);
    // status, items 1..3, metadata.user match; value, timestamp, items[4] do not: 5 / 8
    expect([c.identical, c.matched, c.unmatched, c.similarity_score]).toEqual([false, 5, 3, 0.625]);
    expect(c.summary).toBe('Found 3 differences (2 changed, 1 added); similarity 0.625');
    expect(paths(original, replayed, js)).toContain('items[3] added');
  });

  test('an element inserted mid-array is one addition, and an edited element a nested change', () => {
    const a = { agents: [{ name: 'a1', t: 0.7 }, { name: 'a2', t: 0.5 }], steps: ['init', 'process', 'complete'] };
    const b = { agents: [{ name: 'a1', t: 0.8 }, { name: 'a2', t: 0.5 }], steps: ['init', 'process', 'validate', 'complete'] };
    expect(paths(a, b)).toEqual(['agents[1].t changed', 'steps[3] added']);
    expect(compareJson(a, b, lua).similarity_score).toBe(0.75); // 6 of 8: a1.t and the new step differ
    expect(paths({ l: ['x', 'y', 'z'] }, { l: ['x', 'z'] }, js)).toEqual(['l[1] removed']);
  });

  test('removed keys, type changes, scalars at the root and keys that are not identifiers', () => {
    expect(paths({ a: { b: 1 }, gone: [1, 2] }, { a: 'flat' })).toEqual(['a type_changed', 'gone removed']);
    const root = compareJson(1, '1', lua);
    expect(root.differences).toEqual([{ path: '(root)', kind: 'type_changed', description: 'changed from number 1 to string "1"', original: 1, replayed: '1' }]);
    expect(root.similarity_score).toBe(0);
    expect(paths({ 'a b': 1, list: [[1]] }, { 'a b': 2, list: [[2]] })).toEqual(['["a b"] changed', 'list[1][1] changed']);
  });

  test('ignore_paths leaves subtrees out of differences and score', () => {
    const c = compareJson({ metadata: { timestamp: 1, user: 'u' } }, { metadata: { timestamp: 2, user: 'u' } }, { indexBase: 1, ignorePaths: ['metadata.timestamp'] });
    expect([c.identical, c.similarity_score, c.matched, c.unmatched]).toEqual([true, 1, 1, 0]);
  });

  test('a difference never rounds up to a score of 1', () => {
    const big = Array.from({ length: 5000 }, (_, i) => i);
    const c = compareJson(big, [...big.slice(0, -1), -1], js);
    expect([c.identical, c.similarity_score, c.differences.map((d) => d.path)]).toEqual([false, 0.999, ['[4999]']]);
  });

  test('long arrays are still compared when alignment would cost too much (positional after common ends)', () => {
    const a = Array.from({ length: 1000 }, (_, i) => i);
    const b = a.map((x) => -x - 1);
    const c = compareJson(a, b, js);
    expect([c.differences.length, c.differences[0].path, c.similarity_score]).toEqual([1000, '[0]', 0]);
  });

  test('leafCount counts scalars and empty containers', () => {
    expect(leafCount({ a: [1, 2], b: {}, c: null })).toBe(4);
  });
});

describe('toJsonValue', () => {
  test('names the parameter and the path of what is not JSON, with the language index base', () => {
    expect(() => toJsonValue({ a: [1, () => 1] }, 'original', 'F', 1)).toThrow("INVALID_ARGUMENT: F: original.a[2] is a function, which is not JSON data");
    expect(() => toJsonValue({ n: Infinity }, 'replayed', 'F', 0)).toThrow('INVALID_ARGUMENT: F: replayed.n is Infinity, which JSON cannot hold');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => toJsonValue(cyclic, 'original', 'F')).toThrow('original.self contains itself');
    expect(toJsonValue({ a: undefined, b: [undefined] }, 'x', 'F')).toEqual({ b: [null] });
  });
});

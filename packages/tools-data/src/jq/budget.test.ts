import { isLlmspellError } from '@llmspell/core';
import { runJq } from './evaluate.js';
import { jsonPreview, jsonSizeWithin } from './json-size.js';

function failure(query: string, input: unknown = null, limits = {}): { code: string; message: string; details: Record<string, unknown> } {
  try {
    runJq(query, input, limits);
  } catch (error) {
    if (isLlmspellError(error)) return error;
    throw error;
  }
  throw new Error(`${query} succeeded`);
}

const evil = `${'a'.repeat(34)}!`;
/** Twenty levels of `[., .]`: a million leaves held in twenty arrays. */
const dag = 'reduce range(20) as $i ([0]; [., .])';

describe('jq evaluation budget', () => {
  it.each([
    ['reduce range(27) as $i ([0]; . + .) | length', 'an array'],
    ['"x" * 1e9', 'a string'],
    ['[range(1e9)] | length', 'array'],
    ['[] | .[1e9] = 1', 'an array'],
    ["[range(2000000) | \"abcdefghijklmnopqrstuvwxyz0123456789\"] | add", "a string"],
    ['"\\("x" * 40000000)\\("y" * 40000000)"', 'a string'],
  ])('stops %s with SIZE_LIMIT_EXCEEDED before building it', (query, what) => {
    const e = failure(query);
    expect(e.code).toBe('SIZE_LIMIT_EXCEEDED');
    expect(e.message).toContain(what);
  });

  it('stops endless generators and loops with the step budget', () => {
    for (const query of ['range(1e12)', 'until(false; .)', '[limit(1e9; range(1e12))] | length', 'last(range(1e12))', '[.[]?] | recurse(.) | empty']) {
      expect(failure(query, null, { maxSteps: 200_000 }).message).toMatch(/SIZE_LIMIT_EXCEEDED: (jq query exceeded 200000 evaluation steps|.*evaluation too deep)/);
    }
    expect(failure('last(repeat(1))').message).toMatch(/SIZE_LIMIT_EXCEEDED: .*too deep|evaluation steps/);
  });

  it('scales the value limit with the setting', () => {
    expect(runJq('"x" * 1000 | length', null, { maxValueBytes: 2000 })).toEqual([1000]);
    expect(failure('"x" * 3000 | length', null, { maxValueBytes: 2000 }).message).toContain('over the limit of 2000');
  });

  it('refuses outputs and JSON text that would expand shared structure past the limit', () => {
    expect(runJq(`${dag} | length`, null)).toEqual([2]);
    expect(failure(`${dag} | tojson | length`, null, { maxValueBytes: 1_000_000 }).message).toContain('JSON text');
    expect(failure(dag, null, { maxValueBytes: 1_000_000 }).message).toContain('the jq output is over 1000000 bytes of JSON');
    expect(failure(`${dag} | flatten | length`, null, { maxValueBytes: 1_000_000 }).message).toContain('an array');
  });

  it('keeps error messages and details small when the raised value is huge', () => {
    const e = failure(`reduce range(60) as $i ([0]; [., .]) | error(.)`);
    expect(e.message.length).toBeLessThan(9000);
    expect(typeof e.details.jq_error).toBe('string');
    expect(failure(`reduce range(60) as $i ([0]; [., .]) | . + 1`).message).toMatch(/array \(\[\[\[.*\.\.\.\) and number/);
  });

  it('stops a comparison of large shared structures at the deadline', () => {
    const query = `${dag.replace('20', '60')} as $a | ${dag.replace('20', '60')} as $b | $a == $b`;
    expect(failure(query, null, { deadline: Date.now() + 300 }).code).toBe('TIMEOUT');
  });

  it('adds long lists of arrays and strings in one pass', () => {
    expect(runJq('[range(200000) | [.]] | add | length', null)).toEqual([200_000]);
    expect(runJq('[range(200000) | tostring] | add | length', null)).toEqual([1_088_890]);
    expect(runJq('[[1], null, [2]] | add', null)).toEqual([[1, 2]]);
    expect(runJq('[range(100000) | . % 26 + 65] | implode | length', null)).toEqual([100_000]);
  });
});

describe('jq regexes run in linear time', () => {
  it.each([
    ['test("^(a+)+$")', [false]],
    ['[match("(a|aa)+$")] | length', [0]],
    ['sub("^(a+)+$"; "x")', [evil]],
    ['gsub("(a+)+b"; "x")', [evil]],
    ['[scan("(a+)+!")] | length', [1]],
    ['[splits("(a+)+!")] | length', [2]],
    ['split("(a|aa)+$"; null) | length', [1]],
    ['capture("(?<run>(a+)+)!")', [{ run: 'a'.repeat(34) }]],
  ])('%s on 34 a and !', (query, expected) => {
    expect(runJq(query, evil)).toEqual(expected);
  });

  it('reports group names and offsets like jq', () => {
    expect(runJq('capture("(?<y>\\\\d+)-(?<m>\\\\d+)")', '2024-05')).toEqual([{ y: '2024', m: '05' }]);
    expect(runJq('[match("b+"; "g") | .offset]', 'abbcb')).toEqual([[1, 4]]);
    expect(runJq('[match("x*"; "gn")] | length', 'abc')).toEqual([0]);
  });

  it('makes a backreference or lookahead a jq error that try catches', () => {
    expect(() => runJq('test("(a)\\\\1")', 'aa')).toThrow(/INVALID_ARGUMENT: parameter 'query': jq error: .*backreference/);
    expect(runJq('try test("a(?=b)") catch "caught"', 'ab')).toEqual(['caught']);
  });
});

describe('bounded JSON size and preview', () => {
  it('sizes plain values exactly and stops on shared structure', () => {
    const value = { a: [1, 'xy', null, true], b: { c: 'z' } };
    expect(jsonSizeWithin(value, 1e6)).toBeGreaterThanOrEqual(JSON.stringify(value).length);
    let shared: unknown = [0];
    for (let i = 0; i < 60; i++) shared = [shared, shared];
    expect(jsonSizeWithin(shared, 1e6)).toBe(Infinity);
    expect(jsonPreview(shared, 20)).toHaveLength(21);
    expect(jsonPreview({ a: 'b' }, 20)).toBe('{"a":"b"}');
  });
});

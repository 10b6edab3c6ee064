import { runJq } from './evaluate.js';

describe('reduce that appends (`. + [E]`, `. += [E]`)', () => {
  test.each<[string, unknown, unknown[]]>([
    ['reduce .[] as $x ([]; . + [$x * 2])', [1, 2, 3], [[2, 4, 6]]],
    ['reduce .[] as $x ([]; . += [$x])', ['a', 'b'], [['a', 'b']]],
    ['reduce .[] as $x ([]; . + [$x, $x])', [1, 2], [[1, 1, 2, 2]]],
    ['reduce .[] as $x ([]; . + [$x | select(. > 1)])', [1, 2, 3], [[2, 3]]],
    ['reduce .[] as {a: $a} ([0]; . + [{$a, b: ($a + 1)}])', [{ a: 1 }], [[0, { a: 1, b: 2 }]]],
    ['reduce range(3) as $i (null; . + [$i])', null, [[0, 1, 2]]],
    // The initial value is copied, not changed: a variable holding it keeps its value.
    ['[1] as $a | reduce range(3) as $i ($a; . + [$i]) | [., $a]', null, [[[1, 0, 1, 2], [1]]]],
    ['reduce range(2) as $i (.; . + [$i]) | [., length]', [9], [[[9, 0, 1], 3]]],
    // E reads the accumulator: evaluated as jq says, with no aliasing.
    ['reduce range(3) as $i ([]; . + [length])', null, [[0, 1, 2]]],
    ['reduce range(2) as $i ([]; . + [.])', null, [[[], [[]]]]],
    ['reduce range(2) as $i ([]; . + [{a: 1} | .a])', null, [[1, 1]]],
  ])('%s', (query, input, expected) => {
    expect(runJq(query, input as never)).toEqual(expected);
  });

  test('the input is not changed by appending to it', () => {
    const input = { list: [9] };
    expect(runJq('reduce range(2) as $i (.list; . + [$i])', input)).toEqual([[9, 0, 1]]);
    expect(input).toEqual({ list: [9] });
  });

  test('200,000 appends in one pass (a copy per step would take minutes and hit the time limit)', () => {
    expect(runJq('reduce range(200000) as $i ([]; . + [$i]) | [length, .[199999]]', null)).toEqual([[200000, 199999]]);
  });

  test('the value budget still applies to the growing array', () => {
    expect(() => runJq('reduce range(100000) as $i ([]; . + [$i])', null, { maxValueBytes: 8000 })).toThrow(expect.objectContaining({ code: 'SIZE_LIMIT_EXCEEDED' }));
  });
});

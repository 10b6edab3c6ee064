import { runJq } from './evaluate.js';

const data = {
  users: [
    { name: 'ann', age: 31, role: 'admin', tags: ['a', 'b'] },
    { name: 'bob', age: 25, role: 'dev', tags: [] },
    { name: 'cy', age: 42, role: 'dev', tags: ['c'] },
  ],
  meta: { total: 3, page: null },
};

const q = (query: string, input: unknown = data) => runJq(query, input);

describe('jq subset', () => {
  test.each<[string, unknown, unknown[]]>([
    ['.', 5, [5]],
    ['.meta.total', data, [3]],
    ['.users[0].name', data, ['ann']],
    ['.users[-1].name', data, ['cy']],
    ['.users[].name', data, ['ann', 'bob', 'cy']],
    ['.[2:4]', [0, 1, 2, 3, 4], [[2, 3]]],
    ['.[:2]', 'hello', ['he']],
    ['.[-2:]', [1, 2, 3], [[2, 3]]],
    ['.users | length', data, [3]],
    ['[.users[] | select(.age > 30) | .name]', data, [['ann', 'cy']]],
    ['.users | map(.age) | add', data, [98]],
    ['.users | map(select(.role == "dev" and .age < 30)) | map(.name)', data, [['bob']]],
    ['.users | map(.tags | length > 0 or false)', data, [[true, false, true]]],
    ['[.users[] | .name | not]', data, [[false, false, false]]],
    ['{n: .users[0].name, c: .meta.total}', data, [{ n: 'ann', c: 3 }]],
    ['{(.users[1].name): .users[1].age}', data, [{ bob: 25 }]],
    ['.meta | {total}', data, [{ total: 3 }]],
    ['[.users[].role] | unique', data, [['admin', 'dev']]],
    ['.users | group_by(.role) | map({role: .[0].role, n: length})', data, [[{ role: 'admin', n: 1 }, { role: 'dev', n: 2 }]]],
    ['.users | sort_by(.age) | map(.name)', data, [['bob', 'ann', 'cy']]],
    ['.users | sort_by(-.age) | first | .name', data, [['cy'][0]]],
    ['.users | last.name', data, ['cy']],
    ['[3,1,2] | sort', null, [[1, 2, 3]]],
    ['[3,1,2] | min, max', null, [1, 3]],
    ['.users | min_by(.age) | .name', data, ['bob']],
    ['.meta | keys', data, [['page', 'total']]],
    ['.meta | values', data, [{ total: 3, page: null }]],
    ['[.meta[] | values]', data, [[3]]],
    ['.meta | has("page"), has("nope")', data, [true, false]],
    ['.meta | to_entries', data, [[{ key: 'total', value: 3 }, { key: 'page', value: null }]]],
    ['[{key:"a",value:1},{k:"b",v:2}] | from_entries', null, [{ a: 1, b: 2 }]],
    ['.meta | with_entries(select(.value != null))', data, [{ total: 3 }]],
    ['.meta.page // "none"', data, ['none']],
    ['.missing.deeper // 7', data, [7]],
    ['"\\(.users[0].name) is \\(.users[0].age)"', data, ['ann is 31']],
    ['[.users[] | "\\(.name)-\\(.tags | join(","))"]', data, [['ann-a,b', 'bob-', 'cy-c']]],
    ['if .meta.total > 2 then "many" elif .meta.total > 0 then "some" else "none" end', data, ['many']],
    ['reduce .users[] as $u (0; . + $u.age)', data, [98]],
    ['.users[] as $u | $u.name | ascii_upcase', data, ['ANN', 'BOB', 'CY']],
    ['[.[] | tostring]', [1, 'a', null], [['1', 'a', 'null']]],
    ['[.[] | tonumber]', ['1', '2.5'], [[1, 2.5]]],
    ['1, 2 | . * 10', null, [10, 20]],
    ['[(1,2) + (10,20)]', null, [[11, 12, 21, 22]]],
    ['{a:1} + {b:2}', null, [{ a: 1, b: 2 }]],
    ['[1,2,3] - [2]', null, [[1, 3]]],
    ['10 / 4, 10 % 3', null, [2.5, 1]],
    ['"a,b,c" | split(",")', null, [['a', 'b', 'c']]],
    ['[.[] | select(type == "number")]', [1, 'x', 2], [[1, 2]]],
    ['.[] |= . * 2', [1, 2], [[2, 4]]],
    ['.a.b = 5', {}, [{ a: { b: 5 } }]],
    ['del(.a, .c)', { a: 1, b: 2, c: 3 }, [{ b: 2 }]],
    ['del(.[] | select(. > 1))', [1, 2, 3], [[1]]],
    ['[paths]', { a: [1] }, [[['a'], ['a', 0]]]],
    ['[limit(2; .[])]', [5, 6, 7], [[5, 6]]],
    ['first(range(10; 20))', null, [10]],
    ['[range(3)]', null, [[0, 1, 2]]],
    ['flatten', [1, [2, [3]]], [[1, 2, 3]]],
    ['any(. > 2)', [1, 3], [true]],
    ['all(. > 2)', [1, 3], [false]],
    ['.[] | select(test("^a"))', ['ab', 'ba'], ['ab']],
    ['sub("(?<x>[0-9]+)"; "<\\(.x)>")', 'a12b', ['a<12>b']],
    ['gsub("o"; "0")', 'foo', ['f00']],
    ['[.[] | ascii_downcase] | join("-")', ['A', 'B'], ['a-b']],
    ['@base64', 'hi', ['aGk=']],
    ['@csv', ['a', 1, 'b"c'], ['"a",1,"b""c"']],
    ['try error("boom") catch .', null, ['boom']],
    ['[.[] | (.a)?]', [{ a: 1 }, 'x'], [[1]]],
    ['.a?', 'str', []],
    ['def inc(f): f + 1; [.[] | inc(.)]', [1, 2], [[2, 3]]],
    ['def fac: if . <= 1 then 1 else . * (. - 1 | fac) end; 5 | fac', null, [120]],
    ['[.[] | numbers]', [1, 'a', null, 2], [[1, 2]]],
    ['to_entries | map("\\(.key)=\\(.value)") | join("&")', { a: 1, b: 'x' }, ['a=1&b=x']],
    ['[..|numbers]', { a: 1, b: [2, { c: 3 }] }, [[1, 2, 3]]],
    ['.[1:] | length', [1, 2, 3], [2]],
    ['. as [$a, $b] | $a + $b', [1, 2], [3]],
    ['. as {a: $x} | $x', { a: 9 }, [9]],
    ['[foreach .[] as $x (0; . + $x)]', [1, 2, 3], [[1, 3, 6]]],
    ['(1 | tostring) + "x"', null, ['1x']],
    ['null | not', null, [true]],
    ['[.[] | not]', [true, false, null, 0], [[false, true, true, false]]],
    ['map(. * 2) | add / length', [1, 2, 3], [4]],
    ['."a b"', { 'a b': 1 }, [1]],
    ['.["a b"]', { 'a b': 2 }, [2]],
    ['unique_by(length)', ['a', 'bb', 'c'], [['a', 'bb']]],
    ['contains({a: [1]})', { a: [1, 2], b: 1 }, [true]],
    ['indices(1)', [0, 1, 2, 1], [[1, 3]]],
    ['transpose', [[1, 2], [3]], [[[1, 3], [2, null]]]],
    ['walk(if type == "number" then . + 1 else . end)', { a: [1, { b: 2 }] }, [{ a: [2, { b: 3 }] }]],
    ['getpath(["a","b"])', { a: { b: 4 } }, [4]],
    ['[leaf_paths]', { a: [1, null, false], b: 'x' }, [[['a', 0], ['b']]]],
    ['to_entries | from_entries', { x: 1 }, [{ x: 1 }]],
  ])('%s', (query, input, expected) => {
    expect(runJq(query, input)).toEqual(expected);
  });

  test('downstream errors are not swallowed by an upstream try', () => {
    expect(() => q('.users[] | (.name)? | error("late")')).toThrow(/late/);
  });

  test('runtime errors name the query parameter', () => {
    expect(() => q('.users | .foo')).toThrow(/INVALID_ARGUMENT: parameter 'query': jq error: Cannot index array with "foo"/);
  });

  test('syntax errors give the column', () => {
    expect(() => q('.users[')).toThrow(/jq syntax error at column/);
    expect(() => q('{a: }')).toThrow(/jq syntax error/);
  });

  test('unknown functions are reported with arity', () => {
    expect(() => q('frobnicate(1)')).toThrow(/frobnicate\/1 is not defined/);
  });

  test('runaway queries hit the step budget', () => {
    expect(() => runJq('[range(100000000)] | length', null, { maxSteps: 100_000 })).toThrow(/SIZE_LIMIT_EXCEEDED/);
  });
});

import { LlmspellError, hostMethod, isScriptCallback, withIndexFallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';

describe('values between QuickJS and the host', () => {
  let h: Harness;
  const received: ScriptValue[] = [];
  const asked: string[] = [];

  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        echo: (value: ScriptValue) => {
          received.push(value);
          return value;
        },
        record: (...args: ScriptValue[]) => {
          received.push(args);
          return null;
        },
        hostValues: () => ({
          nothing: null,
          yes: true,
          no: false,
          int: 42,
          float: -1.5,
          text: 'héllo wörld – 漢字 🌍',
          list: [1, 'two', [3, { four: 4 }]],
          empty: [],
          obj: {},
          nested: { a: { b: { c: ['deep'] } } },
          fn: (x: ScriptValue) => `called with ${String(x)}`,
          when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) as unknown as ScriptValue,
          numericKeys: { 1: 'one', 2: 'two' },
        }),
        cyclic: () => {
          const a: Record<string, unknown> = { name: 'a' };
          a.self = a;
          return a as ScriptValue;
        },
        shared: () => {
          const leaf = { v: 1 };
          return { left: leaf, right: leaf, fn: () => 1 };
        },
        counter: { count: 0, bump: hostMethod(function bump(this: unknown, by: ScriptValue) { return (Number(by) || 1) + 1; }) },
        lazy: withIndexFallback({ known: 1 }, (key) => {
          asked.push(key);
          return key.startsWith('dyn_') ? { name: key } : null;
        }),
      },
      args: { positional: ['first', 'second'], named: { name: 'Ada', mode: 'fast' } },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    received.length = 0;
  });

  test('scalars survive a round trip through a host echo', async () => {
    const result = await h.run(`
      const out = [echo(null), echo(true), echo(false), echo(0), echo(-7), echo(3.25), echo(''), echo('abc')];
      export default { out, undef: echo(undefined) === undefined, nan: Number.isNaN(echo(NaN)), inf: echo(Infinity) === Infinity };
    `);
    expect(received).toEqual([null, true, false, 0, -7, 3.25, '', 'abc', undefined, NaN, Infinity]);
    expect(result).toEqual({ out: [null, true, false, 0, -7, 3.25, '', 'abc'], undef: true, nan: true, inf: true });
  });

  test('UTF-8 strings cross unchanged both ways', async () => {
    const text = 'naïve café – Ελληνικά – 日本語 – 🎉👩‍💻 – \u0000 nul';
    const result = await h.run(`export default echo(${JSON.stringify(text)}) + '|' + echo(${JSON.stringify(text)}).length`);
    expect(received[0]).toBe(text);
    expect(result).toBe(`${text}|${text.length}`);
  });

  test('nested arrays and objects are 0-based arrays and plain objects', async () => {
    const result = await h.run(`
      const value = { list: [10, [20, 30], { k: 'v' }], obj: { a: 1, b: { c: [true, null] } }, empty: [], none: {} };
      const back = echo(value);
      export default {
        first: back.list[0], inner: back.list[1][1], isArray: Array.isArray(back.list), len: back.list.length,
        same: JSON.stringify(back) === JSON.stringify(value), emptyIsArray: Array.isArray(back.empty),
      };
    `);
    expect(received[0]).toEqual({ list: [10, [20, 30], { k: 'v' }], obj: { a: 1, b: { c: [true, null] } }, empty: [], none: {} });
    expect(result).toEqual({ first: 10, inner: 30, isArray: true, len: 3, same: true, emptyIsArray: true });
  });

  test('values that are not plain JSON (functions inside, undefined fields) take the slow path', async () => {
    const result = await h.run(`
      const back = echo({ a: [1, undefined, 3], f: function named() { return 1; }, d: new Date(0), n: NaN, e: new TypeError('bad') });
      export default { a: back.a, fType: typeof back.f, d: back.d, n: Number.isNaN(back.n), e: back.e.message };
    `);
    const got = received[0] as Record<string, ScriptValue>;
    expect(got.a).toEqual([1, undefined, 3]);
    expect(isScriptCallback(got.f)).toBe(true);
    expect(got.d).toBe('1970-01-01T00:00:00.000Z');
    expect(got.e).toEqual(expect.objectContaining({ name: 'TypeError', message: 'bad' }));
    expect(result).toEqual({ a: [1, undefined, 3], fType: 'function', d: '1970-01-01T00:00:00.000Z', n: true, e: 'bad' });
  });

  test('host values arrive with JS types', async () => {
    const result = await h.run(`
      const v = hostValues();
      export default {
        types: [v.nothing === null, v.yes === true, v.no === false, typeof v.int, typeof v.float, typeof v.text, typeof v.fn],
        text: v.text, list2: v.list[2][1].four, emptyIsArray: Array.isArray(v.empty), objKeys: Object.keys(v.obj).length,
        deep: v.nested.a.b.c[0], call: v.fn(5), when: v.when, numeric: v.numericKeys[1],
      };
    `);
    expect(result).toEqual({
      types: [true, true, true, 'number', 'number', 'string', 'function'],
      text: 'héllo wörld – 漢字 🌍', list2: 4, emptyIsArray: true, objKeys: 0, deep: 'deep',
      call: 'called with 5', when: '2024-01-02T03:04:05.000Z', numeric: 'one',
    });
  });

  test('ARGS is an array with named fields', async () => {
    const result = await h.run(`export default {
      isArray: Array.isArray(ARGS), length: ARGS.length, first: ARGS[0], second: ARGS[1], name: ARGS.name, mode: ARGS.mode,
    }`);
    expect(result).toEqual({ isArray: true, length: 2, first: 'first', second: 'second', name: 'Ada', mode: 'fast' });
  });

  test('a cyclic host value fails with a clear, catchable error', async () => {
    const result = await h.run(`
      let caught;
      try { cyclic(); } catch (e) { caught = { code: e.code, message: e.message }; }
      export default caught;
    `);
    expect(result).toEqual({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^INVALID_ARGUMENT: .*cycle/) });
  });

  test('a cyclic script value passed to the host fails with a clear error', async () => {
    const result = await h.run(`
      const a = { x: 1 }; a.me = a;
      let caught;
      try { echo(a); } catch (e) { caught = e.code + ' ' + e.message; }
      export default caught;
    `);
    expect(result).toMatch(/^INVALID_ARGUMENT INVALID_ARGUMENT: .*cycle/);
    await expect(h.run('const a = []; a.push(a); export default a;')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  test('shared (non-cyclic) references are fine', async () => {
    expect(await h.run('const s = shared(); export default [s.left.v, s.right.v, s.fn()]')).toEqual([1, 1, 1]);
    expect(await h.run('const leaf = {v: 2}; export default echo({a: leaf, b: leaf, f() {}}).b.v')).toBe(2);
  });

  test('host methods are called as obj.m(x) without a self argument', async () => {
    expect(await h.run('export default counter.bump(41)')).toBe(42);
  });

  test('objects with an index fallback become proxies asking the host for unknown keys', async () => {
    const result = await h.run(`export default {
      known: lazy.known, dynamic: lazy.dyn_x.name, missing: lazy.other, has: 'dyn_y' in lazy, hasNot: 'other' in lazy,
      keys: Object.keys(lazy), thenIsUndefined: lazy.then === undefined,
    }`);
    expect(result).toEqual({ known: 1, dynamic: 'dyn_x', missing: null, has: true, hasNot: false, keys: ['known'], thenIsUndefined: true });
  });

  test('an index-fallback object reads its own keys without asking the host, and stays an ordinary object', async () => {
    asked.length = 0;
    const result = await h.run(`
      let n = 0;
      for (let i = 0; i < 5; i++) n += lazy.known;
      lazy.added = 'mine';
      export default {
        n, added: lazy.added, own: Object.keys(lazy), hasOwn: lazy.hasOwnProperty('known'), text: String(lazy),
        json: JSON.stringify(lazy), isObject: lazy instanceof Object, dynamic: lazy.dyn_z.name,
      }`);
    expect(result).toEqual({ n: 5, added: 'mine', own: ['known', 'added'], hasOwn: true, text: '[object Object]', json: '{"known":1,"added":"mine"}', isObject: true, dynamic: 'dyn_z' });
    expect(asked).toEqual(['dyn_z']); // the built-ins it used came from Object.prototype, not the host
  });

  test('several arguments arrive in order, missing ones are undefined', async () => {
    await h.run('record(1, "two", [3]); record();');
    expect(received).toEqual([[1, 'two', [3]], []]);
  });

  test('a host function throwing a plain Error reaches the script as a coded Error', async () => {
    const h2 = await harness({ extraGlobals: { bad: () => { throw new Error('kaput'); }, coded: () => { throw new LlmspellError('NOT_FOUND', 'no such thing', { details: { what: 'x' } }); } } });
    try {
      const result = await h2.run(`
        const out = [];
        try { bad(); } catch (e) { out.push(e instanceof Error, e.code, e.message); }
        try { coded(); } catch (e) { out.push(e.code, e.message, e.details.what); }
        export default out;
      `);
      expect(result).toEqual([true, 'INTERNAL', 'INTERNAL: kaput', 'NOT_FOUND', 'NOT_FOUND: no such thing', 'x']);
    } finally {
      await h2.close();
    }
  });
});

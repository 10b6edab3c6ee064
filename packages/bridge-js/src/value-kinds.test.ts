import { type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';

/**
 * Script values that are not plain data, crossing to the host (every host call, a run's result,
 * a callback's): each becomes the plain data the README's value table names, or is refused with
 * INVALID_ARGUMENT naming where it is. None may arrive as a silently emptied object.
 */
describe('values that are not plain data, script to host', () => {
  let h: Harness;
  const received: ScriptValue[] = [];

  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        echo: (value: ScriptValue) => {
          received.push(value);
          return null;
        },
        pair: (a: ScriptValue, b: ScriptValue) => {
          received.push([a, b]);
          return null;
        },
      },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    received.length = 0;
  });

  /** The error a script sees passing `expression` to echo. */
  const refusal = (expression: string, prelude = ''): Promise<ScriptValue> => h.run(`${prelude}
    let caught = null;
    try { echo(${expression}); } catch (e) { caught = { code: e.code, message: e.message, details: e.details }; }
    export default caught;`);

  test('Map, Set, typed arrays and safe BigInts become their plain data, at the top and nested', async () => {
    await h.run(`
      echo(new Map([[1, 2], ['k', { v: new Set(['a', 'b']) }]]));
      echo({ set: new Set([1, [2]]), bytes: new Uint8Array([1, 2, 255]), floats: new Float64Array([0.5, -1]), big: 10n, neg: -(2n ** 53n - 1n) });
      echo([new BigInt64Array([3n, -4n]), new Map(), new Set()]);
    `);
    expect(received).toEqual([
      { 1: 2, k: { v: ['a', 'b'] } },
      { set: [1, [2]], bytes: [1, 2, 255], floats: [0.5, -1], big: 10, neg: -(2 ** 53 - 1) },
      [[3, -4], {}, []],
    ]);
  });

  test('a Map or Set holding a cycle is named as a cycle, not nested too deep', async () => {
    expect(await refusal('s', 'const s = new Set(); s.add({ back: s });')).toMatchObject({
      code: 'INVALID_ARGUMENT', message: 'INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $[0].back (argument 1) refers back to $',
    });
    expect(await refusal('{ m }', 'const m = new Map(); m.set("self", m);')).toMatchObject({
      message: 'INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $.m.self (argument 1) refers back to $.m',
    });
  });

  test.each([
    ['a RegExp', '{ re: /re/g }', '$.re', /is a RegExp, which has no plain-data form: pass an object, array, string, number, boolean or null$/],
    ['a class instance', '{ list: [new P()] }', '$.list[0]', /is an instance of class P, which has no plain-data form: copy the fields you need into an object \(\{ \.\.\.value \}\)$/],
    ['a WeakMap', 'new WeakMap()', '$', /is a WeakMap/],
    ['an ArrayBuffer', '{ buf: new ArrayBuffer(4) }', '$.buf', /is an ArrayBuffer/],
    ['a DataView', '{ view: new DataView(new ArrayBuffer(4)) }', '$.view', /is a DataView/],
    ['an Object.create object', '{ o: Object.create({ inherited: 1 }) }', '$.o', /is an object whose prototype is not Object\.prototype/],
    ['a promise inside data', '{ p: Promise.resolve(1) }', '$.p', /is a Promise inside data, which nothing awaits: await it/],
    ['a promise in an argument array', '[Promise.resolve(1)]', '$[0]', /is a Promise inside data/],
    ['a Symbol', '{ "odd key": Symbol("s") }', '$["odd key"]', /is a Symbol/],
    ['an unsafe BigInt', '{ n: [2n ** 64n] }', '$.n[0]', /is a BigInt a number cannot hold exactly \(18446744073709551616n\): pass it as a string/],
    ['a Map with an object key', '{ m: new Map([[{}, 1]]) }', '$.m', /is a Map with a key that is an object/],
    ['a Map with keys 1 and "1"', '{ m: new Map([[1, "a"], ["1", "b"]]) }', '$.m', /is a Map with two keys that read as "1"/],
  ])('%s is refused with INVALID_ARGUMENT naming its path', async (_name, expression, path, message) => {
    const caught = await refusal(expression, 'class P { constructor() { this.q = 1; } }');
    expect(caught).toMatchObject({ code: 'INVALID_ARGUMENT', details: { path, argument: 1 } });
    expect((caught as { message: string }).message).toMatch(`INVALID_ARGUMENT: value at ${path} (argument 1) is `);
    expect((caught as { message: string }).message).toMatch(message);
    expect(received).toEqual([]);
  });

  test('the argument named is the one that holds the value, on the binary and the per-argument paths', async () => {
    expect(await h.run('try { pair({ ok: 1 }, { bad: new Map([[[], 1]]) }) } catch (e) { e.message }'))
      .toBe('INVALID_ARGUMENT: value at $.bad (argument 2) is a Map with a key that is an object: only string and number keys make an object\'s keys (use an array of [key, value] pairs)');
    expect(await h.run('try { pair(() => 1, /x/) } catch (e) { e.details }')).toEqual({ path: '$', argument: 2 });
  });

  test('State.save keeps what the script stored, or refuses it', async () => {
    const result = await h.run(`
      await State.save('global', 'm', new Map([['a', 1]]));
      await State.save('global', 'u8', new Uint8Array([1, 2]));
      await State.save('global', 'big', 10n);
      let caught;
      try { await State.save('global', 'inst', new (class P { constructor() { this.q = 1 } })()); } catch (e) { caught = e.message; }
      export default [await State.load('global', 'm'), await State.load('global', 'u8'), await State.load('global', 'big'), caught, await State.load('global', 'inst')];
    `);
    expect(result).toEqual([{ a: 1 }, [1, 2], 10, expect.stringMatching(/^INVALID_ARGUMENT: value at \$ \(argument 3\) is an instance of class P/), null]);
  });

  test('a run\'s result and a callback\'s result are converted the same way', async () => {
    expect(await h.run('export default { s: new Set([1]), t: new Int8Array([-1]) }')).toEqual({ s: [1], t: [-1] });
    await expect(h.run('export default { when: /x/ }', 'result.js')).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: expect.stringContaining('value at $.when is a RegExp'),
    });
    await h.run('echo(() => ({ s: new Set([2]) })); echo(async () => [/x/]);');
    const [plain, refused] = received as ScriptCallback[];
    await expect(plain!.call()).resolves.toEqual({ s: [2] });
    await expect(refused!.call()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('value at $[0] is a RegExp') });
  });

  test('plain data, Dates, Errors, functions and objects the host made still cross as before', async () => {
    await h.run(`
      const nullProto = Object.create(null); nullProto.k = 'v';
      echo({ d: new Date(0), e: new TypeError('bad'), n: NaN, u: undefined, nullProto, args: ARGS, hostMade: Tool });
    `);
    const got = received[0] as Record<string, ScriptValue>;
    expect(got).toMatchObject({ d: '1970-01-01T00:00:00.000Z', e: { name: 'TypeError', message: 'bad' }, u: undefined, nullProto: { k: 'v' }, args: [] });
    expect(Number.isNaN(got.n)).toBe(true);
    expect(typeof got.hostMade).toBe('object');
  });
});

test('host to script: a Map becomes an object only when its keys are strings or numbers', async () => {
  const h = await harness({ extraGlobals: { good: () => new Map<unknown, unknown>([[1, 'a'], ['b', 2]]) as unknown as ScriptValue, bad: () => ({ m: new Map([[{}, 1]]) }) as unknown as ScriptValue } });
  try {
    expect(await h.run('export default good()')).toEqual({ 1: 'a', b: 2 });
    expect(await h.run('try { bad() } catch (e) { e.message }')).toBe('INVALID_ARGUMENT: value at $.m is a Map with a key that is an object: only string and number keys make an object\'s keys');
  } finally {
    await h.close();
  }
});

describe('cycles name where they close, both ways', () => {
  test('host to script: the path of the value that refers back, and the place it refers to', async () => {
    const a: Record<string, unknown> = { b: [{}] };
    (a.b as Array<Record<string, unknown>>)[0]!.c = a;
    const h = await harness({ extraGlobals: { cyclic: () => a as ScriptValue } });
    try {
      expect(await h.run('try { cyclic() } catch (e) { [e.code, e.message] }')).toEqual([
        'INVALID_ARGUMENT', 'INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $.b[0].c refers back to $',
      ]);
    } finally {
      await h.close();
    }
  });

  test('script to host: as a run result, and as an argument', async () => {
    const h = await harness({ extraGlobals: { echo: () => null } });
    try {
      await expect(h.run('const a = { b: [{}] }; a.b[0].c = a.b; export default { a }')).rejects.toMatchObject({
        message: expect.stringContaining('INVALID_ARGUMENT: cannot pass a value that contains itself (a cycle): the value at $.a.b[0].c refers back to $.a.b'),
      });
      expect(await h.run('const a = {}; a["my key"] = [a]; try { echo(1, a) } catch (e) { e.details }')).toEqual({ path: '$["my key"][0]', refersTo: '$', argument: 2 });
    } finally {
      await h.close();
    }
  });
});

import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { hostAsync } from '@llmspell/core';
import { BinaryWriter, NOT_PLAIN, readBinaryValue } from './binary-values.js';
import { directEngineCalls, type EngineCalls } from './direct-engine-calls.js';
import { createJsEngine } from './js-engine.js';
import { newQuickJSInstance } from './quickjs-module.js';

const SAMPLES: Array<[string, unknown]> = [
  ['latin-1 and wide strings', { a: 'plain', b: 'café', c: '€ 😀', d: '', e: 'x'.repeat(5000), f: '€'.repeat(3000) }],
  ['NUL, C1 controls and lone surrogates', ['a\u0000b', '\u0080\u0085\u009f', '\u0080'.repeat(40), '\ud800', 'z\udc00', '€\udc00'.repeat(30)]],
  ['integers at the int32 edges, floats and the non-finite', [0, 1, -1, 63, 64, -64, -65, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 0.5, -1e300, Number.MAX_SAFE_INTEGER, NaN, Infinity, -Infinity]],
  ['null, booleans, undefined items and values', { n: null, t: true, f: false, u: undefined, list: [undefined, null] }],
  ['keys: repeated, integer-like, __proto__', [{ k: 1, '0': 'zero', '12': 'twelve', __proto__x: 1 }, { k: 2 }, JSON.parse('{"__proto__": {"polluted": true}}')]],
  ['nesting', { a: { b: { c: [[[{ d: 'deep' }]]] } }, empty: {}, none: [] }],
];

describe('plain data in QuickJS binary form', () => {
  let rt: QuickJSRuntime;
  let ctx: QuickJSContext;
  let engine: EngineCalls;
  let stringify: QuickJSHandle;
  beforeAll(async () => {
    const module = await newQuickJSInstance(16 * 1024 * 1024);
    rt = module.newRuntime();
    ctx = rt.newContext();
    engine = directEngineCalls(rt, ctx);
    const made = ctx.evalCode('(v) => JSON.stringify(v, (k, x) => typeof x === "number" && !Number.isFinite(x) ? String(x) : x === undefined ? "<undefined>" : x)');
    if (made.error) throw new Error('cannot make the checker');
    stringify = made.value;
  });
  afterAll(() => {
    stringify.dispose();
    engine.dispose();
    ctx.dispose();
    rt.dispose();
  });

  /** The engine's own view of a value, with NaN, infinities and undefined spelled out. */
  const engineJson = (handle: QuickJSHandle): string => {
    const result = engine.call(stringify, ctx.undefined, [handle]);
    if (result.error) throw new Error('checker failed');
    try {
      return ctx.getString(result.value);
    } finally {
      result.value.dispose();
    }
  };
  const hostJson = (value: unknown): string =>
    JSON.stringify(value, (k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x === undefined ? '<undefined>' : x));

  test('this QuickJS build takes both halves (else every value crosses as JSON text)', () => {
    expect(engine.binary).toBe(true);
  });

  test.each(SAMPLES)('%s: host → engine → host gives the same data', (_name, value) => {
    const handle = engine.newPlain(value);
    expect(handle).toBeDefined();
    try {
      expect(engineJson(handle!)).toBe(hostJson(value));
      const back = engine.readPlain(handle!);
      expect(back).toEqual(value);
      expect(hostJson(back)).toBe(hostJson(value));
    } finally {
      handle!.dispose();
    }
  });

  test('values one after another: the same shape (its head reused), another shape with as many keys, strings either side of the short-text length', () => {
    const texts = ['', 'a', 'x'.repeat(32), 'y'.repeat(33), `${'z'.repeat(40)}é`, `${'w'.repeat(40)}€`, `${'v'.repeat(20)}€`, 'ÿ'.repeat(33),
      // a one-byte and a two-byte length header (63 / 64 characters), either side of the loop's 256, wide late in a long one
      'h'.repeat(63), 'i'.repeat(64), 'j'.repeat(256), 'k'.repeat(257), `${'l'.repeat(250)}€`, `${'m'.repeat(255)}\ud800`, 'ÿ'.repeat(256),
      // past the buffer kept for answers (8 KiB), then shorter ones read over its stale bytes again
      'n'.repeat(9000), '€'.repeat(4100), 'o'];
    const values: unknown[] = [];
    for (const text of texts) {
      values.push({ text, metadata: { n: text.length, t: 0.5 }, success: true, result: text, output: text });
      values.push({ text, metadata: { n: text.length, t: 1.5 }, success: false, result: null, output: [text] });
      // as many keys, other names: the head must not be the previous one's
      values.push({ txt: text, meta: { m: text.length, u: 2 }, ok: true, res: text, out: text });
      values.push(text);
      values.push({ big: 'b'.repeat(600), text });
    }
    for (const value of values) {
      const handle = engine.newPlain(value)!;
      try {
        expect(engineJson(handle)).toBe(hostJson(value));
        expect(engine.readPlain(handle)).toEqual(value);
      } finally {
        handle.dispose();
      }
      // the writer on its own gives the bytes the reader takes back
      const bytes = new BinaryWriter().write(value)!;
      expect(readBinaryValue(bytes, 0, bytes.length)).toEqual(value);
    }
  });

  test('an own __proto__ key stays a key on both sides', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const handle = engine.newPlain(value)!;
    try {
      const fn = ctx.unwrapResult(ctx.evalCode('(v) => [Object.getPrototypeOf(v) === Object.prototype, Object.keys(v).join(","), v.polluted === undefined]'));
      const result = engine.call(fn, ctx.undefined, [handle]);
      if (result.error) throw new Error('check failed');
      expect(ctx.dump(result.value)).toEqual([true, '__proto__,a', true]);
      result.value.dispose();
      fn.dispose();
      const back = engine.readPlain(handle) as Record<string, unknown>;
      expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
      expect(Object.keys(back)).toEqual(['__proto__', 'a']);
      expect((back as { polluted?: unknown }).polluted).toBeUndefined();
    } finally {
      handle.dispose();
    }
  });

  test('negative zero keeps its sign both ways', () => {
    const handle = engine.newPlain([-0])!;
    expect(Object.is((engine.readPlain(handle) as number[])[0], -0)).toBe(true);
    handle.dispose();
  });

  test('the writer refuses what is more than plain data', () => {
    const writer = new BinaryWriter();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 250; i++) deep = [deep];
    const extra = Object.assign([1, 2], { name: 'x' });
    class Point { x = 1; }
    for (const value of [() => 1, Symbol('s'), 10n, new Date(0), new Point(), [1, , 3], extra, cyclic, deep, { nested: new Map() }]) {
      expect(writer.write(value)).toBeUndefined();
    }
    expect(writer.write({ ok: [1, 'two'] })).toBeInstanceOf(Uint8Array);
  });

  test('short texts read again come from the reader\'s cache only when every byte matches', () => {
    // thousands of short texts share the cache's 512 slots: same lengths, one character apart, keys and values
    const texts = Array.from({ length: 3000 }, (_, i) => `k${i}`.padEnd(i % 33, String.fromCharCode(97 + (i % 26))));
    const value = { list: texts, ...Object.fromEntries(texts.slice(0, 200).map((t, i) => [t, texts[2999 - i]])) };
    const bytes = new BinaryWriter().write(value)!;
    for (let round = 0; round < 2; round++) expect(readBinaryValue(bytes, 0, bytes.length)).toEqual(value);
    const swapped = new BinaryWriter().write({ list: [...texts].reverse() })!;
    expect(readBinaryValue(swapped, 0, swapped.length)).toEqual({ list: [...texts].reverse() });
  });

  test('the reader refuses what is not plain data or not whole', () => {
    const read = (source: string): unknown => {
      const handle = ctx.unwrapResult(ctx.evalCode(source));
      try {
        return engine.readPlain(handle);
      } finally {
        handle.dispose();
      }
    };
    expect(read('(() => { const o = { a: 1 }; return [o, o]; })()')).toBe(NOT_PLAIN); // written as a reference
    expect(read('new Date(0)')).toBe(NOT_PLAIN);
    expect(read('[() => 1]')).toBe(NOT_PLAIN); // the engine refuses to write a function
    expect(read('({ get x() { return 1; } })')).toBe(NOT_PLAIN);
    expect(read('new Proxy({}, {})')).toBe(NOT_PLAIN);
    const bytes = new BinaryWriter().write({ list: [1, 2, 3], text: 'abc' })!;
    const copy = Uint8Array.from(bytes);
    expect(readBinaryValue(copy, 0, copy.length)).toEqual({ list: [1, 2, 3], text: 'abc' });
    for (let end = 0; end < copy.length; end++) expect(readBinaryValue(copy, 0, end)).toBe(NOT_PLAIN);
    const otherVersion = Uint8Array.from(copy);
    otherVersion[0] = 6;
    expect(readBinaryValue(otherVersion, 0, otherVersion.length)).toBe(NOT_PLAIN);
    // an array claiming more items than there are bytes
    expect(readBinaryValue(Uint8Array.from([5, 0, 9, 0xff, 0xff, 0xff, 0x0f]), 0, 7)).toBe(NOT_PLAIN);
  });
});

describe('host calls with binary arguments and answers', () => {
  const run = async (source: string, globals: Record<string, unknown>) => {
    const engine = createJsEngine();
    const ctx = await engine.createContext({ globals: globals as never, limits: { memoryBytes: 32 * 1024 * 1024, timeoutMs: 10_000 }, output: { stdout: () => undefined, stderr: () => undefined } });
    try {
      return await ctx.run(source, { filename: 'binary.js' });
    } finally {
      ctx.dispose();
    }
  };

  test('arguments a script passes arrive as the script wrote them, plain or not', async () => {
    const seen: unknown[][] = [];
    const echo = (...args: unknown[]) => {
      seen.push(args);
      return args.length;
    };
    await run(`
      const shared = { s: 1 };
      echo('a', { n: -2, f: 0.25, u: undefined, list: ['é', '€'] });
      echo([shared, shared]);
      echo({ get g() { return 'got'; } });
      echo();
      1`, { echo });
    expect(seen[0]).toEqual(['a', { n: -2, f: 0.25, u: undefined, list: ['é', '€'] }]);
    expect(seen[1]).toEqual([[{ s: 1 }, { s: 1 }]]);
    expect(seen[2]).toEqual([{ g: 'got' }]);
    expect(seen[3]).toEqual([]);
  });

  test('what the engine checks less before its writer still arrives as the slow way reads it', async () => {
    // The script side no longer checks each leaf: these reach the engine's writer, which refuses
    // (a Proxy, a getter, a function) or writes them, and the host's reader refuses what is not
    // plain data. Each must arrive as the slow way (a value at a time) reads it.
    const seen: unknown[][] = [];
    const echo = (...args: unknown[]) => {
      seen.push(args);
      return args.length;
    };
    const result = await run(`
      const indexGetter = [1, 2];
      Object.defineProperty(indexGetter, 0, { get() { return 'got'; }, enumerable: true });
      class Point { constructor() { this.x = 1; } get y() { return 2; } }
      const short = []; short.length = 5; short[3] = 'three';
      const long = []; long[300] = 'end';
      echo(new Proxy({ a: 1 }, {}), new Proxy(['p'], {}));
      echo(indexGetter, { d: new Date(0), n: NaN, i: -Infinity, z: -0 });
      echo(Object.assign(Object.create(null), { bare: true }));
      echo(short, { long });
      echo({ f() { return 1; } }.f, [2n], 10n);
      echo([{ a: 1 }], [[], [{}]], { u: undefined });
      // what has no plain-data form is refused, never read as its own fields alone (see value-kinds.test.ts)
      const refused = [];
      for (const bad of [[new Point()], [[Symbol('s')]], [1, { big: 2n ** 60n }]]) {
        try { echo(...bad); } catch (e) { refused.push(e.message); }
      }
      refused`, { echo });
    expect(result).toEqual([
      expect.stringMatching(/^INVALID_ARGUMENT: value at \$ \(argument 1\) is an instance of class Point/),
      expect.stringMatching(/^INVALID_ARGUMENT: value at \$\[0\] \(argument 1\) is a Symbol/),
      expect.stringMatching(/^INVALID_ARGUMENT: value at \$\.big \(argument 2\) is a BigInt/),
    ]);
    expect(seen[0]).toEqual([{ a: 1 }, ['p']]);
    expect(seen[1]).toEqual([['got', 2], { d: '1970-01-01T00:00:00.000Z', n: NaN, i: -Infinity, z: -0 }]);
    expect(Object.is((seen[1]![1] as { z: number }).z, -0)).toBe(true);
    expect(seen[2]).toEqual([{ bare: true }]);
    expect(seen[3]![0]).toEqual([undefined, undefined, undefined, 'three', undefined]);
    expect((seen[3]![1] as { long: unknown[] }).long).toHaveLength(301);
    expect((seen[3]![1] as { long: unknown[] }).long[300]).toBe('end');
    expect(typeof seen[4]![0]).toBe('object'); // a script function crosses as a callback
    expect(seen[4]!.slice(1)).toEqual([[2], 10]);
    expect(seen[5]).toEqual([[{ a: 1 }], [[], [{}]], { u: undefined }]);
  });

  test.each([
    ['an argument', 'echo(a)'],
    ['an object\'s value', 'echo({ list: a })'],
    ['an item of a nested array', 'echo([[1, a]])'],
    ['an argument of an asynchronous host function', 'await later(a)'],
  ])('an array far longer than its items never reaches the engine\'s writer: as %s it ends with a limit', async (_name, call) => {
    // QuickJS's writer loops over an array's length in C, where the time limit cannot stop it;
    // the host's slow path walks it in bytecode and the memory limit ends the run.
    const echo = () => 0;
    const error = await run(`const a = []; a.length = 2 ** 32 - 1; a[7] = 'x'; ${call}; 1`, { echo, later: hostAsync(echo) }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', message: expect.stringMatching(/script exceeded its memory limit of 32 MiB/) });
  });

  test('answers arrive as the host gave them, at once or awaited', async () => {
    const answer = { text: '{\n  "a": 1\n}', n: 3, f: 1.5, list: [null, true, 'x'], nested: { deep: ['€'] } };
    const result = await run(`
      const now = give();
      const later = await giveAsync();
      export default { now, later, same: JSON.stringify(now) === JSON.stringify(later), isArray: Array.isArray(now.list) };`, {
      give: () => answer,
      giveAsync: hostAsync(() => answer),
    });
    expect(result).toEqual({ now: answer, later: answer, same: true, isArray: true });
  });
});

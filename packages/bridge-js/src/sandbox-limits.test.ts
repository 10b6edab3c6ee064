import { harness, type Harness } from './__fixtures__/harness.js';
import { engineStats } from './js-vm.js';

/** Names QuickJS itself defines on globalThis (ECMAScript built-ins). */
const ECMASCRIPT_GLOBALS = new Set([
  'Object', 'Function', 'Array', 'Number', 'parseFloat', 'parseInt', 'Infinity', 'NaN', 'undefined', 'Boolean', 'String',
  'Symbol', 'Date', 'Promise', 'RegExp', 'Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError',
  'SyntaxError', 'TypeError', 'URIError', 'InternalError', 'globalThis', 'JSON', 'Math', 'Intl', 'ArrayBuffer',
  'SharedArrayBuffer', 'Atomics', 'Uint8Array', 'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array',
  'Float16Array', 'Float32Array', 'Float64Array', 'Uint8ClampedArray', 'BigUint64Array', 'BigInt64Array', 'DataView',
  'Map', 'BigInt', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Proxy', 'Reflect', 'decodeURI',
  'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape', 'unescape', 'eval', 'isFinite', 'isNaN', 'Iterator',
]);

describe('sandbox', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness();
  });
  afterAll(() => h.close());

  test('no host capabilities exist in the script', async () => {
    const result = await h.run(`export default [
      typeof require, typeof process, typeof fetch, typeof std, typeof os, typeof module, typeof exports,
      typeof setTimeout, typeof XMLHttpRequest, typeof Deno, typeof Bun,
    ]`);
    expect(result).toEqual(Array(11).fill('undefined'));
  });

  test('globalThis has only ECMAScript built-ins, the injected globals, print and console', async () => {
    const names = await h.run('export default Object.getOwnPropertyNames(globalThis)') as string[];
    const extra = names.filter((n) => !ECMASCRIPT_GLOBALS.has(n)).sort();
    const injected = Object.keys(h.runtime.buildGlobals({ language: 'javascript' })).filter((n) => !ECMASCRIPT_GLOBALS.has(n));
    expect(Object.keys(h.runtime.buildGlobals({ language: 'javascript' }))).toContain('JSON');
    // __llmspellFloating: what dropped calls are wrapped in (floating-promises.ts)
    expect(extra).toEqual([...injected, 'print', 'console', '__llmspellFloating'].sort());
    expect(await h.run('JSON.stringify(JSON.parse(\'{"a":[1]}\'))')).toBe('{"a":[1]}');
    // The language's JSON, not the runtime's: only it takes a reviver and a replacer.
    expect(await h.run('JSON.stringify(JSON.parse(\'{"a":1}\', (k, v) => (k === "a" ? v + 1 : v)), ["a"], 1)')).toBe('{\n "a": 2\n}');
  });

  test('importing modules fails with a clear error', async () => {
    await expect(h.run("import fs from 'fs';\nexport default fs;", 'imp.js')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', message: expect.stringContaining("import of 'fs' is not allowed"),
    });
    const result = await h.run(`
      let message;
      try { await import('fs'); } catch (e) { message = e.message; }
      try { await import('./local.js'); } catch (e) { message += ' | ' + e.message; }
      export default message;
    `);
    expect(result).toMatch(/import of 'fs' is not allowed.*\| .*is not allowed/);
  });
});

describe('limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await harness({ limits: { memoryBytes: 16 * 1024 * 1024, timeoutMs: 5_000 } });
  });
  afterAll(() => h.close());

  const stillWorks = async () => {
    const r = await h.run('const r = await Tool.invoke("adder", {a: 1, b: 1}); export default r.result.sum;', 'after.js');
    expect(r).toBe(2);
  };

  test('an endless loop is stopped with SCRIPT_TIMEOUT, and the context runs the next script', async () => {
    const started = Date.now();
    await expect(h.run('let i = 0;\nwhile (true) { i++; }', 'loop.js', 150)).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT', message: expect.stringMatching(/^SCRIPT_TIMEOUT: loop\.js:\d+: .*150 ms/), details: { file: 'loop.js', line: expect.any(Number) },
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    await stillWorks();
  });

  test('an endless loop cannot be caught by the script', async () => {
    await expect(h.run('try { while (true) {} } catch (e) { "caught" }', 'catch.js', 100)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await stillWorks();
  });

  test('an endless loop after an await times out too', async () => {
    await expect(h.run('await Tool.invoke("adder", {a: 1, b: 2});\nfor (;;) {}', 'later.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await stillWorks();
  });

  test('an endless chain of promise jobs is SCRIPT_TIMEOUT, whether the script drops the chain or awaits it', async () => {
    // the interrupt lands inside a job: the chain's promise rejects, and the run must still say why it ended
    const chain = 'function f() { return Promise.resolve().then(f); }';
    await expect(h.run(`${chain}\nf();\nexport default 1;`, 'jobs.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'jobs.js' } });
    await expect(h.run(`${chain}\nawait f();`, 'jobs.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await expect(h.run(`${chain}\nf();`, 'jobs.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await expect(h.run('Promise.resolve().then(function g() { return Promise.resolve().then(g); });\nexport default 1;', 'then.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await expect(h.run('async function f() { for (;;) await null; }\nf();\nexport default 1;', 'awaits.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    expect(await h.run('export default 6 * 7')).toBe(42);
  });

  test('waiting on a host promise past the deadline is SCRIPT_TIMEOUT', async () => {
    await expect(h.run('await Tool.invoke("hang", {});', 'wait.js', 150)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'wait.js' } });
    await stillWorks();
  });

  test.each([
    ['many small objects', 'const parts = [];\nwhile (true) { parts.push({ n: parts.length, s: "abc" + parts.length }); }'],
    ['large strings', 'const parts = [];\nwhile (true) { parts.push("x".repeat(1 << 16) + parts.length); }'],
    ['array buffers', 'const parts = [];\nwhile (true) { parts.push(new ArrayBuffer(1 << 20)); }'],
    ['big arrays', 'const parts = [];\nwhile (true) { parts.push(new Array(100000).fill(parts.length)); }'],
  ])('an allocation bomb (%s) fails with SCRIPT_MEMORY_LIMIT, and the context runs the next script', async (_name, source) => {
    const started = Date.now();
    const error = await h.run(source, 'bomb.js').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', message: expect.stringMatching(/^SCRIPT_MEMORY_LIMIT: bomb\.js(:\d+)?: .*16 MiB/) });
    expect(Date.now() - started).toBeLessThan(4_000);
    await stillWorks();
  });

  test('the heap cap holds for real: a script cannot keep more than its limit alive', async () => {
    // 8 x 1 MiB fits in 16 MiB, 40 x 1 MiB does not (QuickJS alone would not count these bytes)
    const keep = (n: number) => `(() => { const keep = []; for (let i = 0; i < ${n}; i++) keep.push(new Uint8Array(1 << 20).fill(1)); return keep.length; })()`;
    expect(await h.run(keep(8))).toBe(8);
    await expect(h.run(keep(40)))
      .rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
    await stillWorks();
  });

  test('a host value too big for the context fails with SCRIPT_MEMORY_LIMIT instead of corrupting it', async () => {
    const c = await harness({ limits: { memoryBytes: 8 * 1024 * 1024 }, extraGlobals: { big: () => 'x'.repeat(40 * 1024 * 1024), small: () => 'ok' } });
    try {
      await expect(c.run('const s = big();\ns.length', 'big.js')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
      expect(await c.run('export default small() + (await Tool.invoke("adder", {a: 1, b: 2})).result.sum')).toBe('ok3');
    } finally {
      await c.close();
    }
  });

  test('runaway recursion fails with SCRIPT_STACK_OVERFLOW, and the context runs the next script', async () => {
    await expect(h.run('function down(n) { return down(n + 1) + 1; }\ndown(0);', 'deep.js')).rejects.toMatchObject({
      code: 'SCRIPT_STACK_OVERFLOW', details: { file: 'deep.js', line: 1 },
    });
    await stillWorks();
    // async recursion and recursion through a native (JSON.stringify replacer) as well
    await expect(h.run('async function f(n) { return await f(n + 1); }\nawait f(0);', 'adeep.js')).rejects.toMatchObject({ code: 'SCRIPT_STACK_OVERFLOW' });
    await expect(h.run('function g(v) { return JSON.stringify({ v }, (k, x) => k === "v" ? g(x) : x); }\ng(1);', 'ndeep.js')).rejects.toMatchObject({ code: 'SCRIPT_STACK_OVERFLOW' });
    // a native recursion of the engine's own (JSON.stringify of a deep value) still names the script
    await expect(h.run('let a = []; for (let i = 0; i < 1e5; i++) a = [a];\nJSON.stringify(a);', 'jdeep.js')).rejects.toMatchObject({
      code: 'SCRIPT_STACK_OVERFLOW', message: expect.stringMatching(/^SCRIPT_STACK_OVERFLOW: jdeep\.js: /), details: { file: 'jdeep.js' },
    });
    await stillWorks();
  });

  test('deep recursion that calls the host at every level still ends as SCRIPT_STACK_OVERFLOW', async () => {
    for (const body of ['Utils.hash(String(n));', 'Tool.invoke("adder", { a: n, b: 1 });', 'print; console; Tool.adder;']) {
      await expect(h.run(`function f(n) { ${body} return f(n + 1) + 1; }\nf(0);`, 'hostdeep.js')).rejects.toMatchObject({ code: 'SCRIPT_STACK_OVERFLOW' });
    }
    await stillWorks();
  });

  test('a script can catch its own stack overflow and go on', async () => {
    expect(await h.run('let depth = 0; function f() { depth++; f(); }\ntry { f(); } catch (e) { [e.name, depth > 100] }')).toEqual(['InternalError', true]);
  });

  test('aborting the signal cancels a busy script and a waiting one with CANCELLED', async () => {
    // A busy script holds the thread, so the abort comes from a host call it made.
    let controller: AbortController | undefined;
    const busy = await harness({ extraGlobals: { abortRun: () => { controller!.abort(); return null; } } });
    controller = busy.controller;
    try {
      await expect(busy.run('abortRun();\nwhile (true) {}', 'busy.js')).rejects.toMatchObject({ code: 'CANCELLED', details: { file: 'busy.js' } });
    } finally {
      await busy.close();
    }
    const waiting = await harness();
    try {
      const running = waiting.run('await Tool.invoke("hang", {});', 'wait.js');
      setTimeout(() => waiting.controller.abort(), 50);
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED' });
      // an already aborted signal refuses to start
      await expect(waiting.run('1')).rejects.toMatchObject({ code: 'CANCELLED' });
      // without the aborted signal the same context runs again (its globals stay bound to
      // the aborted run signal, so host calls made through them report CANCELLED)
      expect(await waiting.context.run('export default 2 + 2', { filename: 'again.js' })).toBe(4);
    } finally {
      await waiting.close();
    }
  });

  test('globals set before a limit failure are gone, the injected ones are back', async () => {
    await h.run('globalThis.before = 1;');
    await expect(h.run('while (true) {}', 'loop.js', 50)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    expect(await h.run('[typeof before, typeof Tool.invoke, typeof print]')).toEqual(['undefined', 'function', 'function']);
  });

  test('many contexts with live callbacks are created and disposed without leaks', async () => {
    for (let i = 0; i < 20; i++) {
      const c = await harness({ extraGlobals: { keep: (fn) => fn, hold: () => null } });
      // a run left waiting forever is told so instead of hanging
      await expect(c.run('await new Promise(() => {});', 'never.js')).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('never settle') });
      // the host holds a script promise that never settles (a promise crosses as an argument, not inside data)
      const kept = await c.run('hold(new Promise(() => {})); export default { f: keep(() => 1), g: async () => 2 }');
      expect(kept).toBeTruthy();
      await c.close();
    }
    await stillWorks();
  });

  test('disposing a context while its script waits rejects the run', async () => {
    const c = await harness();
    const running = c.run('await Tool.invoke("hang", {});', 'wait.js');
    await new Promise((r) => setImmediate(r));
    c.context.dispose();
    await expect(running).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('disposed') });
    await expect(c.run('1')).rejects.toMatchObject({ message: expect.stringContaining('disposed') });
    c.controller.abort();
    await c.runtime.close();
    await stillWorks();
  });

  afterAll(() => {
    // every disposal above freed all handles before the QuickJS runtime
    expect(engineStats.uncleanDisposals).toBe(0);
  });
});

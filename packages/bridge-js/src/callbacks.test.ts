import { SCRIPT_CALLBACK, isScriptCallback, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from './__fixtures__/harness.js';

describe('script functions handed to the host', () => {
  let h: Harness;
  let stored: ScriptCallback | undefined;
  const hostDelay = (ms: number, value: ScriptValue) => new Promise<ScriptValue>((resolve) => setTimeout(() => resolve(value), ms));

  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        store: (fn: ScriptValue) => {
          stored = fn as ScriptCallback;
          return null;
        },
        // the host calls the script function while the script awaits this host promise
        callNow: async (fn: ScriptValue, ...args: ScriptValue[]) => (fn as ScriptCallback).call(...args),
        delay: (ms: ScriptValue, value: ScriptValue) => hostDelay(Number(ms), value),
        same: (fn: ScriptValue) => fn,
        foreign: {
          // a function from another engine (as bridge-lua would hand over)
          fn: {
            [SCRIPT_CALLBACK]: true, language: 'lua', release() {}, call: async (...args: ScriptValue[]) => `lua got ${args.length}`,
          } as ScriptCallback,
        },
        failing: () => Promise.reject(new Error('host async failure')),
      },
    });
  });
  afterAll(() => h.close());

  test('a script function arrives as a ScriptCallback', async () => {
    await h.run('store(function add(a, b) { return a + b; })');
    expect(isScriptCallback(stored)).toBe(true);
    expect(stored!.language).toBe('javascript');
    expect(await stored!.call(2, 3)).toBe(5);
  });

  test('the host calls an async script function that itself awaits a host promise', async () => {
    const result = await h.run(`
      const out = await callNow(async (x) => {
        const viaTool = await Tool.invoke('adder', { a: x, b: 1 });
        const viaDelay = await delay(10, 'later');
        return { sum: viaTool.result.sum, viaDelay };
      }, 41);
      export default out;
    `);
    expect(result).toEqual({ sum: 42, viaDelay: 'later' });
  });

  test('a callback can be called after its run finished, and is awaited', async () => {
    await h.run('store(async (n) => { const r = await Tool.invoke("adder", { a: n, b: n }); return r.result.sum; })');
    expect(await stored!.call(21)).toBe(42);
    expect(await Promise.all([stored!.call(1), stored!.call(2)])).toEqual([2, 4]);
  });

  test('a throwing callback rejects with the script error and its line', async () => {
    await h.run('store(() => {\n  throw new TypeError("bad input");\n})', 'cb.js');
    await expect(stored!.call()).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: cb.js:2: TypeError: bad input' });
    await h.run('store(async () => { await delay(1, null); throw new Error("late"); })', 'cb2.js');
    await expect(stored!.call()).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('late') });
  });

  test('errors from callbacks reach the script that made the host call', async () => {
    const result = await h.run(`
      let caught;
      try { await callNow(() => { throw new Error('inner'); }); } catch (e) { caught = [e.code, e.message]; }
      export default caught;
    `, 'outer.js');
    expect(result).toEqual(['SCRIPT_ERROR', 'SCRIPT_ERROR: outer.js:3: inner']);
  });

  test('a released callback cannot be called', async () => {
    await h.run('store(() => 1)');
    const cb = stored!;
    expect(await cb.call()).toBe(1);
    cb.release();
    cb.release();
    await expect(cb.call()).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('released') });
  });

  test('a script function handed back to the script is the same function', async () => {
    expect(await h.run('const f = () => 1; export default same(f) === f;')).toBe(true);
  });

  test('a function from another engine is callable and returns a promise', async () => {
    expect(await h.run('const p = foreign.fn(1, 2); export default [p instanceof Promise, await p];')).toEqual([true, 'lua got 2']);
  });

  test('a host promise rejected with a plain Error rejects in the script', async () => {
    expect(await h.run('let m; try { await failing(); } catch (e) { m = [e.code, e.message]; } export default m;'))
      .toEqual(['INTERNAL', 'INTERNAL: host async failure']);
  });

  test('a callback stuck in a loop times out and the context recovers', async () => {
    const c = await harness({ limits: { timeoutMs: 150 }, extraGlobals: { store: (fn: ScriptValue) => { stored = fn as ScriptCallback; return null; } } });
    try {
      await c.run('store(() => { while (true) {} })');
      await expect(stored!.call()).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      // the broken engine is replaced on the next run
      await expect(c.run('1 + 1')).resolves.toBe(2);
    } finally {
      await c.close();
    }
  });

  test('callbacks of a disposed context fail cleanly', async () => {
    const c = await harness({ extraGlobals: { store: (fn: ScriptValue) => { stored = fn as ScriptCallback; return null; } } });
    await c.run('store(() => 1)');
    const cb = stored!;
    await c.close();
    await expect(cb.call()).rejects.toMatchObject({ code: 'SCRIPT_ERROR', message: expect.stringContaining('disposed') });
    cb.release();
  });
});

describe('script promises handed to the host', () => {
  test('the host can await a promise the script passes', async () => {
    const h = await harness({ extraGlobals: { awaitIt: async (p: ScriptValue) => `got ${String(await (p as unknown as Promise<ScriptValue>))}` } });
    try {
      expect(await h.run('export default await awaitIt(new Promise((r) => r(5)))')).toBe('got 5');
      expect(await h.run('let m; try { await awaitIt(Promise.reject(new Error("no"))); } catch (e) { m = e.message; } export default m;')).toMatch(/no/);
    } finally {
      await h.close();
    }
  });

  test('a script awaiting what only a held callback can resolve waits for it', async () => {
    let held: ScriptCallback | undefined;
    const h = await harness({ extraGlobals: { hold: (fn: ScriptValue) => { held = fn as ScriptCallback; return null; } } });
    try {
      const running = h.run('let done; const p = new Promise((r) => { done = r; }); hold((v) => done(v)); export default await p;');
      await new Promise((r) => setTimeout(r, 20));
      await held!.call('from host');
      expect(await running).toBe('from host');
    } finally {
      await h.close();
    }
  });
});

import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { FAST_CALL, installFastHostCalls, type FastHostFunction } from './fast-host-calls.js';
import { newQuickJSInstance } from './quickjs-module.js';

describe('the lean host-call path', () => {
  let rt: QuickJSRuntime;
  let ctx: QuickJSContext;
  beforeAll(async () => {
    const module = await newQuickJSInstance(16 * 1024 * 1024);
    rt = module.newRuntime();
    ctx = rt.newContext();
  });
  afterAll(() => {
    ctx.dispose();
    rt.dispose();
  });

  const define = (name: string, fn: FastHostFunction) => {
    const handle = ctx.newFunction(name, fn);
    ctx.setProp(ctx.global, name, handle);
    handle.dispose();
  };
  const evaluate = (code: string): unknown => {
    const result = ctx.evalCode(code);
    if (result.error) {
      const error = ctx.dump(result.error) as { message?: string };
      result.error.dispose();
      throw new Error(error.message);
    }
    try {
      return ctx.dump(result.value);
    } finally {
      result.value.dispose();
    }
  };

  // Written against quickjs-emscripten-core 0.32's internals: an upgrade that changes them
  // fails here (the bridge then still works, on the library's slower path).
  test('installs on this version of quickjs-emscripten', () => {
    expect(installFastHostCalls(ctx)).toBe(true);
  });

  test('a marked function gets this and its arguments, and its answer or error reaches the script', () => {
    let kept: QuickJSHandle | undefined;
    const join: FastHostFunction = function (this: QuickJSHandle, ...args: QuickJSHandle[]) {
      kept = args[1]?.dup(); // a borrowed handle can be kept by duplicating it
      return ctx.newString([ctx.typeof(this) === 'string' ? ctx.getString(this) : '-', ...args.map((a) => String(ctx.dump(a)))].join('|'));
    };
    join[FAST_CALL] = true;
    const fail: FastHostFunction = () => ({ error: ctx.newError({ name: 'Error', message: 'refused' }) });
    fail[FAST_CALL] = true;
    const boom: FastHostFunction = () => {
      throw new Error('host bug');
    };
    boom[FAST_CALL] = true;
    define('join', join);
    define('fail', fail);
    define('boom', boom);
    expect(evaluate('join.call("t", 1, { a: 2 }, "x")')).toBe('t|1|[object Object]|x');
    expect(kept && ctx.dump(kept)).toEqual({ a: 2 });
    kept?.dispose();
    expect(evaluate('try { fail(); } catch (e) { e.message }')).toBe('refused');
    expect(evaluate('try { boom(); } catch (e) { e.message }')).toBe('host bug');
  });

  test('an answer handle made for the call goes to the engine as it is (no leak, no double free); static ones stay', () => {
    let made: QuickJSHandle | undefined;
    const give: FastHostFunction = () => (made = ctx.newObject());
    give[FAST_CALL] = true;
    const yes: FastHostFunction = () => ctx.true;
    yes[FAST_CALL] = true;
    const kept = ctx.newString('kept');
    const again: FastHostFunction = () => kept.dup(); // the answer is owned by the call: a kept handle goes as a duplicate
    again[FAST_CALL] = true;
    define('give', give);
    define('yes', yes);
    define('again', again);
    expect(evaluate('typeof give()')).toBe('object');
    expect(made?.alive).toBe(false); // handed over: disposed, as after the duplicate it replaces
    expect(evaluate('yes() && yes()')).toBe(true);
    expect(ctx.true.alive).toBe(true);
    expect(evaluate('again() + again()')).toBe('keptkept');
    kept.dispose();
    const objects = () => {
      const usage = rt.computeMemoryUsage();
      try {
        return (ctx.dump(usage) as { obj_count: number }).obj_count;
      } finally {
        usage.dispose();
      }
    };
    const before = objects();
    expect(evaluate('let n = 0; for (let i = 0; i < 10000; i++) if (typeof give() === "object") n++; n')).toBe(10000);
    expect(objects() - before).toBeLessThan(100); // each answer freed with the script's last reference
  });

  test('unmarked functions keep the library path', () => {
    define('plain', (a) => ctx.newNumber(ctx.getNumber(a) * 2));
    expect(evaluate('plain(21)')).toBe(42);
  });
});

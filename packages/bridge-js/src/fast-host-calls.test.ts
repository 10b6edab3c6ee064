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

  test('unmarked functions keep the library path', () => {
    define('plain', (a) => ctx.newNumber(ctx.getNumber(a) * 2));
    expect(evaluate('plain(21)')).toBe(42);
  });
});

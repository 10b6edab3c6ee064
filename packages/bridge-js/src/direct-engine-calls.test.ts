import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { directEngineCalls, type EngineCalls, type EngineResult } from './direct-engine-calls.js';
import { newQuickJSInstance } from './quickjs-module.js';

describe('direct engine calls', () => {
  let rt: QuickJSRuntime;
  let ctx: QuickJSContext;
  let engine: EngineCalls;
  beforeAll(async () => {
    const module = await newQuickJSInstance(16 * 1024 * 1024);
    rt = module.newRuntime();
    ctx = rt.newContext();
    engine = directEngineCalls(rt, ctx);
  });
  afterAll(() => {
    engine.dispose();
    ctx.dispose();
    rt.dispose();
  });

  const code = (source: string): QuickJSHandle => {
    const result = ctx.evalCode(source);
    if (result.error) {
      const message = JSON.stringify(ctx.dump(result.error));
      result.error.dispose();
      throw new Error(message);
    }
    return result.value;
  };
  const read = (result: EngineResult<QuickJSHandle>): unknown => {
    const handle = result.error ?? result.value;
    try {
      return result.error ? { thrown: (ctx.dump(handle) as { message: string }).message } : ctx.dump(handle);
    } finally {
      handle.dispose();
    }
  };
  const numbers = (...xs: number[]) => xs.map((x) => ctx.newNumber(x));

  test('calls with this and arguments, and gives an exception as an error', () => {
    const fn = code('"use strict"; (function (...args) { if (args[0] === 0) throw new Error("zero"); return [this === undefined ? null : this.k, ...args]; })');
    const self = code('({ k: "self" })');
    const args = numbers(1, 2, 3);
    expect(read(engine.call(fn, self, args))).toEqual(['self', 1, 2, 3]);
    const zero = numbers(0);
    expect(read(engine.call(fn, self, zero))).toEqual({ thrown: 'zero' });
    const many = numbers(1, 2, 3, 4, 5, 6, 7, 8, 9, 10); // more than its buffer holds
    expect(read(engine.call(fn, ctx.undefined, many))).toEqual([null, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const h of [fn, self, ...args, ...zero, ...many]) h.dispose();
  });

  test('a call that reaches the host, which calls the engine again, keeps the outer arguments', () => {
    const inner = code('(function (a, b) { return a * b; })');
    const reenter = ctx.newFunction('reenter', (a) => {
      const args = numbers(ctx.getNumber(a), 100);
      try {
        const result = engine.call(inner, ctx.undefined, args);
        if (result.error) throw new Error('inner call failed');
        return result.value;
      } finally {
        for (const h of args) h.dispose();
      }
    });
    ctx.setProp(ctx.global, 'reenter', reenter);
    reenter.dispose();
    const outer = code('(function (a, b, c) { const r = reenter(a); return [a, b, c, r]; })');
    const args = numbers(2, 3, 4);
    expect(read(engine.call(outer, ctx.undefined, args))).toEqual([2, 3, 4, 200]);
    for (const h of [inner, outer, ...args]) h.dispose();
  });

  test('new strings arrive intact, short or longer than the kept buffer', () => {
    for (const text of ['', '{"a":"é 😀 \\u0000"}', 'x'.repeat(5000), '€'.repeat(40_000), 'y'.repeat(10)]) {
      const handle = engine.newString(text);
      expect(ctx.getString(handle)).toBe(text);
      handle.dispose();
    }
  });

  test('runs pending jobs and counts them, or gives the exception of one', () => {
    code('globalThis.log = []; Promise.resolve().then(() => log.push(1)).then(() => log.push(2));').dispose();
    expect(engine.executePendingJobs()).toEqual({ value: 2 });
    expect(engine.executePendingJobs()).toEqual({ value: 0 });
    expect(read({ value: code('log') })).toEqual([1, 2]);
    code('Promise.resolve().then(() => { throw new Error("in a job"); }).catch(() => { throw new Error("again"); });').dispose();
    const outcome = engine.executePendingJobs();
    // an exception inside a job rejects its promise; the job itself completes
    expect(outcome).toEqual({ value: 2 });
  });
});

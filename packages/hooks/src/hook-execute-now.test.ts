import { executeComponentNow, isPromiseLike, type HookResult } from '@llmspell/core';
import { scriptHookHandler } from './script-hook.js';
import { context, echoTool, hookContext, scriptCallbackNow, setup, upperTool } from './__fixtures__/helpers.js';

const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 2));

describe('HookExecutor.executeNow', () => {
  test('answers within the call when every hook answers at once, folding modified results in order', () => {
    const { registry, executor } = setup();
    const first = scriptCallbackNow((ctx) => ({ type: 'modified', data: { input: { n: ((ctx as { data: { input: { n: number } } }).data.input.n) + 1 } } }));
    const second = scriptCallbackNow((ctx) => ({ type: 'modified', data: { input: { n: ((ctx as { data: { input: { n: number } } }).data.input.n) * 10 } } }));
    registry.register({ point: 'BeforeToolExecution', name: 'first', priority: 'high', language: 'lua', handler: scriptHookHandler(first) });
    registry.register({ point: 'BeforeToolExecution', name: 'native', handler: () => undefined });
    registry.register({ point: 'BeforeToolExecution', name: 'second', priority: 'low', language: 'lua', handler: scriptHookHandler(second) });
    const ctx = hookContext('BeforeToolExecution', { input: { n: 1 } });
    const result = executor.executeNow(ctx.point, ctx);
    expect(isPromiseLike(result)).toBe(false);
    expect(result).toEqual({ type: 'modified', data: { input: { n: 20 } } });
    expect(executor.stats().points.BeforeToolExecution.executions).toBe(1);
  });

  test('a cancel ends the chain at once; later hooks do not run', () => {
    const { registry, executor } = setup();
    const after = scriptCallbackNow(() => null);
    registry.register({ point: 'BeforeToolExecution', name: 'stop', priority: 'high', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => ({ type: 'cancel', reason: 'no' }))) });
    registry.register({ point: 'BeforeToolExecution', name: 'after', language: 'lua', handler: scriptHookHandler(after) });
    const ctx = hookContext('BeforeToolExecution', { input: {} });
    expect(executor.executeNow(ctx.point, ctx)).toEqual({ type: 'cancel', reason: 'no' });
    expect(after.calls).toHaveLength(0);
  });

  test('from the first hook that waits, the rest runs after it, in order, with the same result as execute', async () => {
    const { registry, executor } = setup();
    const order: string[] = [];
    registry.register({ point: 'AfterToolExecution', name: 'a', priority: 'highest', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => { order.push('a'); return { type: 'modified', data: { output: 'A' } }; })) });
    registry.register({ point: 'AfterToolExecution', name: 'b', priority: 'high', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(async () => { order.push('b'); return later({ type: 'modified', data: { output: 'B' } }); })) });
    registry.register({ point: 'AfterToolExecution', name: 'c', priority: 'low', language: 'lua', handler: scriptHookHandler(scriptCallbackNow((ctx) => { order.push(`c saw ${String((ctx as { data: { output: string } }).data.output)}`); return null; })) });
    const ctx = hookContext('AfterToolExecution', { input: {}, output: 'x' });
    const pending = executor.executeNow(ctx.point, ctx);
    expect(isPromiseLike(pending)).toBe(true);
    expect(order).toEqual(['a', 'b']);
    await expect(pending).resolves.toEqual({ type: 'modified', data: { input: {}, output: 'B' } });
    expect(order).toEqual(['a', 'b', 'c saw B']);
    const again = hookContext('AfterToolExecution', { input: {}, output: 'x' });
    await expect(executor.execute(again.point, again)).resolves.toEqual({ type: 'modified', data: { input: {}, output: 'B' } });
  });

  test('a hook that throws within the call is logged and skipped, as an async failure is', () => {
    const { registry, executor } = setup();
    const hook = registry.register({ point: 'BeforeToolExecution', name: 'broken', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => { throw new Error('test.lua:3: boom'); })) });
    const ctx = hookContext('BeforeToolExecution', { input: {} });
    expect(executor.executeNow(ctx.point, ctx)).toEqual({ type: 'continue' });
    expect(hook.stats.failures).toBe(1);
    expect(hook.stats.last_error).toContain('test.lua:3: boom');
  });
});

describe('executeComponentNow with script hooks that answer at once', () => {
  test('a synchronous tool stays synchronous: modified input, replaced output, cancel', () => {
    const { registry, executor, bus } = setup();
    const ctx = context(executor, bus);
    const modify = registry.register({ point: 'BeforeToolExecution', name: 'shout', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => ({ type: 'modified', data: { input: { text: 'changed' } } }))) });
    const out = executeComponentNow(upperTool, { text: 'orig' }, ctx);
    expect(isPromiseLike(out)).toBe(false);
    expect(out).toMatchObject({ success: true, result: 'CHANGED' });
    registry.unregister(modify.id);
    registry.register({ point: 'BeforeToolExecution', name: 'deny', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => ({ type: 'cancel', reason: 'not today' }))) });
    expect(() => executeComponentNow(echoTool, { text: 'a' }, ctx)).toThrow(expect.objectContaining({ code: 'HOOK_CANCELLED', message: expect.stringContaining('not today') }) as unknown as Error);
  });

  test('a hook that waits makes the call wait, with the same outcome', async () => {
    const { registry, executor } = setup();
    const ctx = context(executor);
    registry.register({ point: 'AfterToolExecution', name: 'slow', language: 'lua', handler: scriptHookHandler(scriptCallbackNow(() => later<HookResult>({ type: 'replace', data: { output: { success: true, result: 'from hook' } } }))) });
    const out = executeComponentNow(echoTool, { text: 'a' }, ctx);
    expect(isPromiseLike(out)).toBe(true);
    await expect(out).resolves.toMatchObject({ result: 'from hook' });
  });
});

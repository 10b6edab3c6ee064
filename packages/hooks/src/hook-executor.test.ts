import { HookPoints, isErrorHookPoint, type HookPoint } from '@llmspell/core';
import { HookExecutor } from './hook-executor.js';
import { HookRegistry } from './hook-registry.js';
import { scriptHookHandler } from './script-hook.js';
import { hookContext, scriptCallback, setup } from './__fixtures__/helpers.js';

describe('HookRegistry', () => {
  test('keeps hooks sorted by priority, ties in registration order', () => {
    const r = new HookRegistry();
    const mk = (name: string, priority: string | number) => r.register({ point: 'SystemStartup', name, priority, handler: () => undefined });
    mk('n1', 'normal');
    mk('low', 'low');
    mk('highest', 'highest');
    mk('n2', 'normal');
    mk('num', -5);
    mk('lowest', 'lowest');
    mk('high', 'high');
    expect(r.hooksFor('SystemStartup').map((h) => h.name)).toEqual(['highest', 'high', 'num', 'n1', 'n2', 'low', 'lowest']);
    expect(r.list('SystemStartup').map((h) => h.name)).toEqual(['highest', 'high', 'num', 'n1', 'n2', 'low', 'lowest']);
  });

  test('rejects duplicate names at a point; enable/disable/unregister; filters', () => {
    const r = new HookRegistry();
    const a = r.register({ point: 'ToolError', name: 'a', handler: () => undefined, language: 'lua', tags: ['x'] });
    expect(() => r.register({ point: 'ToolError', name: 'a', handler: () => undefined })).toThrow(/ALREADY_EXISTS/);
    r.register({ point: 'AgentError', name: 'a', handler: () => undefined });
    expect(r.hasHooks('ToolError')).toBe(true);
    expect(r.setEnabled(a.id, false)).toBe(true);
    expect(r.hasHooks('ToolError')).toBe(false);
    expect(r.list({ enabled: false }).map((h) => h.id)).toEqual([a.id]);
    r.setEnabled(a.id, true);
    expect(r.list({ language: 'lua' })).toHaveLength(1);
    expect(r.list({ tag: 'x' })).toHaveLength(1);
    expect(r.list({ hook_point: 'AgentError' })).toHaveLength(1);
    expect(r.unregister(a.id)).toBe(true);
    expect(r.unregister(a.id)).toBe(false);
    expect(r.hasHooks('ToolError')).toBe(false);
    expect(r.stats().total).toBe(1);
    r.setGloballyEnabled(false);
    expect(r.hasHooks('AgentError')).toBe(false);
  });

  test('thousands of hooks: run order, enable and disable, removal by owner and by point, as a plain sort says', () => {
    const r = new HookRegistry();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const made = Array.from({ length: 3000 }, (_, i) => r.register({
      point: i % 3 === 0 ? 'ToolError' : 'BeforeToolExecution', name: `h${i}`, priority: Math.floor(random() * 7) - 3, owner: i % 2 ? 'odd' : 'even', handler: () => undefined,
    }));
    const expected = (point: HookPoint) => made.filter((h) => h.point === point && r.get(h.id)?.enabled).sort((a, b) => a.priority - b.priority || a.seq - b.seq).map((h) => h.name);
    const names = (point: HookPoint) => r.hooksFor(point).map((h) => h.name);
    expect(names('BeforeToolExecution')).toEqual(expected('BeforeToolExecution'));
    const running = r.hooksFor('BeforeToolExecution');
    for (const h of made.slice(0, 600)) r.setEnabled(h.id, false);
    for (const h of made.slice(100, 200)) r.unregister(h.id);
    expect(names('BeforeToolExecution')).toEqual(expected('BeforeToolExecution'));
    expect(names('ToolError')).toEqual(expected('ToolError'));
    // a chain that started before the changes keeps the list it started with
    expect(running).toHaveLength(2000);
    expect(r.unregisterOwner('odd')).toBe(1450);
    expect(names('BeforeToolExecution')).toEqual(expected('BeforeToolExecution'));
    expect(r.hooksFor('BeforeToolExecution').every((h) => h.owner === 'even' && h.enabled)).toBe(true);
    // a freed name can be taken again, and goes to its place in the order
    expect(() => r.register({ point: 'BeforeToolExecution', name: 'h1001', priority: 'highest', handler: () => undefined })).not.toThrow();
    expect(names('BeforeToolExecution')[0]).toBe('h1001');
    expect(() => r.register({ point: 'BeforeToolExecution', name: 'h1000', handler: () => undefined })).toThrow(/ALREADY_EXISTS/);
    const left = r.list('ToolError').length;
    expect(left).toBeGreaterThan(400);
    expect(r.clearPoint('ToolError')).toBe(left);
    expect(r.hasHooks('ToolError')).toBe(false);
    expect(r.points()).toEqual(['BeforeToolExecution']);
    for (const h of r.hooksFor('BeforeToolExecution')) r.setEnabled(h.id, false);
    expect(r.hasHooks('BeforeToolExecution')).toBe(false);
    r.clear();
    expect([r.size, r.points()]).toEqual([0, []]);
  });
});

describe('HookExecutor', () => {
  test('every one of the 42 points (and a custom one) reaches its hooks', async () => {
    const { registry, executor } = setup();
    const seen: string[] = [];
    const points: HookPoint[] = [...HookPoints, 'custom:my_point'];
    expect(HookPoints).toHaveLength(42);
    for (const p of points) registry.register({ point: p, handler: (ctx) => { seen.push(ctx.point); } });
    for (const p of points) {
      expect(executor.hasHooks(p)).toBe(true);
      expect(await executor.execute(p, hookContext(p, { input: 1 }))).toEqual({ type: 'continue' });
    }
    expect(seen).toEqual(points);
  });

  test('runs in priority order; modified feeds the next hook; cancel ends the chain', async () => {
    const { registry, executor } = setup();
    const order: string[] = [];
    registry.register({ point: 'BeforeToolExecution', name: 'late', priority: 'low', handler: () => { order.push('late'); } });
    registry.register({ point: 'BeforeToolExecution', name: 'first', priority: 'highest', handler: (ctx) => {
      order.push('first');
      return { type: 'modified', data: { input: { n: (ctx.data.input as { n: number }).n + 1 } } };
    } });
    registry.register({ point: 'BeforeToolExecution', name: 'second', priority: 'high', handler: (ctx) => {
      order.push(`second saw ${(ctx.data.input as { n: number }).n}`);
      return { action: 'modify', modified_data: { n: 10 } };
    } });
    registry.register({ point: 'BeforeToolExecution', name: 'stopper', priority: 'normal', handler: (ctx) => {
      order.push(`stopper saw ${(ctx.data.input as { n: number }).n}`);
      return { type: 'cancel', reason: 'enough' };
    } });
    const ctx = hookContext('BeforeToolExecution', { input: { n: 1 } });
    const r = await executor.execute('BeforeToolExecution', ctx);
    expect(r).toEqual({ type: 'cancel', reason: 'enough' });
    expect(order).toEqual(['first', 'second saw 2', 'stopper saw 10']);
    expect(ctx.data).toEqual({ input: { n: 10 } });
  });

  test('a modified chain returns the whole data record', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'AfterToolExecution', handler: () => ({ type: 'modified', data: 'new output' }) });
    const r = await executor.execute('AfterToolExecution', hookContext('AfterToolExecution', { input: {}, output: 'old', duration_ms: 1 }));
    expect(r).toEqual({ type: 'modified', data: { input: {}, output: 'new output', duration_ms: 1 } });
  });

  test('a hook that throws, returns garbage or times out never fails the operation', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { timeout_ms: 20, circuit_breaker: false } });
    const ran: string[] = [];
    registry.register({ point: 'SystemStartup', name: 'throws', handler: () => { throw new Error('boom'); } });
    registry.register({ point: 'SystemStartup', name: 'garbage', handler: () => ({ type: 'explode' }) });
    registry.register({ point: 'SystemStartup', name: 'hangs', handler: () => new Promise(() => undefined) });
    registry.register({ point: 'SystemStartup', name: 'ok', priority: 'low', handler: () => { ran.push('ok'); return 'continue'; } });
    await expect(executor.execute('SystemStartup', hookContext('SystemStartup'))).resolves.toEqual({ type: 'continue' });
    expect(ran).toEqual(['ok']);
    const info = registry.list('SystemStartup');
    expect(info.find((h) => h.name === 'throws')!.stats.last_error).toMatch(/boom/);
    expect(info.find((h) => h.name === 'garbage')!.stats.last_error).toMatch(/unknown type 'explode'/);
    expect(info.find((h) => h.name === 'hangs')!.stats.last_error).toMatch(/timed out after 20 ms/);
  });

  test('each hook call keeps its own timeout while calls overlap (one shared timer watches them)', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { timeout_ms: 60_000, circuit_breaker: false } });
    registry.register({ point: 'SystemStartup', name: 'slow-long', timeout_ms: 60_000, handler: () => new Promise((resolve) => setTimeout(() => resolve('continue'), 30)) });
    registry.register({ point: 'SystemShutdown', name: 'hangs-short', timeout_ms: 15, handler: () => new Promise(() => undefined) });
    registry.register({ point: 'SystemShutdown', name: 'fast', handler: async () => 'continue' });
    // the long-timeout call starts first (arms the timer far away); the short one must still time out
    const long = executor.execute('SystemStartup', hookContext('SystemStartup'));
    await expect(executor.execute('SystemShutdown', hookContext('SystemShutdown'))).resolves.toEqual({ type: 'continue' });
    await expect(long).resolves.toEqual({ type: 'continue' });
    expect(registry.list('SystemShutdown').find((h) => h.name === 'hangs-short')!.stats.last_error).toMatch(/timed out after 15 ms/);
    expect(registry.list('SystemStartup').find((h) => h.name === 'slow-long')!.stats.last_error).toBeUndefined();
    // and again after everything settled
    await expect(executor.execute('SystemShutdown', hookContext('SystemShutdown'))).resolves.toEqual({ type: 'continue' });
    expect(registry.list('SystemShutdown').find((h) => h.name === 'hangs-short')!.stats.failures).toBe(2);
  });

  test('the circuit breaker disables a failing hook and re-enables it after the cool-down', async () => {
    let now = 0;
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { now: () => now, config: { breaker: { failure_threshold: 3, success_threshold: 1, open_duration_ms: 1000, slow_call_threshold: 100, slow_call_duration_ms: 1e9 } } });
    let calls = 0;
    let fail = true;
    registry.register({ point: 'ToolError', name: 'flaky', handler: () => { calls += 1; if (fail) throw new Error('nope'); return { type: 'cancel', reason: 'ran' }; } });
    for (let i = 0; i < 5; i++) await executor.execute('ToolError', hookContext('ToolError'));
    expect(calls).toBe(3);
    expect(registry.list('ToolError')[0].circuit_breaker?.state).toBe('open');
    expect(registry.list('ToolError')[0].stats.skipped).toBe(2);
    now += 1000;
    fail = false;
    expect(await executor.execute('ToolError', hookContext('ToolError'))).toEqual({ type: 'cancel', reason: 'ran' });
    expect(calls).toBe(4);
    expect(registry.list('ToolError')[0].circuit_breaker?.state).toBe('closed');
  });

  test('a slow hook is disabled by the breaker', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { breaker: { failure_threshold: 3, success_threshold: 1, open_duration_ms: 60_000, slow_call_threshold: 2, slow_call_duration_ms: 5 } } });
    let calls = 0;
    registry.register({ point: 'custom:slow', handler: async () => { calls += 1; await new Promise((r) => setTimeout(r, 10)); } });
    for (let i = 0; i < 4; i++) await executor.execute('custom:slow', hookContext('custom:slow'));
    expect(calls).toBe(2);
  });

  test('breaker events are published on the bus', async () => {
    const { registry, bus } = setup();
    const executor = new HookExecutor(registry, { events: bus, config: { breaker: { failure_threshold: 1, success_threshold: 1, open_duration_ms: 60_000, slow_call_threshold: 9, slow_call_duration_ms: 1e9 } } });
    const sub = bus.subscribe('hook.*');
    registry.register({ point: 'SystemShutdown', name: 'bad', handler: () => { throw new Error('x'); } });
    await executor.execute('SystemShutdown', hookContext('SystemShutdown'));
    const types = [(await bus.receive(sub.id, 100))!.event_type, (await bus.receive(sub.id, 100))!.event_type];
    expect(types.sort()).toEqual(['hook.circuit_opened', 'hook.failed']);
  });

  test('when() skips a hook', async () => {
    const { registry, executor } = setup();
    registry.register({ point: 'SessionStart', when: (c) => c.data.go === true, handler: () => ({ type: 'cancel', reason: 'went' }) });
    expect(await executor.execute('SessionStart', hookContext('SessionStart', { go: false }))).toEqual({ type: 'continue' });
    expect(await executor.execute('SessionStart', hookContext('SessionStart', { go: true }))).toEqual({ type: 'cancel', reason: 'went' });
  });

  test('error points: modified becomes the recovered output', async () => {
    const { registry, executor } = setup();
    for (const p of HookPoints.filter(isErrorHookPoint)) {
      registry.register({ point: p, handler: () => ({ type: 'modified', data: 'fallback' }) });
      const r = await executor.execute(p, hookContext(p, { input: {}, error: { code: 'X', message: 'm' }, attempt: 1 }));
      expect(r).toMatchObject({ type: 'modified', data: { output: 'fallback' } });
    }
  });
});

describe('script hooks (ScriptCallback, the bridges\' contract)', () => {
  test('get the context as plain data and their results take effect', async () => {
    const { registry, executor } = setup();
    const cb = scriptCallback((ctx) => {
      const c = ctx as Record<string, any>;
      return { type: 'modified', data: { text: `${c.data.input.text}!` } };
    });
    registry.register({ point: 'BeforeToolExecution', handler: scriptHookHandler(cb), language: 'lua' });
    const ctx = hookContext('BeforeToolExecution', { input: { text: 'hi' }, when: new Date(0), buf: new Uint8Array([1, 2]) });
    const r = await executor.execute('BeforeToolExecution', ctx);
    expect(r).toMatchObject({ type: 'modified', data: { input: { text: 'hi!' } } });
    const seen = cb.calls[0][0] as Record<string, any>;
    expect(seen).toMatchObject({
      point: 'BeforeToolExecution',
      component_id: { id: 'system:test', type: 'system', name: 'test' },
      data: { input: { text: 'hi' }, when: '1970-01-01T00:00:00.000Z', buf: 'AQI=' },
      metadata: {},
      correlation_id: 'corr-1',
      language: 'native',
    });
    expect(typeof seen.timestamp).toBe('string');
  });

  test('a released callback (script ended) counts as a failed hook, not a failed operation', async () => {
    const { registry, executor } = setup();
    const cb = scriptCallback(() => 'stop');
    registry.register({ point: 'custom:x', handler: scriptHookHandler(cb) });
    expect(await executor.execute('custom:x', hookContext('custom:x'))).toEqual({ type: 'cancel', reason: 'stop' });
    cb.release();
    expect(await executor.execute('custom:x', hookContext('custom:x'))).toEqual({ type: 'continue' });
  });
});

describe('re-entrant script hooks', () => {
  test('a script hook whose own operation fires it again is skipped, not recursed', async () => {
    const { registry, executor } = setup();
    let depth = 0;
    let max = 0;
    const cb = scriptCallback(async () => {
      depth += 1;
      max = Math.max(max, depth);
      // The hook starts an operation that fires the same point again.
      await executor.execute('BeforeToolExecution', hookContext('BeforeToolExecution', { input: {} }));
      depth -= 1;
      return 'continue';
    });
    registry.register({ point: 'BeforeToolExecution', handler: scriptHookHandler(cb), language: 'lua' });
    await executor.execute('BeforeToolExecution', hookContext('BeforeToolExecution', { input: {} }));
    expect(max).toBe(1);
    expect(registry.list()[0].stats.skipped).toBe(1);
  });

  test('a hook fired again two operations down (through another hook) is skipped too', async () => {
    const { registry, executor } = setup();
    const runs: string[] = [];
    const outer = scriptCallback(async () => {
      runs.push('outer');
      await executor.execute('BeforeAgentExecution', hookContext('BeforeAgentExecution', { input: {} }));
      return 'continue';
    });
    const inner = scriptCallback(async () => {
      runs.push('inner');
      // fires the outer hook's point again, from inside the outer hook's own operation
      await executor.execute('BeforeToolExecution', hookContext('BeforeToolExecution', { input: {} }));
      return 'continue';
    });
    registry.register({ point: 'BeforeToolExecution', name: 'outer', handler: scriptHookHandler(outer), language: 'lua' });
    registry.register({ point: 'BeforeAgentExecution', name: 'inner', handler: scriptHookHandler(inner), language: 'lua' });
    await executor.execute('BeforeToolExecution', hookContext('BeforeToolExecution', { input: {} }));
    expect(runs).toEqual(['outer', 'inner']);
    expect(registry.list().find((h) => h.name === 'outer')!.stats.skipped).toBe(1);
    expect(registry.list().find((h) => h.name === 'inner')!.stats.skipped).toBe(0);
    // once both have returned, neither counts as running: the next call runs both again
    await executor.execute('BeforeToolExecution', hookContext('BeforeToolExecution', { input: {} }));
    expect(runs).toEqual(['outer', 'inner', 'outer', 'inner']);
  });
});

describe('performance points', () => {
  test('a hook slower than max_execution_time_ms fires PerformanceThresholdExceeded', async () => {
    const registry = new HookRegistry();
    const executor = new HookExecutor(registry, { config: { max_execution_time_ms: 5, circuit_breaker: false } });
    const reported = new Promise<Record<string, unknown>>((resolve) => registry.register({ point: 'PerformanceThresholdExceeded', handler: (c) => resolve(c.data) }));
    registry.register({ point: 'BeforeAgentExecution', name: 'sluggish', handler: () => new Promise((r) => setTimeout(r, 15)) });
    await executor.execute('BeforeAgentExecution', hookContext('BeforeAgentExecution', { input: {} }));
    expect(await reported).toMatchObject({ metric: 'hook_execution_time_ms', hook: 'sluggish', hook_point: 'BeforeAgentExecution', threshold: 5 });
  });

  test('the resource monitor fires MemoryUsageHigh / CpuUsageHigh once per crossing', async () => {
    const { ResourceMonitor } = await import('./resource-monitor.js');
    const { registry, executor } = setup();
    const seen: string[] = [];
    registry.register({ point: 'MemoryUsageHigh', handler: (c) => { seen.push(`${c.point}:${(c.data.memory_ratio as number).toFixed(2)}`); } });
    registry.register({ point: 'CpuUsageHigh', handler: (c) => { seen.push(c.point); } });
    const m = new ResourceMonitor(executor, { interval_ms: 0, memory_threshold: 0.5, cpu_threshold: 0.8 });
    const base = { heap_used_bytes: 1, heap_limit_bytes: 2, rss_bytes: 1 };
    expect(await m.check({ ...base, memory_ratio: 0.6, cpu_ratio: 0.1 })).toEqual(['MemoryUsageHigh']);
    expect(await m.check({ ...base, memory_ratio: 0.7, cpu_ratio: 0.95 })).toEqual(['CpuUsageHigh']);
    expect(await m.check({ ...base, memory_ratio: 0.1, cpu_ratio: 0.1 })).toEqual([]);
    expect(await m.check({ ...base, memory_ratio: 0.9, cpu_ratio: 0.1 })).toEqual(['MemoryUsageHigh']);
    expect(seen).toEqual(['MemoryUsageHigh:0.60', 'CpuUsageHigh', 'MemoryUsageHigh:0.90']);
    const real = m.sample();
    expect(real.heap_limit_bytes).toBeGreaterThan(real.heap_used_bytes);
  });
});

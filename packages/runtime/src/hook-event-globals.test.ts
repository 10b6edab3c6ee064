import { SCRIPT_CALLBACK, defineTool, z, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import type { HookRegistry } from '@llmspell/hooks';
import { LlmspellRuntime } from './index.js';

type Obj = Record<string, any>;

/** A ScriptCallback as the bridges build them, around a JS function standing in for the engine. */
function cb(fn: (...args: any[]) => unknown, language = 'lua'): ScriptCallback & { released: boolean; calls: number } {
  const c = {
    [SCRIPT_CALLBACK]: true as const,
    language,
    released: false,
    calls: 0,
    async call(...args: ScriptValue[]) {
      if (c.released) throw new Error('released');
      c.calls += 1;
      return (await fn(...args)) as ScriptValue;
    },
    release() { c.released = true; },
  };
  return c;
}

const echo = defineTool({
  name: 'echo_tool',
  description: 'Echoes',
  category: 'utility',
  securityLevel: 'safe',
  parameters: z.object({ input: z.string() }),
  execute: ({ input }) => ({ result: input }),
});

describe('Hook and Event globals', () => {
  let rt: LlmspellRuntime;
  let run: AbortController;
  let g: Record<string, any>;
  beforeEach(async () => {
    rt = await LlmspellRuntime.create({ tools: [echo], config: { hooks: { builtin: { metrics: {} } }, events: { max_queue_size: 50 } } });
    run = new AbortController();
    g = rt.buildGlobals({ language: 'lua', signal: run.signal }) as Obj;
  });
  afterEach(async () => {
    run.abort();
    await rt.close();
  });

  test('the feature installs hooks, events and services; [hooks.builtin] enables built-ins', () => {
    expect(rt.hooks).toBeDefined();
    expect(rt.events).toBeDefined();
    expect(rt.service('hookRegistry')).toBeDefined();
    expect(rt.service('eventBus')).toBeDefined();
    expect(g.Hook.is_builtin_enabled('MetricsCollector')).toBe(true);
  });

  test('a script hook is called for Tool.invoke and its result takes effect', async () => {
    const contexts: Obj[] = [];
    const hook = cb((ctx: Obj) => {
      contexts.push(ctx);
      return { type: 'modified', data: { input: ctx.data.input.input + ' there' } };
    });
    const handle = g.Hook.register('BeforeToolExecution', hook, 'high');
    expect(handle.id()).toMatch(/^hook-\d+$/);
    expect(handle.hook_point()).toBe('BeforeToolExecution');
    expect(typeof handle.__handle).toBe('string');
    expect((await g.Tool.invoke('echo_tool', { input: 'hi' })).result).toBe('hi there');
    expect(hook.calls).toBe(1);
    expect(contexts[0]).toMatchObject({ point: 'BeforeToolExecution', component_id: { id: 'tool:echo_tool', type: 'tool', name: 'echo_tool' }, language: 'lua', data: { input: { input: 'hi' } } });
    const listed = g.Hook.list({ hook_point: 'BeforeToolExecution', language: 'lua' });
    expect(listed).toHaveLength(1);
    expect(g.Hook.list('BeforeToolExecution').map((h: Obj) => h.name)).toEqual([listed[0].name, 'builtin:metrics']);
    expect(listed[0]).toMatchObject({ id: handle.id(), language: 'lua', priority: -100, priority_name: 'high', enabled: true });
    expect(g.Hook.disable(handle)).toBe(true);
    expect((await g.Tool.invoke('echo_tool', { input: 'hi' })).result).toBe('hi');
    expect(g.Hook.enable(handle.id())).toBe(true);
    expect((await g.Tool.invoke('echo_tool', { input: 'x' })).result).toBe('x there');
    expect(handle.unregister()).toBe(true);
    expect(hook.released).toBe(true);
    expect(g.Hook.unregister(handle)).toBe(false);
    expect((await g.Tool.invoke('echo_tool', { input: 'hi' })).result).toBe('hi');
  });

  test('cancel from a script hook fails the call with HOOK_CANCELLED and the reason', async () => {
    g.Hook.register('BeforeToolExecution', cb(() => ({ action: 'cancel', reason: 'not today' })));
    await expect(g.Tool.invoke('echo_tool', { input: 'hi' })).rejects.toThrow('HOOK_CANCELLED: echo_tool: not today');
  });

  test('a script hook that errors does not fail the call', async () => {
    g.Hook.register('BeforeToolExecution', cb(() => { throw new Error('lua error: attempt to index a nil value'); }));
    expect((await g.Tool.invoke('echo_tool', { input: 'ok' })).result).toBe('ok');
  });

  test('bad arguments are named', () => {
    expect(() => g.Hook.register('Nope', cb(() => null))).toThrow(/INVALID_ARGUMENT: Hook.register: point: unknown hook point 'Nope'/);
    expect(() => g.Hook.register('ToolError', 'not a function')).toThrow(/second argument must be a function/);
    expect(() => g.Hook.register('ToolError', cb(() => null), 'urgent')).toThrow(/unknown priority 'urgent'/);
    expect(() => g.Hook.enable_builtin('MockProvider')).toThrow(/UNSUPPORTED/);
  });

  test('Hook.fire runs custom points; options table; Hook.points', async () => {
    g.Hook.register('custom:greeting', cb((ctx: Obj) => ({ type: 'modified', data: { text: ctx.data.text + '!' } })), { name: 'excite', priority: 5, tags: ['t'] });
    expect(await g.Hook.fire('custom:greeting', { text: 'hello' })).toEqual({ type: 'modified', data: { text: 'hello!' } });
    expect(await g.Hook.fire('custom:nobody', {})).toEqual({ type: 'continue' });
    expect(g.Hook.list({ tag: 't' })[0]).toMatchObject({ name: 'excite', priority: 5 });
    expect(g.Hook.points()).toHaveLength(42);
  });

  test('built-ins from scripts: enable_builtin with DOC names and a list, stats, disable', async () => {
    expect(g.Hook.enable_builtin('CachingOptimizer', { min_duration_ms: 0 })).toBe('caching');
    expect(g.Hook.enable_builtin([{ name: 'DebugLogger', config: { max_traces: 5 } }, 'AuditLogger'])).toEqual(['debugging', 'logging']);
    await g.Tool.invoke('echo_tool', { input: 'a' });
    await g.Tool.invoke('echo_tool', { input: 'a' });
    expect(g.Hook.builtin_stats('caching')).toMatchObject({ hits: 1 });
    expect(g.Hook.builtin_stats('metrics').components['tool:echo_tool']).toMatchObject({ calls: 1 });
    expect(g.Hook.disable_builtin(['caching', 'DebugLogger'])).toBe(true);
    expect(g.Hook.list_builtin().filter((b: Obj) => b.enabled).map((b: Obj) => b.name).sort()).toEqual(['logging', 'metrics']);
    // metrics comes from the config: disable_all refuses and leaves everything as it was
    expect(() => g.Hook.disable_all_builtin()).toThrow(/OPERATION_NOT_ALLOWED: Hook.disable_all_builtin: built-in hook 'metrics' comes from llmspell.toml/);
    expect(g.Hook.is_builtin_enabled('logging')).toBe(true);
    expect(g.Hook.disable_builtin('logging')).toBe(true);
  });

  test('Event.publish/subscribe/receive in the reference shape', async () => {
    const id = g.Event.subscribe('user.*');
    expect(typeof id).toBe('string');
    expect(await g.Event.publish('user.login', { name: 'ann' }, { ttl_seconds: 30 })).toBe(true);
    const e = await g.Event.receive(id, 100);
    expect(e).toMatchObject({ event_type: 'user.login', data: { name: 'ann' }, language: 'lua', schema_version: '1.0', metadata: { source: 'script:lua', ttl: 30 } });
    expect(e.correlation_id).toBe(e.metadata.correlation_id);
    expect(await g.Event.receive(id, 10)).toBeNull();
    expect(g.Event.list_subscriptions()).toEqual([expect.objectContaining({ id, pattern: 'user.*', language: 'lua', max_queue_size: 50, backpressure: 'drop_oldest' })]);
    expect(g.Event.get_stats()).toMatchObject({ event_bus_stats: { events_published: 1 }, bridge_stats: { active_subscriptions: 1, subscriptions_by_language: { lua: 1 } } });
    expect(g.Event.unsubscribe(id)).toBe(true);
    await expect(g.Event.receive(id, 0)).rejects.toThrow(/NOT_FOUND/);
    expect(() => g.Event.publish('x', 1, { correlation_id: 'nope' })).toThrow(/correlation_id must be a UUID/);
    expect(g.Event.publish('plain.sync', 1)).toBe(true);
    expect(() => g.Event.subscribe('a', { backpressure: 'maybe' })).toThrow(/unknown overflow strategy/);
  });

  test('component events reach script subscribers', async () => {
    const id = g.Event.subscribe('tool.*');
    await g.Tool.invoke('echo_tool', { input: 'x' });
    const got = await g.Event.receive_batch(id, 10);
    expect(got.map((e: Obj) => e.event_type)).toEqual(['tool.started', 'tool.completed']);
  });

  test('a waiting receive wakes up on publish (it does not block the process)', async () => {
    const id = g.Event.subscribe('ping');
    const waiting = g.Event.receive(id, 5000);
    await g.Event.publish('ping', 1);
    expect((await waiting).data).toBe(1);
  });

  test('when the script ends its hooks and subscriptions go away', async () => {
    const hook = cb(() => 'stop');
    g.Hook.register('BeforeToolExecution', hook);
    const id = g.Event.subscribe('*');
    const pending = g.Event.receive(id, 10_000);
    run.abort();
    expect(await pending).toBeNull();
    expect(hook.released).toBe(true);
    expect(rt.service<HookRegistry>('hookRegistry')!.list({ language: 'lua' })).toHaveLength(0);
    const g2 = rt.buildGlobals({ language: 'javascript' }) as Obj;
    expect((await g2.Tool.invoke('echo_tool', { input: 'free' })).result).toBe('free');
    expect(g2.Event.list_subscriptions()).toHaveLength(0);
  });

  test('SystemShutdown fires on close', async () => {
    const seen: string[] = [];
    rt.service<HookRegistry>('hookRegistry')!.register({ point: 'SystemShutdown', handler: (c) => { seen.push(c.component_id.id); } });
    await rt.close();
    expect(seen).toEqual(['system:runtime']);
  });
});

describe('config', () => {
  test('[hooks] and [events] are validated with the key named', async () => {
    await expect(LlmspellRuntime.create({ config: { events: { max_queue_size: -1 } } })).rejects.toThrow(/CONFIG_INVALID: \[events\] max_queue_size/);
    await expect(LlmspellRuntime.create({ config: { hooks: { builtin: { logging: { level: 'loud' } } } } })).rejects.toThrow(/logging.level/);
  });

  test('[hooks] enabled = false turns hooks off; SystemStartup reaches config built-ins', async () => {
    const off = await LlmspellRuntime.create({ tools: [echo], config: { hooks: { enabled: false } } });
    const g = off.buildGlobals({ language: 'lua' }) as Obj;
    g.Hook.register('BeforeToolExecution', cb(() => 'stop'));
    expect((await g.Tool.invoke('echo_tool', { input: 'x' })).result).toBe('x');
    await off.close();
    const on = await LlmspellRuntime.create({ config: { hooks: { builtin: { debugging: { points: ['SystemStartup'] } } } } });
    const traces = (on.service<Obj>('builtinHooks')!.stats('debugging') as Obj).traces;
    expect(traces.map((t: Obj) => t.point)).toEqual(['SystemStartup']);
    await on.close();
  });
});

describe('event persistence through the state layer', () => {
  test('events are written to the runtime state and replayed; no state.changed loop', async () => {
    const rt = await LlmspellRuntime.create({ tools: [echo], config: { events: { persistence: { enabled: true } } } });
    const g = rt.buildGlobals({ language: 'lua' }) as Obj;
    const watch = g.Event.subscribe('state.changed');
    expect(await g.Event.publish('order.created', { id: 1 })).toBe(true);
    await g.Tool.invoke('echo_tool', { input: 'x' });
    await rt.service<Obj>('eventBus')!.flush();
    const stored = await g.Event.query('*');
    expect(stored.map((e: Obj) => e.event_type)).toEqual(['order.created', 'tool.started', 'tool.completed']);
    expect((await rt.state!.keys('custom:events')).length).toBe(3);
    const sub = g.Event.subscribe('order.*');
    const replayed = await g.Event.replay('order.*');
    expect(replayed).toHaveLength(1);
    expect(await g.Event.receive(sub, 100)).toMatchObject({ event_type: 'order.created', data: { id: 1 }, id: stored[0].id, metadata: { tags: ['replayed'] } });
    await rt.service<Obj>('eventBus')!.flush();
    expect((await g.Event.query('*')).length).toBe(3);
    // The state layer's own change events for our writes were published but not stored again.
    const changes = await g.Event.receive_batch(watch, 100);
    expect(changes.length).toBeGreaterThanOrEqual(3);
    await rt.close();
  });
});

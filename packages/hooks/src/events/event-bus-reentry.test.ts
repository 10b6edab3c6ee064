import { EventBus } from './event-bus.js';
import { HookExecutor } from '../hook-executor.js';
import { HookRegistry } from '../hook-registry.js';
import { scriptHookHandler } from '../script-hook.js';
import { scriptCallback } from '../__fixtures__/helpers.js';

function busWithHooks() {
  const registry = new HookRegistry();
  const hooks = new HookExecutor(registry, { config: { timeout_ms: 2000 } });
  const bus = new EventBus({ hooks });
  hooks.setEventSink(bus);
  return { registry, bus };
}

describe('publishing from inside an emit hook', () => {
  test.each(['BeforeEventEmit', 'AfterEventEmit'] as const)('a %s script hook that publishes gets its answer at once (no deadlock)', async (point) => {
    const { registry, bus } = busWithHooks();
    const sub = bus.subscribe('*.x');
    const inner: unknown[] = [];
    let calls = 0;
    registry.register({ point, name: 'republisher', language: 'lua', handler: scriptHookHandler(scriptCallback(async () => {
      calls += 1;
      if (calls === 1) inner.push(await bus.publishSettled('inner.x', {}));
    })) });
    const started = Date.now();
    await expect(bus.publishSettled('start.x', {})).resolves.toBe(true);
    expect(Date.now() - started).toBeLessThan(1000);
    // the inner publish ran its hooks (the same hook skipped as re-entered) and was delivered
    expect(inner).toEqual([true]);
    expect(calls).toBe(1);
    const types = (await bus.receiveBatch(sub.id, 10, 0)).map((e) => e.event_type).sort();
    expect(types).toEqual(['inner.x', 'start.x']);
  });

  test('publishes from outside a hook still queue in order behind a hooked one', async () => {
    const { registry, bus } = busWithHooks();
    const sub = bus.subscribe('**');
    registry.register({ point: 'BeforeEventEmit', name: 'slow', language: 'lua', handler: scriptHookHandler(scriptCallback(() => new Promise((r) => setTimeout(r, 5)))) });
    const a = bus.publishSettled('a', {});
    const b = bus.publishSettled('b', {});
    await Promise.all([a, b]);
    expect((await bus.receiveBatch(sub.id, 10, 0)).map((e) => e.event_type)).toEqual(['a', 'b']);
  });
});

describe('events_without_subscribers', () => {
  test('internal handlers (telemetry) do not count as subscribers; other handlers do', () => {
    const bus = new EventBus();
    const offInternal = bus.on('*', () => undefined, { internal: true });
    bus.publish('nobody.listens', {});
    expect(bus.stats().events_without_subscribers).toBe(1);
    const off = bus.on('nobody.*', () => undefined);
    bus.publish('nobody.listens', {});
    expect(bus.stats().events_without_subscribers).toBe(1);
    off();
    bus.publish('nobody.listens', {});
    expect(bus.stats().events_without_subscribers).toBe(2);
    offInternal();
  });
});

describe('patterns with consecutive ** segments', () => {
  test('"**.**.x" subscribes and matches like "**.x"', () => {
    const bus = new EventBus();
    const sub = bus.subscribe('**.**.x');
    for (const t of ['x', 'a.x', 'a.b.x', 'x.a', 'ax']) bus.publish(t, {});
    expect(sub.queue.length).toBe(3);
  });
});

import type { StateAccess } from '@llmspell/core';
import { EventBus } from './event-bus.js';
import { HookExecutor } from '../hook-executor.js';
import { HookRegistry } from '../hook-registry.js';

/** StateAccess over a Map: the interface the state package implements for the runtime. */
function mapState(): StateAccess & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  return {
    data,
    async get(scope, key) { return structuredClone(data.get(`${scope}\u0000${key}`)); },
    async set(scope, key, value) { data.set(`${scope}\u0000${key}`, structuredClone(value)); },
    async delete(scope, key) { return data.delete(`${scope}\u0000${key}`); },
    async keys(scope) { return [...data.keys()].filter((k) => k.startsWith(`${scope}\u0000`)).map((k) => k.slice(scope.length + 1)); },
  };
}

describe('EventBus', () => {
  test('publish → subscribe → receive, in the UniversalEvent format', async () => {
    const bus = new EventBus();
    const sub = bus.subscribe('user.*', { language: 'lua' });
    expect(bus.publish('user.login', { name: 'ann' }, { language: 'lua', correlation_id: 'c-1', source: 'script', tags: ['t'], ttl_seconds: 60, priority: -1, target: 'x' })).toBe(true);
    bus.publish('system.boot', {});
    const e = await bus.receive(sub.id, 100);
    expect(e).toMatchObject({
      event_type: 'user.login', data: { name: 'ann' }, language: 'lua', sequence: 0, schema_version: '1.0',
      metadata: { correlation_id: 'c-1', source: 'script', target: 'x', tags: ['t'], priority: -1, ttl: 60 },
    });
    expect(e!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(Date.parse(e!.timestamp)).toBeGreaterThan(0);
    expect(await bus.receive(sub.id, 0)).toBeNull();
    // Without a correlation id an event starts its own correlation.
    const own = bus.createEvent('x', 1);
    expect(own.metadata.correlation_id).toBe(own.id);
    expect(bus.createEvent('x', 1).id).not.toBe(own.id);
  });

  test('receive waits without blocking and times out with null', async () => {
    const bus = new EventBus();
    const sub = bus.subscribe('tick');
    const pending = bus.receive(sub.id, 1000);
    setTimeout(() => bus.publish('tick', 1), 5);
    expect((await pending)!.data).toBe(1);
    const t0 = Date.now();
    expect(await bus.receive(sub.id, 30)).toBeNull();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const ac = new AbortController();
    const aborted = bus.receive(sub.id, 10_000, ac.signal);
    ac.abort();
    expect(await aborted).toBeNull();
  });

  test('unsubscribe ends waiting receivers; unknown ids are NOT_FOUND', async () => {
    const bus = new EventBus();
    const sub = bus.subscribe('x');
    const waiting = bus.receive(sub.id, 10_000);
    expect(bus.unsubscribe(sub.id)).toBe(true);
    expect(await waiting).toBeNull();
    expect(bus.unsubscribe(sub.id)).toBe(false);
    expect(() => bus.receive(sub.id, 0)).toThrow(/NOT_FOUND/);
    expect(bus.hasSubscribers('x')).toBe(false);
  });

  test('multi-pattern subscriptions, listing and stats', async () => {
    const bus = new EventBus();
    const s1 = bus.subscribe(['a.*', 'b.x'], { language: 'javascript' });
    bus.subscribe('c', { language: 'lua' });
    bus.publish('a.1', 1);
    bus.publish('b.x', 2);
    bus.publish('zzz', 3);
    expect((await bus.receiveBatch(s1.id, 10)).map((e) => e.data)).toEqual([1, 2]);
    expect(bus.listSubscriptions().map((s) => [s.pattern, s.language])).toEqual([['a.*,b.x', 'javascript'], ['c', 'lua']]);
    expect(bus.stats()).toMatchObject({ events_published: 3, events_queued: 2, events_without_subscribers: 1, active_subscriptions: 2, subscriptions_by_language: { javascript: 1, lua: 1 } });
  });

  test('expired events (ttl) are not delivered', async () => {
    let now = Date.now();
    const bus = new EventBus({ now: () => now });
    const sub = bus.subscribe('*');
    bus.publish('short', 1, { ttl_seconds: 1 });
    bus.publish('long', 2);
    now -= 5000;
    bus.publish('old', 3, { ttl_seconds: 1 });
    const got = await bus.receiveBatch(sub.id, 10);
    expect(got.map((e) => e.event_type)).toEqual(['short', 'long']);
  });

  describe('backpressure', () => {
    test('drop_oldest (default) keeps the newest max_queue_size events', async () => {
      const bus = new EventBus();
      const sub = bus.subscribe('n', { max_queue_size: 3 });
      for (let i = 1; i <= 5; i++) expect(bus.publish('n', i)).toBe(true);
      expect((await bus.receiveBatch(sub.id, 10)).map((e) => e.data)).toEqual([3, 4, 5]);
      expect(sub.info().stats.dropped).toBe(2);
      expect(bus.stats().events_dropped).toBe(0);
    });

    test('drop_newest keeps the first events and tells the publisher', async () => {
      const bus = new EventBus();
      const sub = bus.subscribe('n', { max_queue_size: 3, backpressure: 'drop_newest' });
      const accepted = [1, 2, 3, 4, 5].map((i) => bus.publish('n', i));
      expect(accepted).toEqual([true, true, true, false, false]);
      expect((await bus.receiveBatch(sub.id, 10)).map((e) => e.data)).toEqual([1, 2, 3]);
      expect(bus.stats().events_dropped).toBe(2);
    });

    test('reject refuses events when full; other subscribers still get them', async () => {
      const bus = new EventBus();
      const strict = bus.subscribe('n', { max_queue_size: 2, backpressure: 'reject' });
      const roomy = bus.subscribe('n');
      const accepted = [1, 2, 3].map((i) => bus.publish('n', i));
      expect(accepted).toEqual([true, true, false]);
      expect(strict.info().stats.rejected).toBe(1);
      expect((await bus.receiveBatch(roomy.id, 10)).map((e) => e.data)).toEqual([1, 2, 3]);
      await bus.receive(strict.id, 0);
      expect(bus.publish('n', 4)).toBe(true);
      expect((await bus.receiveBatch(strict.id, 10)).map((e) => e.data)).toEqual([2, 4]);
    });

    test('block makes publishAsync wait for room, and gives up after block_timeout_ms', async () => {
      const bus = new EventBus();
      const sub = bus.subscribe('n', { max_queue_size: 1, backpressure: 'block', block_timeout_ms: 200 });
      expect(await bus.publishAsync('n', 1)).toBe(true);
      let settled = false;
      const second = bus.publishAsync('n', 2).then((v) => { settled = true; return v; });
      await new Promise((r) => setTimeout(r, 10));
      expect(settled).toBe(false);
      expect((await bus.receive(sub.id, 0))!.data).toBe(1);
      expect(await second).toBe(true);
      expect((await bus.receive(sub.id, 0))!.data).toBe(2);
      bus.publish('n', 3);
      const t0 = Date.now();
      const timedOut = await bus.publishAsync('n', 4, {});
      expect(timedOut).toBe(false);
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(sub.info().stats).toMatchObject({ blocked: 2, block_timeouts: 1 });
      expect((await bus.receiveBatch(sub.id, 10)).map((e) => e.data)).toEqual([3]);
    });

    test('flow notifications at high and low water', async () => {
      const bus = new EventBus();
      const notes: string[] = [];
      bus.notifications.on('flow', (n) => notes.push(n.type));
      const sub = bus.subscribe('n', { max_queue_size: 10 });
      for (let i = 0; i < 8; i++) bus.publish('n', i);
      expect(notes).toEqual(['warning']);
      await bus.receiveBatch(sub.id, 6);
      expect(notes).toEqual(['warning', 'relieved']);
    });

    test('bad options name the parameter', () => {
      const bus = new EventBus();
      expect(() => bus.subscribe('n', { backpressure: 'explode' })).toThrow(/backpressure: unknown overflow strategy 'explode'/);
      expect(() => bus.subscribe('n', { max_queue_size: 0 })).toThrow(/max_queue_size/);
      expect(() => bus.subscribe([])).toThrow(/at least one event pattern/);
      expect(() => bus.publish('', 1)).toThrow(/event type/);
    });
  });

  test('rate limit (off by default) drops events past the bucket', () => {
    let now = 0;
    const bus = new EventBus({ now: () => now, config: { rate_limit_per_second: 2, rate_limit_burst: 2 } });
    expect([1, 2, 3].map((i) => bus.publish('x', i))).toEqual([true, true, false]);
    now += 500;
    expect(bus.publish('x', 4)).toBe(true);
    expect(bus.stats().rate_limit_violations).toBe(1);
  });

  test('handler subscriptions: errors are contained and fire EventHandlerError', async () => {
    const registry = new HookRegistry();
    const hooks = new HookExecutor(registry);
    const bus = new EventBus({ hooks });
    const seen: string[] = [];
    const errorHook = new Promise<string>((resolve) => registry.register({ point: 'EventHandlerError', handler: (c) => resolve((c.data.error as { message: string }).message) }));
    const off = bus.on('x.*', (e) => { seen.push(e.event_type); });
    bus.on('x.bad', () => { throw new Error('handler bug'); });
    bus.publish('x.good', 1);
    bus.publish('x.bad', 2);
    expect(seen).toEqual(['x.good', 'x.bad']);
    expect(await errorHook).toBe('handler bug');
    off();
    bus.publish('x.good', 3);
    expect(seen).toHaveLength(2);
    expect(bus.stats().handler_errors).toBe(1);
  });

  test('a handler\'s except list: those types are neither delivered to it nor count as subscribed', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    bus.on('**', (e) => { seen.push(e.event_type); }, { except: (t) => t === 'state.changed' || t.startsWith('run.') });
    expect(bus.hasSubscribers('state.changed')).toBe(false);
    expect(bus.hasSubscribers('run.summary')).toBe(false);
    expect(bus.hasSubscribers('bench.tick')).toBe(true);
    bus.publish('state.changed', 1);
    bus.publish('run.summary', 2);
    bus.publish('bench.tick', 3);
    expect(seen).toEqual(['bench.tick']);
    // another handler that wants the type makes it subscribed again, for that handler only
    const other: string[] = [];
    bus.on('state.*', (e) => { other.push(e.event_type); });
    expect(bus.hasSubscribers('state.changed')).toBe(true);
    bus.publish('state.changed', 4);
    expect(other).toEqual(['state.changed']);
    expect(seen).toEqual(['bench.tick']);
  });

  test('BeforeEventEmit can modify or cancel; AfterEventEmit sees the result; order is kept', async () => {
    const registry = new HookRegistry();
    const bus = new EventBus({ hooks: new HookExecutor(registry) });
    const after: unknown[] = [];
    registry.register({ point: 'BeforeEventEmit', handler: async (c) => {
      await new Promise((r) => setTimeout(r, 1));
      if (c.data.event_type === 'secret') return { type: 'cancel', reason: 'no' };
      return { type: 'modified', data: { wrapped: c.data.input } };
    } });
    registry.register({ point: 'AfterEventEmit', handler: (c) => { after.push(c.data.input); } });
    const sub = bus.subscribe('*');
    bus.publish('a', 1);
    expect(await bus.publishAsync('secret', 2)).toBe(false);
    bus.publish('b', 3);
    await bus.flush();
    expect((await bus.receiveBatch(sub.id, 10)).map((e) => [e.event_type, e.data])).toEqual([['a', { wrapped: 1 }], ['b', { wrapped: 3 }]]);
    expect(after).toEqual([{ wrapped: 1 }, { wrapped: 3 }]);
  });

  test('persistence to the state layer and replay', async () => {
    const state = mapState();
    const bus = new EventBus({ state: () => state, config: { persistence: { enabled: true, patterns: ['order.*'], max_events: 100, ttl_seconds: 3600, scope: 'custom:events' } } });
    bus.publish('order.created', { id: 1 }, { correlation_id: 'c1' });
    bus.publish('noise', {});
    bus.publish('order.paid', { id: 1 }, { correlation_id: 'c2' });
    await bus.flush();
    expect([...state.data.keys()].every((k) => k.startsWith('custom:events\u0000event:'))).toBe(true);
    expect(state.data.size).toBe(2);
    const stored = await bus.getPersisted('order.*');
    expect(stored.map((e) => e.event_type)).toEqual(['order.created', 'order.paid']);
    expect((await bus.getPersisted('*', { correlation_id: 'c2' })).map((e) => e.event_type)).toEqual(['order.paid']);
    // A second bus (a new process) over the same state replays them to its subscribers.
    const bus2 = new EventBus({ state: () => state, config: { persistence: { enabled: true, patterns: ['order.*'], max_events: 100, ttl_seconds: 3600, scope: 'custom:events' } } });
    const sub = bus2.subscribe('order.*');
    const replayed = await bus2.replay('order.created');
    expect(replayed).toHaveLength(1);
    const e = await bus2.receive(sub.id, 0);
    expect(e).toMatchObject({ event_type: 'order.created', data: { id: 1 }, id: stored[0].id, metadata: { tags: ['replayed'] } });
    await bus2.flush();
    expect(state.data.size).toBe(2);
  });

  test('persistence keeps events in memory without a state layer and enforces max_events', async () => {
    const bus = new EventBus({ config: { persistence: { enabled: true, patterns: ['*'], max_events: 2, ttl_seconds: 60, scope: 'x' } } });
    bus.publish('a', 1);
    bus.publish('b', 2);
    bus.publish('c', 3);
    expect((await bus.getPersisted()).map((e) => e.event_type)).toEqual(['b', 'c']);
  });

  test('the state layer\'s change events for our own writes are not stored again', async () => {
    const state = mapState();
    const bus = new EventBus({ state: () => state, config: { persistence: { enabled: true, patterns: ['*'], max_events: 10, ttl_seconds: 60, scope: 'custom:events' } } });
    bus.publish('state.changed', { scope: 'custom:events', key: 'event:x' });
    bus.publish('state.changed', { scope: 'global', key: 'k' });
    expect((await bus.getPersisted()).map((e) => (e.data as { scope: string }).scope)).toEqual(['global']);
  });

  test('cleanup removes events beyond max_events from the state layer', async () => {
    const state = mapState();
    const bus = new EventBus({ state: () => state, config: { persistence: { enabled: true, patterns: ['*'], max_events: 3, ttl_seconds: 3600, scope: 's' } } });
    for (let i = 0; i < 5; i++) bus.publish('e', i);
    await bus.flush();
    expect(await bus.store.cleanup()).toBe(2);
    expect((await bus.getPersisted()).map((e) => e.data)).toEqual([2, 3, 4]);
  });
});

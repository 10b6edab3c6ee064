import { join } from 'node:path';
import { SecretRedactor, type StateStore } from '@llmspell/core';
import { MemoryStateStore } from '@llmspell/state-memory';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import { StateManager, parseScope, splitPhysicalKey } from './index.js';
import { ListEventSink, ListHookExecutor } from './__fixtures__/recording-hooks.js';
import { tempDirs } from './__fixtures__/tmp-dir.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

const manager = (options: Partial<ConstructorParameters<typeof StateManager>[0]> = {}) => new StateManager({ store: new MemoryStateStore(), ...options });

describe('scopes', () => {
  it('keeps every scope isolated from the others', async () => {
    const m = manager();
    const scopes = ['global', 'agent:a', 'workflow:a', 'step:a:b', 'session:a', 'custom:a', 'app'];
    for (const s of scopes) await m.set(s, 'key', s);
    for (const s of scopes) {
      await expect(m.get(s, 'key')).resolves.toBe(s);
      await expect(m.keys(s)).resolves.toEqual(['key']);
    }
    await m.delete('agent:a', 'key');
    await expect(m.get('agent:a', 'key')).resolves.toBeUndefined();
    await expect(m.get('workflow:a', 'key')).resolves.toBe('workflow:a');
    await expect(m.scopes()).resolves.toEqual(['custom:a', 'custom:app', 'global', 'session:a', 'step:a:b', 'workflow:a']);
  });

  it('stores keys under state:<scope prefix><key> as the reference did', async () => {
    const store = new MemoryStateStore();
    const m = new StateManager({ store });
    await m.set('agent:gpt', 'history', [1]);
    await m.set('global', 'g', 1);
    await m.set('step:wf:fetch', 'out', 2);
    await expect(store.keys('')).resolves.toEqual(['state:agent:gpt:history', 'state:global:g', 'state:step:wf:fetch:out']);
  });

  it('treats other strings as custom scopes, and "user" is "custom:user"', async () => {
    const m = manager();
    await m.set('user', 'name', 'ann');
    await expect(m.get('custom:user', 'name')).resolves.toBe('ann');
    expect(parseScope('user:alice')).toMatchObject({ kind: 'custom', id: 'user:alice', name: 'custom:user:alice' });
    expect(parseScope(undefined).name).toBe('global');
  });

  it('ids containing ":" never collide with keys containing ":"', async () => {
    const m = manager();
    await m.set('agent:a:b', 'c', 'id a:b, key c');
    await m.set('agent:a', 'b:c', 'id a, key b:c');
    await expect(m.get('agent:a:b', 'c')).resolves.toBe('id a:b, key c');
    await expect(m.get('agent:a', 'b:c')).resolves.toBe('id a, key b:c');
    await expect(m.keys('agent:a')).resolves.toEqual(['b:c']);
    expect(splitPhysicalKey(parseScope('agent:a:b').prefix + 'c')).toEqual({ scope: 'agent:a:b', key: 'c' });
    expect(splitPhysicalKey(parseScope('step:w%f:s').prefix + 'k:1')).toEqual({ scope: 'step:w%f:s', key: 'k:1' });
  });

  it('the cached key splitter agrees with splitPhysicalKey on every key form', async () => {
    const { createPhysicalKeySplitter } = await import('./scope.js');
    const keys = [
      'state:global:k', 'state:global:a:b', 'state:global:', 'state:agent:gpt:history', 'state:agent:a%3Ab:c', 'state:agent:a:b:c',
      'state:step:w:s:k', 'state:step:w%25f:s:k:1', 'state:step:w:s', 'state:step:w', 'state:custom:users:u1', 'state:custom:users:',
      'state:x', 'state:', 'other:global:k', 'state:globalx:y:z', 'state:stepx:a:b:c', 'state:agent:gpt:', 'state:session:s:k',
    ];
    const split = createPhysicalKeySplitter();
    // Twice: the second pass is served from the cache.
    for (let pass = 0; pass < 2; pass++) for (const k of keys) expect([k, split(k)]).toEqual([k, splitPhysicalKey(k)]);
  });

  it('rejects malformed scopes naming the problem', async () => {
    const m = manager();
    await expect(m.set('agent:', 'k', 1)).rejects.toThrow(/INVALID_ARGUMENT.*id must not be empty/);
    await expect(m.set('step:only', 'k', 1)).rejects.toThrow(/step:<workflow>:<step>/);
    await expect(m.set(42 as unknown as string, 'k', 1)).rejects.toThrow(/scope must be a string/);
  });
});

describe('keys', () => {
  it.each([
    ['', /must not be empty/],
    ['a'.repeat(257), /longer than 256 bytes/],
    ['a..b', /'\.\.'/],
    ['a\\b', /'\\'/],
    ['a//b', /'\/\/'/],
    ['a\nb', /NUL/],
    ['a\0b', /NUL/],
    ['__private', /reserved/],
    ['$$x', /reserved/],
    ['\uD800x', /unpaired surrogate/],
  ])('refuses %j with STATE_INVALID_KEY', async (key: string, why: RegExp) => {
    const m = manager();
    const error = await m.set('global', key, 1).catch((e) => e);
    expect(error.code).toBe('STATE_INVALID_KEY');
    expect(error.message).toMatch(why);
  });

  it('refuses non-string keys and NFC-normalises keys', async () => {
    const m = manager();
    await expect(m.set('global', 5 as unknown as string, 1)).rejects.toMatchObject({ code: 'STATE_INVALID_KEY', message: 'STATE_INVALID_KEY: key must be a string, got number' });
    await expect(m.set('global', undefined as unknown as string, 1)).rejects.toMatchObject({ code: 'STATE_INVALID_KEY', message: 'STATE_INVALID_KEY: key is missing: it must be a string' });
    await m.set('global', 'cafe\u0301', 'decomposed');
    await expect(m.get('global', 'caf\u00e9')).resolves.toBe('decomposed');
    await expect(m.keys('global')).resolves.toEqual(['caf\u00e9']);
  });

  it('accepts a 256-byte key and refuses a scoped key over 512 bytes', async () => {
    const m = manager();
    await m.set('global', 'k'.repeat(256), 1);
    const longScope = `custom:${'s'.repeat(256)}`;
    await expect(m.set(longScope, 'k'.repeat(256), 1)).rejects.toThrow(/scoped key is longer than 512/);
  });
});

describe('values', () => {
  it('round-trips JSON-like values exactly', async () => {
    const m = manager();
    const values = [
      null, true, false, 0, -1.5, 1e300, 2 ** 53 - 1, '', 'text ✓ 😀', [], {}, [1, 'two', null, { three: [3] }],
      { nested: { deep: { list: [1, 2, { x: 'y' }], empty: {}, flag: false } }, 'key with spaces': 1, 'ключ': 'значение' },
    ];
    for (const [i, v] of values.entries()) await m.set('global', `v${i}`, v);
    for (const [i, v] of values.entries()) await expect(m.get('global', `v${i}`)).resolves.toEqual(v);
    await expect(m.get('global', 'missing')).resolves.toBeUndefined();
  });

  it('refuses a circular value with STATE_CIRCULAR_VALUE and leaves the old value', async () => {
    const m = manager();
    await m.set('global', 'c', { ok: true });
    const a: Record<string, unknown> = { name: 'a', list: [] };
    (a.list as unknown[]).push({ back: a });
    const error = await m.set('global', 'c', a).catch((e) => e);
    expect(error.code).toBe('STATE_CIRCULAR_VALUE');
    expect(error.message).toContain('$.list[0].back');
    await expect(m.get('global', 'c')).resolves.toEqual({ ok: true });
  });

  it('accepts shared (non-circular) sub-objects', async () => {
    const m = manager();
    const shared = { n: 1 };
    await m.set('global', 's', { a: shared, b: shared });
    await expect(m.get('global', 's')).resolves.toEqual({ a: { n: 1 }, b: { n: 1 } });
  });

  it('refuses functions, non-finite numbers and class instances', async () => {
    const m = manager();
    await expect(m.set('global', 'f', { f: () => 1 })).rejects.toThrow(/INVALID_ARGUMENT: value at \$\.f is a function/);
    await expect(m.set('global', 'n', [NaN])).rejects.toThrow(/\$\[0\] is NaN/);
    await expect(m.set('global', 'd', new Date())).rejects.toThrow(/Date object/);
  });

  it('enforces the value size limit', async () => {
    const m = manager({ maxValueBytes: 100 });
    await expect(m.set('global', 'big', 'x'.repeat(200))).rejects.toMatchObject({ code: 'SIZE_LIMIT_EXCEEDED' });
  });
});

describe('secret values', () => {
  const key = 'sk-' + 'a1B2c3D4e5'.repeat(5);

  it('redacts by default', async () => {
    const m = manager();
    await m.set('global', 'cfg', { provider: 'openai', api_key: 'abcdefgh12345', note: `use ${key} please`, max_tokens: 100 });
    await expect(m.get('global', 'cfg')).resolves.toEqual({ provider: 'openai', api_key: '[REDACTED]', note: 'use [REDACTED] please', max_tokens: 100 });
    await m.set('global', 'password', 'hunter2hunter2');
    await expect(m.get('global', 'password')).resolves.toBe('[REDACTED]');
  });

  it('redacts values the process knows as secrets', async () => {
    const redactor = new SecretRedactor();
    redactor.add('my-private-value-123');
    const m = manager({ redactor });
    await m.set('global', 'x', ['my-private-value-123']);
    await expect(m.get('global', 'x')).resolves.toEqual(['[REDACTED]']);
  });

  it('refuses with STATE_SECRET_REFUSED when configured, storing nothing', async () => {
    const m = manager({ secretValues: 'refuse' });
    await m.set('global', 'note', 'plain');
    await expect(m.set('global', 'note', `token ${key}`)).rejects.toMatchObject({ code: 'STATE_SECRET_REFUSED' });
    await expect(m.get('global', 'note')).resolves.toBe('plain');
  });

  it('stores secrets verbatim when allowed', async () => {
    const m = manager({ secretValues: 'allow' });
    await m.set('global', 'k', { api_key: key });
    await expect(m.get('global', 'k')).resolves.toEqual({ api_key: key });
  });
});

describe('hooks and events', () => {
  it('a cancelling BeforeStateWrite hook skips the write with HOOK_CANCELLED', async () => {
    const hooks = new ListHookExecutor().on('BeforeStateWrite', (ctx) => (ctx.data.key === 'locked' && ctx.data.old_value !== undefined ? { type: 'cancel', reason: 'read only key' } : { type: 'continue' }));
    const m = manager({ hooks });
    await m.set('global', 'locked', 1, {});
    hooks.seen.length = 0;
    await expect(m.set('global', 'locked', 2)).rejects.toMatchObject({ code: 'HOOK_CANCELLED' });
    await expect(m.delete('global', 'locked')).rejects.toThrow(/read only key/);
    await expect(m.get('global', 'locked')).resolves.toBe(1);
    expect(hooks.seen[0]).toMatchObject({ point: 'BeforeStateWrite', data: { operation: 'set', scope: 'global', key: 'locked', value: 2, old_value: 1 } });
  });

  it('a modifying hook replaces the value (data.value or data itself)', async () => {
    const hooks = new ListHookExecutor().on('BeforeStateWrite', (ctx) => {
      if (ctx.data.key === 'wrapped') return { type: 'modified', data: { value: { changed: ctx.data.value } } };
      if (ctx.data.key === 'bare') return { type: 'modified', data: 'replaced' };
      return { type: 'continue' };
    });
    const m = manager({ hooks });
    await m.set('global', 'wrapped', 5);
    await m.set('global', 'bare', 5);
    await expect(m.get('global', 'wrapped')).resolves.toEqual({ changed: 5 });
    await expect(m.get('global', 'bare')).resolves.toBe('replaced');
  });

  it('a modified value still goes through the circular and secret checks', async () => {
    const hooks = new ListHookExecutor().on('BeforeStateWrite', () => ({ type: 'modified', data: { value: { api_key: 'abcdefgh12345' } } }));
    const m = manager({ hooks, secretValues: 'refuse' });
    await expect(m.set('global', 'k', 1)).rejects.toMatchObject({ code: 'STATE_SECRET_REFUSED' });
    await expect(m.get('global', 'k')).resolves.toBeUndefined();
  });

  it('AfterStateWrite sees the stored value and state.changed is published', async () => {
    const hooks = new ListHookExecutor().on('AfterStateWrite', () => ({ type: 'continue' }));
    const events = new ListEventSink();
    const m = manager({ hooks, events: () => events });
    await m.set('agent:a', 'k', 1);
    await m.set('agent:a', 'k', 2, { language: 'lua', correlationId: 'c-1' });
    await m.delete('agent:a', 'k');
    await m.increment('agent:a', 'n', 5);
    expect(hooks.seen.map((c) => [c.point, c.data.operation, c.data.old_value, c.data.value])).toEqual([
      ['AfterStateWrite', 'set', undefined, 1], ['AfterStateWrite', 'set', 1, 2], ['AfterStateWrite', 'delete', 2, undefined], ['AfterStateWrite', 'set', undefined, 5],
    ]);
    expect(events.events.map((e) => e.type)).toEqual(['state.changed', 'state.changed', 'state.changed', 'state.changed']);
    expect(events.events[1]).toMatchObject({ data: { operation: 'set', scope: 'agent:a', key: 'k', old_value: 1, new_value: 2 }, options: { correlation_id: 'c-1', language: 'lua' } });
    expect(events.events[2].data).toMatchObject({ operation: 'delete', old_value: 2, new_value: null });
  });

  it('a failing after-hook does not fail the write', async () => {
    const hooks = new ListHookExecutor().on('AfterStateWrite', () => { throw new Error('after broke'); });
    const m = manager({ hooks });
    await m.set('global', 'k', 1);
    await expect(m.get('global', 'k')).resolves.toBe(1);
  });

  it('per-call hooks (a component context) override the manager default', async () => {
    const own = new ListHookExecutor().on('BeforeStateWrite', () => ({ type: 'cancel', reason: 'ctx says no' }));
    const m = manager();
    await expect(m.set('global', 'k', 1, { hooks: own })).rejects.toThrow(/ctx says no/);
    await m.set('global', 'k', 1);
  });
});

describe('clear, increment and update', () => {
  it('clear removes one scope atomically and reports the count', async () => {
    const m = manager();
    for (let i = 0; i < 5; i++) await m.set('session:s1', `k${i}`, i);
    await m.set('session:s2', 'k0', 'other');
    await expect(m.clear('session:s1')).resolves.toBe(5);
    await expect(m.keys('session:s1')).resolves.toEqual([]);
    await expect(m.get('session:s2', 'k0')).resolves.toBe('other');
    await expect(m.clear('session:empty')).resolves.toBe(0);
  });

  it('increment is atomic under concurrency and refuses non-numbers', async () => {
    const m = manager();
    const results = await Promise.all(Array.from({ length: 200 }, () => m.increment('global', 'n', 1)));
    await expect(m.get('global', 'n')).resolves.toBe(200);
    expect(new Set(results).size).toBe(200);
    await m.increment('global', 'n', -50);
    await expect(m.get('global', 'n')).resolves.toBe(150);
    await m.set('global', 's', 'text');
    await expect(m.increment('global', 's', 1)).rejects.toThrow(/is a string, not a number/);
    await expect(m.increment('global', 'n', Number.NaN)).rejects.toThrow(/delta must be a finite number/);
  });

  it.each<[string, () => StateStore, boolean]>([
    ['memory', () => new MemoryStateStore(), false],
    ['sqlite', () => new SqliteStateStore({ path: join(dirs.make('overflow'), 'state.db') }), false],
    ['memory with BeforeStateWrite hooks', () => new MemoryStateStore(), true],
  ])('increment refuses a sum past the largest double and keeps the old value (%s)', async (_name, store, withHooks) => {
    const hooks = withHooks ? new ListHookExecutor().on('BeforeStateWrite', () => ({ type: 'continue' })) : undefined;
    const m = new StateManager({ store: store(), hooks });
    await m.set('global', 'c', 1.7e308);
    await expect(m.increment('global', 'c', 1.7e308)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/Infinity/) });
    await expect(m.increment('global', 'c', 1e308)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(m.get('global', 'c')).resolves.toBe(1.7e308);
    await m.close();
  });

  it('increment with BeforeStateWrite hooks still counts every call', async () => {
    const hooks = new ListHookExecutor().on('BeforeStateWrite', async () => {
      await new Promise((r) => setImmediate(r));
      return { type: 'continue' };
    });
    const m = manager({ hooks });
    await Promise.all(Array.from({ length: 50 }, () => m.increment('global', 'n')));
    await expect(m.get('global', 'n')).resolves.toBe(50);
  });

  it('update with an async function retries on conflicts and loses nothing (two connections to one SQLite file)', async () => {
    const path = join(dirs.make('cas'), 'state.db');
    const a = new StateManager({ store: new SqliteStateStore({ path }) });
    const b = new StateManager({ store: new SqliteStateStore({ path }) });
    const bump = (m: StateManager) => m.update('global', 'list', async (current) => {
      await new Promise((r) => setImmediate(r));
      return [...((current as number[] | undefined) ?? []), 1];
    });
    await Promise.all([...Array.from({ length: 40 }, () => bump(a)), ...Array.from({ length: 40 }, () => bump(b))]);
    await expect(a.get('global', 'list')).resolves.toHaveLength(80);
    await a.close();
    await b.close();
  });

  it('update returning undefined deletes; a throwing function leaves the value', async () => {
    const m = manager();
    await m.set('global', 'k', 1);
    await expect(m.update('global', 'k', () => { throw new Error('nope'); })).rejects.toThrow('nope');
    await expect(m.get('global', 'k')).resolves.toBe(1);
    await expect(m.update('global', 'k', () => undefined)).resolves.toBeUndefined();
    await expect(m.exists('global', 'k')).resolves.toBe(false);
  });
});

describe('setNow / getNow: answers within the call where nothing waits', () => {
  const isPromise = (v: unknown) => typeof (v as { then?: unknown } | null)?.then === 'function';

  it.each([
    ['memory', () => new MemoryStateStore()],
    ['sqlite', () => new SqliteStateStore({ path: join(dirs.make(), 'now.db') })],
  ])('on %s: write and read back without a promise, state.changed published in the call', async (_name, open) => {
    const store = open();
    const events = new ListEventSink();
    const m = new StateManager({ store, events });
    try {
      expect(m.setNow('custom:now', 'k', { n: 1 })).toBeUndefined();
      expect(events.events.map((e) => e.type)).toEqual(['state.changed']);
      const value = m.getNow('custom:now', 'k');
      expect(isPromise(value)).toBe(false);
      expect(value).toEqual({ n: 1 });
      expect(m.getNow('custom:now', 'missing')).toBeUndefined();
      // the promise forms see the same data
      await expect(m.get('custom:now', 'k')).resolves.toEqual({ n: 1 });
    } finally {
      await store.close();
    }
  });

  it('bad input throws within the call with its code; set() still rejects', async () => {
    const m = manager();
    expect(() => m.setNow('custom:', 'k', 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => m.setNow('custom:a', 'k', () => 1)).toThrow();
    const rejected = m.set('custom:', 'k', 1);
    expect(rejected).toBeInstanceOf(Promise);
    await expect(rejected).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('write hooks make setNow wait for them, and they still apply', async () => {
    const hooks = new ListHookExecutor().on('BeforeStateWrite', () => ({ type: 'modified', data: { value: 'changed' } }));
    const m = manager({ hooks });
    const written = m.setNow('custom:h', 'k', 'original');
    expect(isPromise(written)).toBe(true);
    await written;
    expect(m.getNow('custom:h', 'k')).toBe('changed');
  });

  it('a store without getSync/putSync still works through its promises', async () => {
    const inner = new MemoryStateStore();
    const asyncOnly = {
      name: 'async-only', persistent: false,
      get: (k: string) => inner.get(k), put: (k: string, v: string) => inner.put(k, v), delete: (k: string) => inner.delete(k),
      keys: (p: string) => inner.keys(p), entries: (p: string) => inner.entries(p), batch: (o: Parameters<MemoryStateStore['batch']>[0]) => inner.batch(o),
      update: (k: string, f: (c: string | undefined) => string | undefined) => inner.update(k, f), close: () => inner.close(),
    };
    const m = new StateManager({ store: asyncOnly });
    const written = m.setNow('custom:a', 'k', 7);
    expect(isPromise(written)).toBe(true);
    await written;
    const read = m.getNow('custom:a', 'k');
    expect(isPromise(read)).toBe(true);
    await expect(read).resolves.toBe(7);
  });
});

import type { StateStore } from '@llmspell/core';

/*
 * The StateStore conformance suite. Built on jest's globals (describe/it/expect and the
 * hooks), so call it from a jest test file of the adapter:
 *
 *   import { runStateStoreConformance } from '@llmspell/state/testing';
 *   runStateStoreConformance('my-store', () => MyStore.open({ path: tmp() }));
 */
declare const describe: (name: string, fn: () => void) => void;
declare const it: (name: string, fn: () => Promise<void> | void, timeout?: number) => void;
declare const afterEach: (fn: () => Promise<void> | void) => void;
// jest's `expect`, untyped: this module ships in the package, which is built without jest's types.
declare const expect: any;

export interface ConformanceOptions {
  /**
   * Opens a new store on the data of `previous` (already closed). Give it for persistent
   * stores so the suite can check that writes survive a close and reopen.
   */
  reopen?: (previous: StateStore) => StateStore | Promise<StateStore>;
  /** Number of concurrent updates in the atomicity test (default 100). */
  concurrency?: number;
}

export type StateStoreFactory = () => StateStore | Promise<StateStore>;

export function runStateStoreConformance(name: string, makeStore: StateStoreFactory, options: ConformanceOptions = {}): void {
  describe(`StateStore conformance: ${name}`, () => {
    const open: StateStore[] = [];
    const make = async () => {
      const store = await makeStore();
      open.push(store);
      return store;
    };
    afterEach(async () => {
      for (const store of open.splice(0)) await store.close().catch(() => undefined);
    });

    it('has a name and says whether it persists', async () => {
      const store = await make();
      expect(typeof store.name).toBe('string');
      expect(store.name.length).toBeGreaterThan(0);
      expect(typeof store.persistent).toBe('boolean');
    });

    it('get of a missing key resolves undefined', async () => {
      const store = await make();
      await expect(store.get('missing')).resolves.toBeUndefined();
    });

    it('put then get returns the exact string, overwrite replaces it', async () => {
      const store = await make();
      const values = ['', 'plain', '{"a":[1,2,{"b":null}]}', 'unicode ✓ 😀 日本語', 'line\nbreak\ttab', 'x'.repeat(1_000_000)];
      for (const [i, v] of values.entries()) await store.put(`k${i}`, v);
      for (const [i, v] of values.entries()) await expect(store.get(`k${i}`)).resolves.toBe(v);
      await store.put('k1', 'changed');
      await expect(store.get('k1')).resolves.toBe('changed');
    });

    it('keys may hold separators, spaces and any Unicode', async () => {
      const store = await make();
      const keys = ['state:agent:a:b', 'with space', 'ключ', '😀:x', 'a/b\\c', 'dots..and//slashes'];
      for (const k of keys) await store.put(k, k.toUpperCase());
      for (const k of keys) await expect(store.get(k)).resolves.toBe(k.toUpperCase());
    });

    it('delete resolves whether the key existed and removes it', async () => {
      const store = await make();
      await store.put('a', '1');
      await expect(store.delete('a')).resolves.toBe(true);
      await expect(store.get('a')).resolves.toBeUndefined();
      await expect(store.delete('a')).resolves.toBe(false);
    });

    it('keys(prefix) returns exactly the keys with that prefix, in code point order', async () => {
      const store = await make();
      const all = ['p:b', 'p:a', 'p:a:1', 'p', 'p;', 'q:a', 'o:z', 'p:\uFFFF', 'p:😀', 'p:é', 'P:a'];
      for (const k of all) await store.put(k, 'v');
      const expected = ['p:a', 'p:a:1', 'p:b', 'p:é', 'p:\uFFFF', 'p:😀'];
      await expect(store.keys('p:')).resolves.toEqual(expected);
      await expect(store.keys('p:a')).resolves.toEqual(['p:a', 'p:a:1']);
      await expect(store.keys('none:')).resolves.toEqual([]);
      const everything = await store.keys('');
      expect(everything.length).toBe(all.length);
      const byCodePoint = [...all].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
      expect(everything).toEqual(byCodePoint);
    });

    it('keys(prefix) works for prefixes ending in the highest characters', async () => {
      const store = await make();
      for (const k of ['z\uFFFF', 'z\uFFFFa', 'z😀', 'z😀b', 'z\u{10FFFF}x', '{']) await store.put(k, 'v');
      await expect(store.keys('z\uFFFF')).resolves.toEqual(['z\uFFFF', 'z\uFFFFa']);
      await expect(store.keys('z😀')).resolves.toEqual(['z😀', 'z😀b']);
      await expect(store.keys('z\u{10FFFF}')).resolves.toEqual(['z\u{10FFFF}x']);
    });

    it('entries(prefix) returns key/value pairs in key order', async () => {
      const store = await make();
      await store.put('e:2', 'two');
      await store.put('e:1', 'one');
      await store.put('f:1', 'other');
      await expect(store.entries('e:')).resolves.toEqual([['e:1', 'one'], ['e:2', 'two']]);
    });

    it('batch applies every operation in order', async () => {
      const store = await make();
      await store.put('gone', 'x');
      await store.batch([
        { type: 'put', key: 'b1', value: '1' },
        { type: 'put', key: 'b2', value: '2' },
        { type: 'delete', key: 'gone' },
        { type: 'put', key: 'b1', value: 'last wins' },
        { type: 'put', key: 'b3', value: '3' },
        { type: 'delete', key: 'b3' },
      ]);
      await expect(store.entries('b')).resolves.toEqual([['b1', 'last wins'], ['b2', '2']]);
      await expect(store.get('gone')).resolves.toBeUndefined();
      await store.batch([]);
    });

    it('batch with an invalid operation applies nothing', async () => {
      const store = await make();
      await store.put('keep', 'old');
      const bad = [
        { type: 'put', key: 'keep', value: 'new' },
        { type: 'delete', key: 'other' },
        { type: 'put', key: 'bad', value: 42 as unknown as string },
      ] as const;
      await expect(store.batch(bad as never)).rejects.toThrow();
      await expect(store.get('keep')).resolves.toBe('old');
      await expect(store.get('bad')).resolves.toBeUndefined();
    });

    it('update passes the current value and stores the result', async () => {
      const store = await make();
      const seen: Array<string | undefined> = [];
      await expect(store.update('u', (c) => { seen.push(c); return 'first'; })).resolves.toBe('first');
      await expect(store.update('u', (c) => { seen.push(c); return `${c}+`; })).resolves.toBe('first+');
      expect(seen).toEqual([undefined, 'first']);
      await expect(store.get('u')).resolves.toBe('first+');
    });

    it('update returning undefined deletes the key', async () => {
      const store = await make();
      await store.put('u', 'x');
      await expect(store.update('u', () => undefined)).resolves.toBeUndefined();
      await expect(store.get('u')).resolves.toBeUndefined();
    });

    it('update whose function throws writes nothing and rejects with that error', async () => {
      const store = await make();
      await store.put('u', 'before');
      const boom = new Error('boom');
      await expect(store.update('u', () => { throw boom; })).rejects.toBe(boom);
      await expect(store.get('u')).resolves.toBe('before');
    });

    it('concurrent updates of one key lose nothing', async () => {
      const store = await make();
      const n = options.concurrency ?? 100;
      await Promise.all(Array.from({ length: n }, () => store.update('counter', (c) => String(Number(c ?? '0') + 1))));
      await expect(store.get('counter')).resolves.toBe(String(n));
    });

    it('updates interleaved with puts and batches stay atomic', async () => {
      const store = await make();
      const work: Promise<unknown>[] = [];
      for (let i = 0; i < 50; i++) {
        work.push(store.update('n', (c) => String(Number(c ?? '0') + 1)));
        work.push(store.put(`side:${i}`, String(i)));
        work.push(store.batch([{ type: 'put', key: `batch:${i}`, value: 'b' }]));
      }
      await Promise.all(work);
      await expect(store.get('n')).resolves.toBe('50');
      await expect(store.keys('side:')).resolves.toHaveLength(50);
      await expect(store.keys('batch:')).resolves.toHaveLength(50);
    });

    it('rejects non-string keys and values with a clear error', async () => {
      const store = await make();
      await expect(store.put(1 as unknown as string, 'v')).rejects.toThrow(/key/);
      await expect(store.put('k', { a: 1 } as unknown as string)).rejects.toThrow(/value/);
      await expect(store.get('k')).resolves.toBeUndefined();
    });

    it('size, when offered, is a non-negative number', async () => {
      const store = await make();
      await store.put('s', 'x'.repeat(1000));
      if (store.size) {
        const size = await store.size();
        expect(typeof size).toBe('number');
        expect(size).toBeGreaterThanOrEqual(0);
      }
    });

    it('operations after close reject', async () => {
      const store = await make();
      await store.close();
      await expect(store.get('x')).rejects.toThrow();
      await expect(store.put('x', 'y')).rejects.toThrow();
      await store.close();
    });

    if (options.reopen) {
      const reopen = options.reopen;
      it('writes survive close and reopen', async () => {
        const store = await make();
        expect(store.persistent).toBe(true);
        await store.put('durable', 'yes');
        await store.batch([{ type: 'put', key: 'b', value: '1' }, { type: 'put', key: 'c', value: '2' }]);
        await store.update('n', () => '7');
        await store.delete('c');
        await store.close();
        const again = await reopen(store);
        open.push(again);
        await expect(again.get('durable')).resolves.toBe('yes');
        await expect(again.entries('')).resolves.toEqual([['b', '1'], ['durable', 'yes'], ['n', '7']]);
      });
    }
  });
}

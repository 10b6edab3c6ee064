import { MemoryStateStore, compareKeys, createStateStore } from './index.js';

describe('compareKeys', () => {
  it('orders by code point, like UTF-8 bytes', () => {
    const samples = ['a', 'a\uFFFF', 'a😀', 'a\uE000', 'ab', 'a\u0000', '', 'b', '😀', '\uFFFD', 'z\u{10FFFF}', 'é'];
    const byBytes = [...samples].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...samples].sort(compareKeys)).toEqual(byBytes);
    // plain JS order differs on exactly these astral/BMP pairs
    expect(['a😀', 'a\uFFFF'].sort()).toEqual(['a😀', 'a\uFFFF']);
    expect(['a😀', 'a\uFFFF'].sort(compareKeys)).toEqual(['a\uFFFF', 'a😀']);
  });
});

describe('MemoryStateStore', () => {
  it('is not persistent and each instance is separate', async () => {
    const a = new MemoryStateStore();
    const b = (await createStateStore()) as MemoryStateStore;
    expect(a.persistent).toBe(false);
    await a.put('k', 'v');
    await expect(b.get('k')).resolves.toBeUndefined();
  });

  it('scans prefixes in code point order and reports its size', async () => {
    const s = new MemoryStateStore();
    for (const k of ['p:b', 'p:😀', 'p:\uFFFF', 'p:a', 'q']) await s.put(k, 'xy');
    await expect(s.keys('p:')).resolves.toEqual(['p:a', 'p:b', 'p:\uFFFF', 'p:😀']);
    const expected = ['p:b', 'p:😀', 'p:\uFFFF', 'p:a', 'q'].reduce((n, k) => n + Buffer.byteLength(k) + 2, 0);
    await expect(s.size()).resolves.toBe(expected);
  });

  it('update is atomic across concurrent callers and a throwing fn writes nothing', async () => {
    const s = new MemoryStateStore();
    await Promise.all(Array.from({ length: 500 }, () => s.update('n', (c) => String(Number(c ?? 0) + 1))));
    await expect(s.get('n')).resolves.toBe('500');
    await expect(s.update('n', () => { throw new Error('no'); })).rejects.toThrow('no');
    await expect(s.get('n')).resolves.toBe('500');
  });

  it('rejects use after close', async () => {
    const s = new MemoryStateStore();
    await s.close();
    await expect(s.keys('')).rejects.toThrow(/closed/);
  });
});

import { ownEntry } from './own-entry.js';

describe('ownEntry', () => {
  const table = { fast: 1, slow: 2 };
  test('finds own keys and nothing Object.prototype carries', () => {
    expect(ownEntry(table, 'fast')).toBe(1);
    expect(ownEntry(table, 'nope')).toBeUndefined();
    for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) expect([key, ownEntry(table, key)]).toEqual([key, undefined]);
  });
});

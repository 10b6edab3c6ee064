import { instantiateAllocator } from './lua-allocator.js';

// The hand-assembled WebAssembly allocator against a C allocator the test controls.
function harness(failAbove = Infinity) {
  const calls: Array<[string, number, number?]> = [];
  let next = 1000;
  const allocator = instantiateAllocator(
    (pointer, size) => {
      calls.push(['realloc', pointer, size]);
      if (size > failAbove) return 0;
      return pointer || (next += 1000);
    },
    (pointer) => {
      calls.push(['free', pointer]);
    },
  );
  return { ...allocator, calls };
}

describe('the Lua allocator', () => {
  test('counts the bytes of new, grown, shrunk and freed blocks', () => {
    const a = harness();
    const block = a.alloc(0, 0, 5, 100); // no block: 5 is the kind of object, not a size
    expect(block).toBe(2000);
    expect(a.used.value).toBe(100);
    expect(a.alloc(0, block, 100, 300)).toBe(block);
    expect(a.used.value).toBe(300);
    expect(a.alloc(0, block, 300, 40)).toBe(block);
    expect(a.used.value).toBe(40);
    expect(a.alloc(0, block, 40, 0)).toBe(0);
    expect(a.used.value).toBe(0);
    expect(a.calls).toEqual([['realloc', 0, 100], ['realloc', block, 300], ['realloc', block, 40], ['free', block]]);
  });

  test('past the cap a growth is refused without calling realloc; a shrink or a free still works', () => {
    const a = harness();
    const block = a.alloc(0, 0, 4, 150);
    a.max.value = 200;
    expect(a.alloc(0, 0, 4, 60)).toBe(0);
    expect(a.alloc(0, block, 150, 250)).toBe(0);
    expect(a.used.value).toBe(150);
    expect(a.alloc(0, block, 150, 20)).toBe(block);
    expect(a.used.value).toBe(20);
    expect(a.alloc(0, 0, 4, 180)).not.toBe(0);
    expect(a.used.value).toBe(200);
    a.max.value = Infinity;
    expect(a.alloc(0, 0, 4, 1e6)).not.toBe(0);
  });

  test('a failed realloc is not counted; freeing NULL changes nothing', () => {
    const a = harness(500);
    expect(a.alloc(0, 0, 4, 600)).toBe(0);
    expect(a.used.value).toBe(0);
    expect(a.alloc(0, 0, 3, 0)).toBe(0);
    expect(a.calls).toEqual([['realloc', 0, 600]]);
  });

  test('each instance counts on its own', () => {
    const a = harness();
    const b = harness();
    a.alloc(0, 0, 4, 64);
    expect(a.used.value).toBe(64);
    expect(b.used.value).toBe(0);
  });
});

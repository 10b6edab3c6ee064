import type { LuaModule } from './lua-module.js';
import { harness } from '../test/harness.js';
import { yieldingTrampoline } from './lua-yield-trampoline.js';

// Host functions yield from a WebAssembly function (the throw then unwinds no JavaScript frame);
// the JavaScript fallback stays for a module that hides its raw exports.
describe('the yielding trampoline of host functions', () => {
  test('is WebAssembly over the Lua module in use, and a host function behind it waits and answers', async () => {
    const h = await harness({
      extraGlobals: {
        later: (n: unknown) => new Promise((resolve) => setImmediate(() => resolve((n as number) * 2))),
        now: (n: unknown) => (n as number) + 1,
      },
    });
    try {
      const { m, hostCalls } = h.context as unknown as { m: LuaModule; hostCalls: { hostFunction(add: (fn: unknown, signature: string) => number): number } };
      // what the context puts in the module's function table for its host functions: an
      // exported WebAssembly function prints as native code, a JavaScript one as its source
      let registered: unknown;
      hostCalls.hostFunction((fn) => {
        registered = fn;
        return 0;
      });
      expect(String(registered)).toMatch(/\[native code\]/);
      // results (>= 0) pass through without a yield
      expect(yieldingTrampoline(m, () => 3, 0)!(0)).toBe(3);
      await expect(h.run('local t = {} for i = 1, 50 do t[i] = later(i) + now(i) end return t[50]')).resolves.toBe(151);
    } finally {
      await h.close();
    }
  });

  test('is not made when the module exposes no raw lua_yieldk', () => {
    expect(yieldingTrampoline({ rawExports: {} } as unknown as LuaModule, () => 0, 0)).toBeUndefined();
  });
});

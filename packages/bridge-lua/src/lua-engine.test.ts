import { harness } from '../test/harness.js';

describe('smoke', () => {
  it('runs', async () => {
    const h = await harness({ extraGlobals: { echo: (v) => v, later: (v) => new Promise((r) => setTimeout(() => r(v), 5)) } });
    try {
      expect(await h.run('print("hi", 1, nil, true) return 1 + 1')).toBe(2);
      expect(h.stdout).toEqual(['hi\t1\tnil\ttrue']);
      expect(await h.run('return echo({1,2,{a=3}})')).toEqual([1, 2, { a: 3 }]);
      expect(await h.run('return later("x") .. later("y")')).toBe('xy');
      expect(await h.run('return Tool.invoke("echo_tool", {input="hé"}).result.echoed')).toBe('hé');
    } finally {
      await h.close();
    }
  });
});

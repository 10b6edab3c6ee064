import { hostMethod, type ScriptValue } from '@llmspell/core';
import { createJsEngine } from './index.js';

describe('host pull streams', () => {
  test('objects marked __async_iterator work with for await', async () => {
    const engine = createJsEngine();
    let closed = false;
    const makeStream = () => {
      let i = 0;
      return {
        __async_iterator: true,
        next: hostMethod(async () => (i < 3 ? { done: false, value: { text: `chunk${i++}` } } : { done: true, value: null })),
        close: hostMethod(() => {
          closed = true;
          return null;
        }),
      } as unknown as ScriptValue;
    };
    const ctx = await engine.createContext({
      globals: { makeStream: () => makeStream() },
      limits: { memoryBytes: 32 * 1024 * 1024, timeoutMs: 5000 },
      output: { stdout() {}, stderr() {} },
    });
    try {
      const all = await ctx.run('const out = []; for await (const c of makeStream()) out.push(c.text); export default out;', { filename: 's.js' });
      expect(all).toEqual(['chunk0', 'chunk1', 'chunk2']);
      const early = await ctx.run('let n = 0; for await (const c of makeStream()) { n++; break; } export default n;', { filename: 's2.js' });
      expect(early).toBe(1);
      expect(closed).toBe(true);
    } finally {
      ctx.dispose();
    }
  });
});

import { createJsEngine } from './index.js';

// A structure that grows by doubling fails on one large block while some memory is still
// free; at small caps QuickJS cannot even build its error. Either way the code must say memory.
test.each([16, 24, 64])('a Map that grows until memory runs out at %i MiB: SCRIPT_MEMORY_LIMIT with a message', async (mib) => {
  const engine = createJsEngine();
  const context = await engine.createContext({
    globals: {},
    limits: { memoryBytes: mib * 1024 * 1024, timeoutMs: 120_000 },
    output: { stdout() {}, stderr() {} },
  });
  try {
    await expect(context.run('const m = new Map(); for (let i = 0; ; i++) m.set(i, [i]);', { filename: 'grow.js' }))
      .rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', message: `SCRIPT_MEMORY_LIMIT: grow.js: script exceeded its memory limit of ${mib} MiB` });
  } finally {
    context.dispose();
  }
});

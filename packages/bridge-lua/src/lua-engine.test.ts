import { DEFAULT_SCRIPT_LIMITS, type ScriptContext } from '@llmspell/core';
import { harness } from '../test/harness.js';
import { LuaEngine, createLuaEngine } from './index.js';

describe('LuaEngine', () => {
  it('is the "lua" engine for .lua files', () => {
    const engine = createLuaEngine();
    expect(engine).toBeInstanceOf(LuaEngine);
    expect(engine.name).toBe('lua');
    expect(engine.aliases).toEqual(['lua']);
    expect(engine.fileExtensions).toEqual(['.lua']);
  });

  it('creates independent contexts from one shared module', async () => {
    const engine = createLuaEngine();
    const output = { stdout: () => undefined, stderr: () => undefined };
    const [a, b] = await Promise.all([
      engine.createContext({ globals: { who: 'a' }, limits: DEFAULT_SCRIPT_LIMITS, output }),
      engine.createContext({ globals: { who: 'b' }, limits: DEFAULT_SCRIPT_LIMITS, output }),
    ]);
    try {
      await a.run('x = who', { filename: 'a.lua' });
      await expect(b.run('return { who, x == nil }', { filename: 'b.lua' })).resolves.toEqual(['b', true]);
      await expect(a.run('return x', { filename: 'a.lua' })).resolves.toBe('a');
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('refuses globals it cannot convert, naming them', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const output = { stdout: () => undefined, stderr: () => undefined };
    await expect(createLuaEngine().createContext({ globals: { Bad: cyclic as never }, limits: DEFAULT_SCRIPT_LIMITS, output }))
      .rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("global 'Bad'") });
  });

  it('lets a host function start another run of the same context', async () => {
    let context: ScriptContext | undefined;
    const h = await harness({ extraGlobals: { nested: (source) => context!.run(String(source), { filename: 'inner.lua' }) } });
    context = h.context;
    try {
      await expect(h.run('local v = nested("return 2 + 3") return v * 2')).resolves.toBe(10);
      await expect(h.run('local v = nested("local x = nested(\'return 1\') return x + 1") return v * 2')).resolves.toBe(4);
      await expect(h.run('local ok, err = pcall(nested, "error(\'inner\')") return err')).resolves.toBe('SCRIPT_ERROR: inner.lua:1: inner');
    } finally {
      await h.close();
    }
  });
});

describe('option validation', () => {
  const output = { stdout: () => undefined, stderr: () => undefined };
  it('names the bad parameter', async () => {
    expect(() => createLuaEngine({ instructionsPerCheck: 0 })).toThrow("parameter 'instructionsPerCheck'");
    const engine = createLuaEngine();
    await expect(engine.createContext({ globals: {}, limits: { memoryBytes: -1, timeoutMs: 10 }, output })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT', message: expect.stringContaining("parameter 'limits.memoryBytes'"),
    });
    const context = await engine.createContext({ globals: {}, limits: DEFAULT_SCRIPT_LIMITS, output });
    try {
      await expect(context.run('return 1', { filename: '' })).rejects.toMatchObject({ message: expect.stringContaining("parameter 'filename'") });
      await expect(context.run('return 1', { filename: 'x.lua', timeoutMs: 0 })).rejects.toMatchObject({ message: expect.stringContaining("parameter 'timeoutMs'") });
      await expect(context.run(42 as unknown as string, { filename: 'x.lua' })).rejects.toMatchObject({ message: expect.stringContaining("parameter 'source'") });
    } finally {
      context.dispose();
    }
  });
});

import { LlmspellError, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { LlmspellRuntime } from '@llmspell/runtime';
import { engine, harness } from '../test/harness.js';

async function expectNextScriptRuns(): Promise<void> {
  const fresh = await harness();
  try {
    await expect(fresh.run('local t = {} for i = 1, 1000 do t[i] = i end return #t')).resolves.toBe(1000);
  } finally {
    await fresh.close();
  }
}

describe('limits', () => {
  it('stops an endless loop with SCRIPT_TIMEOUT, even one hiding in pcall', async () => {
    const h = await harness();
    try {
      const started = Date.now();
      const error = await h.run('while true do end', 'loop.lua', 100).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LlmspellError);
      expect(error).toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'loop.lua' } });
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(h.run('while true do pcall(function() while true do end end) end', 'loop.lua', 100)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      await expect(h.run(`
        local co = coroutine.wrap(function() while true do end end)
        while true do pcall(co) end`, 'loop.lua', 100)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      // the same context still works
      await expect(h.run('return 1 + 1')).resolves.toBe(2);
    } finally {
      await h.close();
    }
    await expectNextScriptRuns();
  });

  it('stops waiting for a slow host call at the deadline', async () => {
    const h = await harness({ extraGlobals: { slow: () => new Promise((resolve) => setTimeout(() => resolve(1), 10_000).unref()) } });
    try {
      const started = Date.now();
      await expect(h.run('return slow()', 'slow.lua', 100)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(2000);
      await expect(h.run('return "after"')).resolves.toBe('after');
    } finally {
      await h.close();
    }
  });

  it('stops an allocation bomb with SCRIPT_MEMORY_LIMIT', async () => {
    const h = await harness({ limits: { memoryBytes: 16 * 1024 * 1024 } });
    try {
      const bomb = 'local t = {} while true do t[#t + 1] = string.rep("x", 1e6) end';
      await expect(h.run(bomb, 'bomb.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT', details: { file: 'bomb.lua' } });
      await expect(h.run(`pcall(function() ${bomb} end) return "caught?"`, 'bomb.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
      await expect(h.run('return string.rep("y", 1e9)', 'big.lua')).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
      // the garbage is collectable: this context can still run normal scripts
      await expect(h.run('local t = {} for i = 1, 100 do t[i] = string.rep("z", 1000) end return #t')).resolves.toBe(100);
    } finally {
      await h.close();
    }
    await expectNextScriptRuns();
  });

  it('stops runaway recursion with SCRIPT_STACK_OVERFLOW', async () => {
    const h = await harness();
    try {
      const error = await h.run('local function f() return 1 + f() end\nf()', 'deep.lua').catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'SCRIPT_STACK_OVERFLOW', details: { file: 'deep.lua', line: 1 } });
      expect((error as Error).message).toMatch(/^SCRIPT_STACK_OVERFLOW: deep\.lua:1: .*stack overflow/);
      await expect(h.run('local function f() return pcall(f) end\nreturn select("#", f())', 'deep.lua')).resolves.toBeGreaterThan(0);
      await expect(h.run('return "still fine"')).resolves.toBe('still fine');
    } finally {
      await h.close();
    }
    await expectNextScriptRuns();
  });

  it('cancels a run waiting on the host when the signal aborts', async () => {
    const h = await harness({ extraGlobals: { slow: () => new Promise((resolve) => setTimeout(() => resolve(1), 10_000).unref()) } });
    try {
      const running = h.run('return slow()', 'cancel.lua');
      setTimeout(() => h.controller.abort(), 20);
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED', details: { file: 'cancel.lua' } });
      await expect(h.run('return 1')).rejects.toMatchObject({ code: 'CANCELLED' });
    } finally {
      await h.close();
    }
    await expectNextScriptRuns();
  });

  it('applies the limits to callbacks the host calls', async () => {
    const h = await harness({ limits: { timeoutMs: 100, memoryBytes: 16 * 1024 * 1024 }, extraGlobals: { keep: (cb) => cb } });
    try {
      const spin = (await h.run('return keep(function() while true do end end)')) as ScriptCallback;
      await expect(spin.call()).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      const bomb = (await h.run('return keep(function() local t = {} while true do t[#t + 1] = string.rep("x", 1e6) end end)')) as ScriptCallback;
      await expect(bomb.call()).rejects.toMatchObject({ code: 'SCRIPT_MEMORY_LIMIT' });
      const fine = (await h.run('return keep(function(x) return x + 1 end)')) as ScriptCallback;
      await expect(fine.call(1)).resolves.toBe(2);
    } finally {
      await h.close();
    }
  });

  it('never hangs the host in __close handlers or finalizers that do not return', async () => {
    const h = await harness({ extraGlobals: { slow: () => new Promise((resolve) => setTimeout(() => resolve(1), 10_000).unref()) } });
    try {
      // an abandoned run closes its to-be-closed variables
      await expect(h.run(`
        local guard <close> = setmetatable({}, { __close = function() while true do end end })
        return slow()`, 'close.lua', 100)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
      // Lua runs finalizers with hooks off: scripts get none
      await expect(h.run('setmetatable({}, { __gc = function() while true do end end })', 'gc.lua')).rejects.toMatchObject({
        code: 'SCRIPT_ERROR', message: 'SCRIPT_ERROR: gc.lua:1: __gc metamethods are not available in the llmspell sandbox',
      });
      await expect(h.run('return "alive"')).resolves.toBe('alive');
    } finally {
      await h.close();
    }
  });

  it('a callback still waiting on the host when its run returns keeps that run\'s deadline', async () => {
    const never = () => new Promise<ScriptValue>(() => undefined);
    let started: Promise<unknown> | undefined;
    const h = await harness({ extraGlobals: { never, start: (cb) => ((started = (cb as ScriptCallback).call().catch((e: unknown) => e)), null) } });
    try {
      // the run hands the host a callback that waits forever, and returns at once
      await expect(h.run('start(function() return never() end) return "run done"', 'late.lua', 150)).resolves.toBe('run done');
      const outcome = await started;
      expect(outcome).toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    } finally {
      await h.close();
    }
  });

  it('ends a wait on the host when the context is disposed', async () => {
    const h = await harness({ extraGlobals: { never: () => new Promise(() => undefined) } });
    const running = h.run('return never()', 'disposed.lua');
    setTimeout(() => h.context.dispose(), 20);
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('disposed') });
    await h.runtime.close();
  });

  it('rejects runs and callbacks after dispose', async () => {
    const h = await harness({ extraGlobals: { keep: (cb) => cb } });
    const callback = (await h.run('return keep(function() return 1 end)')) as { call(): Promise<unknown> };
    await expect(callback.call()).resolves.toBe(1);
    h.context.dispose();
    h.context.dispose();
    await expect(h.run('return 1')).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(callback.call()).rejects.toMatchObject({ code: 'CANCELLED' });
    await h.runtime.close();
  });

  it('runs through LlmspellRuntime.runScript', async () => {
    const runtime = await LlmspellRuntime.create();
    const lines: string[] = [];
    try {
      const result = await runtime.runScript(engine, 'print("hello from lua") return { answer = 42 }', {
        filename: 'hello.lua', output: { stdout: (t) => lines.push(t), stderr: () => undefined },
      });
      expect(result).toEqual({ answer: 42 });
      expect(lines).toEqual(['hello from lua']);
      await expect(runtime.runScript(engine, 'while true do end', { filename: 'spin.lua', limits: { timeoutMs: 50 } }))
        .rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    } finally {
      await runtime.close();
    }
  });
});

import { LlmspellError, isPromiseLike, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';
import { MAX_NESTED_CALLBACKS } from './lua-context.js';

const later = (value: ScriptValue, ms = 5) => new Promise<ScriptValue>((resolve) => setTimeout(() => resolve(value), ms));

/** Host functions that call a Lua function back from inside their own call, as hooks and workflow steps do. */
function callbackHost(seen: { promises: number; values: number }) {
  const callNow = (cb: ScriptValue, ...args: ScriptValue[]) => {
    const result = (cb as ScriptCallback).callNow!(...args);
    if (isPromiseLike(result)) seen.promises += 1;
    else seen.values += 1;
    return result;
  };
  return {
    now: callNow,
    later: (v: ScriptValue) => later(v),
    // calls the function back, which calls `again` again: recursion through the host
    again: (cb: ScriptValue, n: ScriptValue) => callNow(cb, n),
  };
}

describe('Lua callbacks called from inside a host call', () => {
  let h: Harness;
  const seen = { promises: 0, values: 0 };
  beforeAll(async () => {
    h = await harness({ extraGlobals: callbackHost(seen), limits: { memoryBytes: 16 * 1024 * 1024 } });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    seen.promises = 0;
    seen.values = 0;
  });

  it('answers within the call, so the caller does not wait (it works where waiting is impossible)', async () => {
    // a table.sort comparator cannot yield: a host call in it must answer at once
    const result = await h.run(`
      local t = { 3, 1, 2 }
      table.sort(t, function(a, b) return now(function(x, y) return x < y end, a, b) end)
      return { t[1], t[2], t[3], now(function(s) return s .. "!" end, "hi") }
    `);
    expect(result).toEqual([1, 2, 3, 'hi!']);
    expect(seen.promises).toBe(0);
    expect(seen.values).toBeGreaterThan(1);
  });

  it('falls back to a promise when the callback waits for the host, with the same result', async () => {
    await expect(h.run('return now(function(x) return later(x) * 2 end, 21)')).resolves.toBe(42);
    await expect(h.run('return now(function(x) return Tool.invoke("echo_tool", { input = x }).result.echoed end, "e")')).resolves.toBe('e');
    expect(seen.promises).toBe(2);
  });

  it('keeps the file and line of an error raised in the callback, and the caller can catch it', async () => {
    const result = await h.run('local ok, err = pcall(now, function()\n  error("hook broke")\nend)\nreturn { ok, err }', 'cb.lua');
    expect(result).toEqual([false, expect.stringMatching(/^SCRIPT_ERROR: cb\.lua:2: hook broke$/)]);
    await expect(h.run('now(function()\n\n  local x = nil + 1\nend)', 'arith.lua')).rejects.toMatchObject({
      code: 'SCRIPT_ERROR', details: { file: 'arith.lua', line: 3 },
    });
  });

  it('refuses coroutine.yield straight out of a callback with a clear error and leaves the state usable', async () => {
    await expect(h.run('return now(function() coroutine.yield(1) return 2 end)')).rejects.toThrow(/yield from outside a coroutine/);
    // a coroutine inside the callback still works
    await expect(h.run(`
      return now(function()
        local co = coroutine.wrap(function() coroutine.yield(1) coroutine.yield(2) end)
        return co() + co()
      end)`)).resolves.toBe(3);
    await expect(h.run('return 1 + 1')).resolves.toBe(2);
  });

  it('bounds callbacks nested through the host with a clear error', async () => {
    const error = await h.run('local function f(n) return again(f, n + 1) end\nreturn f(0)', 'deep.lua').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LlmspellError);
    expect(error).toMatchObject({ code: 'SCRIPT_STACK_OVERFLOW' });
    expect((error as Error).message).toContain(`nested more than ${MAX_NESTED_CALLBACKS} deep`);
    // nesting below the bound works, and the context is intact afterwards
    await expect(h.run(`local function f(n) if n >= ${MAX_NESTED_CALLBACKS - 2} then return n end return again(f, n + 1) end return f(0)`))
      .resolves.toBe(MAX_NESTED_CALLBACKS - 2);
    await expect(h.run('return now(function(s) return s end, "ok")')).resolves.toBe('ok');
  });

  it('stops an endless loop in a callback with the run\'s time limit, and the host survives', async () => {
    await expect(h.run('now(function() while true do end end) return "not reached"', 'spin.lua', 150)).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT', details: { file: 'spin.lua' },
    });
    // even when the caller catches the callback's failure
    await expect(h.run('pcall(now, function() while true do end end) return "not reached"', 'spin.lua', 150)).rejects.toMatchObject({
      code: 'SCRIPT_TIMEOUT',
    });
    await expect(h.run('return now(function() return 7 end)')).resolves.toBe(7);
  });

  it('stops a callback that allocates past the memory limit', async () => {
    await expect(h.run('now(function() local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(64) .. i end end)', 'bomb.lua')).rejects.toMatchObject({
      code: 'SCRIPT_MEMORY_LIMIT',
    });
    await expect(h.run('return now(function() return 8 end)')).resolves.toBe(8);
  });

  it('answers at once when the host calls back outside any run too', async () => {
    const cb = (await h.run('return function(a, b) return a + b end')) as unknown as ScriptCallback;
    expect(cb.callNow!(2, 3)).toBe(5);
    await expect(cb.call(4, 5)).resolves.toBe(9);
    const waits = (await h.run('return function(x) return later(x) end')) as unknown as ScriptCallback;
    const pending = waits.callNow!('w');
    expect(isPromiseLike(pending)).toBe(true);
    await expect(pending).resolves.toBe('w');
  });
});

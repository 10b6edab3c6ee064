import { LlmspellError, isPromiseLike, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

describe('Lua hooks and workflow steps answer within the call', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness({ extraGlobals: { later: (v) => later(v) } });
  });
  afterEach(() => h.close());

  it('a Lua hook modifies and cancels a tool call that stays synchronous (usable where Lua cannot wait)', async () => {
    const result = await h.run(`
      local seen = 0
      local id = Hook.register("BeforeToolExecution", function(ctx)
        seen = seen + 1
        if ctx.data.input.a == 13 then return { type = "cancel", reason = "unlucky" } end
        return { type = "modified", data = { input = { a = ctx.data.input.a * 10, b = ctx.data.input.b } } }
      end)
      -- a host call inside a table.sort comparator must answer at once
      local t = { 2, 1 }
      local sum
      table.sort(t, function(x, y) sum = Tool.invoke("add_numbers", { a = 1, b = 2 }).result return x < y end)
      local ok, err = pcall(Tool.invoke, "add_numbers", { a = 13, b = 0 })
      Hook.unregister(id)
      return { sum = sum, seen = seen, ok = ok, err = tostring(err), plain = Tool.invoke("add_numbers", { a = 1, b = 2 }).result }
    `);
    expect(result).toMatchObject({ sum: 12, ok: false, plain: 3 });
    expect((result as { err: string }).err).toMatch(/HOOK_CANCELLED.*unlucky/);
    expect((result as { seen: number }).seen).toBeGreaterThanOrEqual(2);
  });

  it('a Lua hook that waits for the host (an async tool) still takes effect', async () => {
    await expect(h.run(`
      Hook.register("BeforeToolExecution", function(ctx)
        if ctx.component_id.name ~= "add_numbers" then return nil end
        local e = Tool.invoke("echo_tool", { input = "7" }).result.echoed
        return { type = "modified", data = { input = { a = tonumber(e), b = ctx.data.input.b } } }
      end)
      return Tool.invoke("add_numbers", { a = 1, b = 1 }).result
    `)).resolves.toBe(8);
  });

  it('a hook that never returns is stopped by the run\'s time limit, and the host survives', async () => {
    await expect(h.run(`
      Hook.register("BeforeToolExecution", function() while true do end end)
      Tool.invoke("add_numbers", { a = 1, b = 1 })
      return "not reached"`, 'hook.lua', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT', details: { file: 'hook.lua' } });
    await expect(h.run('return 40 + 2')).resolves.toBe(42);
  });

  it('a hook that calls the tool it watches runs once, not forever', async () => {
    await expect(h.run(`
      local calls = 0
      Hook.register("BeforeToolExecution", function(ctx)
        calls = calls + 1
        Tool.invoke("add_numbers", { a = 0, b = 0 })
      end)
      Tool.invoke("add_numbers", { a = 1, b = 1 })
      return calls`)).resolves.toBe(1);
  });

  it('a workflow of Lua steps gives the step outputs, waits where a step waits, and keeps errors', async () => {
    const result = await h.run(`
      local r = Workflow.sequential({ name = "w", steps = {
        { name = "one", type = "custom", execute = function(ctx) return 1 end },
        { name = "two", type = "custom", execute = function(ctx) return ctx.outputs.one + later(10) end },
        { name = "three", type = "custom", execute = function(ctx) return ctx.outputs.two * 2 end },
      } }):execute({})
      return { success = r.success, output = r.output, steps = r.metadata.steps_executed }
    `) as { success: boolean; output: unknown; steps: number };
    expect(result).toMatchObject({ success: true, output: 22, steps: 3 });
    const failed = await h.run(`
      local r = Workflow.sequential({ name = "f", steps = {
        { name = "ok", type = "custom", execute = function() return 1 end },
        { name = "bad", type = "custom", execute = function()
          error("step broke")
        end },
      } }):execute({})
      return { success = r.success, error = r.error }
    `, 'wf.lua') as { success: boolean; error: unknown };
    expect(failed.success).toBe(false);
    expect(JSON.stringify(failed.error)).toMatch(/wf\.lua:5: step broke/);
  });

  it('a workflow step that never returns is stopped by the run\'s time limit', async () => {
    await expect(h.run(`
      Workflow.sequential({ name = "spin", steps = {
        { name = "loop", type = "custom", execute = function() while true do end end },
      } }):execute({})
      return "not reached"`, 'spin.lua', 200)).rejects.toMatchObject({ code: 'SCRIPT_TIMEOUT' });
    await expect(h.run('return 1')).resolves.toBe(1);
  });
});

describe('Lua functions the host holds', () => {
  let h: Harness;
  let kept: ScriptCallback[] = [];
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        keep: (cb: ScriptValue) => {
          kept.push(cb as ScriptCallback);
          return null;
        },
        callKept: (i: ScriptValue, x: ScriptValue) => kept[(i as number) - 1].callNow!(x),
        giveBack: (i: ScriptValue) => kept[(i as number) - 1] as unknown as ScriptValue,
        releaseKept: (i: ScriptValue) => {
          kept[(i as number) - 1].release();
          return null;
        },
      },
      limits: { memoryBytes: 64 * 1024 * 1024 },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    kept = [];
  });
  const memoryAfterLuaGc = async () => {
    await h.run('collectgarbage("collect")');
    return (h.context as unknown as { memoryUsed(): number }).memoryUsed();
  };

  it('are callbacks with call, callNow and release, and cross back into Lua as the same function', async () => {
    const result = await h.run(`
      local f = function(x) return x * 2 end
      keep(f)
      return { callKept(1, 21), giveBack(1) == f }
    `);
    expect(result).toEqual([42, true]);
    expect(kept[0]).toMatchObject({ language: 'lua' });
    await expect(kept[0].call(5)).resolves.toBe(10);
    // plain data of the callback: nothing of the context behind it shows
    expect(JSON.parse(JSON.stringify(kept[0]))).toEqual({ language: 'lua' });
  });

  it('gives back each kind of single plain result as the same value', async () => {
    await h.run(`for _, v in ipairs({ 3.5, 9007199254740991, -0.0, 1e308 * 10, true, false, "héllo\\0x" }) do keep(function() return v end) end keep(function() return nil end)`);
    const got = kept.map((cb) => cb.callNow!());
    expect(got).toEqual([3.5, 9007199254740991, -0, Infinity, true, false, 'héllo\0x', null]);
  });

  it('fails clearly once released, frees the function then, and tolerates a second release', async () => {
    const base = await memoryAfterLuaGc();
    await h.run('local big = {} for i = 1, 100000 do big[i] = i end keep(function() return #big end)');
    expect(await memoryAfterLuaGc()).toBeGreaterThan(base + 1_000_000);
    await expect(h.run('return callKept(1)')).resolves.toBe(100_000);
    await h.run('releaseKept(1)');
    expect(() => kept[0].release()).not.toThrow();
    await expect(h.run('return callKept(1)', 'released.lua')).rejects.toThrow(/released\.lua: the Lua function was released/);
    expect(await memoryAfterLuaGc()).toBeLessThan(base + 200_000);
  });

  it('frees the Lua function of a callback the host dropped without releasing it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const base = await memoryAfterLuaGc();
    await h.run('for n = 1, 20 do local big = {} for i = 1, 10000 do big[i] = i end keep(function() return #big end) end');
    expect(kept).toHaveLength(20);
    expect(await memoryAfterLuaGc()).toBeGreaterThan(base + 2_000_000);
    kept = [];
    // the host's collector finds the dropped callbacks, and their finalizers run in a later task
    let used = Infinity;
    for (let attempt = 0; attempt < 50 && used > base + 200_000; attempt++) {
      gc();
      await new Promise((resolve) => setImmediate(resolve));
      used = await memoryAfterLuaGc();
    }
    expect(used).toBeLessThan(base + 200_000);
  });
});

import { hostMethod, withIndexFallback, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

const later = (value: ScriptValue, ms = 5) => new Promise<ScriptValue>((resolve) => setTimeout(() => resolve(value), ms));

describe('runtime globals through the Lua bridge', () => {
  let h: Harness;
  let stored: ScriptCallback | undefined;
  beforeAll(async () => {
    h = await harness({
      args: { positional: ['first', 'second'], named: { name: 'Ada', mode: 'fast' } },
      extraGlobals: {
        later: (v) => later(v),
        fail: async (message) => {
          await later(null, 1);
          throw new Error(String(message));
        },
        // calls the Lua function twice, each time after a real timer
        twice: async (cb, v) => {
          const callback = cb as ScriptCallback;
          const a = await callback.call(v);
          return callback.call(a);
        },
        store: (cb) => {
          stored = cb as ScriptCallback;
          return null;
        },
        obj: {
          name: 'greeter',
          greet: hostMethod((who: ScriptValue) => `hi ${String(who)}`),
          greetLater: hostMethod((who: ScriptValue) => later(`later ${String(who)}`)),
        },
        lazy: withIndexFallback({ fixed: 1 }, (key) => (key.startsWith('x') ? { key, run: hostMethod(() => key.toUpperCase()) } : null)),
      },
    });
  });
  afterAll(() => h.close());

  it('exposes ARGS as one mixed table: positional and named', async () => {
    await expect(h.run('return { ARGS[1], ARGS[2], ARGS.name, ARGS.mode, #ARGS, ARGS[3] == nil }')).resolves.toEqual([
      'first', 'second', 'Ada', 'fast', 2, true,
    ]);
  });

  it('lists, finds and invokes tools', async () => {
    const result = await h.run(`
      local names = {}
      for _, t in ipairs(Tool.list()) do names[#names + 1] = t.name end
      table.sort(names)
      local got = Tool.get("add_numbers")
      return {
        names = names,
        exists = Tool.exists("echo_tool"), missing = Tool.exists("nope"),
        getName = got.name,
        viaGet = got:execute({ a = 1, b = 2 }).result,
        invoke = Tool.invoke("echo_tool", { input = "héllo" }).result.echoed,
        colon = Tool.echo_tool:execute({ input = "colon" }).result.echoed,
        dot = Tool.echo_tool.execute({ input = "dot" }).result.echoed,
        unknown = Tool.no_such_tool == nil,
        text = type(Tool.invoke("add_numbers", { a = 2, b = 3 }).text),
      }
    `);
    expect(result).toEqual({
      names: ['add_numbers', 'echo_tool'], exists: true, missing: false, getName: 'add_numbers', viaGet: 3,
      invoke: 'héllo', colon: 'colon', dot: 'dot', unknown: true, text: 'string',
    });
  });

  it('lets pcall catch a coded host error, sync or async', async () => {
    const result = await h.run(`
      local ok1, e1 = pcall(Tool.invoke, "echo_tool", {})
      local ok2, e2 = pcall(function() return Tool.invoke("no_such_tool", {}) end)
      local ok3, e3 = pcall(fail, "plain failure")
      return { ok1, e1:match("^INVALID_ARGUMENT") ~= nil, e1:match("input") ~= nil, ok2, e2:match("^TOOL_NOT_FOUND") ~= nil, ok3, e3 }
    `);
    expect(result).toEqual([false, true, true, false, true, false, 'INTERNAL: plain failure']);
  });

  it('calls methods with ":" and "." and index fallbacks', async () => {
    await expect(h.run(`
      return { obj:greet("a"), obj.greet("b"), obj:greetLater("c"), obj.greetLater("d"), lazy.fixed, lazy.xyz.key,
               lazy.xyz:run(), lazy.other == nil, lazy.x1.run() }
    `)).resolves.toEqual(['hi a', 'hi b', 'later c', 'later d', 1, 'xyz', 'XYZ', true, 'X1']);
  });

  it('awaits host promises so they look synchronous, also inside coroutines', async () => {
    const result = await h.run(`
      local f = coroutine.wrap(function()
        local a = later("a")
        coroutine.yield(a)
        return later("b")
      end)
      local co = coroutine.create(function(x) return later(x) .. "!" end)
      local ok, v = coroutine.resume(co, "c")
      return f() .. f() .. later("-") .. v .. tostring(ok)
    `);
    expect(result).toBe('ab-c!true');
  });

  it('runs Lua callbacks from the host while the script waits, and they can await the host', async () => {
    await expect(h.run('return twice(function(x) return later(x) * 2 end, 3)')).resolves.toBe(12);
    await expect(h.run(`
      return twice(function(x) return Tool.invoke("add_numbers", { a = x, b = 1 }).result end, 1)
    `)).resolves.toBe(3);
    const result = await h.run(`
      local ok, err = pcall(twice, function() error("callback broke") end, 1)
      return { ok, err }
    `);
    expect(result).toEqual([false, expect.stringMatching(/^SCRIPT_ERROR: test\.lua:\d+: callback broke$/)]);
  });

  it('keeps callbacks usable after the run that created them', async () => {
    await h.run('local count = 0 store(function(n) count = count + n return later(count) end)');
    await expect(stored!.call(2)).resolves.toBe(2);
    await expect(stored!.call(3)).resolves.toBe(5);
    // concurrent calls each get their own thread
    await expect(Promise.all([stored!.call(1), stored!.call(1)])).resolves.toEqual([6, 7]);
  });

  it('prints tostring-ed arguments joined by tabs to stdout', async () => {
    h.stdout.splice(0);
    await h.run('print("a", 1, 2.5, nil, false, setmetatable({}, {__tostring = function() return "T" end})) print()');
    expect(h.stdout).toEqual(['a\t1\t2.5\tnil\tfalse\tT', '']);
  });

  it('keeps globals between runs of one context (REPL)', async () => {
    await h.run('counter = 41');
    await expect(h.run('counter = counter + 1 return counter')).resolves.toBe(42);
  });
});

import { markScriptSnapshot, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { harness, type Harness } from '../test/harness.js';

/** A hook context as `toScriptContext` makes it (five tables, strings, a number). */
const hookContext = (): Record<string, ScriptValue> => ({
  point: 'BeforeToolExecution',
  hook_point: 'BeforeToolExecution',
  component_id: { id: 'tool:add_numbers', type: 'tool', name: 'add_numbers' },
  data: { input: { a: 1, b: 2, list: [1, 2, 3] } },
  metadata: { step: 's1', path: 0 },
  correlation_id: '56e04c88-8862-4c3b-b177-624a587e4745',
  language: 'lua',
  timestamp: '2026-12-04T17:14:07.451Z',
});

// Lua that describes a table the way a script can see it: every key and value through pairs, sorted.
const DUMP = `
local function dump(v)
  if type(v) ~= "table" then return type(v) .. ":" .. tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. dump(v[k]) end
  return "{" .. table.concat(parts, ",") .. "}"
end
`;

describe('hook contexts pushed into Lua lazily (a snapshot fills its table on first use)', () => {
  let h: Harness;
  let kept: ScriptValue[] = [];
  const pending = () => (h.context as unknown as { lazyTables: { size: number } }).lazyTables.size;

  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        // calls `cb` with the context as a snapshot (lazy) and as plain data (as before), and gives both answers
        both: (cb: ScriptValue) => {
          const callNow = (arg: ScriptValue) => (cb as ScriptCallback).callNow!(arg);
          const lazy = callNow(markScriptSnapshot(hookContext()));
          const eager = callNow(hookContext());
          return [lazy, eager] as ScriptValue;
        },
        keep: (value: ScriptValue) => {
          kept.push(value);
          return null;
        },
        waiting_now: () => pending(),
        many: (cb: ScriptValue, n: ScriptValue) => {
          for (let i = 1; i <= (n as number); i++) void (cb as ScriptCallback).callNow!(markScriptSnapshot({ ...hookContext(), data: { i } }));
          return null;
        },
        big: (cb: ScriptValue) => (cb as ScriptCallback).callNow!(markScriptSnapshot({ ...hookContext(), data: { text: 'x'.repeat(20_000) } })),
      },
    });
  });
  afterAll(() => h.close());
  beforeEach(() => {
    kept = [];
  });

  const same = async (body: string) => {
    const [lazy, eager] = (await h.run(`${DUMP}\nreturn both(function(ctx)\n${body}\nend)`)) as ScriptValue[];
    expect(lazy).toEqual(eager);
    return lazy;
  };

  it('shows the same fields through pairs, indexing, next, rawget, # and type', async () => {
    expect(await same('return dump(ctx)')).toBe(
      '{component_id={id=string:tool:add_numbers,name=string:add_numbers,type=string:tool},correlation_id=string:56e04c88-8862-4c3b-b177-624a587e4745,'
      + 'data={input={a=number:1,b=number:2,list={1=number:1,2=number:2,3=number:3}}},hook_point=string:BeforeToolExecution,language=string:lua,'
      + 'metadata={path=number:0,step=string:s1},point=string:BeforeToolExecution,timestamp=string:2026-12-04T17:14:07.451Z}',
    );
    expect(await same('return { ctx.data.input.b, ctx.point, ctx.missing == nil }')).toEqual([2, 'BeforeToolExecution', true]);
    expect(await same('local n = 0 for k in next, ctx do n = n + 1 end return { n, next(ctx) ~= nil }')).toEqual([8, true]);
    expect(await same('return { rawget(ctx, "language"), #ctx, type(ctx), getmetatable(ctx) == nil, rawlen(ctx) }')).toEqual(['lua', 0, 'table', true, 0]);
  });

  it('leaves next, rawget, rawset and getmetatable as they were for other values, errors included', async () => {
    await expect(h.run(`
      local t = setmetatable({}, { __metatable = "locked" })
      rawset(t, "k", "v")
      return { getmetatable(t), getmetatable("").__index == string, rawget(t, "k"), next({ 7 }), getmetatable(1) == nil }`))
      .resolves.toEqual(['locked', true, 'v', 1, true]);
    await expect(h.run('next(nil)', 'n.lua')).rejects.toThrow("n.lua:1: bad argument #1 to 'next' (table expected, got nil)");
    await expect(h.run('\nrawget({})', 'r.lua')).rejects.toThrow("r.lua:2: bad argument #2 to 'rawget' (value expected)");
    await expect(h.run('rawset({}, 1)', 's.lua')).rejects.toThrow("s.lua:1: bad argument #3 to 'rawset' (value expected)");
    await expect(h.run('getmetatable()', 'g.lua')).rejects.toThrow("g.lua:1: bad argument #1 to 'getmetatable' (value expected)");
  });

  it('keeps what the hook writes: new keys, changed keys, rawset and its own metatable', async () => {
    expect(await same('ctx.extra = 1; ctx.point = "changed"; return dump(ctx)')).toMatch(/^\{component_id=\{.*extra=number:1,.*point=string:changed,timestamp=/);
    expect(await same('rawset(ctx, "language", "x"); return { ctx.language, ctx.point }')).toEqual(['x', 'BeforeToolExecution']);
    expect(await same('ctx.data.input.a = 5; return dump(ctx.data)')).toBe('{input={a=number:5,b=number:2,list={1=number:1,2=number:2,3=number:3}}}');
    expect(await same(`
      setmetatable(ctx, { __index = function(_, k) return "default " .. k end })
      return { ctx.point, ctx.other, getmetatable(ctx) ~= nil }`)).toEqual(['BeforeToolExecution', 'default other', true]);
  });

  it('hands the whole context to the host when the hook returns it or passes it on, read or not', async () => {
    const untouched = await same('return ctx');
    expect(untouched).toEqual(hookContext());
    expect(await same('ctx.point = "p"; return { changed = ctx }')).toEqual({ changed: { ...hookContext(), point: 'p' } });
    await h.run('both(function(ctx) keep(ctx) end)');
    expect(kept).toEqual([hookContext(), hookContext()]);
  });

  it('keeps a context the script holds on to after the hook, and forgets the ones it dropped', async () => {
    await h.run('collectgarbage("collect")');
    const before = pending();
    const result = await h.run(`${DUMP}
      held = nil
      both(function(ctx) if not held then held = ctx end end)
      for i = 1, 50 do both(function(ctx) end) end
      collectgarbage("collect")
      collectgarbage("collect")
      return dump(held)`);
    expect(result).toBe((await same('return dump(ctx)')) as string);
    await h.run('collectgarbage("collect"); collectgarbage("collect")');
    expect(pending()).toBeLessThanOrEqual(before);
  });

  it('gives a workflow step the same context: its own fields, the run\'s members through its metatable', async () => {
    const result = await h.run(`${DUMP}
      local seen, held = {}, nil
      local r = Workflow.sequential({ name = "w", steps = {
        { name = "one", type = "custom", execute = function(ctx) held = ctx return 1 end },
        { name = "two", type = "custom", execute = function(ctx)
          seen.mt = getmetatable(ctx) ~= nil
          seen.outputs = ctx.outputs.one
          seen.step = rawget(ctx, "step")
          seen.first = next(ctx) ~= nil
          return 2 end },
        { name = "three", type = "custom", execute = function(ctx)
          ctx.run_id = nil
          seen.dump = dump(ctx)
          seen.later = ctx.outputs.two
          return 3 end },
      } }):execute({ q = "x" })
      held.run_id = nil
      return { success = r.success, seen = seen, held = dump(held), held_outputs = held.outputs.three }`);
    expect(result).toEqual({
      success: true,
      seen: { mt: true, outputs: 1, step: 'two', first: true, dump: '{input={q=string:x},step=string:three,workflow=string:w}', later: 2 },
      held: '{input={q=string:x},step=string:one,workflow=string:w}',
      held_outputs: 3,
    });
  });

  it('keeps at most 8,192 contexts waiting in the host: a script holding more gets the rest as plain tables, all readable', async () => {
    const result = await h.run(`
      local held = {}
      many(function(ctx) held[#held + 1] = ctx end, 10000)
      local waiting = waiting_now()
      local ok = 0
      for i, ctx in ipairs(held) do if ctx.data.i == i and ctx.point == "BeforeToolExecution" then ok = ok + 1 end end
      return { ok, waiting }`);
    const [ok, waiting] = result as number[];
    expect(ok).toBe(10_000);
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(8192);
  });

  it('pushes a large context as before (the host keeps no large data for Lua)', async () => {
    const before = pending();
    await expect(h.run('return big(function(ctx) return { #ctx.data.text, ctx.point } end)')).resolves.toEqual([20_000, 'BeforeToolExecution']);
    expect(pending()).toBe(before);
  });
});

/** A workflow's result as the engine makes it, `n` steps: far more than a context (MAX_WEIGHT). */
function workflowResult(n: number): Record<string, ScriptValue> {
  const outputs: Record<string, ScriptValue> = {};
  const records: ScriptValue[] = [];
  for (let i = 1; i <= n; i++) {
    outputs[`s${i}`] = i % 3 === 0 ? { text: `output ${i}`, n: i } : i;
    records.push({ attempts: 1, duration_ms: i / 7, output: outputs[`s${i}`], step_name: `s${i}`, success: true });
  }
  return {
    success: true, workflow_name: 'wf', output: n,
    data: { step_outputs: outputs, steps_executed: n, final_output: n },
    metadata: { start_time: '2026-12-06T00:00:00.000Z', extra: { step_results: records }, steps_executed: n },
  };
}

describe('a large host result marked as a snapshot (a workflow result) waits with its nested records', () => {
  let h: Harness;
  const pending = () => (h.context as unknown as { lazyTables: { size: number } }).lazyTables.size;
  const pendingBytes = () => (h.context as unknown as { lazyTables: { pendingBytes: number } }).lazyTables.pendingBytes;
  beforeAll(async () => {
    h = await harness({
      extraGlobals: {
        lazyResult: (n) => markScriptSnapshot(workflowResult(n as number)) as ScriptValue,
        eagerResult: (n) => workflowResult(n as number),
        waiting_now: () => pending(),
        echo: (value) => value,
      },
      limits: { memoryBytes: 64 * 1024 * 1024 },
    });
  });
  afterAll(() => h.close());

  it('reads as the plain result does, through every way a script looks at a table', async () => {
    const result = await h.run(`${DUMP}
      local lazy, eager = lazyResult(300), eagerResult(300)
      return { dump(lazy) == dump(eager), #lazy.metadata.extra.step_results, lazy.data.step_outputs.s9.text,
        rawget(lazy.data, "steps_executed"), getmetatable(lazy.metadata) == nil, next(lazy.data.step_outputs) ~= nil,
        JSON.stringify(lazy) == JSON.stringify(eager), lazy.metadata.extra.step_results[300].step_name }`);
    expect(result).toEqual([true, 300, 'output 9', 300, true, true, true, 's300']);
  });

  it('builds only what the script reads: `success` fills the top table, its records still wait', async () => {
    const result = await h.run(`
      local r = lazyResult(2000)
      local before = waiting_now()
      local ok = r.success
      local after_success = waiting_now()
      local n = #r.metadata.extra.step_results
      return { before, ok, after_success, n, waiting_now() }`);
    const [before, ok, afterSuccess, n, afterAll] = result as number[];
    expect(ok).toBe(true);
    expect(afterSuccess).toBe(before + 1); // the top table filled, data and metadata wait in its place
    expect(n).toBe(2000);
    expect(afterAll).toBe(before); // metadata and extra filled; data still waits
  });

  it('hands the host the whole result, read or not, and counts its bytes until its last table is gone', async () => {
    expect(pendingBytes()).toBeGreaterThanOrEqual(0);
    const back = (await h.run('local r = lazyResult(50) local _ = r.success return echo(r)')) as Record<string, unknown>;
    expect(back).toEqual(workflowResult(50));
    await h.run('collectgarbage("collect") collectgarbage("collect")');
    expect(pending()).toBe(0);
    expect(pendingBytes()).toBe(0);
  });

  it('pushes a result too large to keep waiting as before, and a small one like a context', async () => {
    const result = await h.run(`
      local before = waiting_now()
      local big = lazyResult(40000)
      local mid = waiting_now()
      local small = lazyResult(2)
      return { mid - before, waiting_now() - mid, #big.metadata.extra.step_results, small.data.step_outputs.s2 }`);
    expect(result).toEqual([0, 1, 40000, 2]);
  });
});

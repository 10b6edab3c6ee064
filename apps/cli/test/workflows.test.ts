import { cli, scratch, write } from './helpers.js';

const LUA = `
local seq = Workflow.sequential({ name = "seq", steps = {
  { name = "calc", tool = "calculator", input = { input = "{{input.a}} * {{input.b}}" } },
  { name = "shout", type = "tool", tool = "text_manipulator", parameters = { operation = "uppercase", input = "result {{step:calc:output.result}}" } },
  { name = "fn", type = "custom", execute = function(ctx) return { got = ctx.outputs.shout, n = ctx.outputs.calc.result } end },
} })
local s = seq:execute({ a = 6, b = 7 })

local cond = Workflow.conditional({ name = "cond", branches = {
  { name = "big", condition = { type = "expression", expression = "input.n > 10" }, steps = { { name = "b", type = "custom", execute = function() return "big" end } } },
  { name = "small", condition = function(input) return input.n <= 10 end, steps = { { name = "s", type = "custom", execute = function() return "small" end } } },
} })

local loop = Workflow.loop({ name = "loop", iterator = { collection = { "a", "b", "c" } },
  body = { { name = "u", tool = "text_manipulator", input = { operation = "uppercase", input = "{{loop:current_item}}" } } } })

local par = Workflow.parallel({ name = "par", max_concurrency = 2, branches = {
  { name = "x", steps = { { name = "x1", tool = "calculator", input = { input = "1+1" } } } },
  { name = "y", steps = { { name = "y1", type = "custom", execute = function() return "why" end } } },
} })

local failing = Workflow.sequential({ name = "failing", error_strategy = "continue", steps = {
  { name = "bad", tool = "calculator", input = { input = "1 +" } },
  { name = "good", type = "custom", execute = function() return "after" end },
} })

local inner = Workflow.sequential({ name = "inner", steps = { { name = "i", type = "custom", execute = function(ctx) return "inner:" .. ctx.input end } } })
local outer = Workflow.sequential({ name = "outer", steps = { { name = "n", type = "workflow", workflow = inner, input = "x" } } })
Workflow.asTool(inner, { tool_name = "inner_tool" })

local f = failing:execute()
return {
  seq = { ok = s.success, final = s.data.final_output, steps = s.data.steps_executed },
  cond = { big = cond:execute({ n = 20 }).data.branch_output, small = cond:execute({ n = 2 }).data.branch_output },
  loop = loop:execute().data.aggregated_results,
  par = par:execute().data.branch_outputs,
  failing = { ok = f.success, failed = f.data.failed_steps, final = f.data.final_output },
  nested = outer:execute().data.final_output,
  as_tool = Tool.invoke("inner_tool", { input = "t" }).result,
  types = Workflow.types(),
}`;

const JS = `
const seq = Workflow.sequential({ name: 'seq', steps: [
  { name: 'calc', tool: 'calculator', input: { input: '{{input.a}} * {{input.b}}' } },
  { name: 'shout', type: 'tool', tool: 'text_manipulator', parameters: { operation: 'uppercase', input: 'result {{step:calc:output.result}}' } },
  { name: 'fn', type: 'custom', execute: (ctx) => ({ got: ctx.outputs.shout, n: ctx.outputs.calc.result }) },
] });
const s = await seq.execute({ a: 6, b: 7 });

const cond = Workflow.conditional({ name: 'cond', branches: [
  { name: 'big', condition: { type: 'expression', expression: 'input.n > 10' }, steps: [{ name: 'b', type: 'custom', execute: () => 'big' }] },
  { name: 'small', condition: (input) => input.n <= 10, steps: [{ name: 's', type: 'custom', execute: async () => 'small' }] },
] });

const loop = Workflow.loop({ name: 'loop', iterator: { collection: ['a', 'b', 'c'] },
  body: [{ name: 'u', tool: 'text_manipulator', input: { operation: 'uppercase', input: '{{loop:current_item}}' } }] });

const par = Workflow.parallel({ name: 'par', max_concurrency: 2, branches: [
  { name: 'x', steps: [{ name: 'x1', tool: 'calculator', input: { input: '1+1' } }] },
  { name: 'y', steps: [{ name: 'y1', type: 'custom', execute: () => 'why' }] },
] });

const failing = Workflow.sequential({ name: 'failing', error_strategy: 'continue', steps: [
  { name: 'bad', tool: 'calculator', input: { input: '1 +' } },
  { name: 'good', type: 'custom', execute: () => 'after' },
] });

const inner = Workflow.sequential({ name: 'inner', steps: [{ name: 'i', type: 'custom', execute: (ctx) => 'inner:' + ctx.input }] });
const outer = Workflow.sequential({ name: 'outer', steps: [{ name: 'n', type: 'workflow', workflow: inner, input: 'x' }] });
Workflow.asTool(inner, { tool_name: 'inner_tool' });

const f = await failing.execute();
export default {
  seq: { ok: s.success, final: s.data.final_output, steps: s.data.steps_executed },
  cond: { big: (await cond.execute({ n: 20 })).data.branch_output, small: (await cond.execute({ n: 2 })).data.branch_output },
  loop: (await loop.execute()).data.aggregated_results,
  par: (await par.execute()).data.branch_outputs,
  failing: { ok: f.success, failed: f.data.failed_steps, final: f.data.final_output },
  nested: (await outer.execute()).data.final_output,
  as_tool: (await Tool.invoke('inner_tool', { input: 't' })).result,
  types: Workflow.types(),
};`;

describe('workflows from scripts, the same scenario in Lua and JavaScript', () => {
  test('every pattern, step kind, reference and error strategy gives the same results', async () => {
    const dir = scratch();
    write(dir, 'w.lua', LUA);
    write(dir, 'w.js', JS);
    const lua = await cli(['run', 'w.lua'], { cwd: dir });
    const js = await cli(['run', 'w.js'], { cwd: dir });
    expect(lua.stderr).toBe('');
    expect(js.stderr).toBe('');
    const expected = {
      seq: { ok: true, final: { got: 'RESULT 42', n: 42 }, steps: 3 },
      cond: { big: 'big', small: 'small' },
      loop: ['A', 'B', 'C'],
      par: { x: { result: 2, result_type: 'integer', expression: '1+1', variables: {} }, y: 'why' },
      failing: { ok: true, failed: 1, final: 'after' },
      nested: 'inner:x',
      as_tool: 'inner:t',
      types: ['sequential', 'conditional', 'loop', 'parallel'],
    };
    const l = JSON.parse(lua.stdout);
    const j = JSON.parse(js.stdout);
    expect(j).toEqual(l);
    expect(l).toMatchObject({ ...expected, par: { y: 'why' } });
    expect(l.par.x.result).toBe(2);
  });
});

describe('progress on stderr', () => {
  test('workflow steps are reported on stderr and stdout stays clean', async () => {
    const dir = scratch();
    write(dir, 'p.lua', 'local wf = Workflow.sequential({ name = "two", steps = { { name = "first", type = "custom", execute = function() return 1 end }, { name = "second", type = "custom", execute = function() return 2 end } } })\nreturn wf:execute().data.final_output');
    const r = await cli(['run', 'p.lua'], { cwd: dir, env: { LLMSPELL_PROGRESS: '1' } });
    expect(r.stdout).toBe('2\n');
    expect(r.stderr).toContain('workflow two: step 1 first');
    expect(r.stderr).toContain('workflow two: step 2 second');
    const quiet = await cli(['run', 'p.lua', '--quiet'], { cwd: dir, env: { LLMSPELL_PROGRESS: '1' } });
    expect(quiet.stderr).toBe('');
  });
});

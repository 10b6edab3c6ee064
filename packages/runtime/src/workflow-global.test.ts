import { SCRIPT_CALLBACK, defineTool, isScriptSnapshot, scriptSnapshotFields, z, type ScriptCallback, type ScriptValue } from '@llmspell/core';
import { LlmspellRuntime } from './index.js';

/** The ScriptCallback contract the bridges implement, around a JS function. */
function callback(fn: (...args: any[]) => unknown): ScriptCallback {
  return { [SCRIPT_CALLBACK]: true, language: 'test', call: async (...args) => (await fn(...args)) as ScriptValue, release() {} };
}

const upper = defineTool({
  name: 'upper', description: 'upper', category: 'utility', securityLevel: 'safe',
  parameters: z.object({ input: z.string() }),
  execute: ({ input }) => ({ result: input.toUpperCase() }),
});

type Obj = Record<string, any>;

describe('Workflow global', () => {
  let rt: LlmspellRuntime;
  let W: Obj;
  beforeEach(async () => {
    rt = await LlmspellRuntime.create({ tools: [upper] });
    W = rt.buildGlobals({ language: 'lua' }).Workflow as Obj;
  });
  afterEach(() => rt.close());

  test('create, execute with input, list, get, remove, types', async () => {
    const wf = W.sequential({ name: 'greet', steps: [
      { name: 'shout', tool: 'upper', input: { input: '{{input.name}}' } },
      { name: 'wrap', type: 'custom', execute: callback((ctx) => `hello ${ctx.outputs.shout}`) },
    ] });
    expect(wf.name).toBe('greet');
    expect(wf.type).toBe('sequential');
    const r = await wf.execute({ name: 'ada' });
    expect(r.success).toBe(true);
    expect(r.data.final_output).toBe('hello ADA');
    // a result made for this call: a bridge may convert it as the script reads it, its fields the
    // result's own; the mark is no field of it (not enumerable)
    expect(isScriptSnapshot(r)).toBe(true);
    expect(scriptSnapshotFields(r)).toBe(r);
    expect(Object.getOwnPropertySymbols(r).filter((s) => Object.prototype.propertyIsEnumerable.call(r, s))).toEqual([]);
    expect(W.types()).toEqual(['sequential', 'conditional', 'loop', 'parallel']);
    expect(W.list().map((w: Obj) => w.name)).toEqual(['greet']);
    expect(W.get('greet').id).toBe(wf.id);
    expect(W.get(wf.id).name).toBe('greet');
    expect(W.get('nope')).toBeNull();
    expect(wf.getMetrics().execution.total_executions).toBe(1);
    expect(wf.validate()).toMatchObject({ valid: true });
    W.remove('greet');
    expect(W.list()).toEqual([]);
    expect(() => W.remove('greet')).toThrow(/No active workflow/);
  });

  test('a field that is a near miss of one a workflow config reads is said once on the script\'s stderr; others stay quiet', async () => {
    const said: string[] = [];
    const Wt = rt.buildGlobals({ language: 'lua', output: { stdout: () => undefined, stderr: (t) => void said.push(t) } }).Workflow as Obj;
    const step = (extra: Obj) => ({ name: 's', tool: 'upper', parameters: { input: 'x' }, ...extra });
    for (let i = 0; i < 3; i++) {
      Wt.sequential({ name: 'seq', error_strategi: 'continue', colour: 'red', steps: [step({ paramters: {}, timout_ms: 5, retry: { max_attempt: 2 } })] });
    }
    Wt.conditional({ name: 'cond', branches: [{ name: 'b', conditon: 'always', steps: [step({})] }, { name: 'c', condition: { type: 'shared_data_equals', key: 'k', expectd_value: 1 }, steps: [step({})] }] });
    Wt.loop({ name: 'lp', iterator: { range: { start: 1, ende: 2, end: 2 }, max_iteration: 2 }, body: [step({})] });
    Wt.parallel({ name: 'par', max_concurency: 2, branches: [{ name: 'b', optinal: true, steps: [step({})] }] });
    expect(said).toEqual([
      "warning: Workflow.sequential 'seq': unknown field 'error_strategi' is ignored (did you mean 'error_strategy'?)",
      "warning: Workflow.sequential 'seq': step 's': unknown field 'paramters' is ignored (did you mean 'parameters'?)",
      "warning: Workflow.sequential 'seq': step 's': unknown field 'timout_ms' is ignored (did you mean 'timeout_ms'?)",
      "warning: Workflow.sequential 'seq': step 's': error_strategy: unknown field 'max_attempt' is ignored (did you mean 'max_attempts'?)",
      "warning: Workflow.conditional 'cond': branch 'b': unknown field 'conditon' is ignored (did you mean 'condition'?)",
      "warning: Workflow.conditional 'cond': branch 'c'.condition: unknown field 'expectd_value' is ignored (did you mean 'expected_value'?)",
      "warning: Workflow.loop 'lp': iterator: unknown field 'max_iteration' is ignored (did you mean 'max_iterations'?)",
      "warning: Workflow.loop 'lp': iterator.range: unknown field 'ende' is ignored (did you mean 'end'?)",
      "warning: Workflow.parallel 'par': unknown field 'max_concurency' is ignored (did you mean 'max_concurrency'?)",
      "warning: Workflow.parallel 'par': branch 'b': unknown field 'optinal' is ignored (did you mean 'optional'?)",
    ]);
    said.length = 0;
    // the keys each level reads, the aliases it takes and the reference's documented keys are no typos
    Wt.sequential({ name: 'ok', description: 'd', on_error: 'continue', timeout: 5, on_timeout: callback(() => null), steps: [
      step({ description: 'd', input: {}, params: {}, on_error: 'continue', timeout_seconds: 1 }),
      { name: 'f', execute: callback(() => 1), retry: { max_attempts: 2, backoff_ms: 1 }, fallback: step({}) },
    ] });
    Wt.parallel({ name: 'ok2', fail_fast: false, join_strategy: 'all', post_steps: [], branches: [{ name: 'b', required: false, steps: [step({})] }] });
    Wt.loop({ name: 'ok3', range: { start: 1, stop: 2 }, max_iterations: 2, aggregation_strategy: 'last', batch_size: 2, continue_condition: {}, body: [step({})] });
    expect(said).toEqual([]);
  });

  test('nested workflow by instance, asTool, instance callbacks and the default error handler', async () => {
    const inner = W.sequential({ name: 'inner', steps: [{ name: 'u', tool: 'upper', input: { input: '{{input}}' } }] });
    const outer = W.sequential({ name: 'outer', steps: [{ name: 'n', type: 'workflow', workflow: inner, input: 'deep' }] });
    const seen: string[] = [];
    outer.onBeforeExecute(callback(() => seen.push('before')));
    outer.onAfterExecute(callback((r) => seen.push(`after:${r.output}`)));
    expect((await outer.execute()).output).toBe('DEEP');
    expect(seen).toEqual(['before', 'after:DEEP']);
    expect(W.asTool(inner, { tool_name: 'inner_tool' })).toBe('inner_tool');
    const Tool = rt.buildGlobals({ language: 'lua' }).Tool as Obj;
    expect((await Tool.invoke('inner_tool', { input: 'via tool' })).result).toBe('VIA TOOL');
    const errors: string[] = [];
    // The handler gets the error as text (rs-llmspell's docs print it with tostring), the result second.
    W.setDefaultErrorHandler(callback((e, result) => errors.push(`${e} [${result.error_code}]`)));
    const bad = W.sequential({ name: 'bad', steps: [{ name: 'x', tool: 'missing_tool' }] });
    const r = await bad.execute();
    expect(r.success).toBe(false);
    expect(errors[0]).toMatch(/Tool 'missing_tool' not found.*\[TOOL_NOT_FOUND\]$/);
    expect(bad.validate()).toMatchObject({ valid: false });
  });

  test('conditions and loop bodies as script functions', async () => {
    const cond = W.conditional({ name: 'c', branches: [
      { name: 'yes', condition: callback((input) => input.go === true), steps: [{ name: 'a', type: 'custom', execute: callback(() => 'went') }] },
    ], default_branch: { steps: [{ name: 'd', type: 'custom', execute: callback(() => 'stayed') }] } });
    expect((await cond.execute({ go: true })).output).toBe('went');
    expect((await cond.execute({ go: false })).output).toBe('stayed');
    const loop = W.loop({ name: 'l', iterator: { collection: ['x', 'y'] }, body: [{ name: 'b', type: 'custom', execute: callback((ctx) => `${ctx.current_index}:${ctx.current_item}`) }] });
    expect((await loop.execute()).data.aggregated_results).toEqual(['0:x', '1:y']);
  });
});

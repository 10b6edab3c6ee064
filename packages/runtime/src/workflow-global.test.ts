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

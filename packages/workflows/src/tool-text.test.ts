import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createExecutionContext, type StateAccess, type Tool } from '@llmspell/core';
import { fileOperationsTool } from '@llmspell/tools-fs';
import { utilTools } from '@llmspell/tools-util';
import { createWorkflowFromConfig, executeWorkflow } from './index.js';
import { toolText, valueText } from './tool-text.js';
import { mapState } from './__fixtures__/helpers.js';

/** A context over the real built-in tools (their result shapes are what these rules read). */
function realTools(state?: StateAccess) {
  const tools = new Map<string, Tool>();
  for (const t of [...utilTools, fileOperationsTool]) {
    tools.set(t.name, t);
    for (const a of t.aliases) tools.set(a, t);
  }
  return createExecutionContext({
    state,
    components: { tool: (n) => tools.get(n), agent: () => undefined, workflow: () => undefined, tools: () => [...new Set(tools.values())] },
  });
}

describe('tool outputs as text', () => {
  test('a tool output inside a longer string is its primary text, not its JSON record', async () => {
    const wf = createWorkflowFromConfig('sequential', {
      name: 'prices',
      steps: [
        { name: 'initial', tool: 'calculator', input: { input: '100 * 2.5' } },
        { name: 'tax', tool: 'calculator', input: { input: '{{step:initial:output}} * 2' } },
        { name: 'id', tool: 'uuid_generator', input: { version: 'v4' } },
        { name: 'line', tool: 'text_manipulator', input: { operation: 'uppercase', input: 'total $tax for {{step:id:output}}' } },
      ],
    });
    const r = await executeWorkflow(wf, {}, realTools());
    expect(r.success).toBe(true);
    // The step outputs themselves stay structured.
    expect((r.data.step_outputs as Record<string, any>).tax).toMatchObject({ result: 500, expression: '250 * 2' });
    const uuid = ((r.data.step_outputs as Record<string, any>).id as { uuid: string }).uuid;
    expect(uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect((r.data.step_outputs as Record<string, any>).line).toBe(`TOTAL 500 FOR ${uuid.toUpperCase()}`);
  });

  test("a sequential workflow's final_output is the last tool step's text; output keeps the record", async () => {
    const wf = createWorkflowFromConfig('sequential', {
      name: 'render',
      steps: [
        { name: 'n', tool: 'calculator', input: { input: '6 * 7' } },
        { name: 'msg', tool: 'template_engine', input: { template: 'answer={{ n }}', context: { n: '{{step:n:output.result}}' } } },
      ],
    });
    const r = await executeWorkflow(wf, {}, realTools());
    expect(r.data.final_output).toBe('answer=42');
    expect(r.output).toMatchObject({ rendered: 'answer=42', engine: expect.any(String) });
    // A custom step's return value is still the final output as it is.
    const custom = createWorkflowFromConfig('sequential', {
      name: 'custom-last',
      steps: [{ name: 'n', tool: 'calculator', input: { input: '1+1' } }, { name: 'c', execute: async (ctx: any) => ({ n: ctx.outputs.n.result }) }],
    });
    expect((await executeWorkflow(custom, {}, realTools())).data.final_output).toEqual({ n: 2 });
  });

  test('bare references: the tool answer typed, as text where only text fits; paths reach the record', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wf-text-'));
    const file = path.join(dir, 'out.json');
    const wf = createWorkflowFromConfig('sequential', {
      name: 'save',
      steps: [
        { name: 'parse', tool: 'calculator', input: { input: '2 + 2' } },
        { name: 'save', tool: 'file_operations', input: { operation: 'write', path: file, content: '{{step:parse:output}}' } },
        { name: 'typed', tool: 'calculator', input: { input: 'x * 3', variables: { x: '{{step:parse:output.result}}' } } },
        // A bare reference to a built-in tool's output is its answer, with its type.
        { name: 'bare', tool: 'calculator', input: { input: 'x + y', variables: { x: '{{step:parse:output}}', y: '$typed' } } },
        { name: 'id', tool: 'uuid_generator', input: {} },
        { name: 'note', tool: 'template_engine', input: { template: 'id={{ id }}', context: { id: '{{step:id:output}}' } } },
      ],
    });
    const r = await executeWorkflow(wf, {}, realTools());
    expect(r.error).toBeUndefined();
    expect(fs.readFileSync(file, 'utf8')).toBe('4');
    expect((r.data.step_outputs as Record<string, any>).typed).toMatchObject({ result: 12 });
    expect((r.data.step_outputs as Record<string, any>).bare).toMatchObject({ result: 16, expression: 'x + y', variables: { x: 4, y: 12 } });
    expect(r.data.final_output).toBe(`id=${((r.data.step_outputs as Record<string, any>).id as { uuid: string }).uuid}`);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('text survives a resumed run (recomputed from the checkpointed output)', async () => {
    const state = mapState();
    let crash = true;
    const wf = createWorkflowFromConfig('sequential', {
      name: 'resume-text',
      steps: [
        { name: 'calc', tool: 'calculator', input: { input: '3 * 3' } },
        { name: 'boom', execute: async () => { if (crash) throw new Error('crash'); return 'ok'; } },
        { name: 'say', tool: 'text_manipulator', input: { operation: 'uppercase', input: 'nine is {{step:calc:output}}' } },
      ],
    });
    expect((await executeWorkflow(wf, { run_id: 'r' }, realTools(state))).success).toBe(false);
    crash = false;
    const r = await executeWorkflow(wf, { run_id: 'r' }, realTools(state));
    expect(r.success).toBe(true);
    expect(r.data.final_output).toBe('NINE IS 9');
  });

  test('primary fields are read only for the built-in tools that name them', () => {
    expect(toolText('uuid-generator', { uuid: 'u', version: 'v4' })).toBe('u');
    expect(toolText('date_time_handler', { formatted: '2024', iso: 'x' })).toBe('2024');
    expect(toolText('my_plugin', { output: 'not guessed' })).toBe('{"output":"not guessed"}');
    expect(toolText('calculator', 'plain')).toBe('plain');
    expect(valueText(null)).toBe('');
    expect(valueText(false)).toBe('false');
    expect(valueText([1, 'a'])).toBe('[1,"a"]');
  });
});

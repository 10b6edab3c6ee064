import { getIndexFallback, scriptSnapshotFields } from '@llmspell/core';
import { createWorkflowFromConfig, executeWorkflow, type StepFunctionContext } from './index.js';
import { context } from './__fixtures__/helpers.js';

describe('a custom step\'s context', () => {
  test('reads like a plain object in host code, and its run members are made once per run', async () => {
    const seen: StepFunctionContext[] = [];
    const step = (name: string, fn: (ctx: StepFunctionContext) => unknown) => ({ name, type: 'custom', execute: (ctx: StepFunctionContext) => {
      seen.push(ctx);
      return fn(ctx);
    } });
    const wf = createWorkflowFromConfig('sequential', {
      name: 'ctx',
      steps: [
        step('first', (ctx) => {
          ctx.set_shared('k', 41);
          return { n: 1 };
        }),
        step('second', (ctx) => ({
          fromOutputs: (ctx.outputs.first as { n: number }).n,
          shared: ctx.get_shared('k'),
          viaView: ctx.shared.k,
          has: 'outputs' in ctx && 'set_state' in ctx,
          step: ctx.step,
        })),
      ],
    });
    const result = await executeWorkflow(wf, { input: { x: 1 } }, context());
    expect(result.success).toBe(true);
    expect(result.output).toEqual({ fromOutputs: 1, shared: 41, viaView: 41, has: true, step: 'second' });
    const [a, b] = seen;
    expect(a.input).toEqual({ x: 1 });
    expect(a.step).toBe('first');
    expect(a.get_shared).toBe(b.get_shared);
    expect(a.outputs).toBe(b.outputs);
  });

  test('a script bridge finds the run members through the index fallback, not among its own keys', async () => {
    let ctx: StepFunctionContext | undefined;
    const wf = createWorkflowFromConfig('sequential', {
      name: 'bridge',
      steps: [{ name: 'only', type: 'custom', execute: (c: StepFunctionContext) => ((ctx = c), null) }],
    });
    await executeWorkflow(wf, { input: 'in' }, context());
    expect(Object.keys(ctx!).sort()).toEqual(['current_index', 'current_item', 'input', 'run_id', 'step', 'workflow']);
    const fallback = getIndexFallback(ctx)!;
    expect(typeof fallback('get_shared')).toBe('function');
    expect(fallback('outputs')).toBe(ctx!.outputs);
    expect(fallback('nothing')).toBeNull();
  });

  test('is a snapshot of its own fields for a bridge (the mark is not among its keys), and a fresh one per step', async () => {
    const seen: StepFunctionContext[] = [];
    const wf = createWorkflowFromConfig('sequential', {
      name: 'snap',
      steps: ['a', 'b'].map((name) => ({ name, type: 'custom', input: name === 'b' ? { n: 2 } : undefined, execute: (c: StepFunctionContext) => (seen.push(c), name) })),
    });
    await executeWorkflow(wf, { input: 'in' }, context());
    const [a, b] = seen;
    const fields = scriptSnapshotFields(a)!;
    expect(fields).toEqual({ input: 'in', workflow: 'snap', step: 'a', run_id: null, current_item: undefined, current_index: undefined });
    expect(Object.keys(a)).toEqual(Object.keys(fields));
    expect(JSON.stringify(a)).toBe(JSON.stringify(fields));
    expect(scriptSnapshotFields(b)).toMatchObject({ step: 'b', params: { n: 2 } });
    expect(scriptSnapshotFields(b)).not.toBe(fields);
    expect(getIndexFallback(a)).toBe(getIndexFallback(b));
    expect(b.outputs.a).toBe('a');
  });
});

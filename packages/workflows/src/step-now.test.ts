import { getIndexFallback } from '@llmspell/core';
import { createWorkflowFromConfig, executeWorkflow, type StepFunctionContext } from './index.js';
import { context } from './__fixtures__/helpers.js';

/** Steps that note whether a microtask queued before the run has run yet (it has once the run awaited anything). */
function probe() {
  let ticked = false;
  const seen: boolean[] = [];
  return {
    arm: () => queueMicrotask(() => (ticked = true)),
    step: (name: string, answer: (ctx: StepFunctionContext) => unknown) => ({ name, type: 'custom', execute: (ctx: StepFunctionContext) => {
      seen.push(ticked);
      return answer(ctx);
    } }),
    seen,
  };
}

describe('steps that answer at once', () => {
  test('a sequence of steps answering at once runs without awaiting between them, with the same result', async () => {
    const p = probe();
    const wf = createWorkflowFromConfig('sequential', {
      name: 'now',
      steps: [p.step('a', () => 1), p.step('b', (ctx) => (ctx.outputs.a as number) + 1), p.step('c', (ctx) => (ctx.outputs.b as number) * 10)],
    });
    p.arm();
    const result = await executeWorkflow(wf, { input: {} }, context());
    expect(result).toMatchObject({ success: true, output: 20 });
    expect(p.seen).toEqual([false, false, false]);
  });

  test('a step that waits is awaited, and the steps after it see its output', async () => {
    const p = probe();
    const wf = createWorkflowFromConfig('sequential', {
      name: 'waits',
      steps: [p.step('a', () => 1), p.step('b', async (ctx) => (ctx.outputs.a as number) + 1), p.step('c', (ctx) => (ctx.outputs.b as number) * 10)],
    });
    p.arm();
    const result = await executeWorkflow(wf, { input: {} }, context());
    expect(result).toMatchObject({ success: true, output: 20 });
    expect(p.seen).toEqual([false, false, true]);
  });

  test('a step throwing within the call fails the workflow as a rejected one does, with retries honoured', async () => {
    let calls = 0;
    const wf = createWorkflowFromConfig('sequential', {
      name: 'throws',
      steps: [{ name: 'flaky', type: 'custom', retry: { max_attempts: 3, backoff_ms: 0 }, execute: () => {
        calls += 1;
        if (calls < 3) throw new Error('not yet');
        return 'ok';
      } }, { name: 'bad', type: 'custom', execute: () => { throw new Error('broken step'); } }],
    });
    const result = await executeWorkflow(wf, { input: {} }, context());
    expect(calls).toBe(3);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error)).toContain('broken step');
  });

  test('step contexts of one run share one index fallback (a bridge reuses what it built for it)', async () => {
    const fallbacks: unknown[] = [];
    const wf = createWorkflowFromConfig('sequential', {
      name: 'fallback',
      steps: ['a', 'b'].map((name) => ({ name, type: 'custom', execute: (ctx: StepFunctionContext) => (fallbacks.push(getIndexFallback(ctx)), name) })),
    });
    await executeWorkflow(wf, { input: {} }, context());
    await executeWorkflow(wf, { input: {} }, context());
    expect(fallbacks).toHaveLength(4);
    expect(fallbacks[0]).toBe(fallbacks[1]);
    expect(fallbacks[2]).toBe(fallbacks[3]);
    expect(fallbacks[0]).not.toBe(fallbacks[2]);
  });
});

import { createWorkflowFromConfig, executeWorkflow, revivedResult, workflowAsTool, type WorkflowComponent, type WorkflowResult } from './index.js';
import { executeComponent, isScriptError, type HookPoint } from '@llmspell/core';
import { context, echoAgent, mapState } from './__fixtures__/helpers.js';

const run = (wf: WorkflowComponent, input?: unknown, ctx = context()) => executeWorkflow(wf, { input }, ctx);

describe('sequential', () => {
  test('tool, agent and custom steps with references between them', async () => {
    const wf = createWorkflowFromConfig('sequential', {
      name: 'seq',
      steps: [
        { name: 'shout', tool: 'upper', input: { input: '{{input.word}}' } },
        { name: 'sum', type: 'tool', tool: 'add', parameters: { a: 2, b: 3 } },
        { name: 'ask', agent: 'echo-agent', input: 'word={{step:shout:output}} sum={{step:sum:output.sum}}' },
        { name: 'fn', execute: async (ctx: any) => ({ got: ctx.outputs.ask, sum: ctx.outputs.sum.sum, input: ctx.input }) },
        { name: 'typed', tool: 'add', parameters: { a: '{{step:sum:output.sum}}', b: '$sum.sum' } },
      ],
    });
    const r = await run(wf, { word: 'hi' });
    expect(r.success).toBe(true);
    expect(r.data.steps_executed).toBe(5);
    expect(r.metadata.extra.step_results).toHaveLength(5);
    expect(r.data.step_outputs).toMatchObject({ shout: 'HI', sum: { sum: 5 }, ask: 'agent says: word=HI sum=5' });
    expect((r.data.step_outputs as Record<string, unknown>).fn).toEqual({ got: 'agent says: word=HI sum=5', sum: 5, input: { word: 'hi' } });
    expect(r.output).toEqual({ sum: 10 });
  });

  test('fail_fast stops at the failing step; continue runs the rest', async () => {
    const steps = [{ name: 'a', tool: 'upper', input: { input: 'x' } }, { name: 'b', tool: 'fail' }, { name: 'c', tool: 'upper', input: { input: 'y' } }];
    const ff = await run(createWorkflowFromConfig('sequential', { name: 'ff', steps }));
    expect(ff.success).toBe(false);
    expect(ff.data.steps_executed).toBe(2);
    expect(ff.error_details).toMatchObject({ error_type: 'SequentialExecutionError', location: 'b' });
    // the reference's error table, marked as an error value scripts also use as its message
    expect(ff.error).toEqual({ ...ff.error_details });
    expect(ff.error).not.toBe(ff.error_details);
    expect(isScriptError(ff.error)).toBe(true);
    expect(isScriptError(ff.error_details)).toBe(false);
    expect(ff.error!.message).toContain('tool failure');
    expect(String(ff.error)).toBe(ff.error!.message);
    expect(JSON.parse(JSON.stringify(ff.error))).toEqual(ff.error_details);
    expect(ff.error_code).toBe('TOOL_EXECUTION_FAILED');
    expect(ff.error_details).toMatchObject({ code: 'TOOL_EXECUTION_FAILED', message: ff.error!.message });
    // a result kept as JSON in a run's record (no mark), or from before `error` was a table, is an error value again
    const kept = JSON.parse(JSON.stringify(ff)) as WorkflowResult;
    expect(isScriptError(kept.error)).toBe(false);
    expect(isScriptError(revivedResult(kept).error)).toBe(true);
    expect(revivedResult(kept).error).toEqual(ff.error_details);
    const older = revivedResult({ ...kept, error: 'old text' as unknown as WorkflowResult['error'] });
    expect(isScriptError(older.error)).toBe(true);
    expect(older.error).toMatchObject({ error_type: 'SequentialExecutionError', location: 'b', message: 'old text' });
    expect(revivedResult(ff)).toBe(ff);
    const cont = await run(createWorkflowFromConfig('sequential', { name: 'cont', steps, error_strategy: 'continue' }));
    expect(cont.success).toBe(true);
    expect(cont.data).toMatchObject({ steps_executed: 3, successful_steps: 2, failed_steps: 1, final_output: 'Y' });
  });

  test('retry with backoff, then a fallback step', async () => {
    let calls = 0;
    const flaky = async () => {
      calls++;
      if (calls < 3) throw new Error('flaky');
      return 'third time';
    };
    const r = await run(createWorkflowFromConfig('sequential', { name: 'retry', steps: [{ name: 'f', execute: flaky, error_strategy: { type: 'retry', max_attempts: 3, backoff_ms: 1 } }] }));
    expect(r.success).toBe(true);
    expect(r.output).toBe('third time');
    expect((r.metadata.extra.step_results as any[])[0].attempts).toBe(3);
    const fb = await run(createWorkflowFromConfig('sequential', { name: 'fb', steps: [{ name: 'x', tool: 'fail', fallback: { name: 'safe', tool: 'upper', input: { input: 'fallback' } } }] }));
    expect(fb.success).toBe(true);
    expect(fb.output).toBe('FALLBACK');
  });

  test('step and workflow timeouts', async () => {
    const slow = () => new Promise((r) => setTimeout(() => r('late'), 2000));
    const r = await run(createWorkflowFromConfig('sequential', { name: 'slow', steps: [{ name: 's', execute: slow, timeout_ms: 20 }] }));
    expect(r.success).toBe(false);
    expect(r.error?.message).toMatch(/TIMEOUT/);
    expect(r.error_code).toBe('TIMEOUT');
    const wf = createWorkflowFromConfig('sequential', { name: 'slowwf', timeout_ms: 20, steps: [{ name: 's', execute: slow }] });
    await expect(run(wf)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  test('bad configs get clear errors', () => {
    expect(() => createWorkflowFromConfig('sequential', { name: 'x' })).toThrow(/requires 'steps'/);
    expect(() => createWorkflowFromConfig('sequential', { name: 'x', steps: [{ name: 'nothing' }] })).toThrow(/step 'nothing': a step needs/);
    expect(() => createWorkflowFromConfig('loop', { name: 'x', iterator: { range: { start: 1 } }, body: [] })).toThrow(/range end/);
    expect(() => createWorkflowFromConfig('conditional', { name: 'x', branches: [{ name: 'b', condition: { type: 'bogus' }, steps: [] }] })).toThrow(/unknown condition type 'bogus'/);
    expect(() => createWorkflowFromConfig('nope', {})).toThrow(/Unknown workflow type: nope/);
    expect(() => createWorkflowFromConfig('sequential', { name: 'x', steps: [], error_strategy: 'explode' })).toThrow(/unknown error_strategy 'explode'/);
  });
});

describe('conditional', () => {
  const make = (extra: object = {}) => createWorkflowFromConfig('conditional', {
    name: 'cond',
    branches: [
      { name: 'big', condition: { type: 'expression', expression: 'input.n > 10' }, steps: [{ name: 'b', tool: 'upper', input: { input: 'big' } }] },
      { name: 'exact', condition: { type: 'and', conditions: [{ type: 'input_equals', key: 'n', value: 5 }, { type: 'not', condition: { type: 'never' } }] }, steps: [{ name: 'e', tool: 'upper', input: { input: 'five' } }] },
      { name: 'fn', condition: async (input: any) => input.n === 7, steps: [{ name: 'f', tool: 'upper', input: { input: 'seven' } }] },
      { name: 'tool', condition: { type: 'tool', tool: 'add', parameters: { a: '{{input.n}}', b: 0 } }, steps: [{ name: 't', tool: 'upper', input: { input: 'never reached first' } }] },
    ],
    default_branch: { steps: [{ name: 'd', tool: 'upper', input: { input: 'default' } }] },
    ...extra,
  });

  test('first matching branch runs; default when none match', async () => {
    expect((await run(make(), { n: 20 })).output).toBe('BIG');
    expect((await run(make(), { n: 5 })).output).toBe('FIVE');
    expect((await run(make(), { n: 7 })).output).toBe('SEVEN');
    const d = await run(createWorkflowFromConfig('conditional', {
      name: 'c2', branches: [{ name: 'x', condition: { type: 'shared_data_exists', key: 'missing' }, steps: [{ name: 'x', tool: 'fail' }] }],
      default_branch: { steps: [{ name: 'd', tool: 'upper', input: { input: 'default' } }] },
    }));
    expect(d.output).toBe('DEFAULT');
    expect(d.data).toMatchObject({ matched_branches: 0, used_default: true, total_branches: 1 });
  });

  test('a tool call as the condition and execute_all_matching', async () => {
    const r = await run(make({ execute_all_matching: true }), { n: 20 });
    expect(r.data.executed_branch_names).toEqual(['big', 'tool']);
    expect(r.data.matched_branches).toBe(2);
  });

  test('string condition forms', async () => {
    const wf = createWorkflowFromConfig('sequential', {
      name: 'pre', steps: [
        { name: 'first', tool: 'upper', input: { input: 'yes' } },
        { name: 'inner', workflow: createWorkflowFromConfig('conditional', { name: 'inner', branches: [{ name: 'y', condition: 'step:first:YES', steps: [{ name: 'y', tool: 'upper', input: { input: 'matched' } }] }] }) },
      ],
    });
    // Nested workflows see their own step outputs only, so the condition is false there.
    const r = await run(wf);
    expect(r.success).toBe(true);
  });
});

describe('loop', () => {
  test('range with current_index/current_item and collect_all', async () => {
    const wf = createWorkflowFromConfig('loop', {
      name: 'range', iterator: { range: { start: 1, ['end']: 3, step: 1 } },
      body: [{ name: 'sq', execute: async (ctx: any) => ctx.current_item * ctx.current_item + ctx.current_index / 10 }],
    });
    const r = await run(wf);
    expect(r.data).toMatchObject({ total_iterations: 3, completed_iterations: 3, aggregated_results: [1, 4.1, 9.2], break_reason: 'completed' });
  });

  test('collection with {{loop:current_item}} references and a break condition', async () => {
    const wf = createWorkflowFromConfig('loop', {
      name: 'coll', iterator: { collection: ['a', 'b', 'stop', 'c'] },
      body: [{ name: 'u', tool: 'upper', input: { input: '{{loop:current_item}}' } }],
      break_conditions: [{ type: 'step_output_equals', step: 'u', value: 'STOP' }],
    });
    const r = await run(wf);
    expect(r.data).toMatchObject({ completed_iterations: 3, aggregated_results: ['A', 'B', 'STOP'], break_reason: 'break_condition' });
  });

  test('while_condition over shared data, max_iterations guard, summary aggregation', async () => {
    const inc = async (ctx: any) => {
      const n = (ctx.get_shared('n') ?? 0) + 1;
      ctx.set_shared('n', n);
      return n;
    };
    const w = await run(createWorkflowFromConfig('loop', { name: 'w', iterator: { while_condition: 'shared.n == nil or shared.n < 4' }, body: [{ name: 'inc', execute: inc }], aggregation_strategy: 'last' }));
    expect(w.data).toMatchObject({ completed_iterations: 4, aggregated_results: 4, break_reason: 'condition_false' });
    const g = await run(createWorkflowFromConfig('loop', { name: 'g', iterator: { while_condition: 'true', max_iterations: 5 }, body: [{ name: 'inc', execute: inc }], aggregation_strategy: 'summary' }));
    expect(g.data).toMatchObject({ completed_iterations: 5, break_reason: 'max_iterations', aggregated_results: { iterations: 5, successful_steps: 5 } });
  });

  test('an error ends the loop with its iteration as location', async () => {
    const r = await run(createWorkflowFromConfig('loop', { name: 'le', iterator: { collection: [1, 2] }, body: [{ name: 'f', tool: 'fail' }] }));
    expect(r.success).toBe(false);
    expect(r.error_details).toMatchObject({ error_type: 'LoopExecutionError', location: 'iteration 0' });
  });
});

describe('parallel', () => {
  const sleepy = (ms: number, value: string) => () => new Promise((r) => setTimeout(() => r(value), ms));

  test('branches run concurrently, outputs by branch, max_concurrency honoured', async () => {
    let active = 0;
    let peak = 0;
    const tracked = (v: string) => async () => {
      active++;
      peak = Math.max(peak, active);
      await new Promise((r) => setTimeout(r, 15));
      active--;
      return v;
    };
    const wf = createWorkflowFromConfig('parallel', {
      name: 'par', max_concurrency: 2,
      branches: ['a', 'b', 'c', 'd'].map((n) => ({ name: n, steps: [{ name: `s${n}`, execute: tracked(n) }] })),
    });
    const r = await run(wf);
    expect(r.success).toBe(true);
    expect(r.data).toMatchObject({ successful_branches: 4, failed_branches: 0, branch_outputs: { a: 'a', b: 'b', c: 'c', d: 'd' } });
    expect(peak).toBe(2);
  });

  test('fail-fast stops other branches; collect-all runs them; optional branches do not fail', async () => {
    const branches = [
      { name: 'bad', steps: [{ name: 'x', tool: 'fail' }] },
      { name: 'slow', steps: [{ name: 'y', execute: sleepy(200, 'slow done') }] },
    ];
    const ff = await run(createWorkflowFromConfig('parallel', { name: 'pff', branches }));
    expect(ff.success).toBe(false);
    expect(ff.metadata.extra.stopped_early).toBe(true);
    expect(ff.error_details).toMatchObject({ error_type: 'ParallelExecutionError', location: 'bad' });
    const all = await run(createWorkflowFromConfig('parallel', { name: 'pall', fail_fast: false, branches }));
    expect(all.success).toBe(false);
    expect(all.data.branch_outputs).toEqual({ slow: 'slow done' });
    const opt = await run(createWorkflowFromConfig('parallel', { name: 'popt', branches: [{ ...branches[0], optional: true }, branches[1]] }));
    expect(opt.success).toBe(true);
    expect(opt.data).toMatchObject({ successful_branches: 1, failed_branches: 1 });
  });

  test('per-branch timeouts', async () => {
    const r = await run(createWorkflowFromConfig('parallel', {
      name: 'pt', fail_fast: false,
      branches: [{ name: 'quick', steps: [{ name: 'q', execute: sleepy(1, 'q') }] }, { name: 'stuck', timeout_ms: 20, steps: [{ name: 's', execute: sleepy(1000, 's') }] }],
    }));
    expect(r.success).toBe(false);
    const details = r.metadata.extra.branch_details as any[];
    expect(details.find((d) => d.branch_name === 'stuck').error).toMatch(/TIMEOUT|timed out/);
  });
});

describe('composition, hooks and events', () => {
  test('a workflow is a step of another and can be a tool', async () => {
    const inner = createWorkflowFromConfig('sequential', { name: 'inner', steps: [{ name: 'u', tool: 'upper', input: { input: '{{input.text}}' } }] });
    const outer = createWorkflowFromConfig('sequential', { name: 'outer', steps: [{ name: 'nested', type: 'workflow', workflow: inner, input: { text: 'deep' } }] });
    expect((await run(outer)).output).toBe('DEEP');
    const tool = workflowAsTool(inner, { name: 'inner_tool' });
    const r = await executeComponent(tool, { input: { text: 'via tool' } }, context());
    expect(r.result).toBe('VIA TOOL');
  });

  test('hooks fire at workflow and step start/end and events are published', async () => {
    const points: string[] = [];
    const events: string[] = [];
    const hooks = { hasHooks: () => true, execute: async (p: HookPoint) => { points.push(p); return { type: 'continue' as const }; } };
    const wf = createWorkflowFromConfig('sequential', { name: 'obs', steps: [{ name: 'a', tool: 'upper', input: { input: 'x' } }, { name: 'b', tool: 'upper', input: { input: 'y' } }] });
    await executeWorkflow(wf, {}, context({ hooks, events: { publish: (t) => { events.push(t); } } }));
    expect(points).toEqual(expect.arrayContaining(['BeforeWorkflowStart', 'BeforeWorkflowStage', 'AfterWorkflowStage', 'WorkflowStageTransition', 'BeforeToolExecution', 'AfterWorkflowComplete']));
    expect(points[0]).toBe('BeforeWorkflowStart');
    expect(points[points.length - 1]).toBe('AfterWorkflowComplete');
    expect(events).toEqual(expect.arrayContaining(['workflow.started', 'workflow.step.started', 'workflow.step.completed', 'tool.completed', 'workflow.completed']));
  });

  test('a before-stage hook can cancel a step', async () => {
    const hooks = { hasHooks: (p: HookPoint) => p === 'BeforeWorkflowStage', execute: async () => ({ type: 'cancel' as const, reason: 'not today' }) };
    const r = await executeWorkflow(createWorkflowFromConfig('sequential', { name: 'cx', steps: [{ name: 'a', tool: 'upper', input: { input: 'x' } }] }), {}, context({ hooks }));
    expect(r.success).toBe(false);
    expect(r.error?.message).toContain('not today');
  });

  test('agents by instance as steps', async () => {
    const wf = createWorkflowFromConfig('sequential', { name: 'ag', steps: [{ name: 'a', agent: { instance: true } }] }, { agent: () => echoAgent });
    expect((await run(wf)).success).toBe(true);
  });
});

describe('durable runs', () => {
  test('a run that crashed resumes from the last completed step, never re-running one', async () => {
    const state = mapState();
    const calls: string[] = [];
    let crash = true;
    const step = (name: string) => ({
      name,
      execute: async (ctx: any) => {
        if (name === 'c' && crash) throw new Error('simulated crash');
        calls.push(name);
        ctx.set_shared(`seen_${name}`, true);
        return `${name}-done`;
      },
    });
    const wf = createWorkflowFromConfig('sequential', { name: 'durable', steps: ['a', 'b', 'c', 'd'].map(step) });
    const first = await executeWorkflow(wf, { run_id: 'run-1' }, context({ state }));
    expect(first.success).toBe(false);
    expect(calls).toEqual(['a', 'b']);
    crash = false;
    const second = await executeWorkflow(wf, { run_id: 'run-1' }, context({ state }));
    expect(second.success).toBe(true);
    expect(calls).toEqual(['a', 'b', 'c', 'd']);
    expect(second.metadata.resumed).toBe(true);
    expect((second.metadata.extra.step_results as any[]).map((s) => Boolean(s.from_checkpoint))).toEqual([true, true, false, false]);
    // Completed: step checkpoints are dropped, the result is kept and returned again.
    expect([...state.data.keys()].filter((k) => k.includes(':step:'))).toEqual([]);
    const third = await executeWorkflow(wf, { run_id: 'run-1' }, context({ state }));
    expect(third.output).toBe('d-done');
    expect(calls).toHaveLength(4);
  });

  test('a run whose workflow changed since it began refuses to resume rather than take one step\'s output for another\'s', async () => {
    const state = mapState();
    const calls: string[] = [];
    const step = (name: string, fail = false) => ({ name, execute: async () => { if (fail) throw new Error('boom'); calls.push(name); return `${name}-done`; } });
    const before = createWorkflowFromConfig('sequential', { name: 'edited', steps: [step('a'), step('b', true)] });
    expect((await executeWorkflow(before, { run_id: 'r1' }, context({ state }))).success).toBe(false);
    // the script renamed its first step and fixed the second
    const after = createWorkflowFromConfig('sequential', { name: 'edited', steps: [step('a2'), step('b')] });
    const resumed = await executeWorkflow(after, { run_id: 'r1' }, context({ state })).catch((e: Error) => e);
    const message = resumed instanceof Error ? resumed.message : String((resumed as any).error?.message ?? (resumed as any).error);
    expect(message).toContain("checkpoint at step 0 is of step 'a', but the workflow's step there is now 'a2'");
    expect(calls).toEqual(['a']);
    // the same steps resume as before
    const same = createWorkflowFromConfig('sequential', { name: 'edited', steps: [step('a'), step('b')] });
    const ok = await executeWorkflow(same, { run_id: 'r1' }, context({ state }));
    expect(ok.success).toBe(true);
    expect(calls).toEqual(['a', 'b']);
  });

  test('checkpoints stay small and old runs are pruned', async () => {
    const state = mapState();
    const wf = createWorkflowFromConfig('sequential', { name: 'small', steps: Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, execute: async () => i })) });
    const crashAt = createWorkflowFromConfig('sequential', { name: 'small', steps: [...Array.from({ length: 20 }, (_, i) => ({ name: `s${i}`, execute: async () => i })), { name: 'boom', tool: 'fail' }] });
    await executeWorkflow(crashAt, { run_id: 'partial' }, context({ state }));
    const stepBytes = [...state.data.entries()].filter(([k]) => k.includes(':step:')).map(([k, v]) => k.length + JSON.stringify(v).length);
    expect(stepBytes).toHaveLength(20);
    expect(Math.max(...stepBytes)).toBeLessThan(200);
    (wf as any).retention.maxRuns = 2;
    for (const id of ['r1', 'r2', 'r3']) await executeWorkflow(wf, { run_id: id }, context({ state }));
    const runs = [...state.data.keys()].filter((k) => /\|run:[^:]+$/.test(k));
    expect(runs.length).toBeLessThanOrEqual(3);
  });

  test('run_id without a state layer is a clear error', async () => {
    const wf = createWorkflowFromConfig('sequential', { name: 'nostate', steps: [{ name: 'a', tool: 'upper', input: { input: 'x' } }] });
    await expect(executeWorkflow(wf, { run_id: 'x' }, context())).rejects.toThrow(/needs the state layer/);
  });
});

describe('durable runs on the real state manager', () => {
  test('step records are written per step and removed in one batch when the run completes', async () => {
    const { StateManager } = await import('@llmspell/state');
    const { MemoryStateStore } = await import('@llmspell/state-memory');
    const store = new MemoryStateStore();
    const batches: number[] = [];
    const batch = store.batch.bind(store);
    store.batch = async (ops) => {
      batches.push(ops.length);
      return batch(ops);
    };
    const state = new StateManager({ store });
    const wf = createWorkflowFromConfig('sequential', { name: 'real', steps: Array.from({ length: 5 }, (_, i) => ({ name: `s${i}`, execute: async () => i })) });
    const r = await executeWorkflow(wf, { run_id: 'r1' }, context({ state }));
    expect(r.success).toBe(true);
    expect(batches).toEqual([5]);
    expect(await state.keys('workflow:real')).toEqual(['run:r1']);
  });
});

describe('reference example compatibility', () => {
  test('on_error handlers, loop current_value and paths, unknown aggregation, present key over unknown type', async () => {
    const seen: string[] = [];
    const wf = createWorkflowFromConfig('sequential', {
      name: 'compat',
      steps: [
        { name: 'bad', tool: 'fail', on_error: async (err: any, step: string) => { seen.push(`${step}:${err.code}`); } },
        { name: 'after', execute: async () => 'went on' },
      ],
    });
    const r = await executeWorkflow(wf, {}, context());
    expect(r.success).toBe(true);
    expect(r.output).toBe('went on');
    expect(seen).toEqual(['bad:TOOL_EXECUTION_FAILED']);
    const loop = createWorkflowFromConfig('loop', {
      name: 'paths', iterator: { collection: [{ name: 'pen', price: 2 }, { name: 'ink', price: 5 }] }, aggregation_strategy: 'collect_outputs',
      body: [{ name: 'u', tool: 'upper', input: { input: '{{loop:current_value.name}}={{loop:current_item.price}}' } }],
    });
    expect((await executeWorkflow(loop, {}, context())).output).toEqual(['PEN=2', 'INK=5']);
    const inner = createWorkflowFromConfig('sequential', { name: 'inner2', steps: [{ name: 'x', tool: 'upper', input: { input: 'in' } }] });
    const outer = createWorkflowFromConfig('sequential', { name: 'outer2', steps: [{ name: 'n', type: 'loop', workflow: inner }] });
    expect((await executeWorkflow(outer, {}, context())).output).toBe('IN');
  });

  test('a collection given as a function is computed when the loop starts', async () => {
    let calls = 0;
    const loop = createWorkflowFromConfig('loop', {
      name: 'lazy-items',
      iterator: { collection: async (input: any) => { calls++; return input.words; } },
      body: [{ name: 'u', tool: 'upper', input: { input: '{{loop:current_item}}' } }],
    });
    expect(calls).toBe(0);
    expect((await executeWorkflow(loop, { input: { words: ['a', 'b'] } }, context())).output).toEqual(['A', 'B']);
    expect((await executeWorkflow(loop, { input: { words: {} } }, context())).data.total_iterations).toBe(0);
    expect(calls).toBe(2);
    const bad = await executeWorkflow(loop, { input: { words: 'abc' } }, context()).then((r) => r.error?.message, (e: Error) => e.message);
    expect(bad).toMatch(/iterator.collection function must return an array, got string/);
  });

  test('agent_decision conditions ask an agent', async () => {
    const wf = createWorkflowFromConfig('conditional', {
      name: 'ask', branches: [
        { name: 'yes', condition: { type: 'agent_decision', agent: 'echo-agent', prompt: 'approve {{input.x}}?', expected: 'approve 1' }, steps: [{ name: 'y', execute: async () => 'approved' }] },
      ], default_branch: { steps: [{ name: 'n', execute: async () => 'rejected' }] },
    });
    expect((await executeWorkflow(wf, { input: { x: 1 } }, context())).output).toBe('approved');
    expect((await executeWorkflow(wf, { input: { x: 2 } }, context())).output).toBe('rejected');
  });
});

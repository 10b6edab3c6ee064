import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlmspellError } from '@llmspell/core';
import { StateManager } from '@llmspell/state';
import { SqliteStateStore } from '@llmspell/state-sqlite';
import {
  UNIT_DISPATCHER, createWorkflowFromConfig, decodeUnitRunId, encodeUnitRunId, executeWorkflow,
  type BaseWorkflow, type UnitDispatcher, type UnitOutcome, type WorkUnit,
} from './index.js';
import { context } from './__fixtures__/helpers.js';

/*
 * Distributed parallel and loop workflows with "machines" that share one SQLite file: the
 * dispatching side and each worker have their own StateManager and their own instance of the
 * workflow, built from the same config (as a worker replaying the script builds it). Units
 * travel through a dispatcher that calls the worker's `runUnit`, which is what a queue
 * worker's script does; the queue itself is tested in @llmspell/queue and the CLI.
 */
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function sharedFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'llmspell-dist-'));
  dirs.push(d);
  return join(d, 'state.db');
}

/** One machine: its own connection to the shared state. */
function machine(file: string) {
  const store = new SqliteStateStore({ path: file });
  const state = new StateManager({ store });
  return { state, close: () => store.close() };
}

type Calls = string[];

/** The workflow as every machine builds it; step functions note which machine ran them. */
function parallelOn(where: string, calls: Calls, fail: Set<string> = new Set(), failFast = true): BaseWorkflow {
  const step = (branch: string, n: number) => ({
    name: `${branch}${n}`,
    execute: async (ctx: any) => {
      calls.push(`${where}:${branch}${n}`);
      if (fail.has(`${branch}${n}`)) throw new Error(`${branch}${n} broke`);
      if (n === 2) ctx.set_shared(`from_${branch}`, ctx.outputs[`${branch}1`]);
      return `${branch}${n}@${where}`;
    },
  });
  return createWorkflowFromConfig('parallel', {
    name: 'fanout', distributed: true, max_concurrency: 2, fail_fast: failFast,
    branches: ['a', 'b', 'c'].map((b) => ({ name: b, steps: [step(b, 1), step(b, 2)] })),
  });
}

/** A dispatcher whose units run on worker machines (a fresh workflow instance each, like a replay). */
function dispatcherTo(file: string, build: (where: string) => BaseWorkflow, seen: WorkUnit[], options: { refuse?: Set<string>; lie?: boolean } = {}): UnitDispatcher {
  let n = 0;
  return {
    async run(unit, signal) {
      seen.push(unit);
      if (options.refuse?.has(unit.unit)) throw new LlmspellError('WORKFLOW_ERROR', `job for ${unit.unit} failed after its attempts`);
      const worker = machine(file);
      try {
        if (signal.aborted) throw new LlmspellError('CANCELLED', 'unit cancelled');
        // The unit's job carries only this run id; the worker finds the unit from it.
        const decoded = decodeUnitRunId(encodeUnitRunId(unit))!;
        const outcome = await build(`worker${++n}`).runUnit(decoded, context({ state: worker.state }));
        return options.lie ? ({ ...outcome, llmspell_unit: 'something else' } as UnitOutcome) : outcome;
      } finally {
        await worker.close();
      }
    },
  };
}

function submitter(file: string, dispatcher?: UnitDispatcher) {
  const m = machine(file);
  const ctx = context({ state: m.state });
  return { ...m, ctx: dispatcher ? { ...ctx, services: { ...ctx.services, [UNIT_DISPATCHER]: dispatcher } } : ctx };
}

describe('distributed parallel workflows', () => {
  test('each branch runs as a unit on a worker; outputs, shared data and counts join the same run', async () => {
    const file = sharedFile();
    const calls: Calls = [];
    const seen: WorkUnit[] = [];
    const here = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls), seen));
    const r = await executeWorkflow(parallelOn('submitter', calls), { run_id: 'r1', input: { x: 1 } }, here.ctx);
    expect(r.success).toBe(true);
    expect(seen.map((u) => u.unit).sort()).toEqual(['branch:a', 'branch:b', 'branch:c']);
    expect(seen.every((u) => u.run_id === 'r1' && u.workflow === 'fanout')).toBe(true);
    // No step ran on the submitting machine; each branch's two steps ran on one worker.
    expect(calls.some((c) => c.startsWith('submitter'))).toBe(false);
    expect(calls).toHaveLength(6);
    expect(r.data.branch_outputs).toEqual({ a: expect.stringMatching(/^a2@worker\d$/), b: expect.stringMatching(/^b2@worker\d$/), c: expect.stringMatching(/^c2@worker\d$/) });
    expect(r.metadata).toMatchObject({ steps_executed: 6, steps_succeeded: 6, steps_failed: 0, extra: { distributed: true } });
    // The run record is complete in the shared state; step and unit records are gone.
    const keys = await here.state.keys('workflow:fanout');
    expect(keys).toEqual(['run:r1']);
    expect(await here.state.get('workflow:fanout', 'run:r1')).toMatchObject({ status: 'completed', steps_completed: 6 });
    await here.close();
  });

  test('without a run id one is made, since units checkpoint under it', async () => {
    const file = sharedFile();
    const calls: Calls = [];
    const here = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls), []));
    const r = await executeWorkflow(parallelOn('submitter', calls), {}, here.ctx);
    expect(r.success).toBe(true);
    expect(r.run_id).toMatch(/^fanout-[0-9a-f-]{36}$/);
    await here.close();
  });

  test('a failed unit fails the run; Workflow.resume on a third machine runs only that unit again', async () => {
    const file = sharedFile();
    const calls: Calls = [];
    const seen: WorkUnit[] = [];
    const first = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls, new Set(['b2']), false), seen));
    const failed = await executeWorkflow(parallelOn('submitter', calls, new Set(), false), { run_id: 'r2' }, first.ctx);
    expect(failed.success).toBe(false);
    expect(failed.error?.message).toMatch(/b2 broke/);
    await first.close();
    // b1 was checkpointed by its worker before b2 broke; a and c completed.
    calls.length = 0;
    seen.length = 0;
    const third = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls), seen));
    const resumed = await executeWorkflow(parallelOn('third', calls), { run_id: 'r2' }, third.ctx);
    expect(resumed.success).toBe(true);
    expect(seen.map((u) => u.unit)).toEqual(['branch:b']);
    expect(calls).toEqual([expect.stringMatching(/^worker\d:b2$/)]);
    expect(resumed.data.branch_outputs).toMatchObject({ a: expect.stringMatching(/^a2@/), b: expect.stringMatching(/^b2@worker/), c: expect.stringMatching(/^c2@/) });
    await third.close();
  });

  test('fail_fast cancels the units still to run; a dispatcher failure and a script that never ran the unit fail their branch clearly', async () => {
    const file = sharedFile();
    const seen: WorkUnit[] = [];
    const calls: Calls = [];
    const refusing = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls), seen, { refuse: new Set(['branch:a']) }));
    const wf = createWorkflowFromConfig('parallel', {
      name: 'fanout', distributed: true, max_concurrency: 1,
      branches: ['a', 'b', 'c'].map((b) => ({ name: b, steps: [{ name: `${b}1`, execute: async () => b }] })),
    });
    const r = await executeWorkflow(wf, { run_id: 'r3' }, refusing.ctx);
    expect(r.success).toBe(false);
    expect(r.error?.message).toMatch(/job for branch:a failed after its attempts/);
    expect(seen.map((u) => u.unit)).toEqual(['branch:a']);
    expect(r.metadata.extra.branch_details).toEqual(expect.arrayContaining([expect.objectContaining({ branch_name: 'b', error: 'not started: stopped early' })]));
    await refusing.close();

    const lying = submitter(file, dispatcherTo(file, (w) => parallelOn(w, calls), [], { lie: true }));
    const l = await executeWorkflow(parallelOn('s', calls), { run_id: 'r4' }, lying.ctx);
    expect(l.success).toBe(false);
    expect(l.error?.message).toMatch(/script ended without running branch:\w of workflow 'fanout'.*same script, same ARGS/);
    await lying.close();
  });

  test('with no dispatcher (no queue configured) the same workflow runs here, with the same results', async () => {
    const calls: Calls = [];
    const here = submitter(sharedFile());
    const r = await executeWorkflow(parallelOn('local', calls), { run_id: 'r5' }, here.ctx);
    expect(r.success).toBe(true);
    expect(calls.every((c) => c.startsWith('local:'))).toBe(true);
    expect(r.metadata.extra.distributed).toBeUndefined();
    await here.close();
  });
});

describe('distributed loops', () => {
  const loopOn = (where: string, calls: Calls, inFlight: { now: number; max: number }) => createWorkflowFromConfig('loop', {
    name: 'each-doc', distributed: true, max_concurrency: 2, iterator: { collection: ['alpha', 'beta', 'gamma', 'delta', 'epsilon'] },
    body: [
      {
        name: 'measure', execute: async (ctx: any) => {
          inFlight.now++;
          inFlight.max = Math.max(inFlight.max, inFlight.now);
          await new Promise((r) => setImmediate(r));
          inFlight.now--;
          calls.push(`${where}:${ctx.current_index}`);
          ctx.set_shared(`len_${ctx.current_item}`, ctx.current_item.length);
          return ctx.current_item.length;
        },
      },
      { name: 'label', tool: 'upper', input: { input: '{{loop:current_item}}' } },
    ],
  });

  test('every iteration runs as a unit, at most max_concurrency at once; outputs come back in iteration order', async () => {
    const file = sharedFile();
    const calls: Calls = [];
    const seen: WorkUnit[] = [];
    const inFlight = { now: 0, max: 0 };
    const here = submitter(file, dispatcherTo(file, (w) => loopOn(w, calls, inFlight), seen));
    const r = await executeWorkflow(loopOn('submitter', calls, inFlight), { run_id: 'l1' }, here.ctx);
    expect(r.success).toBe(true);
    expect(r.output).toEqual(['ALPHA', 'BETA', 'GAMMA', 'DELTA', 'EPSILON']);
    expect(seen.map((u) => u.unit)).toEqual(['iteration:0', 'iteration:1', 'iteration:2', 'iteration:3', 'iteration:4']);
    expect(calls.some((c) => c.startsWith('submitter'))).toBe(false);
    expect(inFlight.max).toBe(2);
    expect(r.data).toMatchObject({ total_iterations: 5, completed_iterations: 5, break_reason: 'completed' });
    await here.close();
  });

  test('a loop that needs iterations in order cannot be distributed; neither can sequential or conditional workflows', () => {
    const body = [{ name: 's', execute: async () => 1 }];
    expect(() => createWorkflowFromConfig('loop', { name: 'w', distributed: true, iterator: { while_condition: 'shared.n < 3' }, body })).toThrow(/distributed loop .* needs a range or a collection and no break_conditions/);
    expect(() => createWorkflowFromConfig('loop', { name: 'w', distributed: true, iterator: { range: { start: 1, end: 3 } }, break_condition: 'shared.stop', body })).toThrow(/no break_conditions/);
    expect(() => createWorkflowFromConfig('sequential', { name: 'w', distributed: true, steps: body })).toThrow(/distributed applies to parallel and loop workflows/);
    expect(() => createWorkflowFromConfig('conditional', { name: 'w', distributed: true, branches: [{ name: 'b', steps: body }] })).toThrow(/distributed applies to parallel and loop workflows/);
  });

  test('a worker without the shared state cannot run a unit, and says why', async () => {
    const otherMachine = machine(sharedFile());
    const wf = loopOn('w', [], { now: 0, max: 0 });
    await expect(wf.runUnit({ workflow: 'each-doc', run_id: 'elsewhere', unit: 'iteration:0' }, context({ state: otherMachine.state })))
      .rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/every machine of a distributed workflow needs the same shared state/) });
    await otherMachine.close();
  });
});

describe('unit run ids', () => {
  test('round-trip, and ordinary run ids are not units', () => {
    const u = { workflow: 'wf.name-1', run_id: 'nightly/2024:06', unit: 'branch:a b' };
    expect(decodeUnitRunId(encodeUnitRunId(u))).toEqual(u);
    expect(decodeUnitRunId(encodeUnitRunId({ ...u, script_run: 'r-1' }))).toEqual({ ...u, script_run: 'r-1' });
    expect(decodeUnitRunId('nightly-2024-06-01')).toBeUndefined();
    expect(decodeUnitRunId('llmspell-unit:not base64 json')).toBeUndefined();
  });
});

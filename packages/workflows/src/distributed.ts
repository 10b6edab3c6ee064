import { LlmspellError, isLlmspellError, stableJson, type ExecutionContext } from '@llmspell/core';
import { runSequence, type RunState, type SequenceOutcome } from './engine.js';
import type { StepResult, StepSpec } from './types.js';
import type { UnitRecord } from './checkpoints.js';

/*
 * Distributed workflows (opt-in: `distributed = true` on a parallel or loop workflow). Each
 * branch or iteration becomes a *unit*: a job that runs the same script again on a worker,
 * where the workflow, reaching `execute`, runs only that unit under the same durable run id,
 * checkpointing its steps into the shared state, and ends the script with the unit's outcome.
 * The workflow that dispatched it joins the outcome back into the run. Who carries units is
 * not this package's business: a `UnitDispatcher` in the context's services does it.
 */

/** The context service holding the dispatcher (set by the runtime when a queue is configured). */
export const UNIT_DISPATCHER = 'workflowUnitDispatcher';

/** Which unit: a workflow (by name), a durable run, and `branch:<name>` or `iteration:<index>`. */
export interface WorkUnit {
  workflow: string;
  run_id: string;
  unit: string;
  /**
   * The dispatching script run, so a worker replaying the script gives the workflows that ran
   * before this one the same automatic run ids (and finds their recorded results).
   */
  script_run?: string;
}

/** A unit's end, as the worker's script returns it. */
export interface UnitOutcome {
  /** `<workflow>/<run_id>/<unit>`: proves the script really ran this unit. */
  llmspell_unit: string;
  success: boolean;
  /** The unit's last step output. */
  output: unknown;
  /** Each step's output, by step name. */
  outputs: Record<string, unknown>;
  results: StepResult[];
  /** Shared data the unit changed (keys whose values differ from the dispatched snapshot). */
  shared?: Record<string, unknown>;
  error?: string | null;
}

/** Runs units somewhere else (on queue workers) and resolves their outcomes. */
export interface UnitDispatcher {
  /**
   * Runs the unit (its record is already in the shared state) and resolves its outcome;
   * aborting `signal` cancels it. Rejects when the unit could not run to an outcome.
   */
  run(unit: WorkUnit, signal: AbortSignal): Promise<UnitOutcome>;
}

/** The context service set on a worker running one unit: which one, and how to end the script with its outcome. */
export const UNIT_TARGET = 'workflowUnitTarget';

export interface UnitTarget {
  unit: WorkUnit;
  /** Ends the script run with the outcome as its result (the runtime's `finish`). */
  finish(outcome: UnitOutcome): void;
}

export function unitTargetOf(ctx: ExecutionContext): UnitTarget | undefined {
  const t = ctx.services?.[UNIT_TARGET] as UnitTarget | undefined;
  return t && t.unit && typeof t.finish === 'function' ? t : undefined;
}

export function unitKey(u: WorkUnit): string {
  return `${u.workflow}/${u.run_id}/${u.unit}`;
}

const UNIT_RUN_PREFIX = 'llmspell-unit:';

/** The run id a unit's job carries: marks the script run as "run this unit only". */
export function encodeUnitRunId(u: WorkUnit): string {
  const fields = u.script_run ? [u.workflow, u.run_id, u.unit, u.script_run] : [u.workflow, u.run_id, u.unit];
  return UNIT_RUN_PREFIX + Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** The unit a run id names, or undefined when it is an ordinary run id. */
export function decodeUnitRunId(runId: unknown): WorkUnit | undefined {
  if (typeof runId !== 'string' || !runId.startsWith(UNIT_RUN_PREFIX)) return undefined;
  try {
    const [workflow, run_id, unit, script_run] = JSON.parse(Buffer.from(runId.slice(UNIT_RUN_PREFIX.length), 'base64url').toString('utf8')) as unknown[];
    if (typeof workflow === 'string' && typeof run_id === 'string' && typeof unit === 'string') {
      return typeof script_run === 'string' ? { workflow, run_id, unit, script_run } : { workflow, run_id, unit };
    }
  } catch {
    // not a unit id
  }
  return undefined;
}

export function dispatcherOf(ctx: ExecutionContext): UnitDispatcher | undefined {
  const d = ctx.services?.[UNIT_DISPATCHER] as UnitDispatcher | undefined;
  return d && typeof d.run === 'function' ? d : undefined;
}

/** The shared keys whose values differ from `before` (what a unit changed; key order is no change). */
export function changedShared(before: Record<string, unknown>, after: Record<string, unknown>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(after)) if (!(k in before) || stableJson(v) !== stableJson(before[k])) out[k] = v;
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Runs one unit's steps on a worker and joins its outcome into this run: step outputs,
 * branch outputs, counts and changed shared data, as if the steps had run here. A unit
 * whose steps all have checkpoints (a resumed run) runs here instead, from them.
 */
export async function runUnitRemotely(
  rs: RunState,
  dispatcher: UnitDispatcher,
  unit: WorkUnit,
  record: UnitRecord,
  steps: StepSpec[],
  prefix: string,
  signal: AbortSignal,
  loop?: { current_item: unknown; current_index: number },
  branch?: string,
): Promise<SequenceOutcome> {
  if (steps.every((_s, i) => rs.restored.has(`${prefix}${i}`))) return runSequence(rs, steps, prefix, { kind: 'fail_fast' }, loop, branch);
  await rs.checkpoints!.saveUnit(unit.run_id, unit.unit, record);
  let outcome: UnitOutcome;
  try {
    outcome = await dispatcher.run(unit, signal);
  } catch (error) {
    const e = isLlmspellError(error) ? error : new LlmspellError('WORKFLOW_ERROR', String((error as Partial<Error> | null | undefined)?.message ?? error));
    const failed: StepResult = { step_name: branch ?? `iteration ${loop?.current_index}`, success: false, duration_ms: 0, output: null, error: e.message, attempts: 0 };
    rs.stepsExecuted++;
    rs.stepsFailed++;
    return { results: [failed], lastOutput: null, failed };
  }
  if (outcome?.llmspell_unit !== unitKey(unit)) {
    const failed: StepResult = {
      step_name: branch ?? `iteration ${loop?.current_index}`, success: false, duration_ms: 0, output: null, attempts: 0,
      error: `WORKFLOW_ERROR: the worker's script ended without running ${unit.unit} of workflow '${unit.workflow}': a distributed workflow must be built and executed the same way on every machine (same script, same ARGS)`,
    };
    rs.stepsExecuted++;
    rs.stepsFailed++;
    return { results: [failed], lastOutput: null, failed };
  }
  for (const [name, value] of Object.entries(outcome.outputs ?? {})) {
    rs.outputs[name] = value;
    if (branch) (rs.branches[branch] ??= {})[name] = value;
  }
  for (const r of outcome.results ?? []) {
    rs.stepsExecuted++;
    if (r.success) rs.stepsSucceeded++;
    else rs.stepsFailed++;
  }
  if (outcome.shared) {
    rs.shared = { ...rs.shared, ...outcome.shared };
    rs.sharedDirty = true;
  }
  const results = outcome.results ?? [];
  const failed = outcome.success ? undefined : ([...results].reverse().find((r) => !r.success) ?? {
    step_name: branch ?? 'unit', success: false, duration_ms: 0, output: null, error: outcome.error ?? 'failed', attempts: 0,
  });
  return { results, lastOutput: outcome.output ?? null, failed };
}

/** Runs `count` tasks, at most `limit` at once, in index order of start. */
export async function pool(count: number, limit: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}

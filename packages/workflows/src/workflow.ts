import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { LlmspellError, isScriptError, markScriptError, timerDelay, type ExecutionContext } from '@llmspell/core';
import { CheckpointStore, DEFAULT_RETENTION, runScope, type RetentionSettings, type RunRecord, type UnitRecord } from './checkpoints.js';
import {
  changedShared, dispatcherOf, pool, runUnitRemotely, unitKey, unitTargetOf, type UnitDispatcher, type UnitOutcome, type WorkUnit,
} from './distributed.js';
import { evaluateCondition, runSequence, RunState, type SequenceOutcome } from './engine.js';
import type {
  BranchSpec, ConditionSpec, ErrorStrategy, StepResult, StepSpec, WorkflowComponent, WorkflowError, WorkflowInput, WorkflowResult, WorkflowType,
} from './types.js';

export interface WorkflowMetrics {
  total_executions: number;
  successful_executions: number;
  failed_executions: number;
  average_duration_ms: number;
  last_execution_time: string | null;
}

interface PatternOutcome {
  success: boolean;
  data: Record<string, unknown>;
  output: unknown;
  error?: WorkflowError;
  extra: Record<string, unknown>;
}

export interface BaseWorkflowOptions {
  name: string;
  description?: string;
  errorStrategy?: ErrorStrategy;
  timeoutMs?: number;
  retention?: RetentionSettings;
  /** Run branches (parallel) or iterations (loop) as jobs on queue workers when a queue is configured. */
  distributed?: boolean;
}

/** The steps one unit of a distributed workflow runs, and where their checkpoints go. */
export interface UnitSelection {
  steps: StepSpec[];
  prefix: string;
  branch?: string;
  loop?: { current_item: unknown; current_index: number };
}

/** The pieces every pattern shares: run bookkeeping, durable checkpoints, metrics. */
export abstract class BaseWorkflow implements WorkflowComponent {
  readonly kind = 'workflow' as const;
  readonly id = `workflow_${randomUUID()}`;
  abstract readonly type: WorkflowType;
  readonly name: string;
  readonly description: string;
  readonly errorStrategy: ErrorStrategy;
  readonly timeoutMs?: number;
  readonly retention: RetentionSettings;
  readonly distributed: boolean;
  /** Script metadata recorded with durable runs (set by the CLI for `llmspell resume`). */
  scriptInfo?: RunRecord['script'];
  private readonly stats = { total: 0, ok: 0, failed: 0, totalMs: 0, last: null as string | null };

  constructor(options: BaseWorkflowOptions) {
    this.name = options.name;
    this.description = options.description ?? `${options.name} workflow`;
    this.errorStrategy = options.errorStrategy ?? { kind: 'fail_fast' };
    this.timeoutMs = options.timeoutMs;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.distributed = options.distributed === true;
  }

  protected abstract execute(rs: RunState): Promise<PatternOutcome>;

  /** The steps of one unit (`branch:<name>`, `iteration:<index>`) of a distributed workflow. */
  protected unitSelection(unit: string, _record: UnitRecord): UnitSelection {
    throw new LlmspellError('INVALID_ARGUMENT', `workflow '${this.name}' (${this.type}) has no unit '${unit}': only parallel and loop workflows run distributed`);
  }

  /**
   * Runs one unit of a distributed run here (on a worker): its steps, under the run's id, from
   * the unit's record and the run's checkpoints, checkpointing each step it completes.
   * Resolves the outcome the dispatching side joins back into the run.
   */
  async runUnit(unit: WorkUnit, ctx: ExecutionContext): Promise<UnitOutcome> {
    if (!ctx.state) throw new LlmspellError('STATE_ERROR', `workflow '${this.name}': a distributed unit needs the shared state layer`);
    const checkpoints = new CheckpointStore(ctx.state, runScope(this.name));
    const record = await checkpoints.loadUnit(unit.run_id, unit.unit);
    if (!record) {
      throw new LlmspellError('NOT_FOUND', `workflow '${this.name}': no record of ${unit.unit} of run '${unit.run_id}' in this worker's state: every machine of a distributed workflow needs the same shared state (e.g. backend_type = "postgres")`);
    }
    const selection = this.unitSelection(unit.unit, record);
    const restored = await checkpoints.loadSteps(unit.run_id);
    const rs = new RunState(this.name, ctx, record.input ?? null, unit.run_id, checkpoints, restored, { ...record.shared });
    const o = await runSequence(rs, selection.steps, selection.prefix, this.errorStrategy, selection.loop, selection.branch);
    const outputs: Record<string, unknown> = {};
    for (const step of selection.steps) if (step.name in rs.outputs) outputs[step.name] = rs.outputs[step.name];
    const shared = changedShared(record.shared ?? {}, rs.shared);
    return {
      llmspell_unit: unitKey(unit), success: !o.failed, output: o.lastOutput ?? null, outputs, results: o.results,
      ...(shared ? { shared } : {}), error: o.failed?.error ?? null,
    };
  }

  /** Every step of this workflow (for validation and `getInfo`). */
  abstract steps(): StepSpec[];

  get metrics(): WorkflowMetrics {
    return {
      total_executions: this.stats.total,
      successful_executions: this.stats.ok,
      failed_executions: this.stats.failed,
      average_duration_ms: this.stats.total ? this.stats.totalMs / this.stats.total : 0,
      last_execution_time: this.stats.last,
    };
  }

  async run(raw: WorkflowInput | undefined, ctx: ExecutionContext): Promise<WorkflowResult> {
    // On a worker running one unit of this workflow: run that unit only, and end the script
    // with its outcome (the script's run ends through `finish`, so this never resolves).
    const target = unitTargetOf(ctx);
    if (target && target.unit.workflow === this.name) {
      target.finish(await this.runUnit(target.unit, ctx));
      return new Promise<WorkflowResult>(() => undefined);
    }
    const input: WorkflowInput = raw ?? {};
    const started = performance.now();
    const startTime = new Date().toISOString();
    // A distributed run needs a durable id even when the script gave none: its units
    // checkpoint under it, wherever they run.
    const runId = typeof input.run_id === 'string' && input.run_id !== '' ? input.run_id
      : this.distributed && dispatcherOf(ctx) ? `${this.name}-${randomUUID()}` : null;
    let checkpoints: CheckpointStore | null = null;
    let restored = new Map();
    let record: RunRecord | undefined;
    if (runId) {
      if (!ctx.state) throw new LlmspellError('STATE_ERROR', `workflow '${this.name}': run_id needs the state layer (enable runtime.state_persistence)`);
      checkpoints = new CheckpointStore(ctx.state, runScope(this.name));
      record = await checkpoints.loadRun(runId);
      if (record?.status === 'completed' && record.result) {
        return { ...(record.result as WorkflowResult), metadata: { ...(record.result as WorkflowResult).metadata, resumed: true } };
      }
      restored = await checkpoints.loadSteps(runId);
      await checkpoints.prune(this.retention, runId);
      record = {
        run_id: runId, workflow: this.name, type: this.type, status: 'running', started_at: record?.started_at ?? startTime,
        updated_at: startTime, steps_completed: restored.size, input: input.input ?? null, script: this.scriptInfo ?? record?.script,
      };
      await checkpoints.saveRun(record);
    }
    const rs = new RunState(this.name, ctx, input.input ?? null, runId, checkpoints, restored);
    rs.resumed = restored.size > 0;
    let outcome: PatternOutcome;
    try {
      outcome = await this.execute(rs);
    } catch (error) {
      const e = error instanceof LlmspellError ? error : new LlmspellError('WORKFLOW_ERROR', String((error as Partial<Error> | null | undefined)?.message ?? error));
      outcome = { success: false, data: {}, output: null, error: { error_type: `${pascal(this.type)}ExecutionError`, message: e.message, code: e.code }, extra: {} };
    }
    const duration = performance.now() - started;
    const result: WorkflowResult = {
      success: outcome.success,
      workflow_type: this.type,
      workflow_name: this.name,
      ...(runId ? { run_id: runId } : {}),
      duration_ms: Math.round(duration * 1000) / 1000,
      data: outcome.data,
      output: outcome.output ?? null,
      ...(outcome.error ? errorFields(outcome.error) : {}),
      metadata: {
        start_time: startTime,
        end_time: new Date().toISOString(),
        steps_executed: rs.stepsExecuted,
        steps_succeeded: rs.stepsSucceeded,
        steps_failed: rs.stepsFailed,
        ...(rs.resumed ? { resumed: true } : {}),
        extra: outcome.extra,
      },
    };
    this.stats.total++;
    this.stats.totalMs += duration;
    this.stats.last = result.metadata.end_time;
    if (result.success) this.stats.ok++;
    else this.stats.failed++;
    if (checkpoints && record) {
      record.status = result.success ? 'completed' : 'failed';
      record.updated_at = result.metadata.end_time;
      record.steps_completed = rs.stepsSucceeded;
      // The result is kept also for a failed run: a worker replaying the script to reach a
      // later distributed workflow gets this one's result instead of running it again.
      record.result = result;
      if (result.success) {
        delete record.error;
        await checkpoints.saveRun(record);
        await checkpoints.dropSteps(record.run_id);
      } else {
        record.error = result.error?.message;
        await checkpoints.saveRun(record);
      }
    }
    if (!result.success) {
      throw new LlmspellError('WORKFLOW_ERROR', `workflow '${this.name}' failed: ${result.error?.message ?? 'unknown error'}`, { details: { result } });
    }
    return result;
  }

  protected failure(type: string, failed: StepResult | undefined, location?: string, details?: unknown): WorkflowError {
    return {
      error_type: `${pascal(type)}ExecutionError`,
      message: failed?.error ?? 'workflow failed',
      ...(location ?? failed ? { location: location ?? failed!.step_name } : {}),
      ...(details !== undefined ? { details } : {}),
    };
  }
}

/** `error` (the error value), `error_code` and `error_details` (its plain fields) of a failed result. */
function errorFields(error: WorkflowError): Pick<WorkflowResult, 'error' | 'error_code' | 'error_details'> {
  const code = error.code ?? /^([A-Z][A-Z0-9_]+): /.exec(error.message)?.[1];
  const details: WorkflowError = code !== undefined ? { ...error, code } : { ...error };
  return { error: markScriptError({ ...details }), ...(code !== undefined ? { error_code: code } : {}), error_details: details };
}

/**
 * A result kept in a run's record (JSON: no mark) as a script gets it again: `error` an error
 * value, also from a record written when `error` was the message alone.
 */
export function revivedResult(result: WorkflowResult): WorkflowResult {
  const error: unknown = result.error;
  if (error === undefined || error === null || isScriptError(error)) return result;
  const fields = typeof error === 'object' ? (error as WorkflowError) : { ...result.error_details, message: String(error) } as WorkflowError;
  return { ...result, error: markScriptError({ ...fields }) };
}

function pascal(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function stepRecords(results: StepResult[]): Array<Record<string, unknown>> {
  const records = new Array<Record<string, unknown>>(results.length);
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    const record: Record<string, unknown> = {
      step_name: r.step_name, success: r.success, duration_ms: Math.round(r.duration_ms * 1000) / 1000, output: r.output ?? null, error: r.error, attempts: r.attempts,
    };
    if (r.from_checkpoint) record.from_checkpoint = true;
    records[i] = record;
  }
  return records;
}

export class SequentialWorkflow extends BaseWorkflow {
  readonly type = 'sequential' as const;
  constructor(options: BaseWorkflowOptions, private readonly stepList: StepSpec[]) {
    super(options);
  }

  steps(): StepSpec[] {
    return this.stepList;
  }

  protected async execute(rs: RunState): Promise<PatternOutcome> {
    const o = await runSequence(rs, this.stepList, '', this.errorStrategy);
    let succeeded = 0;
    for (const r of o.results) if (r.success) succeeded++;
    const ok = o.failed === undefined || this.errorStrategy.kind === 'continue' && !o.failed.error?.startsWith('CANCELLED');
    return {
      success: ok,
      data: {
        steps_executed: o.results.length,
        successful_steps: succeeded,
        failed_steps: o.results.length - succeeded,
        // rs-llmspell's final_output is a string that scripts concatenate: a tool step's output
        // is given as its text here; `output` keeps the structured value.
        final_output: o.lastText ?? o.lastOutput ?? null,
        step_outputs: { ...rs.outputs },
      },
      output: o.lastOutput,
      error: ok ? undefined : this.failure('sequential', o.failed),
      extra: { step_results: stepRecords(o.results) },
    };
  }
}

export class ConditionalWorkflow extends BaseWorkflow {
  readonly type = 'conditional' as const;
  constructor(options: BaseWorkflowOptions, private readonly branches: BranchSpec[], private readonly defaultBranch?: BranchSpec, private readonly executeAllMatching = false) {
    super(options);
  }

  steps(): StepSpec[] {
    return [...this.branches.flatMap((b) => b.steps), ...(this.defaultBranch?.steps ?? [])];
  }

  protected async execute(rs: RunState): Promise<PatternOutcome> {
    const matched: BranchSpec[] = [];
    for (const b of this.branches) {
      const cond: ConditionSpec = b.condition ?? { type: 'always' };
      if (await evaluateCondition(cond, rs, rs.conditionData())) {
        matched.push(b);
        if (!this.executeAllMatching) break;
      }
    }
    const toRun = matched.length ? matched : this.defaultBranch ? [this.defaultBranch] : [];
    const executed: Array<Record<string, unknown>> = [];
    let output: unknown = null;
    let failed: StepResult | undefined;
    const allResults: StepResult[] = [];
    for (const b of toRun) {
      const started = performance.now();
      const o: SequenceOutcome = await runSequence(rs, b.steps, `${b.name}/`, this.errorStrategy, undefined, b.name);
      allResults.push(...o.results);
      executed.push({ branch_name: b.name, success: !o.failed, steps_executed: o.results.length, duration_ms: performance.now() - started });
      if (!o.failed) output = o.lastOutput;
      else {
        failed ??= o.failed;
        if (this.errorStrategy.kind !== 'continue') break;
      }
    }
    const ok = !failed || this.errorStrategy.kind === 'continue';
    return {
      success: ok,
      data: {
        executed_branches: executed.length,
        matched_branches: matched.length,
        total_branches: this.branches.length,
        branch_output: output ?? null,
        executed_branch_names: executed.map((e) => e.branch_name),
        used_default: matched.length === 0 && this.defaultBranch !== undefined,
      },
      output,
      error: ok ? undefined : this.failure('conditional', failed),
      extra: { executed_branches: executed, matched_branches: matched.length, total_branches: this.branches.length, step_results: stepRecords(allResults) },
    };
  }
}

export type LoopIterator =
  | { kind: 'range'; start: number; end: number; step: number }
  | { kind: 'collection'; items: unknown[] | ((...args: unknown[]) => unknown) }
  | { kind: 'while'; condition: ConditionSpec };

export type Aggregation = 'collect_all' | 'last' | 'summary' | 'concat' | 'none';

export class LoopWorkflow extends BaseWorkflow {
  readonly type = 'loop' as const;
  constructor(
    options: BaseWorkflowOptions,
    private readonly iterator: LoopIterator,
    private readonly body: StepSpec[],
    private readonly maxIterations: number,
    private readonly breakConditions: ConditionSpec[],
    private readonly aggregation: Aggregation,
    /** Iterations running at once when distributed. */
    private readonly maxConcurrency = 16,
  ) {
    super(options);
    if (this.distributed && (iterator.kind === 'while' || breakConditions.length > 0)) {
      throw new LlmspellError('INVALID_ARGUMENT', `loop '${this.name}': a distributed loop runs its iterations at once, so it needs a range or a collection and no break_conditions (they need iterations one after another)`);
    }
  }

  protected override unitSelection(unit: string, record: UnitRecord): UnitSelection {
    const m = /^iteration:(\d+)$/.exec(unit);
    if (!m) return super.unitSelection(unit, record);
    const index = Number(m[1]);
    return { steps: this.body, prefix: `i${index}/`, loop: { current_item: record.item ?? null, current_index: record.index ?? index } };
  }

  /** Every iteration as a unit on the workers, at most max_concurrency at once; outputs in iteration order. */
  private async executeDistributed(rs: RunState, dispatcher: UnitDispatcher): Promise<PatternOutcome> {
    const items: unknown[] = [];
    let breakReason = 'completed';
    for (const item of this.items(await this.collection(rs))) {
      if (items.length >= this.maxIterations) {
        breakReason = 'max_iterations';
        break;
      }
      items.push(item);
    }
    const controller = new AbortController();
    // every concurrent iteration listens on it: Node's "possible leak" warning would reach the user
    setMaxListeners(0, controller.signal);
    const onAbort = () => controller.abort(rs.ctx.signal.reason);
    rs.ctx.signal.addEventListener('abort', onAbort, { once: true });
    const perIteration: unknown[] = new Array(items.length).fill(null);
    const resultsByIndex: StepResult[][] = [];
    let failed: { index: number; result: StepResult } | undefined;
    let completed = 0;
    let started = 0;
    try {
      await pool(items.length, this.maxConcurrency, async (index) => {
        if (controller.signal.aborted) return;
        started++;
        const loop = { current_item: items[index], current_index: index };
        const o = await runUnitRemotely(
          rs, dispatcher, { workflow: this.name, run_id: rs.runId!, unit: `iteration:${index}` },
          { input: rs.input, shared: rs.shared, item: items[index], index }, this.body, `i${index}/`, controller.signal, loop,
        );
        resultsByIndex[index] = o.results;
        if (o.failed) {
          if (!failed || index < failed.index) failed = { index, result: o.failed };
          if (this.errorStrategy.kind !== 'continue' && !controller.signal.aborted) {
            controller.abort(new LlmspellError('CANCELLED', `loop '${this.name}' stopped: iteration ${index} failed`));
          }
        } else {
          completed++;
          perIteration[index] = o.lastOutput ?? null;
        }
      });
    } finally {
      rs.ctx.signal.removeEventListener('abort', onAbort);
    }
    const allResults = resultsByIndex.flat().filter(Boolean);
    const ok = !failed || this.errorStrategy.kind === 'continue';
    if (!ok) breakReason = 'error';
    const outputs = ok ? perIteration : perIteration.slice(0, failed!.index);
    const aggregated = this.aggregate(outputs, outputs[outputs.length - 1] ?? null, completed, allResults);
    return {
      success: ok,
      data: { total_iterations: started, completed_iterations: completed, aggregated_results: aggregated, break_reason: breakReason },
      output: aggregated,
      error: ok ? undefined : this.failure('loop', failed!.result, `iteration ${failed!.index}`),
      extra: { total_iterations: started, completed_iterations: completed, break_reason: breakReason, distributed: true, step_results: stepRecords(allResults) },
    };
  }

  private aggregate(perIteration: unknown[], lastOutput: unknown, completed: number, allResults: StepResult[]): unknown {
    return this.aggregation === 'last' ? lastOutput
      : this.aggregation === 'summary' ? { iterations: completed, successful_steps: allResults.filter((r) => r.success).length, failed_steps: allResults.filter((r) => !r.success).length }
      : this.aggregation === 'concat' ? perIteration.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n')
      : this.aggregation === 'none' ? null
      : perIteration;
  }

  steps(): StepSpec[] {
    return this.body;
  }

  private *items(collection: unknown[]): Generator<unknown> {
    const it = this.iterator;
    if (it.kind === 'range') {
      if (it.step === 0) throw new LlmspellError('INVALID_ARGUMENT', `loop '${this.name}': range step must not be 0`);
      for (let v = it.start; it.step > 0 ? v <= it.end : v >= it.end; v += it.step) yield v;
    } else if (it.kind === 'collection') {
      yield* collection;
    } else {
      for (let i = 0; ; i++) yield i;
    }
  }

  /** A collection iterator's items; a function is called now with (input, shared). */
  private async collection(rs: RunState): Promise<unknown[]> {
    const it = this.iterator;
    if (it.kind !== 'collection') return [];
    if (Array.isArray(it.items)) return it.items;
    const v = await it.items(rs.input ?? null, rs.shared);
    if (Array.isArray(v)) return v;
    if (v === null || v === undefined || (typeof v === 'object' && Object.keys(v).length === 0)) return [];
    throw new LlmspellError('INVALID_ARGUMENT', `loop '${this.name}': iterator.collection function must return an array, got ${typeof v}`);
  }

  protected async execute(rs: RunState): Promise<PatternOutcome> {
    const dispatcher = this.distributed && rs.runId && rs.checkpoints ? dispatcherOf(rs.ctx) : undefined;
    if (dispatcher) return this.executeDistributed(rs, dispatcher);
    const perIteration: unknown[] = [];
    const allResults: StepResult[] = [];
    let completed = 0;
    let breakReason = 'completed';
    let failed: StepResult | undefined;
    let index = 0;
    let lastOutput: unknown = null;
    for (const item of this.items(await this.collection(rs))) {
      if (index >= this.maxIterations) {
        breakReason = 'max_iterations';
        break;
      }
      const loop = { current_item: item, current_index: index };
      if (this.iterator.kind === 'while' && !(await evaluateCondition(this.iterator.condition, rs, rs.conditionData(loop, index)))) {
        breakReason = 'condition_false';
        break;
      }
      const o = await runSequence(rs, this.body, `i${index}/`, this.errorStrategy, loop);
      allResults.push(...o.results);
      index++;
      if (o.failed && this.errorStrategy.kind !== 'continue') {
        failed = o.failed;
        breakReason = 'error';
        break;
      }
      if (o.failed) failed ??= o.failed;
      completed++;
      lastOutput = o.lastOutput;
      perIteration.push(o.lastOutput ?? null);
      let stop = false;
      for (const bc of this.breakConditions) {
        if (await evaluateCondition(bc, rs, rs.conditionData(loop, index - 1))) {
          stop = true;
          break;
        }
      }
      if (stop) {
        breakReason = 'break_condition';
        break;
      }
    }
    const aggregated = this.aggregate(perIteration, lastOutput, completed, allResults);
    const ok = breakReason !== 'error';
    return {
      success: ok,
      data: { total_iterations: index, completed_iterations: completed, aggregated_results: aggregated, break_reason: breakReason },
      output: aggregated,
      error: ok ? undefined : this.failure('loop', failed, `iteration ${index - 1}`),
      extra: { total_iterations: index, completed_iterations: completed, break_reason: breakReason, step_results: stepRecords(allResults) },
    };
  }
}

export class ParallelWorkflow extends BaseWorkflow {
  readonly type = 'parallel' as const;
  constructor(options: BaseWorkflowOptions, private readonly branches: BranchSpec[], private readonly maxConcurrency: number, private readonly failFast: boolean) {
    super(options);
  }

  steps(): StepSpec[] {
    return this.branches.flatMap((b) => b.steps);
  }

  protected override unitSelection(unit: string, record: UnitRecord): UnitSelection {
    const name = unit.startsWith('branch:') ? unit.slice('branch:'.length) : undefined;
    const b = this.branches.find((x) => x.name === name);
    if (!b) return super.unitSelection(unit, record);
    return { steps: b.steps, prefix: `${b.name}/`, branch: b.name };
  }

  protected async execute(rs: RunState): Promise<PatternOutcome> {
    const dispatcher = this.distributed && rs.runId && rs.checkpoints ? dispatcherOf(rs.ctx) : undefined;
    const controller = new AbortController();
    // every branch listens on it: Node's "possible leak" warning would reach the user
    setMaxListeners(0, controller.signal);
    const parentSignal = rs.ctx.signal;
    const onAbort = () => controller.abort(parentSignal.reason);
    parentSignal.addEventListener('abort', onAbort, { once: true });
    const details: Array<Record<string, unknown>> = new Array(this.branches.length);
    const outputs: Record<string, unknown> = {};
    let stoppedEarly = false;
    let firstRequiredFailure: { branch: string; result?: StepResult } | undefined;
    let next = 0;
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= this.branches.length) return;
        const b = this.branches[i];
        if (controller.signal.aborted) {
          details[i] = { branch_name: b.name, success: false, required: !b.optional, duration_ms: 0, error: 'not started: stopped early' };
          continue;
        }
        const started = performance.now();
        const branchController = new AbortController();
        const onParent = () => branchController.abort(controller.signal.reason);
        controller.signal.addEventListener('abort', onParent, { once: true });
        const timer = b.timeoutMs ? setTimeout(() => branchController.abort(new LlmspellError('TIMEOUT', `branch '${b.name}' timed out after ${b.timeoutMs} ms`)), timerDelay(b.timeoutMs)) : undefined;
        // A view of the shared run state whose steps see this branch's signal.
        const branchCtx = { ...rs.ctx, signal: branchController.signal };
        const branchRs = new Proxy(rs, {
          get: (target, prop) => (prop === 'ctx' ? branchCtx : Reflect.get(target, prop)),
          set: (target, prop, value) => Reflect.set(target, prop, value),
        });
        let o: SequenceOutcome;
        try {
          o = dispatcher
            ? await runUnitRemotely(branchRs, dispatcher, { workflow: this.name, run_id: rs.runId!, unit: `branch:${b.name}` }, { input: rs.input, shared: rs.shared }, b.steps, `${b.name}/`, branchController.signal, undefined, b.name)
            : await runSequence(branchRs, b.steps, `${b.name}/`, this.errorStrategy, undefined, b.name);
        } finally {
          clearTimeout(timer);
          controller.signal.removeEventListener('abort', onParent);
        }
        const timedOut = branchController.signal.reason instanceof LlmspellError && branchController.signal.reason.code === 'TIMEOUT';
        const success = !o.failed && !timedOut;
        if (success) outputs[b.name] = o.lastOutput ?? null;
        const error = timedOut ? (branchController.signal.reason as LlmspellError).message : o.failed?.error ?? null;
        details[i] = { branch_name: b.name, success, required: !b.optional, duration_ms: performance.now() - started, error };
        if (!success && !b.optional) {
          firstRequiredFailure ??= { branch: b.name, result: o.failed ?? { step_name: b.name, success: false, duration_ms: 0, output: null, error, attempts: 0 } };
          if (this.failFast && !controller.signal.aborted) {
            stoppedEarly = true;
            controller.abort(new LlmspellError('CANCELLED', `parallel workflow '${this.name}' stopped: branch '${b.name}' failed`));
          }
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.max(1, Math.min(this.maxConcurrency, this.branches.length)) }, worker));
    } finally {
      parentSignal.removeEventListener('abort', onAbort);
    }
    const successful = details.filter((d) => d?.success).length;
    const failedBranches = details.filter((d) => d && !d.success).map((d) => d.branch_name);
    const ok = firstRequiredFailure === undefined;
    return {
      success: ok,
      data: { successful_branches: successful, failed_branches: failedBranches.length, branch_outputs: outputs },
      output: outputs,
      error: ok ? undefined : this.failure('parallel', firstRequiredFailure!.result, firstRequiredFailure!.branch, { failed_branches: failedBranches }),
      extra: {
        total_branches: this.branches.length, successful_branches: successful, failed_branches: failedBranches.length, stopped_early: stoppedEarly, branch_details: details,
        ...(dispatcher ? { distributed: true } : {}),
      },
    };
  }
}

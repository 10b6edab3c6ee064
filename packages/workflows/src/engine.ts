import {
  INDEX_FALLBACK, LlmspellError, RUN_NOW, markScriptSnapshot, abortableDelay, didYouMean, executeComponent, executeComponentNow, isLlmspellError, isPromiseLike, optionalToolHint, runMaybeSync, stableJson, toLlmspellError,
  type Component, type MaybePromise, type ExecutionContext, type ScriptValue, type ToolResult,
} from '@llmspell/core';
import { CheckpointStore, type StepCheckpoint } from './checkpoints.js';
import { evaluateExpression, isTruthy } from './expression.js';
import { interpolate, resolveReferences, stateKeysIn, type ReferenceScope } from './references.js';
import { toolPrimary } from './tool-text.js';
import type {
  ConditionData, ConditionSpec, ErrorStrategy, StepFunctionContext, StepResult, StepSpec, WorkflowResult,
} from './types.js';

/** A loop step's position, for its body's references and custom steps. */
type LoopPosition = { current_item: unknown; current_index: number };

/** Everything one run of one workflow shares between its steps. */
export class RunState {
  readonly outputs: Record<string, unknown> = {};
  /** What a bare reference to each tool step's output stands for, by step name (see tool-text.ts). */
  readonly primaries: Record<string, { value: unknown; text: string }> = {};
  readonly branches: Record<string, Record<string, unknown>> = {};
  shared: Record<string, unknown>;
  sharedDirty = false;
  stepsExecuted = 0;
  stepsSucceeded = 0;
  stepsFailed = 0;
  resumed = false;
  private stepMembers?: Record<string, unknown>;

  constructor(
    readonly workflowName: string,
    readonly ctx: ExecutionContext,
    readonly input: unknown,
    readonly runId: string | null,
    readonly checkpoints: CheckpointStore | null,
    readonly restored: Map<string, StepCheckpoint>,
    shared: Record<string, unknown> = {},
  ) {
    this.shared = shared;
  }

  scope(loop?: LoopPosition, state: Record<string, unknown> = {}): ReferenceScope {
    return { input: this.input, outputs: this.outputs, shared: this.shared, loop, branches: this.branches, state, primaries: this.primaries };
  }

  /**
   * What every custom step of this run sees the same: the outputs and shared-data views and
   * the shared/state functions, made once per run rather than once per step.
   */
  members(): Record<string, unknown> {
    this.stepMembers ??= {
      outputs: lazyRecord(() => this.outputs),
      shared: lazyRecord(() => this.shared),
      get_shared: (key: string) => this.shared[key] ?? null,
      set_shared: (key: string, value: unknown) => {
        this.shared = { ...this.shared, [key]: value };
        this.sharedDirty = true;
        return null;
      },
      get_state: async (key: string) => (this.ctx.state ? ((await this.ctx.state.get(`workflow:${this.workflowName}`, key)) ?? null) : null),
      set_state: async (key: string, value: unknown) => {
        if (!this.ctx.state) throw new LlmspellError('STATE_ERROR', 'no state layer is available');
        await this.ctx.state.set(`workflow:${this.workflowName}`, key, value);
        return null;
      },
    };
    return this.stepMembers;
  }

  conditionData(loop?: LoopPosition, iteration?: number): ConditionData {
    return { input: this.input, shared: this.shared, outputs: this.outputs, current_item: loop?.current_item, current_index: loop?.current_index, iteration };
  }
}

async function loadStateRefs(value: unknown, rs: RunState): Promise<Record<string, unknown>> {
  const keys = stateKeysIn(value);
  const state: Record<string, unknown> = {};
  if (keys.size === 0 || !rs.ctx.state) return state;
  for (const key of keys) {
    const [scope, k] = key.includes(':') && !key.startsWith('global:') ? splitScopedKey(key) : ['global', key.replace(/^global:/, '')];
    state[key] = await rs.ctx.state.get(scope, k);
  }
  return state;
}

function splitScopedKey(key: string): [string, string] {
  // "workflow:wf1:counter" → scope "workflow:wf1", key "counter"
  const i = key.lastIndexOf(':');
  return [key.slice(0, i), key.slice(i + 1)];
}

/**
 * A read-only view of a growing record (step outputs, shared data) for custom steps. Copying
 * it for every step made long workflows quadratic; this view lists no keys of its own, so a
 * bridge converts only the entries a script reads (through the index fallback), while host
 * functions read it like a plain object.
 */
function lazyRecord(source: () => Record<string, unknown>): Record<string, unknown> {
  const fallback = (key: string) => (source()[key] ?? null) as ScriptValue;
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, key) => (key === INDEX_FALLBACK ? fallback : typeof key === 'string' ? source()[key] : undefined),
    has: (_t, key) => typeof key === 'string' && key in source(),
    ownKeys: () => [],
    getOwnPropertyDescriptor: () => undefined,
    set: () => false,
    deleteProperty: () => false,
  });
}

/** One index fallback per run's members, so a bridge can reuse what it made for it (a Lua metatable) step after step. */
const memberFallbacks = new WeakMap<Record<string, unknown>, (key: string) => ScriptValue>();
function memberFallback(members: Record<string, unknown>): (key: string) => ScriptValue {
  let fallback = memberFallbacks.get(members);
  if (!fallback) memberFallbacks.set(members, (fallback = (key: string) => (Object.hasOwn(members, key) ? members[key] : null) as ScriptValue));
  return fallback;
}

/**
 * A custom step's context: its own fields (input, step, loop position, params) plus the run's
 * members (see RunState.members), which a script bridge converts only when the script reads
 * them (through the index fallback) and host code reads like any property.
 */
function stepFunctionContext(own: Record<string, unknown>, members: Record<string, unknown>): StepFunctionContext {
  // a snapshot: `own` is made for this step and never changed, so a bridge may convert it (from `own`, not through the
  // view) when the script first reads it. Marked on `own` itself (what marking the view did, through the proxy's
  // default defineProperty), so the mark costs no proxy trap; the view reads it from its target.
  markScriptSnapshot(own);
  return new Proxy(own, memberView(members)) as unknown as StepFunctionContext;
}

/** One proxy handler per run's members (see stepFunctionContext), like its index fallback. */
const memberViews = new WeakMap<Record<string, unknown>, ProxyHandler<Record<string, unknown>>>();
function memberView(members: Record<string, unknown>): ProxyHandler<Record<string, unknown>> {
  let handler = memberViews.get(members);
  if (!handler) {
    const fallback = memberFallback(members);
    handler = {
      get: (target, key) => {
        if (key === INDEX_FALLBACK) return fallback;
        if (typeof key === 'string' && !Object.hasOwn(target, key) && Object.hasOwn(members, key)) return members[key];
        return Reflect.get(target, key);
      },
      has: (target, key) => Reflect.has(target, key) || (typeof key === 'string' && Object.hasOwn(members, key)),
    };
    memberViews.set(members, handler);
  }
  return handler;
}

/** ` (did you mean 'x'?)` for a tool name no tool or alias answers to. */
function toolSuggestion(rs: RunState, name: string | undefined): string {
  const hint = optionalToolHint(name ?? '');
  if (hint !== undefined) return `: ${hint}`;
  const tools = rs.ctx.components?.tools() ?? [];
  return didYouMean(name ?? '', tools.flatMap((t) => [t.name, ...t.aliases]));
}

/**
 * One run of one step as the component executeComponent runs: its work is a method, not a
 * closure made per step. RUN_NOW: a step whose work answers at once (a script function that
 * did not wait) goes through executeComponentNow without a promise.
 */
class StepComponent implements Component<unknown, unknown> {
  readonly kind = 'workflow' as const;
  readonly name: string;

  constructor(
    private readonly rs: RunState,
    private readonly step: StepSpec,
    private readonly params: unknown,
    private readonly loop: LoopPosition | undefined,
    private readonly state: Record<string, unknown>,
    private readonly path: string,
  ) {
    this.name = `${rs.workflowName}.${step.name}`;
  }

  get description(): string {
    return `step ${this.step.name}`;
  }

  async run(_input: unknown, ctx: ExecutionContext): Promise<unknown> {
    return this.work(ctx);
  }

  [RUN_NOW](_input: unknown, ctx: ExecutionContext): unknown {
    return this.work(ctx);
  }

  private work(ctx: ExecutionContext): unknown {
    const { rs, step, params, loop } = this;
    return step.kind === 'custom' ? runCustom(rs, step, params, loop) : runOther(rs, step, this.path, params, loop, this.state, ctx);
  }
}

function resolveAgent(rs: RunState, agent: StepSpec['agent'], stepName: string): Component {
  if (agent && typeof agent === 'object') return agent;
  const found = typeof agent === 'string' ? rs.ctx.components?.agent(agent) : undefined;
  if (!found) throw new LlmspellError('AGENT_NOT_FOUND', `step '${stepName}': agent '${String(agent)}' not found (create it with Agent.create first)`);
  return found;
}

function resolveWorkflow(rs: RunState, wf: StepSpec['workflow'], stepName: string): Component {
  if (wf && typeof wf === 'object') return wf;
  const found = typeof wf === 'string' ? rs.ctx.components?.workflow(wf) : undefined;
  if (!found) throw new LlmspellError('WORKFLOW_NOT_FOUND', `step '${stepName}': workflow '${String(wf)}' not found`);
  return found;
}

function agentInput(params: unknown): unknown {
  if (typeof params === 'string') return { text: params };
  if (params === undefined || params === null) return { text: '' };
  return params;
}

/**
 * A parameter given exactly one reference keeps the referenced value's type. When that value is
 * not text (a number, a record) but the tool's parameter only takes text (`content =
 * "{{step:calc:output}}"` for file_operations), it is passed as it reads inside a string.
 */
function textForStringParameters(tool: Component, raw: unknown, params: Record<string, unknown>, scope: ReferenceScope): Record<string, unknown> {
  const shape = (tool as { parameters?: { shape?: Record<string, { safeParse(v: unknown): { success: boolean } }> } }).parameters?.shape;
  if (!shape || !raw || typeof raw !== 'object' || Array.isArray(raw)) return params;
  let out = params;
  for (const [key, template] of Object.entries(raw as Record<string, unknown>)) {
    const value = params[key];
    const field = shape[key];
    if (!field || typeof template !== 'string' || value === null || value === undefined || typeof value === 'string') continue;
    if (field.safeParse(value).success) continue;
    const text = interpolate(template, scope);
    if (field.safeParse(text).success) out = { ...out, [key]: text };
  }
  return out;
}

/** What a bare reference to a tool step's output stands for; undefined for other kinds of step. */
function stepPrimary(rs: RunState, step: StepSpec, output: unknown): { value: unknown; text: string } | undefined {
  if (step.kind !== 'tool') return undefined;
  return toolPrimary(rs.ctx.components?.tool(step.tool ?? '')?.name ?? step.tool ?? '', output);
}

const NO_STATE: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/** What executeComponent fires and publishes for a step (the same for every step). */
const STEP_POINTS = { before: 'BeforeWorkflowStage', after: 'AfterWorkflowStage', error: 'WorkflowError', event: 'workflow.step' } as const;

/**
 * Runs the body of one step once (no retries) and gives its output value: within the call when
 * the step's work answers at once (a script function that did not wait), else a promise. A plain
 * function, not a generator: the step runner yields what it gives (see runMaybeSync).
 */
function runStepOnce(rs: RunState, step: StepSpec, path: string, loop: LoopPosition | undefined): MaybePromise<unknown> {
  if (step.params !== undefined && stateKeysIn(step.params).size > 0) return loadStateRefs(step.params, rs).then((state) => startStep(rs, step, path, loop, state));
  return startStep(rs, step, path, loop, NO_STATE);
}

function startStep(rs: RunState, step: StepSpec, path: string, loop: LoopPosition | undefined, state: Record<string, unknown>): MaybePromise<unknown> {
  // a step without params (most custom steps) has nothing to resolve
  const params = step.params === undefined ? undefined : resolveReferences(step.params, rs.scope(loop, state));
  const metadata: Record<string, string> = rs.runId ? { workflow: rs.workflowName, step: step.name, path, run_id: rs.runId } : { workflow: rs.workflowName, step: step.name, path };
  return executeComponentNow(new StepComponent(rs, step, params, loop, state, path), params, rs.ctx, { timeoutMs: step.timeoutMs, points: STEP_POINTS, metadata });
}

/** How deep workflow steps nest: ample for composition, far short of the host's stack. */
const MAX_WORKFLOW_DEPTH = 64;
/** The context service counting the workflow steps a call runs inside. */
const WORKFLOW_DEPTH = 'llmspell.workflowDepth';
const TOO_DEEP = `workflows nested more than ${MAX_WORKFLOW_DEPTH} deep`;

/** The work of a tool, agent or workflow step. */
async function runOther(rs: RunState, step: StepSpec, path: string, params: unknown, loop: LoopPosition | undefined, state: Record<string, unknown>, ctx: ExecutionContext): Promise<unknown> {
  switch (step.kind) {
    case 'tool': {
      const tool = rs.ctx.components?.tool(step.tool ?? '');
      if (!tool) throw new LlmspellError('TOOL_NOT_FOUND', `step '${step.name}': Tool '${step.tool}' not found${toolSuggestion(rs, step.tool)}`, { details: { step: step.name, tool: step.tool } });
      const args = textForStringParameters(tool, step.params, (params ?? {}) as Record<string, unknown>, rs.scope(loop, state));
      const result = (await executeComponent(tool, args, ctx)) as ToolResult;
      if (result && result.success === false) {
        throw new LlmspellError('TOOL_EXECUTION_FAILED', `step '${step.name}': ${result.error?.message ?? 'tool reported failure'}`);
      }
      return result && typeof result === 'object' && 'result' in result ? result.result : result;
    }
    case 'agent': {
      const agent = resolveAgent(rs, step.agent, step.name);
      const out = (await executeComponent(agent, agentInput(params), ctx)) as { text?: unknown };
      return out && typeof out === 'object' && 'text' in out ? out.text : out;
    }
    case 'workflow': {
      const wf = resolveWorkflow(rs, step.workflow, step.name);
      const childRun = rs.runId ? `${rs.runId}/${path}` : undefined;
      // a workflow that is its own step (or two that are each other's) would nest until the host's stack gave out
      const depth = ((ctx.services?.[WORKFLOW_DEPTH] as number | undefined) ?? 0) + 1;
      if (depth > MAX_WORKFLOW_DEPTH) {
        throw new LlmspellError('WORKFLOW_ERROR', `step '${step.name}': ${TOO_DEEP} (does '${wf.name}' run itself?)`, { details: { step: step.name, workflow: wf.name, limit: MAX_WORKFLOW_DEPTH } });
      }
      const nestedCtx = { ...ctx, services: { ...ctx.services, [WORKFLOW_DEPTH]: depth } };
      const result = (await executeComponent(wf, { input: params ?? rs.input, run_id: childRun }, nestedCtx).catch((e) => {
        const r = isLlmspellError(e) ? (e.details.result as WorkflowResult | undefined) : undefined;
        if (r) return r;
        throw e;
      })) as WorkflowResult;
      if (!result.success) {
        // the depth limit is said once, not once for each of the 64 workflows it unwinds through
        const message = result.error?.message;
        if (message?.includes(TOO_DEEP)) throw new LlmspellError('WORKFLOW_ERROR', message.replace(/^WORKFLOW_ERROR: /, ''));
        throw new LlmspellError('WORKFLOW_ERROR', `step '${step.name}': nested workflow '${result.workflow_name}' failed: ${message ?? 'unknown error'}`);
      }
      return result.output;
    }
    default:
      throw new LlmspellError('INVALID_ARGUMENT', `step '${step.name}': unknown step kind`);
  }
}

/** A custom step's function with its context: its value within the call when the function answers at once. */
function runCustom(rs: RunState, step: StepSpec, params: unknown, loop: LoopPosition | undefined): unknown {
  if (!step.fn) throw new LlmspellError('INVALID_ARGUMENT', `step '${step.name}': custom step needs a function (execute = function(ctx) … end)`);
  const own: Record<string, unknown> = {
    input: rs.input,
    workflow: rs.workflowName,
    step: step.name,
    run_id: rs.runId,
    current_item: loop?.current_item,
    current_index: loop?.current_index,
  };
  if (params !== undefined) own.params = params;
  const out = step.fn(stepFunctionContext(own, rs.members()));
  return isPromiseLike(out) ? Promise.resolve(out).then((value) => value ?? null) : out ?? null;
}

const ONE_ATTEMPT = Object.freeze({ maxAttempts: 1, backoffMs: 0, backoffMultiplier: 1 });

/**
 * Runs a step with its error strategy (retry with backoff, fallback step), resuming from a
 * checkpoint when the run already completed it. Never throws: failures are in the result.
 * Answers within the call when the step's work did not wait (see runMaybeSync).
 */
export function runStepNow(...args: Parameters<typeof runStepSteps>): MaybePromise<StepResult> {
  return runMaybeSync(runStepSteps(...args));
}

function* runStepSteps(
  rs: RunState,
  step: StepSpec,
  path: string,
  defaultStrategy: ErrorStrategy,
  loop?: LoopPosition,
  branch?: string,
): Generator<unknown, StepResult, unknown> {
  const restored = rs.restored.get(path);
  if (restored) {
    // A checkpoint is found by the step's place; a script edited since the run began would
    // otherwise take one step's output for another's and skip it (records before names were
    // kept have none)
    if (restored.n !== undefined && restored.n !== step.name) {
      throw new LlmspellError(
        'WORKFLOW_ERROR',
        `run '${rs.runId}' cannot resume: its checkpoint at step ${path} is of step '${restored.n}', but the workflow's step there is now '${step.name}' (the workflow changed since the run began); start a new run, or give the step its old name`,
        { details: { run_id: rs.runId, path, recorded_step: restored.n, step: step.name } },
      );
    }
    rs.outputs[step.name] = restored.o;
    const primary = stepPrimary(rs, step, restored.o);
    if (primary) rs.primaries[step.name] = primary;
    if (branch) (rs.branches[branch] ??= {})[step.name] = restored.o;
    if (restored.s) rs.shared = restored.s;
    rs.stepsExecuted++;
    rs.stepsSucceeded++;
    return { step_name: step.name, success: true, duration_ms: restored.d ?? 0, output: restored.o, error: null, attempts: 0, from_checkpoint: true };
  }
  const strategy = step.errorStrategy ?? defaultStrategy;
  const retry = strategy.kind === 'retry' ? strategy.retry : ONE_ATTEMPT;
  const started = performance.now();
  let attempts = 0;
  let lastError: LlmspellError | undefined;
  rs.stepsExecuted++;
  for (let delay = retry.backoffMs; attempts < Math.max(1, retry.maxAttempts); delay *= retry.backoffMultiplier) {
    attempts++;
    try {
      const output = yield runStepOnce(rs, step, path, loop);
      const done = completeStep(rs, step, output, started, attempts, branch, stepPrimary(rs, step, output));
      if (rs.checkpoints) yield* checkpointStep(rs, step, path, output, done.duration_ms);
      return done;
    } catch (error) {
      lastError = toLlmspellError(error, 'WORKFLOW_ERROR', `step '${step.name}'`);
      if (lastError.code === 'CANCELLED' || rs.ctx.signal.aborted) break;
      if (attempts < retry.maxAttempts && delay > 0) yield abortableDelay(delay, rs.ctx.signal, 'workflow cancelled').catch(() => undefined);
    }
  }
  if (step.fallback && !rs.ctx.signal.aborted) {
    if (rs.ctx.hooks?.hasHooks('WorkflowRollback')) {
      yield rs.ctx.hooks.execute('WorkflowRollback', {
        point: 'WorkflowRollback', component_id: { id: `workflow:${rs.workflowName}`, type: 'workflow', name: rs.workflowName },
        data: { step: step.name, error: lastError?.message, fallback: step.fallback.name }, metadata: {}, correlation_id: rs.ctx.correlationId,
        language: rs.ctx.language, timestamp: new Date().toISOString(),
      });
    }
    try {
      const output = yield runStepOnce(rs, step.fallback, `${path}~fallback`, loop);
      const r = completeStep(rs, step, output, started, attempts, branch, stepPrimary(rs, step.fallback, output));
      if (rs.checkpoints) yield* checkpointStep(rs, step, path, output, r.duration_ms);
      return { ...r, error: `recovered by fallback '${step.fallback.name}': ${lastError?.message}` };
    } catch (error) {
      lastError = toLlmspellError(error, 'WORKFLOW_ERROR', `fallback of step '${step.name}'`);
    }
  }
  rs.stepsFailed++;
  if (strategy.kind === 'continue' && strategy.onError) {
    try {
      yield strategy.onError({ message: lastError?.message ?? 'failed', code: lastError?.code ?? 'WORKFLOW_ERROR', step: step.name }, step.name);
    } catch (error) {
      rs.ctx.logger.warn(`on_error handler of step '${step.name}' failed`, { error: String(error) });
    }
  }
  return { step_name: step.name, success: false, duration_ms: performance.now() - started, output: null, error: lastError?.message ?? 'failed', attempts };
}

/** Notes a step's success in its run and gives its result; a durable run then checkpoints it (checkpointStep). */
function completeStep(rs: RunState, step: StepSpec, output: unknown, started: number, attempts: number, branch?: string, primary?: { value: unknown; text: string }): StepResult {
  const duration = performance.now() - started;
  rs.outputs[step.name] = output;
  if (primary) rs.primaries[step.name] = primary;
  else if (Object.hasOwn(rs.primaries, step.name)) delete rs.primaries[step.name];
  if (branch) (rs.branches[branch] ??= {})[step.name] = output;
  rs.stepsSucceeded++;
  return { step_name: step.name, success: true, duration_ms: duration, output, error: null, attempts };
}

function* checkpointStep(rs: RunState, step: StepSpec, path: string, output: unknown, duration: number): Generator<unknown, void, unknown> {
  if (!rs.checkpoints || !rs.runId) return;
  const cp: StepCheckpoint = { o: output ?? null, d: Math.round(duration * 1000) / 1000, n: step.name };
  if (rs.sharedDirty) {
    cp.s = rs.shared;
    rs.sharedDirty = false;
  }
  yield rs.checkpoints.saveStep(rs.runId, path, cp);
  if (rs.ctx.hooks?.hasHooks('WorkflowCheckpoint')) {
    yield rs.ctx.hooks.execute('WorkflowCheckpoint', {
      point: 'WorkflowCheckpoint', component_id: { id: `workflow:${rs.workflowName}`, type: 'workflow', name: rs.workflowName },
      data: { run_id: rs.runId, step: step.name, path }, metadata: {}, correlation_id: rs.ctx.correlationId, language: rs.ctx.language,
      timestamp: new Date().toISOString(),
    });
  }
}

export interface SequenceOutcome {
  results: StepResult[];
  lastOutput: unknown;
  /** The last successful step's output as text when that step was a tool (see tool-text.ts). */
  lastText?: string;
  failed?: StepResult;
}

/** Runs steps in order; stops at the first failure unless the strategy is `continue`. */
export async function runSequence(
  rs: RunState,
  steps: StepSpec[],
  prefix: string,
  strategy: ErrorStrategy,
  loop?: LoopPosition,
  branch?: string,
): Promise<SequenceOutcome> {
  const results: StepResult[] = [];
  let lastOutput: unknown = null;
  let lastText: string | undefined;
  let failed: StepResult | undefined;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    if (rs.ctx.signal.aborted) {
      failed ??= { step_name: step.name, success: false, duration_ms: 0, output: null, error: 'CANCELLED: workflow cancelled', attempts: 0 };
      break;
    }
    if (i > 0 && rs.ctx.hooks?.hasHooks('WorkflowStageTransition')) {
      await rs.ctx.hooks.execute('WorkflowStageTransition', {
        point: 'WorkflowStageTransition', component_id: { id: `workflow:${rs.workflowName}`, type: 'workflow', name: rs.workflowName },
        data: { from: steps[i - 1].name, to: step.name }, metadata: {}, correlation_id: rs.ctx.correlationId, language: rs.ctx.language,
        timestamp: new Date().toISOString(),
      });
    }
    // a step that answered at once costs the sequence no promise
    const now = runStepNow(rs, step, `${prefix}${i}`, strategy, loop, branch);
    const r = isPromiseLike(now) ? await now : now;
    results.push(r);
    if (r.success) {
      lastOutput = r.output;
      lastText = rs.primaries[step.name]?.text;
    } else {
      // A step with its own `continue` (or on_error handler) does not fail the workflow.
      const own = step.errorStrategy ?? strategy;
      if (own.kind === 'continue' && step.errorStrategy && !r.error?.startsWith('CANCELLED')) continue;
      failed ??= r;
      if (strategy.kind !== 'continue' || r.error?.startsWith('CANCELLED')) break;
    }
  }
  return { results, lastOutput, lastText, failed };
}

/** Evaluates a branch/break/while condition. */
export async function evaluateCondition(cond: ConditionSpec, rs: RunState, data: ConditionData): Promise<boolean> {
  switch (cond.type) {
    case 'always': return true;
    case 'never': return false;
    case 'shared_data_equals': return stableJson(data.shared[cond.key] ?? null) === stableJson(cond.value ?? null);
    case 'shared_data_exists': return data.shared[cond.key] !== undefined && data.shared[cond.key] !== null;
    case 'shared_data_greater_than': return Number(data.shared[cond.key]) > cond.value;
    case 'shared_data_less_than': return Number(data.shared[cond.key]) < cond.value;
    case 'step_output_equals': return stableJson(data.outputs[cond.step] ?? null) === stableJson(cond.value ?? null);
    case 'step_output_contains': {
      const out = data.outputs[cond.step];
      return (typeof out === 'string' ? out : JSON.stringify(out ?? '')).includes(String(cond.value));
    }
    case 'input_equals': {
      const v = cond.key ? (data.input as Record<string, unknown> | null)?.[cond.key] : data.input;
      return stableJson(v ?? null) === stableJson(cond.value ?? null);
    }
    case 'and': {
      for (const c of cond.conditions) if (!(await evaluateCondition(c, rs, data))) return false;
      return true;
    }
    case 'or': {
      for (const c of cond.conditions) if (await evaluateCondition(c, rs, data)) return true;
      return false;
    }
    case 'not': return !(await evaluateCondition(cond.condition, rs, data));
    case 'expression': {
      const text = resolveReferences(cond.expression, rs.scope(data.current_index !== undefined ? { current_item: data.current_item, current_index: data.current_index } : undefined));
      return isTruthy(evaluateExpression(String(text), {
        shared: data.shared, input: data.input, outputs: data.outputs, steps: data.outputs,
        current_item: data.current_item, current_index: data.current_index, iteration: data.iteration, ...data.shared,
      }));
    }
    case 'tool': {
      const tool = rs.ctx.components?.tool(cond.tool);
      if (!tool) throw new LlmspellError('TOOL_NOT_FOUND', `condition: Tool '${cond.tool}' not found${toolSuggestion(rs, cond.tool)}`, { details: { tool: cond.tool } });
      const params = resolveReferences(cond.params ?? {}, rs.scope());
      const r = (await executeComponent(tool, params as Record<string, unknown>, rs.ctx)) as ToolResult;
      const v = r.result;
      if (typeof v === 'boolean') return v;
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        for (const k of ['result', 'valid', 'value', 'matches']) if (typeof o[k] === 'boolean') return o[k] as boolean;
      }
      return r.success && isTruthy(v) && v !== 0 && v !== '';
    }
    case 'function': return isTruthy(await cond.fn(data));
    case 'agent_decision': {
      const agent = resolveAgent(rs, cond.agent, 'condition');
      const prompt = resolveReferences(cond.prompt, rs.scope());
      const out = (await executeComponent(agent, agentInput(prompt), rs.ctx)) as { text?: unknown };
      const answer = String(out?.text ?? '').toLowerCase();
      if (cond.expected !== undefined && cond.expected !== null) return answer.includes(String(cond.expected).toLowerCase());
      return /\b(yes|true|approve[d]?)\b/.test(answer);
    }
    default: return true;
  }
}

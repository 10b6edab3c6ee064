import { randomUUID } from 'node:crypto';
import { LlmspellError, closestMatch, timerDelay, type Component } from '@llmspell/core';
import { DEFAULT_RETENTION, type RetentionSettings } from './checkpoints.js';
import type { BranchSpec, ConditionSpec, ErrorStrategy, StepSpec, WorkflowType } from './types.js';
import {
  ConditionalWorkflow, LoopWorkflow, ParallelWorkflow, SequentialWorkflow,
  type Aggregation, type BaseWorkflow, type BaseWorkflowOptions, type LoopIterator,
} from './workflow.js';

/** How script values that are not plain data (functions, agent and workflow handles) are turned into host objects. */
export interface ConfigResolver {
  agent?(value: unknown): Component | undefined;
  workflow?(value: unknown): Component | undefined;
  /**
   * A script function → a host function, or undefined when `value` is not one. It may answer
   * within the call (a script function that did not wait) or with a promise.
   */
  fn?(value: unknown): ((...args: unknown[]) => unknown) | undefined;
  /**
   * Told of a key that is a near miss of one this level reads (`paramters`): it is ignored, and
   * a typo most likely. Other unknown keys are not reported, since the reference's scripts
   * carry keys its documentation names and llmspell does not read.
   */
  warn?(message: string): void;
}

type Raw = Record<string, unknown>;

// The keys each level of a workflow config reads, with the reference's documented keys that
// are accepted and ignored (`join_strategy`…), so that neither is taken for a typo.
const TIMEOUT_KEYS = ['timeout_ms', 'timeout', 'timeout_seconds'];
// `on_start` and `on_complete`: rs-llmspell's example workflows set them (called with a success
// flag in one, a result in another), and v0.5.0 read neither, so neither runs here; known, so
// `on_complete` is not taken for a typo of `on_step_complete`.
const WORKFLOW_KEYS = [
  'name', 'description', 'type', 'error_strategy', 'on_error', 'distributed', 'on_timeout', 'on_step_complete', 'on_start', 'on_complete', ...TIMEOUT_KEYS,
];
const KEYS_OF_TYPE: Record<string, string[]> = {
  sequential: [...WORKFLOW_KEYS, 'steps'],
  conditional: [...WORKFLOW_KEYS, 'branches', 'default_branch', 'default', 'else', 'execute_all_matching'],
  loop: [
    ...WORKFLOW_KEYS, 'iterator', 'range', 'collection', 'items', 'while_condition', 'condition', 'max_iterations', 'body', 'steps',
    'break_conditions', 'break_condition', 'continue_condition', 'aggregation_strategy', 'aggregation', 'aggregate', 'max_concurrency', 'batch_size', 'on_iteration_complete',
  ],
  parallel: [...WORKFLOW_KEYS, 'branches', 'steps', 'max_concurrency', 'fail_fast', 'post_steps', 'join_strategy', 'on_branch_complete'],
};
const STEP_KEYS = [
  'name', 'description', 'type', 'tool', 'agent', 'workflow', 'execute', 'fn', 'function', 'handler', 'error_strategy', 'on_error', 'retry', 'fallback',
  'parameters', 'input', 'params', 'prompt', 'text', ...TIMEOUT_KEYS,
];
const BRANCH_KEYS = ['name', 'description', 'steps', 'workflow', 'input', 'condition', 'optional', 'required', ...TIMEOUT_KEYS];
const ITERATOR_KEYS = ['range', 'collection', 'items', 'while_condition', 'condition', 'max_iterations'];
const RANGE_KEYS = ['start', 'end', 'stop', 'step'];
const CONDITION_KEYS = [
  'type', 'description', 'key', 'expected_value', 'value', 'expected', 'step', 'step_name', 'substring', 'conditions', 'condition', 'expression',
  'tool', 'parameters', 'input', 'agent', 'prompt', 'question', 'contains', 'fn', 'evaluate', 'check',
];
const STRATEGY_KEYS = ['type', 'strategy', 'max_attempts', 'max_retries', 'attempts', 'backoff_ms', 'delay_ms', 'backoff_multiplier', 'multiplier'];

function sayNearMisses(o: Raw, known: readonly string[], where: string, resolver: ConfigResolver): void {
  if (!resolver.warn) return;
  for (const key of Object.keys(o)) {
    if (known.includes(key)) continue;
    const meant = closestMatch(key, known);
    if (meant !== undefined) resolver.warn(`${where ? `${where}: ` : ''}unknown field '${key}' is ignored (did you mean '${meant}'?)`);
  }
}

function bad(what: string): never {
  throw new LlmspellError('INVALID_ARGUMENT', what);
}

function isObj(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isComponent(v: unknown, kind: string): v is Component {
  return isObj(v) && v.kind === kind && typeof v.run === 'function';
}

function asArray(v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v;
  if (isObj(v) && Object.keys(v).length === 0) return [];
  return bad(`${what} must be an array`);
}

function num(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) bad(`${what} must be a number`);
  return n;
}

export function parseErrorStrategy(v: unknown, where: string, resolver: ConfigResolver = {}): ErrorStrategy | undefined {
  if (v === undefined || v === null) return undefined;
  // `on_error = function(err, step_name) … end`: the reference examples' handler form. It is
  // called with the error, and the workflow continues.
  const handler = resolver.fn?.(v) ?? (typeof v === 'function' ? (v as (...a: unknown[]) => Promise<unknown>) : undefined);
  if (handler) return { kind: 'continue', onError: handler };
  const kind = typeof v === 'string' ? v : isObj(v) ? String(v.type ?? v.strategy ?? '') : '';
  const o = isObj(v) ? v : {};
  sayNearMisses(o, STRATEGY_KEYS, `${where}: error_strategy`, resolver);
  switch (kind) {
    case 'fail_fast': case 'stop': case 'fail': return { kind: 'fail_fast' };
    case 'continue': case 'skip': case 'ignore': return { kind: 'continue' };
    case 'retry':
      return {
        kind: 'retry',
        retry: {
          maxAttempts: num(o.max_attempts ?? o.max_retries ?? o.attempts, `${where}.max_attempts`) ?? 3,
          backoffMs: num(o.backoff_ms ?? o.delay_ms, `${where}.backoff_ms`) ?? 1000,
          backoffMultiplier: num(o.backoff_multiplier ?? o.multiplier, `${where}.backoff_multiplier`) ?? 2,
        },
      };
    default:
      return bad(`${where}: unknown error_strategy '${kind}' (fail_fast, continue, retry)`);
  }
}

const NAMED_FUNCTIONS: Record<string, (params: Raw) => Promise<unknown> | unknown> = {
  delay: (p) => new Promise((r) => setTimeout(() => r(p.ms ?? null), timerDelay(Number(p.ms ?? 0)))),
  sleep: (p) => new Promise((r) => setTimeout(() => r(p.ms ?? null), timerDelay(Number(p.ms ?? 0)))),
  identity: (p) => p.value ?? p,
  echo: (p) => p.value ?? p,
};

function timeoutOf(o: Raw, where: string): number | undefined {
  const ms = num(o.timeout_ms ?? o.timeout, `${where}.timeout_ms`);
  if (ms !== undefined) return ms;
  const s = num(o.timeout_seconds, `${where}.timeout_seconds`);
  return s === undefined ? undefined : s * 1000;
}

export function parseStep(raw: unknown, index: number, resolver: ConfigResolver, where = 'steps'): StepSpec {
  if (!isObj(raw)) bad(`${where}[${index + 1}] must be a table/object describing a step`);
  const o = raw;
  const name = typeof o.name === 'string' && o.name ? o.name : `step_${index + 1}`;
  const at = `step '${name}'`;
  sayNearMisses(o, STEP_KEYS, at, resolver);
  // A `type` we do not know (e.g. "loop" next to `workflow = …`) yields to the key present,
  // as the reference code chose the kind by key.
  const KNOWN = ['tool', 'agent', 'workflow', 'custom', 'function'];
  const type = typeof o.type === 'string' && KNOWN.includes(o.type) ? o.type : undefined;
  const fnValue = o.execute ?? o.fn ?? (typeof o.function !== 'string' ? o.function : undefined) ?? o.handler;
  let kind: StepSpec['kind'];
  if (type === 'tool' || (!type && typeof o.tool === 'string')) kind = 'tool';
  else if (type === 'agent' || (!type && o.agent !== undefined)) kind = 'agent';
  else if (type === 'workflow' || (!type && o.workflow !== undefined)) kind = 'workflow';
  else if (type === 'custom' || type === 'function' || (!type && (fnValue !== undefined || typeof o.function === 'string'))) kind = 'custom';
  else return bad(`${at}: a step needs 'tool', 'agent', 'workflow' or a function ('execute = function(ctx) … end')`);

  const step: StepSpec = { name, kind, timeoutMs: timeoutOf(o, at) };
  const strategy = parseErrorStrategy(o.error_strategy ?? o.on_error ?? (isObj(o.retry) ? { type: 'retry', ...o.retry } : undefined), at, resolver);
  if (strategy) step.errorStrategy = strategy;
  if (o.fallback !== undefined) step.fallback = parseStep(o.fallback, 0, resolver, `${at}.fallback`);
  switch (kind) {
    case 'tool':
      if (typeof o.tool !== 'string' || !o.tool) bad(`${at}: 'tool' must name a tool`);
      step.tool = o.tool;
      step.params = o.parameters ?? o.input ?? o.params ?? {};
      break;
    case 'agent': {
      const agent = typeof o.agent === 'string' ? o.agent : isComponent(o.agent, 'agent') ? o.agent : resolver.agent?.(o.agent);
      if (!agent) bad(`${at}: 'agent' must be an agent name or an agent created with Agent.create`);
      step.agent = agent;
      step.params = o.input ?? o.prompt ?? o.text ?? o.parameters ?? null;
      break;
    }
    case 'workflow': {
      const wf = typeof o.workflow === 'string' ? o.workflow : isComponent(o.workflow, 'workflow') ? o.workflow : resolver.workflow?.(o.workflow);
      if (!wf) bad(`${at}: 'workflow' must be a workflow created with Workflow.* or its name`);
      step.workflow = wf;
      step.params = o.input ?? o.parameters;
      break;
    }
    case 'custom': {
      if (typeof o.function === 'string' && fnValue === undefined) {
        const named = NAMED_FUNCTIONS[o.function];
        if (!named) bad(`${at}: unknown built-in function '${o.function}' (delay, sleep, identity, echo) — or pass execute = function(ctx) … end`);
        step.fn = (ctx) => named(isObj((ctx as unknown as Raw).params) ? ((ctx as unknown as Raw).params as Raw) : {});
      } else {
        const f = resolver.fn?.(fnValue) ?? (typeof fnValue === 'function' ? (fnValue as (...a: unknown[]) => Promise<unknown>) : undefined);
        if (!f) bad(`${at}: 'execute' must be a function`);
        step.fn = (ctx) => f(ctx);
      }
      step.params = o.parameters ?? o.input;
      break;
    }
  }
  return step;
}

export function parseSteps(raw: unknown, resolver: ConfigResolver, where = 'steps'): StepSpec[] {
  return asArray(raw, where).map((s, i) => parseStep(s, i, resolver, where));
}

export function parseCondition(raw: unknown, resolver: ConfigResolver, where = 'condition'): ConditionSpec {
  const fn = resolver.fn?.(raw) ?? (typeof raw === 'function' ? (raw as (...a: unknown[]) => Promise<unknown>) : undefined);
  if (fn) return { type: 'function', fn: (data) => fn(data.input, data.shared, data) };
  if (typeof raw === 'boolean') return { type: raw ? 'always' : 'never' };
  if (typeof raw === 'string') {
    if (raw === 'always' || raw === 'true') return { type: 'always' };
    if (raw === 'never' || raw === 'false') return { type: 'never' };
    const m = raw.match(/^step:([^:]+):(.*)$/);
    if (m) return { type: 'step_output_equals', step: m[1], value: m[2] };
    return { type: 'expression', expression: raw };
  }
  if (!isObj(raw)) return bad(`${where} must be a condition table, a string expression or a function`);
  const o = raw;
  sayNearMisses(o, CONDITION_KEYS, where, resolver);
  const value = o.expected_value ?? o.value ?? o.expected ?? null;
  const type = String(o.type ?? (o.expression !== undefined ? 'expression' : o.tool !== undefined ? 'tool' : ''));
  const sub = (v: unknown, w: string) => asArray(v, w).map((c, i) => parseCondition(c, resolver, `${w}[${i + 1}]`));
  switch (type) {
    case 'always': return { type: 'always' };
    case 'never': return { type: 'never' };
    case 'shared_data_equals': return { type: 'shared_data_equals', key: String(o.key), value };
    case 'shared_data_exists': return { type: 'shared_data_exists', key: String(o.key) };
    case 'shared_data_greater_than': return { type: 'shared_data_greater_than', key: String(o.key), value: Number(value) };
    case 'shared_data_less_than': return { type: 'shared_data_less_than', key: String(o.key), value: Number(value) };
    case 'step_output_equals': case 'step_result_equals': return { type: 'step_output_equals', step: String(o.step ?? o.step_name), value };
    case 'step_output_contains': return { type: 'step_output_contains', step: String(o.step ?? o.step_name), value: String(o.substring ?? value ?? '') };
    case 'input_equals': return { type: 'input_equals', key: String(o.key ?? ''), value };
    case 'and': return { type: 'and', conditions: sub(o.conditions, `${where}.conditions`) };
    case 'or': return { type: 'or', conditions: sub(o.conditions, `${where}.conditions`) };
    case 'not': return { type: 'not', condition: parseCondition(o.condition ?? (Array.isArray(o.conditions) ? o.conditions[0] : undefined), resolver, `${where}.condition`) };
    case 'custom': case 'expression':
      if (o.expression === undefined && fnValue(o, resolver)) return parseCondition(fnValue(o, resolver), resolver, where);
      return { type: 'expression', expression: String(o.expression ?? 'false') };
    case 'tool': return { type: 'tool', tool: String(o.tool), params: o.parameters ?? o.input ?? {} };
    case 'agent_decision': case 'agent': {
      const agent = typeof o.agent === 'string' ? o.agent : isComponent(o.agent, 'agent') ? o.agent : resolver.agent?.(o.agent);
      if (!agent) bad(`${where}: agent_decision needs 'agent' (a name or an agent)`);
      return { type: 'agent_decision', agent: agent!, prompt: o.prompt ?? o.input ?? o.question ?? '', expected: o.expected ?? o.expected_value ?? o.contains ?? o.value };
    }
    default:
      return bad(`${where}: unknown condition type '${type}' (always, never, shared_data_equals, shared_data_exists, shared_data_greater_than, shared_data_less_than, step_output_equals, step_output_contains, and, or, not, expression, tool, agent_decision)`);
  }
}

function fnValue(o: Raw, resolver: ConfigResolver): unknown {
  const v = o.fn ?? o.evaluate ?? o.check;
  return v !== undefined && (resolver.fn?.(v) || typeof v === 'function') ? v : undefined;
}

function baseOptions(o: Raw, type: WorkflowType, retention: RetentionSettings, resolver: ConfigResolver = {}): BaseWorkflowOptions {
  const name = typeof o.name === 'string' && o.name ? o.name : `${type}_${randomUUID().slice(0, 8)}`;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) bad(`workflow name '${name}' may use letters, digits, _ . and - only`);
  return {
    name,
    description: typeof o.description === 'string' ? o.description : undefined,
    errorStrategy: parseErrorStrategy(o.error_strategy ?? o.on_error, `workflow '${name}'`, resolver),
    timeoutMs: timeoutOf(o, `workflow '${name}'`),
    retention,
    distributed: o.distributed === true,
  };
}

function parseBranches(raw: unknown, resolver: ConfigResolver, where: string): BranchSpec[] {
  const list: Array<[string | undefined, unknown]> = Array.isArray(raw)
    ? raw.map((b) => [undefined, b])
    : isObj(raw) ? Object.entries(raw) : bad(`${where} must be an array of branches`);
  return list.map(([key, b], i) => {
    if (!isObj(b)) bad(`${where}[${i + 1}] must be a table with 'steps'`);
    const name = typeof b.name === 'string' && b.name ? b.name : key ?? bad(`Branch requires 'name' field (${where}[${i + 1}])`);
    if (b.steps === undefined && b.workflow === undefined) bad(`Branch '${name}' requires 'steps' array`);
    sayNearMisses(b, BRANCH_KEYS, `branch '${name}'`, resolver);
    const steps = b.steps !== undefined ? parseSteps(b.steps, resolver, `branch '${name}'.steps`) : [parseStep({ name, workflow: b.workflow, input: b.input }, 0, resolver)];
    const spec: BranchSpec = { name, steps };
    if (b.condition !== undefined) spec.condition = parseCondition(b.condition, resolver, `branch '${name}'.condition`);
    if (b.optional === true || b.required === false) spec.optional = true;
    const t = timeoutOf(b, `branch '${name}'`);
    if (t !== undefined) spec.timeoutMs = t;
    return spec;
  });
}

/** Builds a workflow from a script's option table (DOC and CODE spellings both accepted). */
export function createWorkflowFromConfig(type: string, raw: unknown, resolver: ConfigResolver = {}, retention: RetentionSettings = DEFAULT_RETENTION): BaseWorkflow {
  if (!isObj(raw)) bad(`Workflow.${type} needs a table/object of options`);
  const o = raw;
  if (resolver.warn && KEYS_OF_TYPE[type]) {
    // every message names the call and the workflow, as the script wrote them
    const say = resolver.warn;
    const at = `Workflow.${type}${typeof o.name === 'string' ? ` '${o.name}'` : ''}`;
    resolver = { ...resolver, warn: (message) => say(`${at}: ${message}`) };
    sayNearMisses(o, KEYS_OF_TYPE[type], '', resolver);
  }
  switch (type) {
    case 'sequential': {
      if (o.steps === undefined) bad("Sequential workflow requires 'steps' array");
      if (o.distributed === true) bad('distributed applies to parallel and loop workflows (their branches or iterations become jobs)');
      return new SequentialWorkflow(baseOptions(o, 'sequential', retention, resolver), parseSteps(o.steps, resolver));
    }
    case 'conditional': {
      if (o.branches === undefined) bad("Conditional workflow requires 'branches'");
      if (o.distributed === true) bad('distributed applies to parallel and loop workflows (their branches or iterations become jobs)');
      const branches = parseBranches(o.branches, resolver, 'branches');
      const dRaw = o.default_branch ?? o.default ?? o.else;
      let def: BranchSpec | undefined;
      if (dRaw !== undefined) {
        def = Array.isArray(dRaw)
          ? { name: 'default', steps: parseSteps(dRaw, resolver, 'default_branch') }
          : parseBranches([{ name: 'default', ...(dRaw as Raw) }], resolver, 'default_branch')[0];
      }
      return new ConditionalWorkflow(baseOptions(o, 'conditional', retention, resolver), branches, def, o.execute_all_matching === true);
    }
    case 'loop': {
      const it = isObj(o.iterator) ? o.iterator : o.range !== undefined || o.collection !== undefined || o.while_condition !== undefined ? o : undefined;
      if (!it) bad("Loop workflow requires 'iterator' (range, collection or while_condition)");
      let iterator: LoopIterator;
      let defaultMax = 10_000;
      if (it !== o) sayNearMisses(it, ITERATOR_KEYS, 'iterator', resolver);
      if (it.range !== undefined) {
        const r = isObj(it.range) ? it.range : bad('iterator.range must be a table {start, end, step}');
        sayNearMisses(r, RANGE_KEYS, 'iterator.range', resolver);
        const end = num(r.end ?? r.stop, 'iterator.range.end');
        if (end === undefined) bad('Failed to get range end (iterator.range.end is required)');
        iterator = { kind: 'range', start: num(r.start, 'iterator.range.start') ?? 0, end: end!, step: num(r.step, 'iterator.range.step') ?? 1 };
      } else if (it.collection !== undefined || it.items !== undefined) {
        const raw = it.collection ?? it.items;
        // `collection = function() … end` is computed when the loop starts (from state, say).
        const compute = resolver.fn?.(raw) ?? (typeof raw === 'function' ? (raw as (...a: unknown[]) => Promise<unknown>) : undefined);
        iterator = { kind: 'collection', items: compute ?? asArray(raw, 'iterator.collection') };
      } else if (it.while_condition !== undefined || it.condition !== undefined) {
        iterator = { kind: 'while', condition: parseCondition(it.while_condition ?? it.condition, resolver, 'iterator.while_condition') };
        defaultMax = 100;
      } else {
        return bad("Iterator must contain 'range', 'collection', or 'while_condition'");
      }
      const maxIterations = num(o.max_iterations ?? it.max_iterations, 'max_iterations') ?? defaultMax;
      const bodyRaw = o.body ?? o.steps;
      if (bodyRaw === undefined) bad("Loop workflow requires 'body' (an array of steps or a workflow)");
      const body = Array.isArray(bodyRaw) || (isObj(bodyRaw) && Object.keys(bodyRaw).length === 0)
        ? parseSteps(bodyRaw, resolver, 'body')
        : [parseStep({ name: 'body', workflow: bodyRaw }, 0, resolver, 'body')];
      const breaks = [...(o.break_conditions !== undefined ? asArray(o.break_conditions, 'break_conditions') : []), ...(o.break_condition !== undefined ? [o.break_condition] : [])]
        .map((c, i) => parseCondition(c, resolver, `break_conditions[${i + 1}]`));
      const aggRaw = String(o.aggregation_strategy ?? o.aggregation ?? o.aggregate ?? 'collect_all');
      // The reference ignored this key, so scripts carry other names (collect_outputs…):
      // anything unknown collects every iteration's output.
      const agg = (['collect_all', 'last', 'summary', 'concat', 'none'].includes(aggRaw) ? aggRaw : 'collect_all') as Aggregation;
      const loopConcurrency = num(o.max_concurrency, 'max_concurrency') ?? 16;
      if (loopConcurrency < 1) bad('max_concurrency must be at least 1');
      return new LoopWorkflow(baseOptions(o, 'loop', retention, resolver), iterator, body, maxIterations, breaks, agg, loopConcurrency);
    }
    case 'parallel': {
      if (o.branches === undefined && o.steps === undefined) bad("Parallel workflow requires either 'branches' or 'steps' field");
      const branches = o.branches !== undefined
        ? parseBranches(o.branches, resolver, 'branches')
        : parseSteps(o.steps, resolver).map((s) => ({ name: s.name, steps: [s] }));
      const maxConcurrency = num(o.max_concurrency, 'max_concurrency') ?? branches.length;
      if (maxConcurrency < 1) bad('max_concurrency must be at least 1');
      const options = baseOptions(o, 'parallel', retention, resolver);
      const failFast = typeof o.fail_fast === 'boolean' ? o.fail_fast : options.errorStrategy?.kind !== 'continue';
      return new ParallelWorkflow(options, branches, maxConcurrency, failFast);
    }
    default:
      return bad(`Unknown workflow type: ${type} (sequential, conditional, loop, parallel)`);
  }
}

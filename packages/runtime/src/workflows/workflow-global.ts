import { randomUUID } from 'node:crypto';
import {
  HANDLE_KEY, LlmspellError, hostMethod, isScriptCallback, isScriptSnapshot, markScriptSnapshot,
  type Component, type ExecutionContext, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import {
  createWorkflowFromConfig, decodeUnitRunId, executeWorkflow, revivedResult, workflowAsTool, DEFAULT_RETENTION, CheckpointStore, runScope, UNIT_DISPATCHER, UNIT_TARGET,
  type BaseWorkflow, type ConfigResolver, type RetentionSettings, type RunRecord, type UnitTarget, type WorkflowInput, type WorkflowResult,
} from '@llmspell/workflows';
import type { GlobalScope, RuntimeHost } from '../global-scope.js';
import { queueUnitDispatcher } from './workflow-dispatcher.js';
import type { WorkflowsConfigKey } from './workflows-config.js';

const TYPES = ['sequential', 'conditional', 'loop', 'parallel'] as const;

interface InstanceHooks {
  before: Array<(...a: ScriptValue[]) => Promise<ScriptValue>>;
  after: Array<(...a: ScriptValue[]) => Promise<ScriptValue>>;
  error: Array<(...a: ScriptValue[]) => Promise<ScriptValue>>;
}

/** `[workflows] checkpoint_retention_runs / _days`; a value that is not a positive number is CONFIG_INVALID (it used to mean the default). */
function retentionFrom(runtime: RuntimeHost): RetentionSettings {
  const w = runtime.config.workflows as Record<string, unknown>;
  const setting = (key: WorkflowsConfigKey, fallback: number): number => {
    const value = w[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new LlmspellError('CONFIG_INVALID', `workflows.${key} must be a positive number, got ${JSON.stringify(value)}`, { details: { key: `workflows.${key}` } });
    }
    return value;
  };
  return {
    maxRuns: setting('checkpoint_retention_runs', DEFAULT_RETENTION.maxRuns),
    maxAgeMs: setting('checkpoint_retention_days', DEFAULT_RETENTION.maxAgeMs / 86_400_000) * 86_400_000,
  };
}

function isComponent(v: unknown, kind: string): v is Component {
  return typeof v === 'object' && v !== null && (v as Component).kind === kind && typeof (v as Component).run === 'function';
}

/** Script values → host objects for workflow configs: functions, agent and workflow handles. */
function resolverFor(scope: GlobalScope): ConfigResolver {
  const { runtime, handles } = scope;
  const said = new Set<string>();
  const byHandleOrName = (value: unknown, kind: 'agent' | 'workflow'): Component | undefined => {
    const entity = handles.resolve<unknown>(value, kind);
    if (isComponent(entity, kind)) return entity;
    if (entity && typeof entity === 'object' && isComponent((entity as { component?: unknown }).component, kind)) {
      return (entity as { component: Component }).component;
    }
    const name = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).name : undefined;
    if (typeof name === 'string') return kind === 'agent' ? runtime.agents.get(name) : runtime.workflows.get(name);
    return undefined;
  };
  return {
    agent: (v) => byHandleOrName(v, 'agent'),
    workflow: (v) => byHandleOrName(v, 'workflow'),
    // a step function that answers at once (callNow) costs the workflow no promise
    fn: (v) => (isScriptCallback(v) ? (...args: unknown[]) => (v.callNow ? v.callNow(...(args as ScriptValue[])) : v.call(...(args as ScriptValue[]))) : undefined),
    // once per run: a workflow made in a loop says its typo once
    warn: (message) => {
      if (said.has(message)) return;
      said.add(message);
      scope.output.stderr(`warning: ${message}`);
    },
  };
}

/** `wf:execute(x)`: `{run_id=…, input=…}` names a durable run; anything else is the input. */
function toWorkflowInput(value: ScriptValue): WorkflowInput {
  if (value && typeof value === 'object' && !Array.isArray(value) && !isScriptCallback(value)) {
    const o = value as Record<string, unknown>;
    if ('run_id' in o || 'input' in o) {
      if (o.run_id !== undefined && o.run_id !== null && typeof o.run_id !== 'string') {
        throw new LlmspellError('INVALID_ARGUMENT', "execute: 'run_id' must be a string");
      }
      return { input: o.input ?? null, run_id: (o.run_id as string | undefined) ?? undefined };
    }
  }
  return { input: value ?? null };
}

export function createWorkflowGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const { runtime, handles } = scope;
  const resolver = resolverFor(scope);
  // read when a workflow is made: a bad setting fails the scripts that use workflows, not every script
  let retention: RetentionSettings | undefined;
  const retentionOf = () => (retention ??= retentionFrom(runtime));
  const instanceHooks = new WeakMap<BaseWorkflow, InstanceHooks>();
  let defaultErrorHandler: ((...a: ScriptValue[]) => Promise<ScriptValue>) | undefined;
  let debug = false;
  // A queue job running one unit of a distributed workflow: that workflow runs only the unit
  // and ends the script with its outcome. Otherwise, with a queue configured, distributed
  // workflows send their units to workers (never from inside a unit: no nested dispatch).
  const unit = decodeUnitRunId(runtime.service<string>('resumeRunId'));
  // Automatic run ids of distributed workflows derive from this script run's id, which a
  // unit's job carries: the worker's replay of the script then names them alike.
  const scriptRun = unit?.script_run ?? randomUUID();
  const autoRuns = new Map<string, number>();
  const autoRunId = (name: string) => {
    const n = (autoRuns.get(name) ?? 0) + 1;
    autoRuns.set(name, n);
    return n === 1 ? `${name}-${scriptRun}` : `${name}-${scriptRun}-${n}`;
  };
  const queue = runtime.config.queue;
  const dispatcher = !unit && scope.script && queue.url && queue.distribute_workflows && runtime.state ? queueUnitDispatcher(runtime, scope.script, scriptRun) : undefined;
  const workflowContext = (): ExecutionContext => {
    const ctx = scope.context();
    if (unit && scope.finish) {
      const target: UnitTarget = { unit, finish: (outcome) => scope.finish!(outcome as unknown as ScriptValue) };
      return { ...ctx, services: { ...ctx.services, [UNIT_TARGET]: target } };
    }
    return dispatcher ? { ...ctx, services: { ...ctx.services, [UNIT_DISPATCHER]: dispatcher } } : ctx;
  };

  const run = async (wf: BaseWorkflow, input: WorkflowInput): Promise<ScriptValue> => {
    if (wf.distributed && input.run_id === undefined && (dispatcher || unit)) input = { ...input, run_id: autoRunId(wf.name) };
    if (unit?.workflow === wf.name) return (await executeWorkflow(wf, input, workflowContext())) as unknown as ScriptValue;
    if (unit && input.run_id && runtime.state) {
      // Replaying the script on a worker to reach the unit's workflow: a workflow that already
      // ran (to success or failure) in the dispatching run gives its recorded result, not a rerun.
      const record = await new CheckpointStore(runtime.state, runScope(wf.name)).loadRun(input.run_id);
      if (record?.result && (record.status === 'completed' || record.status === 'failed')) return revivedResult(record.result as WorkflowResult) as unknown as ScriptValue;
    }
    // `llmspell resume <id>` re-runs the script; a workflow started without a run id of its
    // own continues that run when it is one of this workflow's.
    const resumeId = unit ? undefined : runtime.service<string>('resumeRunId');
    if (input.run_id === undefined && resumeId && runtime.state) {
      const record = await new CheckpointStore(runtime.state, runScope(wf.name)).loadRun(resumeId);
      if (record) input = { ...input, run_id: resumeId, input: input.input ?? record.input };
    }
    const hooks = instanceHooks.get(wf);
    for (const h of hooks?.before ?? []) await h({ workflow_id: wf.id, name: wf.name, input: (input.input ?? null) as ScriptValue });
    const result: WorkflowResult = await executeWorkflow(wf, input, workflowContext());
    if (debug) runtime.logger.info(`workflow ${wf.name}: ${result.success ? 'ok' : 'failed'} in ${result.duration_ms} ms`, { steps: result.metadata.steps_executed });
    if (result.success) for (const h of hooks?.after ?? []) await h(result as unknown as ScriptValue);
    else {
      const handlers = [...(hooks?.error ?? []), ...(defaultErrorHandler ? [defaultErrorHandler] : [])];
      for (const h of handlers) await h((result.error ?? null) as unknown as ScriptValue, result as unknown as ScriptValue);
    }
    // made for this call and not changed afterwards: a bridge may convert it as the script reads
    // it (a 5,000-step run's result is thousands of records, and most scripts read `success`)
    return (Object.isExtensible(result) && !isScriptSnapshot(result) ? markScriptSnapshot(result) : result) as unknown as ScriptValue;
  };

  const callbackOf = (fn: ScriptValue, what: string) => {
    if (!isScriptCallback(fn)) throw new LlmspellError('INVALID_ARGUMENT', `${what} needs a function`);
    return (...a: ScriptValue[]) => fn.call(...a);
  };

  const instance = (wf: BaseWorkflow): ScriptObject => {
    const id = handles.add('workflow', wf);
    const hooksFor = () => {
      let h = instanceHooks.get(wf);
      if (!h) instanceHooks.set(wf, (h = { before: [], after: [], error: [] }));
      return h;
    };
    return {
      [HANDLE_KEY]: id,
      id: wf.id,
      name: wf.name,
      type: wf.type,
      execute: hostMethod((input?: ScriptValue) => run(wf, toWorkflowInput(input ?? null))),
      getInfo: hostMethod(() => ({ id: wf.id, name: wf.name, type: wf.type, description: wf.description, steps: wf.steps().map((s) => ({ name: s.name, kind: s.kind })) })),
      validate: hostMethod(() => {
        const errors: string[] = [];
        const warnings: string[] = [];
        for (const s of wf.steps()) {
          if (s.kind === 'tool' && !runtime.tools.has(s.tool ?? '')) errors.push(runtime.tools.notFoundError(s.tool ?? '', { prefix: `step '${s.name}': `, noun: 'Tool' }).detail);
          if (s.kind === 'agent' && typeof s.agent === 'string' && !runtime.agents.has(s.agent)) warnings.push(`step '${s.name}': agent '${s.agent}' is not created yet`);
        }
        return { valid: errors.length === 0, workflow_id: wf.id, errors, warnings };
      }),
      getMetrics: hostMethod(() => ({ workflow_id: wf.id, execution: wf.metrics as unknown as ScriptValue })),
      getState: hostMethod(async (key: ScriptValue) => (runtime.state ? ((await runtime.state.get(runScope(wf.name), String(key))) as ScriptValue) ?? null : null)),
      setState: hostMethod(async (key: ScriptValue, value: ScriptValue) => {
        if (!runtime.state) throw new LlmspellError('STATE_ERROR', 'no state layer is available');
        await runtime.state.set(runScope(wf.name), String(key), value ?? null);
        return null;
      }),
      onBeforeExecute: hostMethod((fn: ScriptValue) => {
        hooksFor().before.push(callbackOf(fn, 'onBeforeExecute'));
        return { workflow_id: wf.id, hook_type: 'before_execute' };
      }),
      onAfterExecute: hostMethod((fn: ScriptValue) => {
        hooksFor().after.push(callbackOf(fn, 'onAfterExecute'));
        return { workflow_id: wf.id, hook_type: 'after_execute' };
      }),
      onError: hostMethod((fn: ScriptValue) => {
        hooksFor().error.push(callbackOf(fn, 'onError'));
        return { workflow_id: wf.id, hook_type: 'error' };
      }),
      emit: hostMethod((event: ScriptValue, data?: ScriptValue) => {
        runtime.events?.publish(String(event), data ?? null, { source: `workflow:${wf.name}`, language: scope.language });
        return { success: true, workflow_id: wf.id, event_name: String(event) };
      }),
      debug: hostMethod(() => ({ workflow_id: wf.id, name: wf.name, type: wf.type, metrics: wf.metrics as unknown as ScriptValue })),
    };
  };

  const create = (type: (typeof TYPES)[number]) => (config: ScriptValue) => {
    const wf = createWorkflowFromConfig(type, config, resolver, retentionOf());
    const script = runtime.service<RunRecord['script']>('scriptInfo');
    if (script) wf.scriptInfo = script;
    runtime.workflows.register(wf, { replace: true });
    return instance(wf);
  };

  const find = (idOrName: ScriptValue): BaseWorkflow | undefined => {
    const handle = handles.resolve<BaseWorkflow>(idOrName, 'workflow');
    if (handle) return handle;
    if (typeof idOrName !== 'string') return undefined;
    return (runtime.workflows.get(idOrName) ?? runtime.workflows.list().find((w) => (w as BaseWorkflow).id === idOrName)) as BaseWorkflow | undefined;
  };

  const Workflow: ScriptObject = {
    sequential: create('sequential'),
    conditional: create('conditional'),
    loop: create('loop'),
    parallel: create('parallel'),
    types: () => [...TYPES],
    list: () => runtime.workflows.list().map((w) => {
      const wf = w as BaseWorkflow;
      return { id: wf.id, name: wf.name, type: wf.type, description: wf.description, features: ['checkpoints', 'hooks', 'events'] };
    }),
    get: (id: ScriptValue) => {
      const wf = find(id);
      return wf ? instance(wf) : null;
    },
    remove: (id: ScriptValue) => {
      const wf = find(id);
      if (!wf) throw new LlmspellError('WORKFLOW_NOT_FOUND', `No active workflow with ID: ${String(id)}`);
      runtime.workflows.unregister(wf.name);
      return null;
    },
    register: (type: ScriptValue, params: ScriptValue) => {
      if (typeof type !== 'string' || !(TYPES as readonly string[]).includes(type)) {
        throw new LlmspellError('INVALID_ARGUMENT', `Unknown workflow type: ${String(type)}`);
      }
      const wf = createWorkflowFromConfig(type, params, resolver, retentionOf());
      runtime.workflows.register(wf, { replace: true });
      return wf.id;
    },
    clear: () => {
      runtime.workflows.clear();
      return null;
    },
    /** Older scripts' static form: `Workflow.execute(wf, input)`. */
    execute: async (wfValue: ScriptValue, input?: ScriptValue) => {
      const wf = find(wfValue);
      if (!wf) throw new LlmspellError('WORKFLOW_NOT_FOUND', 'Workflow.execute(wf, input): pass a workflow (or its name or id)');
      return run(wf, toWorkflowInput(input ?? null));
    },
    resume: async (runId: ScriptValue, wfValue?: ScriptValue) => {
      if (typeof runId !== 'string' || !runId) throw new LlmspellError('INVALID_ARGUMENT', 'Workflow.resume needs a run id');
      const wf = find(wfValue ?? null);
      if (!wf) throw new LlmspellError('WORKFLOW_NOT_FOUND', 'Workflow.resume(run_id, wf): pass the workflow to resume (or its name)');
      if (!runtime.state) throw new LlmspellError('STATE_ERROR', 'resuming needs the state layer');
      const record = await new CheckpointStore(runtime.state, runScope(wf.name)).loadRun(runId);
      if (!record) throw new LlmspellError('NOT_FOUND', `no run '${runId}' of workflow '${wf.name}'`);
      return run(wf, { run_id: runId, input: record.input });
    },
    runs: async (name: ScriptValue) => {
      const wf = find(name);
      if (!wf || !runtime.state) return [];
      const scopeName = runScope(wf.name);
      const keys = (await runtime.state.keys(scopeName)).filter((k) => k.startsWith('run:') && !k.includes(':step:'));
      const out: ScriptValue[] = [];
      for (const k of keys) {
        const r = (await runtime.state.get(scopeName, k)) as RunRecord | undefined;
        if (r) out.push({ run_id: r.run_id, status: r.status, started_at: r.started_at, updated_at: r.updated_at, steps_completed: r.steps_completed });
      }
      return out;
    },
    asTool: (wfValue: ScriptValue, options?: ScriptValue) => {
      const wf = find(wfValue);
      if (!wf) throw new LlmspellError('WORKFLOW_NOT_FOUND', 'Workflow.asTool needs a workflow (or its name)');
      const o = (options && typeof options === 'object' ? options : {}) as Record<string, unknown>;
      const tool = workflowAsTool(wf, { name: (o.tool_name ?? o.name) as string | undefined, description: o.description as string | undefined });
      runtime.registerTool(tool, { replace: true });
      return tool.name;
    },
    setDefaultErrorHandler: (fn: ScriptValue) => {
      defaultErrorHandler = fn === null || fn === undefined ? undefined : callbackOf(fn, 'setDefaultErrorHandler');
      return null;
    },
    enableDebug: (on: ScriptValue) => {
      debug = on !== false && on !== null;
      return null;
    },
    isDebugEnabled: () => debug,
  };
  Workflow.wrapAsTool = Workflow.asTool;
  return { Workflow };
}

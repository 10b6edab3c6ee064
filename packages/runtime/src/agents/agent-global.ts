import { AgentConfigSchema, LlmAgent, agentAsTool, agentChunkIterator, streamAgent, type AgentOutput } from '@llmspell/agents';
import {
  ASYNC_ITERATOR_KEY, HANDLE_KEY, LlmspellError, closestMatch, declaredKeys, executeComponent, hostAsync, hostMethod, isPlainObject, isScriptCallback,
  type Component, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';
import { invokeToolNow } from '../globals/tool.js';
import type { AgentServices } from './agent-services.js';
import { agentTypeInfo, agentTypes } from './agent-types.js';

type Sv = ScriptValue;

function asName(fn: string, value: Sv, parameter = 'name'): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter '${parameter}' must be a non-empty string`, { details: { parameter } });
  }
  return value;
}

/**
 * rs-llmspell's examples pass the internal agent config to Agent.register/create:
 * `model = {provider, model_id, temperature, max_tokens, settings}`, `custom_config =
 * {system_prompt}`, `allowed_tools`, `resource_limits = {max_execution_time_secs}`. Map it to
 * the flat fields.
 */
export function fromReferenceConfig(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  const model = config.model;
  if (isPlainObject(model)) {
    const m = model as Record<string, unknown>;
    const id = m.model_id ?? m.model ?? m.name;
    out.model = m.provider && id ? `${String(m.provider)}/${String(id)}` : id;
    if (m.temperature !== undefined && out.temperature === undefined) out.temperature = m.temperature;
    if (m.max_tokens !== undefined && out.max_tokens === undefined) out.max_tokens = m.max_tokens;
    const settings = isPlainObject(m.settings) ? (m.settings as Record<string, unknown>) : {};
    if (settings.base_url !== undefined && out.base_url === undefined) out.base_url = settings.base_url;
    if (settings.api_key !== undefined && out.api_key === undefined) out.api_key = settings.api_key;
  }
  const custom = isPlainObject(config.custom_config) ? (config.custom_config as Record<string, unknown>) : undefined;
  if (custom?.system_prompt !== undefined && out.system_prompt === undefined) out.system_prompt = custom.system_prompt;
  if (Array.isArray(config.allowed_tools) && out.tools === undefined) out.tools = config.allowed_tools;
  const limits = isPlainObject(config.resource_limits) ? (config.resource_limits as Record<string, unknown>) : undefined;
  if (typeof limits?.max_execution_time_secs === 'number' && out.timeout_ms === undefined) out.timeout_ms = limits.max_execution_time_secs * 1000;
  for (const k of ['custom_config', 'allowed_tools', 'resource_limits', 'agent_type']) delete out[k];
  return out;
}

/** The fields an agent's config may have: what Agent.create reads, and the reference's that fromReferenceConfig maps. */
let knownFields: string[] | undefined;

/**
 * A field that is a near miss of one Agent.create reads (`temprature`) is a typo most likely:
 * the script is told on its stderr, as a config's near miss is. Other unknown fields stay
 * quiet, since the reference's configs carry fields llmspell does not read.
 */
function sayNearMisses(scope: GlobalScope, fn: string, config: Record<string, unknown>): void {
  knownFields ??= [...(declaredKeys(AgentConfigSchema)?.keys ?? []), 'custom_config', 'allowed_tools', 'resource_limits'];
  for (const key of Object.keys(config)) {
    if (knownFields.includes(key)) continue;
    const meant = closestMatch(key, knownFields);
    if (meant !== undefined) scope.output.stderr(`warning: ${fn}: unknown field '${key}' is ignored (did you mean '${meant}'?)`);
  }
}

/** The config of an Agent.create-like call, as the agent package takes it. */
function agentConfig(scope: GlobalScope, fn: string, value: Sv): Record<string, unknown> {
  const config = asTable(fn, value, 'config');
  sayNearMisses(scope, fn, config);
  return fromReferenceConfig(config);
}

function asTable(fn: string, value: Sv, parameter: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) {
    throw new LlmspellError('INVALID_ARGUMENT', `${fn}: parameter '${parameter}' must be a table/object`, { details: { parameter } });
  }
  return value as Record<string, unknown>;
}

/** DOC form `agent:execute("prompt", {temperature=…, max_tokens=…})`: options join the input. */
function withOptions(input: Sv, options: Sv): Sv {
  if (options === undefined || options === null) return input;
  const extra = asTable('agent:invoke', options, 'options');
  if (typeof input === 'string') return { ...extra, text: input } as Sv;
  if (isPlainObject(input)) return { ...extra, ...(input as Record<string, unknown>) } as Sv;
  return input;
}

/** Reference functions that were stubs or debugging aids; a clear error beats "attempt to call nil". */
const UNSUPPORTED = [
  'createFromTemplate', 'createComposite', 'getHierarchy', 'createContext', 'createChildContext', 'updateContext',
  'getContextData', 'removeContext', 'setSharedMemory', 'getSharedMemory',
];

function isLlmAgent(value: unknown): value is LlmAgent {
  return value instanceof LlmAgent;
}

/** Capabilities an agent advertises (for getInfo / discoverByCapability). */
function capabilities(agent: LlmAgent): string[] {
  const caps = ['text_generation', 'conversation', 'streaming', 'structured_output'];
  if (agent.config.tools.length > 0) caps.push('tool_use');
  return caps;
}

function info(agent: Component): ScriptObject {
  if (!isLlmAgent(agent)) return { name: agent.name, description: agent.description, type: agent.kind };
  return {
    name: agent.name,
    description: agent.description,
    type: agent.config.agentType,
    agent_type: agent.config.agentType,
    model: `${agent.provider}/${agent.modelId}`,
    provider: agent.provider,
    tools: [...agent.config.tools],
    capabilities: capabilities(agent),
    state: agent.getState(),
  };
}

/** The script object standing for one agent; its functions are methods (`agent:invoke(…)`). */
function agentObject(scope: GlobalScope, services: AgentServices, agent: LlmAgent): ScriptObject {
  const runtime = scope.runtime;
  const handle = scope.handles.add('agent', agent);
  const run = (input: Sv, options?: Sv) => executeComponent(agent, withOptions(input, options), scope.context()) as Promise<AgentOutput>;
  const needState = (fn: string) => {
    if (!runtime.state) throw new LlmspellError('STATE_ERROR', `agent:${fn}(): state is not available (enable [runtime.state_persistence])`);
    return runtime.state;
  };
  // `content` is the text under the name some reference examples read.
  const invoke = hostMethod(async (input?: Sv, options?: Sv) => {
    const out = await run(input ?? null, options);
    return { ...out, content: out.text } as unknown as Sv;
  });
  const toolMeta = (name: string): ScriptObject | null => {
    const tool = runtime.tools.get(name);
    return tool ? { name: tool.name, description: tool.description, version: tool.version } : null;
  };
  return {
    [HANDLE_KEY]: handle,
    name: agent.name,
    description: agent.description,
    model: `${agent.provider}/${agent.modelId}`,
    provider: agent.provider,
    invoke,
    execute: invoke,
    /** DOC: `agent:complete(prompt)` returns just the text. */
    complete: hostMethod(async (input?: Sv, options?: Sv) => (await run(input ?? null, options)).text),
    invokeStream: hostMethod(async (input: Sv, callback: Sv) => {
      if (!isScriptCallback(callback)) {
        throw new LlmspellError('INVALID_ARGUMENT', "agent:invokeStream(input, callback): parameter 'callback' must be a function", { details: { parameter: 'callback' } });
      }
      let n = 0;
      try {
        const out = await streamAgent(agent, input ?? null, scope.context(), async (chunk) => {
          n += 1;
          await callback.call({ text: chunk.text });
        });
        return { ...out, success: true, chunks_received: n } as unknown as Sv;
      } finally {
        callback.release();
      }
    }),
    /**
     * A pull stream (core's `ScriptAsyncIterator`): `stream:next()` → `{done, value={text}}`.
     */
    stream: hostMethod((input?: Sv) => {
      const it = agentChunkIterator(agent, input ?? null, scope.context());
      return {
        [ASYNC_ITERATOR_KEY]: true,
        next: hostMethod(async () => {
          const r = await it.next();
          return r.done ? { done: true } : { done: false, value: r.value as unknown as Sv };
        }),
        return: hostMethod(async () => {
          await it.return();
          return { done: true };
        }),
        result: hostMethod(async () => (await it.result()) as unknown as Sv),
      };
    }),
    getConfig: hostMethod(() => agent.getConfig() as ScriptObject),
    getState: hostMethod(() => agent.getState()),
    getAgentState: hostMethod(() => agent.getState()),
    getLastError: hostMethod(() => agent.getLastError() ?? null),
    isHealthy: hostMethod(() => agent.getState() !== 'Error' && !agent.destroyed),
    getHealth: hostMethod(() => ({
      status: agent.destroyed ? 'terminated' : agent.getState() === 'Error' ? 'unhealthy' : 'healthy',
      message: agent.getLastError() ?? 'ok',
      timestamp: new Date().toISOString(),
    })),
    getMetrics: hostMethod(() => ({ agent_id: agent.name, ...agent.metrics(), memory_bytes: 0, cpu_percent: 0 })),
    getPerformance: hostMethod(() => {
      const m = agent.metrics();
      const done = m.requests_total - m.requests_active;
      return {
        total_executions: m.requests_total,
        avg_execution_time_ms: done > 0 ? m.total_execution_time_ms / done : 0,
        success_rate: done > 0 ? (done - m.requests_failed) / done : 1,
        error_rate: done > 0 ? m.requests_failed / done : 0,
      };
    }),
    getHistory: hostMethod(() => agent.getHistory() as unknown as Sv),
    clearHistory: hostMethod(() => {
      agent.clearHistory();
      return null;
    }),
    saveState: hostMethod(async () => {
      await agent.saveState(needState('saveState'));
      return true;
    }),
    loadState: hostMethod(async () => agent.loadState(needState('loadState'))),
    deleteState: hostMethod(async () => agent.deleteState(needState('deleteState'))),
    discoverTools: hostMethod(() => runtime.tools.names()),
    hasTool: hostMethod((name: Sv) => typeof name === 'string' && runtime.tools.has(name)),
    getToolMetadata: hostMethod((name: Sv) => (typeof name === 'string' ? toolMeta(name) : null)),
    getAllToolMetadata: hostMethod(() => Object.fromEntries(runtime.tools.names().map((n) => [n, toolMeta(n)])) as ScriptObject),
    invokeTool: hostMethod(hostAsync((name: Sv, params: Sv) => invokeToolNow(scope, asName('agent:invokeTool', name, 'tool_name'), params ?? null))),
    destroy: hostMethod(() => {
      if (runtime.agents.get(agent.name) === agent) runtime.agents.unregister(agent.name);
      agent.destroyed = true;
      scope.handles.remove(handle);
      return null;
    }),
  };
}

/** The `Agent` global. */
export function createAgentGlobal(scope: GlobalScope, services: AgentServices): Record<string, ScriptValue> {
  const runtime = scope.runtime;
  const llmAgents = () => runtime.agents.list().filter(isLlmAgent);
  const find = (fn: string, name: Sv): LlmAgent => {
    const n = asName(fn, name);
    const agent = runtime.agents.get(n);
    if (!agent) throw new LlmspellError('AGENT_NOT_FOUND', `${fn}: agent '${n}' not found`, { details: { name: n } });
    if (!isLlmAgent(agent)) throw new LlmspellError('UNSUPPORTED', `${fn}: '${n}' is not an LLM agent`);
    return agent;
  };

  const Agent: ScriptObject = {
    create: async (config: Sv) => {
      const agent = await services.create(agentConfig(scope, 'Agent.create', config));
      return agentObject(scope, services, agent);
    },
    /** Older scripts' spelling of create. */
    createAsync: async (config: Sv) => {
      const agent = await services.create(agentConfig(scope, 'Agent.createAsync', config));
      return agentObject(scope, services, agent);
    },
    get: (name: Sv) => {
      const agent = typeof name === 'string' ? runtime.agents.get(name) : undefined;
      return agent && isLlmAgent(agent) ? agentObject(scope, services, agent) : null;
    },
    list: () => runtime.agents.list().map(info),
    listInstances: () => runtime.agents.names(),
    discover: () => agentTypes(),
    listTemplates: () => [],
    /** CODE: `Agent.register(config)` → name. DOC: `Agent.register(name, agentOrConfig)`. */
    register: async (first: Sv, second?: Sv) => {
      if (typeof first === 'string') {
        const existing = scope.handles.resolve<LlmAgent>(second, 'agent');
        if (existing) {
          if (first !== existing.name) runtime.agents.register(existing, { replace: true, aliases: [first] });
          return first;
        }
        const agent = await services.create({ ...agentConfig(scope, 'Agent.register', second ?? null), name: first });
        return agent.name;
      }
      const agent = await services.create(agentConfig(scope, 'Agent.register', first));
      return agent.name;
    },
    getInfo: (name: Sv) => {
      const type = typeof name === 'string' && !runtime.agents.get(name) ? agentTypeInfo(name) : undefined;
      return type ?? info(find('Agent.getInfo', name));
    },
    getDetails: (name: Sv) => {
      const agent = find('Agent.getDetails', name);
      return { ...info(agent), config: agent.getConfig() as ScriptObject, metrics: agent.metrics() as unknown as ScriptObject };
    },
    listCapabilities: () => Object.fromEntries(llmAgents().map((a) => [a.name, capabilities(a)])) as ScriptObject,
    discoverByCapability: (cap: Sv) => llmAgents().filter((a) => capabilities(a).includes(String(cap))).map((a) => a.name),
    /** Registers the agent as a Tool (callable by Tool.invoke, other agents and workflows); returns the tool name. */
    wrapAsTool: (name: Sv, config?: Sv) => {
      const agent = find('Agent.wrapAsTool', name);
      const c = asTable('Agent.wrapAsTool', config ?? null, 'config');
      const toolName = c.tool_name ?? c.name;
      if (toolName !== undefined && typeof toolName !== 'string') {
        throw new LlmspellError('INVALID_ARGUMENT', "Agent.wrapAsTool: parameter 'tool_name' must be a string", { details: { parameter: 'tool_name' } });
      }
      const tool = agentAsTool(agent, { tool_name: toolName, description: typeof c.description === 'string' ? c.description : undefined });
      runtime.registerTool(tool);
      return tool.name;
    },
    destroy: (name: Sv) => {
      const agent = find('Agent.destroy', name);
      runtime.agents.unregister(agent.name);
      agent.destroyed = true;
      return null;
    },
    /**
     * Caps spending of this runtime's agents, in USD; nil removes the cap. With `[agents]
     * budget_usd` in config, that is the most a script may set (the tracker refuses more).
     */
    setBudget: (usd: Sv) => {
      if (usd !== null && usd !== undefined && typeof usd !== 'number') {
        throw new LlmspellError('INVALID_ARGUMENT', "Agent.setBudget: parameter 'usd' must be a number, or nil/null for no budget", { details: { parameter: 'usd' } });
      }
      services.budget.setLimit(usd ?? undefined);
      return null;
    },
    getBudget: () => services.budget.summary() as unknown as ScriptObject,
    getUsage: () => services.budget.summary() as unknown as ScriptObject,
    providers: () => services.providers.names(),
  };
  for (const fn of UNSUPPORTED) {
    Agent[fn] = () => {
      throw new LlmspellError('UNSUPPORTED', `Agent.${fn} is not supported by llmspell (it was a stub in rs-llmspell v0.5.0)`);
    };
  }
  return { Agent };
}

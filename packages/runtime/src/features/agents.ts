import { LlmspellError, type ScriptObject, type ScriptValue } from '@llmspell/core';
import type { AgentServices, AgentServicesOptions } from '../agents/agent-services.js';
import { AgentsConfigSchema } from '../agents/agents-config.js';
import type { GlobalScope, RuntimeFeature } from '../global-scope.js';
import type { LlmspellRuntime } from '../runtime.js';

export const AGENT_SERVICES = 'agents';

/**
 * @llmspell/agents pulls in the ai SDK and its providers, which costs more start-up time
 * than the rest of the runtime together; most scripts never touch `Agent`. It is imported
 * on the first call that needs it, once per process.
 */
type AgentImpl = typeof import('../agents/agent-impl.js');
let impl: AgentImpl | undefined;
let loading: Promise<AgentImpl> | undefined;

function loadImpl(): Promise<AgentImpl> {
  loading ??= import('../agents/agent-impl.js').then(
    (m) => (impl = m),
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Whether the agents implementation has been loaded in this process (for tests and benchmarks). */
export function agentsImplementationLoaded(): boolean {
  return impl !== undefined;
}

type BudgetSummary = ReturnType<AgentServices['budget']['summary']>;

/**
 * The runtime's agent services (service "agents"), built when the implementation is loaded.
 * Until then a budget set by the script is kept here and nothing can have been spent.
 */
export class LazyAgentServices {
  private services?: AgentServices;
  private limit: number | undefined;
  private limitChanged = false;

  constructor(private readonly runtime: LlmspellRuntime, private readonly options: AgentServicesOptions = {}) {
    // Checked at start-up, as before, so a bad [agents] section fails before the script runs.
    const parsed = AgentsConfigSchema.safeParse(runtime.config.agents ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LlmspellError('CONFIG_INVALID', `agents.${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    this.limit = parsed.data.budget_usd;
  }

  /** The services, if the implementation is loaded (it may be, by another runtime). */
  now(): AgentServices | undefined {
    if (!this.services && impl) {
      this.services = new impl.AgentServices(this.runtime, this.options);
      if (this.limitChanged) this.services.budget.setLimit(this.limit);
    }
    return this.services;
  }

  async load(): Promise<AgentServices> {
    await loadImpl();
    return this.now()!;
  }

  setBudget(usd: number | undefined): void {
    const services = this.now();
    if (services) return services.budget.setLimit(usd);
    // Same check and message as BudgetTracker.setLimit.
    if (usd !== undefined && !(Number.isFinite(usd) && usd >= 0)) {
      throw new LlmspellError('INVALID_ARGUMENT', `budget must be a non-negative number of USD, got ${usd}`, { details: { parameter: 'budget_usd' } });
    }
    this.limit = usd;
    this.limitChanged = true;
  }

  budgetSummary(): BudgetSummary {
    const services = this.now();
    if (services) return services.budget.summary();
    return { spent_usd: 0, budget_usd: this.limit ?? null, remaining_usd: this.limit ?? null, calls: 0, input_tokens: 0, output_tokens: 0 };
  }
}

/** Same as @llmspell/agents' KNOWN_PROVIDERS (a test keeps them equal). */
export const KNOWN_PROVIDER_NAMES: readonly string[] = [
  'openai', 'anthropic', 'ollama', 'lmstudio', 'vllm', 'local', 'custom', 'openai-compatible', 'groq', 'together', 'fireworks',
  'perplexity', 'mistral', 'deepseek', 'openrouter', 'gemini', 'cohere',
];

/** Same list as agent-global.ts (a test keeps them equal). */
const UNSUPPORTED = [
  'createFromTemplate', 'createComposite', 'getHierarchy', 'createContext', 'createChildContext', 'updateContext',
  'getContextData', 'removeContext', 'setSharedMemory', 'getSharedMemory',
];

/**
 * The `Agent` global without the implementation: calls that create agents load it; the
 * others answer as the full global would while no LLM agent can exist yet (none can
 * before the implementation is loaded), and delegate to it once it is.
 */
function createLazyAgentGlobal(scope: GlobalScope, lazy: LazyAgentServices): Record<string, ScriptValue> {
  const runtime = scope.runtime;
  let full: ScriptObject | undefined;
  const loaded = (): ScriptObject | undefined => {
    if (!full) {
      const services = lazy.now();
      if (services) full = impl!.createAgentGlobal(scope, services).Agent as ScriptObject;
    }
    return full;
  };
  type Fn = (...args: ScriptValue[]) => ScriptValue | Promise<ScriptValue>;
  const call = (real: ScriptObject, name: string, args: ScriptValue[]) => (real[name] as Fn)(...args);
  /** Loads the implementation, then calls. */
  const later = (name: string): Fn => async (...args) => {
    await lazy.load();
    return call(loaded()!, name, args);
  };
  /** Calls the implementation if loaded, else answers with `unloaded`. */
  const now = (name: string, unloaded: Fn): Fn => (...args) => {
    const real = loaded();
    return real ? call(real, name, args) : unloaded(...args);
  };
  /** Agent.getInfo & co. with no LLM agent in existence: the same errors as the full global. */
  const notFound = (name: string): Fn => (value) => {
    if (typeof value !== 'string' || value.length === 0) {
      throw new LlmspellError('INVALID_ARGUMENT', `Agent.${name}: parameter 'name' must be a non-empty string`, { details: { parameter: 'name' } });
    }
    if (!runtime.agents.get(value)) throw new LlmspellError('AGENT_NOT_FOUND', `Agent.${name}: agent '${value}' not found`, { details: { name: value } });
    throw new LlmspellError('UNSUPPORTED', `Agent.${name}: '${value}' is not an LLM agent`);
  };

  const Agent: ScriptObject = {
    create: later('create'),
    get: now('get', () => null),
    list: now('list', () => runtime.agents.list().map((a) => ({ name: a.name, description: a.description, type: a.kind }))),
    listInstances: now('listInstances', () => runtime.agents.names()),
    discover: now('discover', () => [{ type: 'llm', description: 'LLM-powered agent (ai SDK providers)' }]),
    listTemplates: now('listTemplates', () => []),
    register: later('register'),
    getInfo: now('getInfo', notFound('getInfo')),
    getDetails: now('getDetails', notFound('getDetails')),
    listCapabilities: now('listCapabilities', () => ({})),
    discoverByCapability: now('discoverByCapability', () => []),
    wrapAsTool: now('wrapAsTool', notFound('wrapAsTool')),
    destroy: now('destroy', notFound('destroy')),
    setBudget: now('setBudget', (usd) => {
      if (usd !== null && usd !== undefined && typeof usd !== 'number') {
        throw new LlmspellError('INVALID_ARGUMENT', "Agent.setBudget: parameter 'usd' must be a number or nil", { details: { parameter: 'usd' } });
      }
      lazy.setBudget(usd ?? undefined);
      return null;
    }),
    getBudget: now('getBudget', () => lazy.budgetSummary() as unknown as ScriptObject),
    getUsage: now('getUsage', () => lazy.budgetSummary() as unknown as ScriptObject),
    providers: now('providers', () => [...new Set([...KNOWN_PROVIDER_NAMES, ...Object.keys(runtime.config.providers.providers ?? {})])]),
  };
  for (const fn of UNSUPPORTED) {
    Agent[fn] = () => {
      throw new LlmspellError('UNSUPPORTED', `Agent.${fn} is not supported by llmspell (it was a stub in rs-llmspell v0.5.0)`);
    };
  }
  return { Agent };
}

/**
 * Installs the agents package: a provider registry, price table and budget per runtime
 * (service "agents", built on first use), and the `Agent` global. Options let tests inject models.
 */
export function createAgentsFeature(options: AgentServicesOptions = {}): RuntimeFeature {
  return {
    name: 'agents',
    setup(runtime) {
      runtime.services.set(AGENT_SERVICES, new LazyAgentServices(runtime, options));
    },
    globals(scope): Record<string, ScriptValue> {
      const lazy = scope.runtime.service<LazyAgentServices>(AGENT_SERVICES);
      return lazy ? createLazyAgentGlobal(scope, lazy) : {};
    },
  };
}

export const agentsFeature: RuntimeFeature = createAgentsFeature();

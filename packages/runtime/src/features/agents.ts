import { LlmspellError, type ScriptObject, type ScriptValue } from '@llmspell/core';
// The name list alone: this entry does not load the ai SDK.
import { KNOWN_PROVIDERS } from '@llmspell/agents/providers';
import type { AgentServices, AgentServicesOptions } from '../agents/agent-services.js';
import { AgentsConfigSchema } from '../agents/agents-config.js';
import { agentTypeInfo, agentTypes } from '../agents/agent-types.js';
import type { GlobalScope, RuntimeFeature, RuntimeHost } from '../global-scope.js';

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

  constructor(private readonly runtime: RuntimeHost, private readonly options: AgentServicesOptions = {}) {
    // Checked at start-up, as before, so a bad [agents] section fails before the script runs.
    const parsed = AgentsConfigSchema.safeParse(runtime.config.agents);
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
    // Same checks and messages as checkBudget in @llmspell/agents (not imported: that would load it).
    if (usd !== undefined && !(Number.isFinite(usd) && usd >= 0)) {
      throw new LlmspellError('INVALID_ARGUMENT', `budget must be a non-negative number of USD, got ${usd}`, { details: { parameter: 'budget_usd' } });
    }
    const ceiling = AgentsConfigSchema.safeParse(this.runtime.config.agents).data?.budget_usd;
    if (ceiling !== undefined && (usd === undefined || usd > ceiling)) {
      throw new LlmspellError(
        'OPERATION_NOT_ALLOWED',
        `budget ${usd === undefined ? 'removal' : `of $${usd}`} refused: [agents] budget_usd = ${ceiling} in the configuration is the most a script may set`,
        { details: { parameter: 'budget_usd', budget_usd: usd ?? null, ceiling_usd: ceiling, setting: 'agents.budget_usd' } },
      );
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
  const fn = (real: ScriptObject, name: string) => real[name] as Fn;
  /** Agent.getInfo & co. with no LLM agent in existence: the same errors as the full global. */
  const notFound = (fnName: string, value: ScriptValue): never => {
    if (typeof value !== 'string' || value.length === 0) {
      throw new LlmspellError('INVALID_ARGUMENT', `Agent.${fnName}: parameter 'name' must be a non-empty string`, { details: { parameter: 'name' } });
    }
    if (!runtime.agents.get(value)) throw new LlmspellError('AGENT_NOT_FOUND', `Agent.${fnName}: agent '${value}' not found`, { details: { name: value } });
    throw new LlmspellError('UNSUPPORTED', `Agent.${fnName}: '${value}' is not an LLM agent`);
  };
  const summary = () => lazy.budgetSummary() as unknown as ScriptObject;

  // Parameter names match the full global's: `llmspell types` reads them from the functions.
  const Agent: ScriptObject = {
    create: async (config: ScriptValue) => {
      await lazy.load();
      return fn(loaded()!, 'create')(config);
    },
    createAsync: async (config: ScriptValue) => {
      await lazy.load();
      return fn(loaded()!, 'createAsync')(config);
    },
    get: (name: ScriptValue) => (loaded() ? fn(loaded()!, 'get')(name) : null),
    list: () => (loaded() ? fn(loaded()!, 'list')() : runtime.agents.list().map((a) => ({ name: a.name, description: a.description, type: a.kind }))),
    listInstances: () => (loaded() ? fn(loaded()!, 'listInstances')() : runtime.agents.names()),
    discover: () => (loaded() ? fn(loaded()!, 'discover')() : agentTypes()),
    listTemplates: () => (loaded() ? fn(loaded()!, 'listTemplates')() : []),
    register: async (first: ScriptValue, second?: ScriptValue) => {
      await lazy.load();
      return fn(loaded()!, 'register')(first, second);
    },
    getInfo: (name: ScriptValue) => {
      if (loaded()) return fn(loaded()!, 'getInfo')(name);
      const type = typeof name === 'string' && !runtime.agents.get(name) ? agentTypeInfo(name) : undefined;
      return type ?? notFound('getInfo', name);
    },
    getDetails: (name: ScriptValue) => (loaded() ? fn(loaded()!, 'getDetails')(name) : notFound('getDetails', name)),
    listCapabilities: () => (loaded() ? fn(loaded()!, 'listCapabilities')() : {}),
    discoverByCapability: (cap: ScriptValue) => (loaded() ? fn(loaded()!, 'discoverByCapability')(cap) : []),
    wrapAsTool: (name: ScriptValue, config?: ScriptValue) => (loaded() ? fn(loaded()!, 'wrapAsTool')(name, config) : notFound('wrapAsTool', name)),
    destroy: (name: ScriptValue) => (loaded() ? fn(loaded()!, 'destroy')(name) : notFound('destroy', name)),
    setBudget: (usd: ScriptValue) => {
      if (loaded()) return fn(loaded()!, 'setBudget')(usd);
      if (usd !== null && usd !== undefined && typeof usd !== 'number') {
        throw new LlmspellError('INVALID_ARGUMENT', "Agent.setBudget: parameter 'usd' must be a number, or nil/null for no budget", { details: { parameter: 'usd' } });
      }
      lazy.setBudget(usd ?? undefined);
      return null;
    },
    getBudget: () => (loaded() ? fn(loaded()!, 'getBudget')() : summary()),
    getUsage: () => (loaded() ? fn(loaded()!, 'getUsage')() : summary()),
    providers: () => (loaded() ? fn(loaded()!, 'providers')() : [...new Set([...KNOWN_PROVIDERS, ...Object.keys(runtime.config.providers.providers)])]),
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

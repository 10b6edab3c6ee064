import {
  BudgetTracker, PriceTable, ProviderRegistry, createAgent, type AgentDeps, type LlmAgent, type ModelFactory, type ProvidersConfig,
} from '@llmspell/agents';
import { LlmspellError } from '@llmspell/core';
import type { RuntimeHost } from '../global-scope.js';
import { AgentsConfigSchema } from './agents-config.js';

export { AgentsConfigSchema };

export interface AgentServicesOptions {
  /** Builds models instead of the provider packages (tests). */
  modelFactory?: ModelFactory;
  /** Environment for keys and base URLs; default process.env. */
  env?: Record<string, string | undefined>;
}

/**
 * What the agents feature installs on a runtime (service "agents"): the provider registry,
 * price table and budget shared by every agent of the runtime.
 */
export class AgentServices {
  readonly providers: ProviderRegistry;
  readonly prices: PriceTable;
  readonly budget: BudgetTracker;
  readonly deps: AgentDeps;

  constructor(private readonly runtime: RuntimeHost, options: AgentServicesOptions = {}) {
    const parsed = AgentsConfigSchema.safeParse(runtime.config.agents);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new LlmspellError('CONFIG_INVALID', `agents.${issue.path.map(String).join('.')}: ${issue.message}`);
    }
    this.providers = new ProviderRegistry({
      config: runtime.config.providers as ProvidersConfig,
      env: options.env,
      modelFactory: options.modelFactory,
      onSecret: (value) => runtime.policy.secrets.add(value),
      // An endpoint a script names obeys the tools' network policy.
      policy: runtime.policy,
    });
    this.prices = new PriceTable(parsed.data.prices);
    this.budget = new BudgetTracker(parsed.data.budget_usd);
    this.deps = {
      providers: this.providers,
      prices: this.prices,
      budget: this.budget,
      findTool: (name) => runtime.tools.get(name),
      toolNames: () => [...runtime.tools.names(), ...runtime.tools.aliasEntries().map(([alias]) => alias)],
      toolSettings: (name) => {
        const s = (runtime.config.tools as Record<string, unknown>)[name];
        return typeof s === 'object' && s !== null && !Array.isArray(s) ? (s as Record<string, unknown>) : undefined;
      },
    };
  }

  /** Creates an agent and registers it in `runtime.agents` (a taken name is ALREADY_EXISTS). */
  async create(config: unknown): Promise<LlmAgent> {
    if (config && typeof config === 'object' && !Array.isArray(config)) {
      const apiKey = (config as Record<string, unknown>).api_key;
      if (typeof apiKey === 'string') this.runtime.policy.secrets.add(apiKey);
      const name = (config as Record<string, unknown>).name;
      if (typeof name === 'string' && this.runtime.agents.has(name)) {
        throw new LlmspellError('ALREADY_EXISTS', `agent '${name}' already exists`, { details: { name } });
      }
    }
    const agent = await createAgent(config, this.deps);
    this.runtime.agents.register(agent);
    return agent;
  }
}

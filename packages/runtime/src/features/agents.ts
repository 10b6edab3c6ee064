import type { ScriptValue } from '@llmspell/core';
import { createAgentGlobal } from '../agents/agent-global.js';
import { AgentServices, type AgentServicesOptions } from '../agents/agent-services.js';
import type { RuntimeFeature } from '../global-scope.js';

export const AGENT_SERVICES = 'agents';

/**
 * Installs the agents package: a provider registry, price table and budget per runtime
 * (service "agents"), and the `Agent` global. Options let tests inject models.
 */
export function createAgentsFeature(options: AgentServicesOptions = {}): RuntimeFeature {
  return {
    name: 'agents',
    setup(runtime) {
      runtime.services.set(AGENT_SERVICES, new AgentServices(runtime, options));
    },
    globals(scope): Record<string, ScriptValue> {
      const services = scope.runtime.service<AgentServices>(AGENT_SERVICES);
      return services ? createAgentGlobal(scope, services) : {};
    },
  };
}

export const agentsFeature: RuntimeFeature = createAgentsFeature();

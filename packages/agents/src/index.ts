export { AgentConfigSchema, DEFAULT_MAX_CONVERSATION_LENGTH, DEFAULT_MAX_RETRIES, DEFAULT_MAX_STEPS_WITH_TOOLS, DEFAULT_TIMEOUT_MS, parseAgentConfig } from './agent-config.js';
export type { AgentConfig, AgentConfigInput } from './agent-config.js';
export { normaliseAgentInput } from './agent-input.js';
export type { AgentRequest } from './agent-input.js';
export { AGENT_DEPTH, LlmAgent, MAX_AGENT_DEPTH, STREAM_SINK, createAgent } from './llm-agent.js';
export type { AgentDeps, AgentMetrics, AgentOutput, AgentToolCall, AgentUsage, StreamSink } from './llm-agent.js';
export { agentChunkIterator, streamAgent } from './agent-stream.js';
export type { AgentChunkIterator } from './agent-stream.js';
export { agentAsTool } from './agent-tool.js';
export type { AgentToolOptions } from './agent-tool.js';
export { KNOWN_PROVIDERS } from './providers.js';
export type { ProviderProtocol } from './providers.js';
export { PROVIDER_MAX_RESPONSE_BYTES, ProviderRegistry, defaultModelFactory, parseModelSpec } from './provider-registry.js';
export type {
  ModelFactory, ModelRequest, ProviderRegistryOptions, ProviderSettings, ProvidersConfig, ResolvedModel,
} from './provider-registry.js';
export { BUILTIN_PRICES, BudgetTracker, PriceTable, checkBudget } from './prices.js';
export type { ModelPrice } from './prices.js';

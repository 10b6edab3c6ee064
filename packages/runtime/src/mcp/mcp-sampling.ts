import { executeComponent, LlmspellError, type McpSamplingRequest, type McpSamplingResult } from '@llmspell/core';
import { AGENT_SERVICES, type LazyAgentServices } from '../features/agents.js';
import type { RuntimeHost } from '../global-scope.js';

/**
 * Answers MCP sampling requests with an agent on the model the server's `sampling` names,
 * through the agents package: the runtime's providers, budget, hooks and policy apply.
 */
export function createMcpSampler(runtime: RuntimeHost) {
  return async (call: McpSamplingRequest): Promise<McpSamplingResult> => {
    const lazy = runtime.service<LazyAgentServices>(AGENT_SERVICES);
    if (!lazy) throw new LlmspellError('UNSUPPORTED', `sampling for MCP server '${call.server}' needs the agents feature`);
    const services = await lazy.load();
    const { createAgent } = await import('@llmspell/agents');
    const agent = await createAgent({
      name: `mcp-sampling-${call.server}`,
      model: call.model,
      system_prompt: call.systemPrompt,
      max_tokens: call.maxTokens,
      temperature: call.temperature,
    }, services.deps);
    const ctx = runtime.createContext({ signal: call.signal });
    const output = await executeComponent(agent, { messages: call.messages.map((m) => ({ role: m.role, content: m.text })) }, ctx);
    return { text: output.text, model: call.model };
  };
}

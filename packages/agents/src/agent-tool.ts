import { aliasOf, LlmspellError, defineTool, executeComponent, z, type Component, type Tool } from '@llmspell/core';
import type { AgentOutput } from './llm-agent.js';

export interface AgentToolOptions {
  tool_name?: string;
  description?: string;
}

const AgentToolParameters = z.looseObject({
  input: z.string().optional().describe('The request for the agent'),
  text: aliasOf('input'),
  prompt: aliasOf('input'),
  context: z.string().optional().describe('Optional extra context appended to the request'),
});

/**
 * Wraps an agent as a Tool (`Agent.wrapAsTool`), so other agents and workflows can call it.
 * The tool's `result` is the agent's answer text; usage and cost are in its metadata.
 */
export function agentAsTool(agent: Component<unknown, AgentOutput>, options: AgentToolOptions = {}): Tool {
  const name = options.tool_name ?? `${agent.name}_tool`;
  return defineTool({
    name,
    description: options.description ?? `Ask the agent '${agent.name}': ${agent.description}`,
    category: 'agent',
    securityLevel: 'safe',
    tags: ['agent'],
    parameters: AgentToolParameters,
    outputSchema: z.string().describe("The agent's answer"),
    async execute(params, ctx) {
      const request = params.input ?? params.text ?? params.prompt;
      if (request === undefined) {
        throw new LlmspellError('INVALID_ARGUMENT', `${name}: parameter 'input': the request for the agent is required`, { details: { parameter: 'input' } });
      }
      const text = params.context ? `${request}\n\nContext:\n${params.context}` : request;
      const out = await executeComponent(agent, { text }, ctx);
      return {
        operation: 'ask',
        result: out.text,
        metadata: { agent: agent.name, model: out.metadata.model, provider: out.metadata.provider, usage: out.usage, cost: out.cost },
      };
    },
  });
}

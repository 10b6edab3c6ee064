import type { ScriptObject } from '@llmspell/core';

/**
 * The kinds of agent `Agent.create` builds. rs-llmspell's `Agent.getInfo(name)` answered for an
 * agent *type* (its examples call `Agent.getInfo("llm")`); ours answers for an agent instance
 * first and falls back to a type of that name. Kept free of the agents implementation so the
 * lazy `Agent` global can answer without loading it.
 */
const AGENT_TYPES: Record<string, ScriptObject> = {
  llm: {
    name: 'llm',
    type: 'llm',
    agent_type: 'llm',
    description: 'LLM-powered agent (ai SDK providers)',
    capabilities: ['text_generation', 'conversation', 'streaming', 'structured_output', 'tool_use'],
    required_parameters: ['model'],
    optional_parameters: ['name', 'provider', 'system_prompt', 'temperature', 'max_tokens', 'tools', 'base_url', 'api_key', 'max_conversation_length'],
  },
};

/** Information about an agent type, or undefined when there is no type of that name. */
export function agentTypeInfo(name: string): ScriptObject | undefined {
  // Own keys only: `constructor` or `toString` name no agent type.
  return Object.hasOwn(AGENT_TYPES, name) ? structuredClone(AGENT_TYPES[name]) : undefined;
}

/** `Agent.discover()`: every agent type with its description. */
export function agentTypes(): ScriptObject[] {
  return Object.values(AGENT_TYPES).map((t) => ({ type: t.type, description: t.description }));
}

import { randomUUID } from 'node:crypto';
import { LlmspellError, z } from '@llmspell/core';

/** Lua hands an empty table over as `{}`; treat it as an empty list. */
const stringList = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 ? [] : v),
  z.array(z.string()),
);

const nonNegInt = z.number().int().nonnegative();

/**
 * `Agent.create` fields: the reference's (2.2) plus the DOC spellings (`provider`, `prompt`,
 * `tools`, `timeout`) and llmspell's own (`max_steps`, `max_retries`). Unknown keys are kept
 * (`getConfig` returns them) and ignored.
 */
export const AgentConfigSchema = z.looseObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'use letters, digits, _ . : or -').optional(),
  description: z.string().optional(),
  agent_type: z.string().optional(),
  model: z.string().min(1).optional(),
  provider_model: z.string().min(1).optional(),
  provider: z.string().min(1).optional(),
  system_prompt: z.string().optional(),
  prompt: z.string().optional(),
  instructions: z.string().optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  max_tokens: z.number().int().positive().optional(),
  max_conversation_length: nonNegInt.optional(),
  base_url: z.string().optional(),
  api_key: z.string().optional(),
  tools: stringList.optional(),
  timeout: z.number().positive().optional(),
  timeout_ms: z.number().positive().optional(),
  max_steps: z.number().int().positive().max(100).optional(),
  max_retries: nonNegInt.max(10).optional(),
});

export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

/** The settled configuration of one agent. */
export interface AgentConfig {
  name: string;
  description: string;
  agentType: string;
  model?: string;
  provider?: string;
  systemPrompt?: string;
  temperature?: number;
  topP?: number;
  maxTokens?: number;
  /** Messages kept between calls; 0 keeps none. */
  maxConversationLength: number;
  baseUrl?: string;
  apiKey?: string;
  tools: string[];
  timeoutMs?: number;
  maxSteps: number;
  maxRetries: number;
  /** Everything the user passed, minus the key (for `getConfig`). */
  raw: Record<string, unknown>;
}

export const DEFAULT_MAX_CONVERSATION_LENGTH = 50;
export const DEFAULT_MAX_STEPS_WITH_TOOLS = 10;
export const DEFAULT_MAX_RETRIES = 2;
/** The reference's resource limit `max_execution_time_secs = 300`. */
export const DEFAULT_TIMEOUT_MS = 300_000;

export function parseAgentConfig(input: unknown): AgentConfig {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new LlmspellError('INVALID_ARGUMENT', 'Agent.create: config must be a table/object', { details: { parameter: 'config' } });
  }
  const parsed = AgentConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.map(String).join('.') || 'config';
    throw new LlmspellError('INVALID_ARGUMENT', `Agent.create: parameter '${where}': ${issue.message}`, { details: { parameter: where } });
  }
  const c = parsed.data;
  // No model and no provider is fine here: the provider registry falls back to
  // `[providers] default_provider` and its `model`, and says what to set when there is none.
  const model = c.model ?? c.provider_model;
  const tools = c.tools ?? [];
  const { api_key: _key, ...raw } = c as Record<string, unknown>;
  return {
    name: c.name ?? `agent_${randomUUID().slice(0, 8)}`,
    description: c.description ?? 'LLM-powered agent',
    agentType: c.agent_type ?? 'llm',
    model,
    provider: c.provider,
    systemPrompt: c.system_prompt ?? c.prompt ?? c.instructions,
    temperature: c.temperature,
    topP: c.top_p,
    maxTokens: c.max_tokens,
    maxConversationLength: c.max_conversation_length ?? DEFAULT_MAX_CONVERSATION_LENGTH,
    baseUrl: c.base_url,
    apiKey: c.api_key,
    tools,
    timeoutMs: c.timeout_ms ?? c.timeout ?? DEFAULT_TIMEOUT_MS,
    maxSteps: c.max_steps ?? (tools.length > 0 ? DEFAULT_MAX_STEPS_WITH_TOOLS : 1),
    maxRetries: c.max_retries ?? DEFAULT_MAX_RETRIES,
    raw,
  };
}

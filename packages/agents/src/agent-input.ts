import { LlmspellError } from '@llmspell/core';
import type { ModelMessage } from 'ai';

/** What `invoke`/`execute` accept, after the DOC and CODE spellings are settled. */
export interface AgentRequest {
  /** New messages of this turn (the history is prepended by the agent). */
  messages: ModelMessage[];
  temperature?: number;
  maxTokens?: number;
  /** A JSON schema: ask for a structured object. */
  schema?: Record<string, unknown>;
  parameters?: Record<string, unknown>;
}

const ROLES = new Set(['user', 'assistant', 'system']);

function bad(parameter: string, why: string): never {
  throw new LlmspellError('INVALID_ARGUMENT', `agent input: parameter '${parameter}': ${why}`, { details: { parameter } });
}

function optNumber(v: unknown, parameter: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(parameter, `expected a number, got ${typeof v}`);
  return v;
}

function contentText(v: unknown, parameter: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  bad(parameter, 'content must be a string');
}

/**
 * Accepts a plain string, `{text=…}` (CODE), `{prompt=…}` (DOC), `{input=…}`, or
 * `{messages={{role=…, content=…}, …}}`. A missing prompt is an empty one, as in the reference.
 */
export function normaliseAgentInput(input: unknown): AgentRequest {
  if (typeof input === 'string') return { messages: [{ role: 'user', content: input }] };
  if (input === undefined || input === null) return { messages: [{ role: 'user', content: '' }] };
  if (typeof input !== 'object' || Array.isArray(input)) bad('input', `expected a string or a table/object, got ${Array.isArray(input) ? 'array' : typeof input}`);
  const o = input as Record<string, unknown>;
  const request: AgentRequest = { messages: [] };
  if (o.messages !== undefined && o.messages !== null) {
    const list = o.messages;
    if (!Array.isArray(list)) bad('messages', 'expected an array of {role, content}');
    list.forEach((m, i) => {
      if (typeof m !== 'object' || m === null) bad(`messages.${i + 1}`, 'expected {role, content}');
      const { role, content } = m as Record<string, unknown>;
      if (typeof role !== 'string' || !ROLES.has(role)) bad(`messages.${i + 1}.role`, `expected "user", "assistant" or "system", got ${JSON.stringify(role)}`);
      request.messages.push({ role, content: contentText(content, `messages.${i + 1}.content`) } as ModelMessage);
    });
  }
  const text = o.text ?? o.prompt ?? o.input ?? o.message;
  if (text !== undefined && text !== null) request.messages.push({ role: 'user', content: contentText(text, 'text') });
  if (request.messages.length === 0) request.messages.push({ role: 'user', content: '' });
  request.temperature = optNumber(o.temperature, 'temperature');
  request.maxTokens = optNumber(o.max_tokens ?? o.maxTokens, 'max_tokens');
  if (o.schema !== undefined && o.schema !== null) {
    if (typeof o.schema !== 'object' || Array.isArray(o.schema)) bad('schema', 'expected a JSON schema table/object');
    request.schema = o.schema as Record<string, unknown>;
  }
  if (o.parameters !== undefined && o.parameters !== null && typeof o.parameters === 'object') {
    request.parameters = o.parameters as Record<string, unknown>;
  }
  return request;
}

import type { McpCallResult } from '@llmspell/core';

type Block = Record<string, unknown>;

/**
 * A `tools/call` result as scripts get it: the content blocks as sent, the error flag, and
 * the text blocks joined. When a tool returns only structured content, its JSON is the text
 * (the spec asks servers to send both; not all do).
 */
export function toCallResult(raw: Record<string, unknown>): McpCallResult {
  // Servers of protocol 2024-10-07 answer with `toolResult` instead of `content`.
  const content = Array.isArray(raw.content) ? (raw.content as Block[]) : raw.toolResult !== undefined ? [{ type: 'text', text: stringify(raw.toolResult) }] : [];
  const texts = content.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text as string);
  const structured = isRecord(raw.structuredContent) ? raw.structuredContent : undefined;
  const result: McpCallResult = {
    content,
    isError: raw.isError === true,
    text: texts.length ? texts.join('\n') : structured ? JSON.stringify(structured) : '',
  };
  if (structured) result.structuredContent = structured;
  return result;
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The non-text blocks of a result, sorted into the fields a tool result keeps. */
export function splitContent(content: Block[]): { images: Block[]; audio: Block[]; resources: Block[] } {
  const images: Block[] = [];
  const audio: Block[] = [];
  const resources: Block[] = [];
  for (const block of content) {
    if (block.type === 'image') images.push(block);
    else if (block.type === 'audio') audio.push(block);
    else if (block.type === 'resource' || block.type === 'resource_link') resources.push(block);
  }
  return { images, audio, resources };
}

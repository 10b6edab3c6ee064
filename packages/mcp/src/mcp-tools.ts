import type { CallToolResult, Tool as McpToolDefinition } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError, z, type MediaItem, type Tool, type ToolParameters, type ToolResult } from '@llmspell/core';
import { splitContent, toCallResult } from './client/call-result.js';
import { isPlainTool } from './client/direct-tool-calls.js';

const TOOL_MARK = Symbol.for('llmspell.tool');

/**
 * The llmspell name of an MCP tool: `<server>.<tool>`. The server part is the configured
 * name (letters, digits, `_`, `-`); in the tool part every other character becomes `_`
 * (`get weather` → `get_weather`). Two tools of one server that end up with the same name
 * get `_2`, `_3`… in the order the server lists them. Built-in tools never contain a dot,
 * so no MCP tool can shadow one.
 */
export function mcpToolName(server: string, mcpName: string, taken: Set<string>): string {
  const part = mcpName.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
  let name = `${server}.${part}`;
  for (let n = 2; taken.has(name); n++) name = `${server}.${part}_${n}`;
  taken.add(name);
  return name;
}

/** The zod schema for an MCP tool's JSON Schema; a schema zod cannot express accepts any object. */
function parametersOf(inputSchema: unknown): ToolParameters {
  try {
    return z.fromJSONSchema(inputSchema as Parameters<typeof z.fromJSONSchema>[0]) as unknown as ToolParameters;
  } catch {
    return z.looseObject({}) as unknown as ToolParameters;
  }
}

export type McpToolCall = (mcpName: string, args: Record<string, unknown>, options: { signal: AbortSignal; label: string; plain: boolean }) => Promise<CallToolResult>;

function mediaOf(images: Array<Record<string, unknown>>): MediaItem[] {
  return images.map((i) => ({ type: 'image', base64: String(i.data ?? ''), format: String(i.mimeType ?? '').replace(/^image\//, '') || undefined }));
}

/** What `Tool.invoke` of an MCP tool returns: the text of the content, every block kept as fields. */
export function mcpToolResult(raw: CallToolResult, server: string, mcpName: string, ms: number): ToolResult {
  const call = toCallResult(raw as Record<string, unknown>);
  const { images, audio, resources } = splitContent(call.content);
  const value = call.structuredContent ?? call.text;
  const result: ToolResult & Record<string, unknown> = {
    text: call.text,
    metadata: { server, mcp_tool: mcpName, is_error: call.isError, execution_time_ms: ms },
    success: !call.isError,
    result: value,
    output: value,
    content: call.content,
    is_error: call.isError,
  };
  if (call.structuredContent) result.structured_content = call.structuredContent;
  if (images.length) {
    result.images = images;
    result.media = mediaOf(images);
  }
  if (audio.length) result.audio = audio;
  if (resources.length) result.resources = resources;
  if (call.isError) result.error = { message: call.text || `${server}.${mcpName} reported an error`, code: 'TOOL_EXECUTION_FAILED' };
  return result;
}

/**
 * An MCP server's tool as an llmspell `Tool`: validated against its input schema, run through
 * `executeComponent` like every tool (hooks, events, limits), called on the server's
 * connection. MCP servers are programs of their own, so their tools are `privileged`.
 */
export function mcpTool(server: string, definition: McpToolDefinition, name: string, call: McpToolCall): Tool {
  const parameters = parametersOf(definition.inputSchema);
  const plain = isPlainTool(definition);
  const tool: Tool & { [TOOL_MARK]: true; mcp: { server: string; tool: string; inputSchema: unknown } } = {
    [TOOL_MARK]: true,
    kind: 'tool',
    name,
    aliases: [],
    description: definition.description ?? definition.title ?? `${definition.name} (MCP server '${server}')`,
    category: 'mcp',
    securityLevel: 'privileged',
    version: '1.0.0',
    tags: ['mcp', server],
    parameters,
    examples: [],
    mcp: { server, tool: definition.name, inputSchema: definition.inputSchema },
    validate(params: unknown): Record<string, unknown> {
      const raw = params === undefined || params === null ? {} : params;
      const parsed = parameters.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? issue.path.map(String).join('.') : '(arguments)';
        throw new LlmspellError('INVALID_ARGUMENT', `${name}: parameter '${where}': ${issue.message}`, {
          details: { tool: name, parameter: issue.path.map(String).join('.') },
        });
      }
      // The server gets what the caller sent; it applies its own defaults.
      return raw as Record<string, unknown>;
    },
    run(input, ctx) {
      const started = performance.now();
      return call(definition.name, input, { signal: ctx.signal, label: name, plain })
        .then((raw) => mcpToolResult(raw, server, definition.name, Math.round((performance.now() - started) * 1000) / 1000));
    },
  };
  return tool;
}

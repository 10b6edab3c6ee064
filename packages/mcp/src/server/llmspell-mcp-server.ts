import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema, ContentBlockSchema, ListToolsRequestSchema, SetLevelRequestSchema,
  type CallToolResult, type LoggingLevel, type Tool as McpToolDefinition,
} from '@modelcontextprotocol/sdk/types.js';
import { isLlmspellError, parametersJsonSchema, type Tool, type ToolResult } from '@llmspell/core';

/** A script served as a tool (`llmspell mcp serve --script summarize.lua`). */
export interface ScriptTool {
  name: string;
  description: string;
  /**
   * Runs the script with the call's arguments; `onOutput` gets each printed line as it comes.
   * Resolves with what the script returned (null when it returned nothing) and what it printed.
   */
  run(args: Record<string, unknown>, options: { signal: AbortSignal; onOutput(line: string, stream: 'stdout' | 'stderr'): void }): Promise<{ value: unknown; stdout: string[] }>;
}

export interface LlmspellMcpServerOptions {
  /** Tools to expose (the CLI passes those the security policy allows). */
  tools: Tool[];
  /** Runs a tool through the runtime's single execution path (hooks, events, limits, policy). */
  executeTool(tool: Tool, args: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult>;
  scripts?: ScriptTool[];
  /** Masks secrets in everything sent to the client. */
  redact(text: string): string;
  version?: string;
}

const LOG_LEVELS: LoggingLevel[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

const SCRIPT_INPUT_SCHEMA = {
  type: 'object' as const,
  description: 'Arguments arrive in the script as ARGS.<name> (strings; other values as JSON text).',
  additionalProperties: true,
};

function inputSchemaOf(tool: Tool): McpToolDefinition['inputSchema'] {
  const mcp = (tool as { mcp?: { inputSchema?: unknown } }).mcp;
  const schema = { ...(mcp?.inputSchema ?? parametersJsonSchema(tool.parameters)) } as Record<string, unknown>;
  delete schema.$schema;
  return { ...schema, type: 'object' } as McpToolDefinition['inputSchema'];
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A script that returns `{content = {...}}` whose every item is an MCP content block (text,
 * image, audio, resource, resource_link) answers with those blocks as they are, with its
 * `isError` and `structuredContent`: a script can send images, or pass on what an MCP tool it
 * called returned. Anything else is a plain value.
 */
function scriptCallResult(value: unknown, redact: (text: string) => string): CallToolResult | undefined {
  if (!isRecord(value) || !Array.isArray(value.content) || value.content.length === 0) return undefined;
  if (!value.content.every((block) => ContentBlockSchema.safeParse(block).success)) return undefined;
  const structured = isRecord(value.structuredContent) ? value.structuredContent : undefined;
  return JSON.parse(redact(JSON.stringify({
    content: value.content,
    ...(structured ? { structuredContent: structured } : {}),
    isError: value.isError === true,
  }))) as CallToolResult;
}

/**
 * An MCP server (the SDK's low-level `Server`, so tools keep the exact JSON Schemas llmspell
 * derives from their zod parameters) over llmspell's tools and scripts. A call that fails is
 * an `isError` result carrying the error's code and message, never a protocol failure; ping,
 * `logging/setLevel` and progress notifications come with it.
 */
export function createLlmspellMcpServer(options: LlmspellMcpServerOptions): Server {
  const server = new Server(
    { name: 'llmspell', version: options.version ?? '0.1.0' },
    {
      capabilities: { tools: {}, logging: {} },
      instructions: 'llmspell tools and scripts. Tool names are llmspell tool names; scripts are tools named after their file.',
    },
  );
  const tools = new Map(options.tools.map((t) => [t.name, t]));
  const scripts = new Map((options.scripts ?? []).map((s) => [s.name, s]));
  const { redact } = options;
  // One server per session: the level the client set is this session's. Kept here rather than
  // by the SDK so a call's log messages can go with the call (its own response stream over
  // HTTP) instead of the session's optional standalone stream.
  let minimumLevel: LoggingLevel | undefined;
  server.setRequestHandler(SetLevelRequestSchema, (request) => {
    minimumLevel = request.params.level;
    return {};
  });

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: [
      ...[...tools.values()].map((t): McpToolDefinition => ({ name: t.name, description: t.description, inputSchema: inputSchemaOf(t) })),
      ...[...scripts.values()].map((s): McpToolDefinition => ({ name: s.name, description: s.description, inputSchema: SCRIPT_INPUT_SCHEMA })),
    ],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const { name } = request.params;
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    const token = request.params._meta?.progressToken;
    let step = 0;
    const progress = (message: string, done = false) => {
      if (token === undefined) return;
      step += 1;
      void extra.sendNotification({
        method: 'notifications/progress',
        params: { progressToken: token, progress: step, ...(done ? { total: step } : {}), message: redact(message) },
      }).catch(() => {});
    };
    const log = (level: LoggingLevel, data: string) => {
      if (minimumLevel && LOG_LEVELS.indexOf(level) < LOG_LEVELS.indexOf(minimumLevel)) return;
      void extra.sendNotification({ method: 'notifications/message', params: { level, logger: name, data: redact(data) } }).catch(() => {});
    };
    try {
      const tool = tools.get(name);
      if (tool) {
        progress(`running ${name}`);
        const result = await options.executeTool(tool, args, extra.signal);
        progress(`${name} finished`, true);
        const value = result.result ?? null;
        return {
          content: [{ type: 'text', text: redact(typeof value === 'string' ? value : result.text) }],
          ...(isRecord(value) ? { structuredContent: JSON.parse(redact(JSON.stringify(value))) as Record<string, unknown> } : {}),
          isError: result.success === false,
        };
      }
      const script = scripts.get(name);
      if (!script) return { content: [{ type: 'text', text: `TOOL_NOT_FOUND: no tool or script '${name}'` }], isError: true };
      const { value, stdout } = await script.run(args, {
        signal: extra.signal,
        onOutput: (line, stream) => {
          // What a script prints is what it tells the user as it works: a log message (the
          // client's logging/setLevel filters it) and, when the caller asked, progress.
          log(stream === 'stderr' ? 'warning' : 'info', line);
          progress(line);
        },
      });
      const blocks = scriptCallResult(value, redact);
      if (blocks) return blocks;
      const text = value === null || value === undefined ? stdout.join('\n') : textOf(value);
      return {
        content: [{ type: 'text', text: redact(text) }],
        ...(isRecord(value) ? { structuredContent: JSON.parse(redact(JSON.stringify(value))) as Record<string, unknown> } : {}),
        isError: false,
      };
    } catch (error) {
      const message = isLlmspellError(error) ? error.message : error instanceof Error ? error.message : String(error);
      log('error', message);
      return { content: [{ type: 'text', text: redact(message) }], isError: true };
    }
  });
  return server;
}

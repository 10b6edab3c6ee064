/**
 * The contract between the runtime's `MCP` global and whatever speaks the Model Context
 * Protocol (`@llmspell/mcp`). The runtime knows only this interface; the CLI (or a program
 * composing its own runtime) puts a connector in the runtime's services under
 * `MCP_CONNECTOR_SERVICE`. All values are plain JSON data.
 */

/** The service name a connector is registered under in `runtime.services`. */
export const MCP_CONNECTOR_SERVICE = 'mcpConnector';

/** What a tool call returns: the MCP content blocks, the server's error flag and their text. */
export interface McpCallResult {
  /** The content blocks as the server sent them (`{type="text", text=…}`, images, resources…). */
  content: Array<Record<string, unknown>>;
  isError: boolean;
  /** The text blocks joined by newlines. */
  text: string;
  structuredContent?: Record<string, unknown>;
}

/**
 * How a server's elicitation requests are answered: `defaults` accepts a form whose every
 * required field has a default with the defaults, `decline` declines, `auto` is `defaults`
 * with someone at a terminal and `decline` otherwise.
 */
export type McpElicitation = 'auto' | 'defaults' | 'decline';

/** A configured server by name, or an HTTP server at a URL (scripts may not start processes). */
export type McpTarget = { server: string } | { url: string; headers?: Record<string, string>; elicitation?: McpElicitation };

export interface McpRequestOptions {
  /** Cancels the request (the script's run ended). */
  signal?: AbortSignal;
}

/** One open connection as scripts use it. */
export interface McpSession {
  /** The configured name, or the URL (without credentials) for an ad-hoc server. */
  readonly server: string;
  listTools(options?: McpRequestOptions): Promise<Array<Record<string, unknown>>>;
  callTool(name: string, args: Record<string, unknown>, options?: McpRequestOptions): Promise<McpCallResult>;
  listResources(options?: McpRequestOptions): Promise<Array<Record<string, unknown>>>;
  readResource(uri: string, options?: McpRequestOptions): Promise<Record<string, unknown>>;
  listPrompts(options?: McpRequestOptions): Promise<Array<Record<string, unknown>>>;
  getPrompt(name: string, args: Record<string, string>, options?: McpRequestOptions): Promise<Record<string, unknown>>;
  /** Ends this session; a configured server's process lives until the connector closes. */
  close(): Promise<void>;
}

export interface McpConnector {
  /** The configured server names. */
  servers(): string[];
  /** Opens a session. Failures are `MCP_CONNECT_FAILED`, `MCP_TIMEOUT`, `MCP_PROTOCOL_ERROR`, `NETWORK_NOT_ALLOWED`. */
  connect(target: McpTarget, options?: McpRequestOptions): Promise<McpSession>;
  /** Stops every server process and closes every connection. */
  close(): Promise<void>;
}

/** A server's sampling request, with the model its configuration routes it to. */
export interface McpSamplingRequest {
  server: string;
  /** `provider/model` from the server's `sampling` setting. */
  model: string;
  messages: Array<{ role: 'user' | 'assistant'; text: string }>;
  systemPrompt?: string;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

export interface McpSamplingResult {
  text: string;
  model: string;
  stopReason?: string;
}

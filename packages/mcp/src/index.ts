/**
 * @llmspell/mcp: the Model Context Protocol both ways, on the official SDK. This entry point
 * is cheap to import; the SDK is loaded the first time a server is started, reached or served.
 */
import type { LlmspellMcpServerOptions } from './server/llmspell-mcp-server.js';
import type { HttpServeOptions, RunningHttpServer } from './server/serve-mcp.js';
import { McpClientConnector } from './mcp-client-connector.js';
import type { McpHost, McpOptions } from './mcp-options.js';

export { McpClientConnector } from './mcp-client-connector.js';
export type { McpServerStatus } from './mcp-client-connector.js';
export { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_SECS, checkServerOptions } from './mcp-options.js';
export type { McpHost, McpOptions, McpSamplingRequest, McpSamplingResult, McpServerOptions } from './mcp-options.js';
export { mcpToolName } from './mcp-tools.js';
export { INHERITED_VARIABLES, serverEnvironment } from './stdio/server-environment.js';
export { liveGroups } from './stdio/process-groups.js';
export type { LlmspellMcpServerOptions, ScriptTool } from './server/llmspell-mcp-server.js';
export type { HttpServeOptions, RunningHttpServer } from './server/serve-mcp.js';

/** The client side: configured servers as tools, and the connector behind the `MCP` global. */
export function createMcpConnector(options: McpOptions, host: McpHost): McpClientConnector {
  return new McpClientConnector(options, host);
}

/**
 * Serves llmspell's tools and scripts over stdio until the client closes the stream; rejects
 * with the reason when the client's input ended the session (a message over 10 MiB).
 */
export async function serveMcpStdio(
  options: LlmspellMcpServerOptions,
  streams: { stdin?: NodeJS.ReadableStream; stdout?: NodeJS.WritableStream } = {},
): Promise<void> {
  const [{ createLlmspellMcpServer }, { serveStdio }] = await Promise.all([import('./server/llmspell-mcp-server.js'), import('./server/serve-mcp.js')]);
  await serveStdio(createLlmspellMcpServer(options), streams);
}

/** Serves llmspell's tools and scripts over Streamable HTTP on 127.0.0.1. */
export async function serveMcpHttp(
  options: LlmspellMcpServerOptions & Pick<HttpServeOptions, 'port' | 'token' | 'maxSessions' | 'sessionIdleMs'>,
): Promise<RunningHttpServer> {
  const [{ createLlmspellMcpServer }, { serveHttp }] = await Promise.all([import('./server/llmspell-mcp-server.js'), import('./server/serve-mcp.js')]);
  const { port, token, maxSessions, sessionIdleMs } = options;
  return serveHttp({ port, token, maxSessions, sessionIdleMs, createServer: () => createLlmspellMcpServer(options) });
}

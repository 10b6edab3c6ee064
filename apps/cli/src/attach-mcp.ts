import { MCP_CONNECTOR_SERVICE } from '@llmspell/core';
import { createMcpSampler, type LlmspellRuntime } from '@llmspell/runtime';
import type { McpClientConnector } from '@llmspell/mcp';
import type { CliIo } from './io.js';

/**
 * Puts an MCP connector in the runtime (the `MCP` global) and registers the tools of the
 * configured servers. Servers start with the run, all at once, as desktop MCP clients start
 * theirs: their tools must be in `Tool.list()` from the script's first line. A server that
 * fails is reported on stderr and its tools are missing; the run goes on. A run whose config
 * has no `[mcp.servers]` starts nothing and loads no MCP SDK.
 */
export async function attachMcp(runtime: LlmspellRuntime, io: CliIo, options: { tools?: boolean } = {}): Promise<McpClientConnector> {
  const { createMcpConnector } = await import('@llmspell/mcp');
  const interactive = io.isTTY && Boolean(process.stdin.isTTY);
  const connector = createMcpConnector(runtime.config.mcp, {
    policy: runtime.policy,
    events: runtime.events,
    logger: runtime.logger,
    cwd: io.cwd,
    env: io.env,
    sample: createMcpSampler(runtime),
    elicitation: interactive ? 'defaults' : 'decline',
  });
  runtime.services.set(MCP_CONNECTOR_SERVICE, connector);
  if (options.tools !== false && connector.servers().length > 0) {
    const { tools, failures } = await connector.loadTools();
    for (const tool of tools) runtime.registerTool(tool, { replace: true });
    for (const f of failures) runtime.logger.warn(`MCP server '${f.server}' is not available: ${f.error.message}`);
  }
  return connector;
}

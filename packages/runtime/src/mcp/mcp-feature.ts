import { MCP_CONNECTOR_SERVICE, type McpConnector } from '@llmspell/core';
import type { RuntimeFeature } from '../global-scope.js';
import { createMcpGlobal } from './mcp-global.js';

/**
 * The `MCP` global, and the connector's shutdown when the runtime closes: every server
 * process the connector started is stopped with the run.
 */
export const mcpFeature: RuntimeFeature = {
  name: 'mcp',
  globals: createMcpGlobal,
  async close(runtime) {
    await runtime.service<McpConnector>(MCP_CONNECTOR_SERVICE)?.close();
  },
};

import { LlmspellError, MCP_CONNECTOR_SERVICE, type McpConnector } from '@llmspell/core';
import { createMcpSampler, type LlmspellRuntime } from '@llmspell/runtime';
import type { CliIo } from './io.js';
import { importFromProjectOrCli, packageLoadError } from './load-tools.js';

type McpModule = typeof import('@llmspell/mcp');

/** What needs `@llmspell/mcp`, as the install hint names it. */
const MCP_NEEDS = 'MCP (the MCP global, [mcp.servers], llmspell mcp list and serve)';

/**
 * `@llmspell/mcp` (the MCP SDK with its HTTP server stack) is an add-on, not a dependency of
 * the CLI: it is about a sixth of an install. Loaded from the project or from beside the CLI,
 * with an install hint when it is missing.
 */
export async function loadMcp(cwd: string): Promise<McpModule> {
  try {
    return (await importFromProjectOrCli('@llmspell/mcp', cwd)) as McpModule;
  } catch (error) {
    throw packageLoadError(error, '@llmspell/mcp', MCP_NEEDS);
  }
}

/** The `MCP` global without `@llmspell/mcp`: no servers, and `connect` says what to install. */
function missingConnector(error: LlmspellError): McpConnector {
  return {
    servers: () => [],
    connect: () => Promise.reject(new LlmspellError(error.code, `MCP.connect: ${error.detail ?? error.message}`, { details: error.details })),
    close: async () => {},
  };
}

/** A connector that makes the real one (`attach`, which replaces it in the runtime) on first connect. */
function lazyConnector(attach: () => Promise<McpConnector>): McpConnector {
  let real: Promise<McpConnector> | undefined;
  return {
    servers: () => [],
    connect: (target, requestOptions) => (real ??= attach()).then((connector) => connector.connect(target, requestOptions)),
    close: async () => {
      await (await real?.catch(() => undefined))?.close();
    },
  };
}

/**
 * Puts an MCP connector in the runtime (the `MCP` global) and registers the tools of the
 * configured servers. Servers start with the run, all at once, as desktop MCP clients start
 * theirs: their tools must be in `Tool.list()` from the script's first line. A server that
 * fails is reported on stderr and its tools are missing; the run goes on. A run whose config
 * has no `[mcp.servers]` starts nothing and loads no MCP SDK. Without `@llmspell/mcp`, a config
 * naming servers is refused with the install hint; otherwise only `MCP.connect` is.
 */
export async function attachMcp(
  runtime: LlmspellRuntime,
  io: CliIo,
  options: { tools?: boolean; load?: (cwd: string) => Promise<McpModule>; lazy?: boolean } = {},
): Promise<McpConnector> {
  if (options.lazy && Object.keys(runtime.config.mcp.servers).length === 0) {
    // No server to start: the MCP SDK (a tenth of a second to load) waits for a script's MCP.connect.
    const connector = lazyConnector(() => attachMcp(runtime, io, { ...options, lazy: false }));
    runtime.services.set(MCP_CONNECTOR_SERVICE, connector);
    return connector;
  }
  let mcp: McpModule;
  try {
    mcp = await (options.load ?? loadMcp)(io.cwd);
  } catch (error) {
    const configured = Object.values(runtime.config.mcp.servers).some((s) => s.enabled !== false);
    if (configured || !(error instanceof LlmspellError) || error.code !== 'PACKAGE_NOT_INSTALLED') throw error;
    const connector = missingConnector(error);
    runtime.services.set(MCP_CONNECTOR_SERVICE, connector);
    return connector;
  }
  const interactive = io.isTTY && Boolean(process.stdin.isTTY);
  const connector = mcp.createMcpConnector(runtime.config.mcp, {
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

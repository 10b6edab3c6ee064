import path from 'node:path';
import {
  LlmspellError, isLlmspellError, redactUrl,
  type McpConnector, type McpRequestOptions, type McpSession, type McpTarget, type Tool,
} from '@llmspell/core';
import {
  DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_SECS, checkServerOptions, elicitationMode, type McpElicitation, type McpHost, type McpOptions, type McpServerOptions,
} from './mcp-options.js';
import { serverEnvironment } from './stdio/server-environment.js';

type ConnectionModule = typeof import('./client/mcp-connection.js');
type McpConnection = import('./client/mcp-connection.js').McpConnection;
type McpServerSpec = import('./client/mcp-connection.js').McpServerSpec;

/** The SDK costs a third of a second to load; a run that never speaks MCP does not pay it. */
let connectionModule: Promise<ConnectionModule> | undefined;
function loadConnectionModule(): Promise<ConnectionModule> {
  connectionModule ??= import('./client/mcp-connection.js');
  return connectionModule;
}

/** One configured server as `llmspell mcp list` reports it. */
export interface McpServerStatus {
  name: string;
  transport: 'stdio' | 'http';
  /** `node server.js stdio` or the URL without credentials. */
  target: string;
  started: boolean;
  error?: { code: string; message: string };
  server?: { name: string; version: string };
  tools: Array<{ name: string; mcp_name: string; description: string }>;
}

/**
 * The MCP client side of llmspell: the configured servers (each started once, on first use,
 * and shared by its tools and `MCP.connect(name)`), ad-hoc HTTP servers scripts open by URL
 * under the network policy, and the registered tools. Implements core's `McpConnector`.
 */
export class McpClientConnector implements McpConnector {
  private readonly configured = new Map<string, McpServerOptions>();
  private readonly shared = new Map<string, Promise<McpConnection>>();
  /** The shared connections that have finished opening, for requests that need no wait. */
  private readonly opened = new Map<string, McpConnection>();
  private readonly adhoc = new Set<McpConnection>();
  private readonly timeoutSecs: number;
  private readonly maxResponseBytes: number;
  private readonly elicitation: McpElicitation | undefined;
  private closed = false;

  constructor(options: McpOptions, private readonly host: McpHost) {
    this.timeoutSecs = options.timeout_secs ?? DEFAULT_TIMEOUT_SECS;
    this.maxResponseBytes = options.max_response_bytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.elicitation = options.elicitation;
    for (const [name, server] of Object.entries(options.servers ?? {})) {
      checkServerOptions(name, server);
      if (server.enabled === false) continue;
      this.configured.set(name, server);
      // Values configured for one server reach only that server, and no output.
      for (const value of [...Object.values(server.env ?? {}), ...Object.values(server.headers ?? {})]) addSecret(host, value);
    }
  }

  servers(): string[] {
    return [...this.configured.keys()];
  }

  private spec(name: string, server: McpServerOptions): McpServerSpec {
    const timeoutMs = (server.timeout_secs ?? this.timeoutSecs) * 1000;
    const common = {
      name, sampling: server.sampling, timeoutMs, maxMessageBytes: this.maxResponseBytes, elicitation: elicitationMode(this.host, server.elicitation, this.elicitation),
    };
    if (server.url) return { kind: 'http', url: server.url, headers: { ...server.headers }, ...common };
    const cwd = server.cwd ? path.resolve(this.host.cwd ?? process.cwd(), server.cwd) : this.host.cwd;
    return { kind: 'stdio', command: server.command!, args: server.args ?? [], env: serverEnvironment(server.env ?? {}, this.host.env), cwd, ...common };
  }

  /** The shared connection of a configured server: started on first use, restarted after it died. */
  async connection(name: string, signal?: AbortSignal): Promise<McpConnection> {
    if (this.closed) throw new LlmspellError('MCP_CONNECT_FAILED', `server '${name}': the MCP connector is closed (the run has ended)`);
    const server = this.configured.get(name);
    if (!server) {
      const known = this.servers();
      throw new LlmspellError('NOT_FOUND', `no MCP server '${name}' is configured (${known.length ? `configured: ${known.join(', ')}` : 'add one under [mcp.servers.NAME] in llmspell.toml'})`, {
        details: { server: name },
      });
    }
    const existing = this.shared.get(name);
    if (existing) {
      const connection = await existing.catch(() => undefined);
      if (connection?.alive) return connection;
      if (this.shared.get(name) === existing) this.shared.delete(name);
      if (!connection) return this.connection(name, signal);
    }
    const opening = loadConnectionModule().then(({ McpConnection }) => McpConnection.open(this.spec(name, server), this.host, signal));
    this.shared.set(name, opening);
    try {
      const connection = await opening;
      // Closed while it was starting: do not leave the server running.
      if (this.closed) await connection.close();
      else if (this.shared.get(name) === opening) this.opened.set(name, connection);
      return connection;
    } catch (error) {
      if (this.shared.get(name) === opening) this.shared.delete(name);
      throw error;
    }
  }

  /** The shared connection of a configured server when it is open and alive, without waiting. */
  private openConnection(name: string): McpConnection | undefined {
    const connection = this.opened.get(name);
    return connection?.alive && !this.closed ? connection : undefined;
  }

  async connect(target: McpTarget, options: McpRequestOptions = {}): Promise<McpSession> {
    if ('server' in target) {
      await this.connection(target.server, options.signal);
      // A configured server is shared with its tools: closing the session leaves it running
      // until the connector closes.
      return sessionOver(target.server, () => this.connection(target.server), async () => {});
    }
    if (this.closed) throw new LlmspellError('MCP_CONNECT_FAILED', 'the MCP connector is closed (the run has ended)');
    for (const value of Object.values(target.headers ?? {})) addSecret(this.host, value);
    const name = redactUrl(target.url);
    const { McpConnection } = await loadConnectionModule();
    const connection = await McpConnection.open({
      kind: 'http', name, url: target.url, headers: { ...target.headers }, timeoutMs: this.timeoutSecs * 1000, maxMessageBytes: this.maxResponseBytes, policy: this.host.policy,
      elicitation: elicitationMode(this.host, target.elicitation, this.elicitation),
    }, this.host, options.signal);
    this.adhoc.add(connection);
    return sessionOver(name, async () => connection, async () => {
      this.adhoc.delete(connection);
      await connection.close();
    });
  }

  /**
   * The tools of every configured server, as llmspell tools. Servers start concurrently; one
   * that fails is reported in `failures` and the others' tools are still returned.
   */
  async loadTools(signal?: AbortSignal): Promise<{ tools: Tool[]; failures: Array<{ server: string; error: LlmspellError }> }> {
    const { mcpTool, mcpToolName } = await import('./mcp-tools.js');
    const results = await Promise.allSettled(this.servers().map(async (name) => {
      const connection = await this.connection(name, signal);
      return { name, definitions: await connection.listTools(signal) };
    }));
    const tools: Tool[] = [];
    const failures: Array<{ server: string; error: LlmspellError }> = [];
    results.forEach((r, i) => {
      if (r.status === 'rejected') {
        failures.push({ server: this.servers()[i], error: isLlmspellError(r.reason) ? r.reason : new LlmspellError('MCP_CONNECT_FAILED', String(r.reason)) });
        return;
      }
      const taken = new Set<string>();
      for (const definition of r.value.definitions) {
        const name = mcpToolName(r.value.name, definition.name, taken);
        const server = r.value.name;
        tools.push(mcpTool(server, definition, name, (mcpName, args, options) => {
          // On an open connection the request is written before this returns: a caller that
          // then unwinds (a Lua script's wait) does so while the server works, not before.
          const open = this.openConnection(server);
          if (open) return open.callTool(mcpName, args, options);
          return this.connection(server, options.signal).then((connection) => connection.callTool(mcpName, args, options));
        }));
      }
    });
    return { tools, failures };
  }

  /** Starts each configured server and lists its tools (`llmspell mcp list`). */
  async status(): Promise<McpServerStatus[]> {
    const { mcpToolName } = await import('./mcp-tools.js');
    return Promise.all(this.servers().map(async (name): Promise<McpServerStatus> => {
      const server = this.configured.get(name)!;
      const base = {
        name,
        transport: server.url ? 'http' as const : 'stdio' as const,
        target: server.url ? redactUrl(server.url) : this.host.policy.redact([server.command, ...(server.args ?? [])].join(' ')),
      };
      try {
        const connection = await this.connection(name);
        const taken = new Set<string>();
        const tools = (await connection.listTools()).map((t) => ({ name: mcpToolName(name, t.name, taken), mcp_name: t.name, description: t.description ?? '' }));
        return { ...base, started: true, server: connection.serverInfo, tools };
      } catch (error) {
        const e = isLlmspellError(error) ? error : new LlmspellError('MCP_CONNECT_FAILED', String(error));
        return { ...base, started: false, error: { code: e.code, message: this.host.policy.redact(e.message) }, tools: [] };
      }
    }));
  }

  /** Stops every server process and closes every connection; later calls fail. */
  async close(): Promise<void> {
    this.closed = true;
    const shared = [...this.shared.values()];
    this.shared.clear();
    this.opened.clear();
    const adhoc = [...this.adhoc];
    this.adhoc.clear();
    await Promise.all([
      ...shared.map((p) => p.then((c) => c.close(), () => {})),
      ...adhoc.map((c) => c.close()),
    ]);
  }
}

function addSecret(host: McpHost, value: string): void {
  host.policy.secrets.add(value);
  // `Bearer <token>`: the token alone is as secret as the whole header.
  const token = /^\s*(?:Bearer|Basic|Token)\s+(\S+)/i.exec(value)?.[1];
  if (token) host.policy.secrets.add(token);
}

function sessionOver(server: string, connection: () => Promise<McpConnection>, close: () => Promise<void>): McpSession {
  let closed = false;
  const live = async () => {
    if (closed) throw new LlmspellError('INVALID_ARGUMENT', `the MCP session with '${server}' is closed`);
    return connection();
  };
  return {
    server,
    listTools: async (o) => (await (await live()).listTools(o?.signal)) as unknown as Array<Record<string, unknown>>,
    callTool: async (name, args, o) => {
      const { toCallResult } = await import('./client/call-result.js');
      return toCallResult((await (await live()).callTool(name, args, { signal: o?.signal })) as Record<string, unknown>);
    },
    listResources: async (o) => (await live()).listResources(o?.signal),
    readResource: async (uri, o) => (await live()).readResource(uri, o?.signal),
    listPrompts: async (o) => (await live()).listPrompts(o?.signal),
    getPrompt: async (name, args, o) => (await live()).getPrompt(name, args, o?.signal),
    close: async () => {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}

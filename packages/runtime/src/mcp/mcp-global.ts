import {
  LlmspellError, MCP_CONNECTOR_SERVICE, hostMethod, isPlainObject,
  type McpConnector, type McpElicitation, type McpSession, type ScriptObject, type ScriptValue,
} from '@llmspell/core';
import type { GlobalScope } from '../global-scope.js';

const FN = 'MCP';
const ELICITATION: McpElicitation[] = ['auto', 'defaults', 'decline'];

function connectorOf(scope: GlobalScope): McpConnector | undefined {
  return scope.runtime.service<McpConnector>(MCP_CONNECTOR_SERVICE);
}

function bad(fn: string, parameter: string, why: string): never {
  throw new LlmspellError('INVALID_ARGUMENT', `${FN}.${fn}: parameter '${parameter}' ${why}`, { details: { parameter } });
}

function table(value: ScriptValue | undefined, fn: string, parameter: string): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) bad(fn, parameter, 'must be a table/object');
  return value as Record<string, unknown>;
}

function text(value: ScriptValue | undefined, fn: string, parameter: string): string {
  if (typeof value !== 'string' || value === '') bad(fn, parameter, 'must be a non-empty string');
  return value;
}

/** `MCP.connect(name)`, `MCP.connect{url=…, headers=…, elicitation=…}` (or `{server=name}`). */
function targetOf(value: ScriptValue) {
  if (typeof value === 'string') return { server: text(value, 'connect', 'name') };
  const o = table(value, 'connect', 'target');
  if ('command' in o || 'args' in o || 'env' in o) {
    throw new LlmspellError('OPERATION_NOT_ALLOWED', `${FN}.connect: scripts cannot start server processes; configure one under [mcp.servers.NAME] in llmspell.toml and connect by name`);
  }
  if (typeof o.server === 'string') {
    if (o.elicitation !== undefined) bad('connect', 'elicitation', "is for a URL; a configured server's is [mcp.servers.NAME] elicitation in llmspell.toml");
    return { server: text(o.server, 'connect', 'server') };
  }
  const url = text(o.url as ScriptValue, 'connect', 'url');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(table(o.headers as ScriptValue, 'connect', 'headers'))) {
    if (typeof v !== 'string' && typeof v !== 'number') bad('connect', `headers.${k}`, 'must be a string');
    headers[k] = String(v);
  }
  const { elicitation } = o;
  if (elicitation !== undefined && !ELICITATION.includes(elicitation as McpElicitation)) bad('connect', 'elicitation', `must be one of ${ELICITATION.join(', ')}`);
  return { url, headers, ...(elicitation === undefined ? {} : { elicitation: elicitation as McpElicitation }) };
}

/**
 * The `MCP` global: `MCP.servers()` and `MCP.connect(...)`, over the connector the composing
 * program installed (service `mcpConnector`). Written once for every engine: Lua calls look
 * synchronous (`c:callTool(...)`), JS gets promises. Sessions a script opens are closed when it
 * ends; a configured server's process lives until the runtime closes.
 */
export function createMcpGlobal(scope: GlobalScope): Record<string, ScriptValue> {
  const { runtime } = scope;
  const open = new Set<McpSession>();
  const closeAll = () => {
    for (const s of open) void s.close().catch(() => {});
    open.clear();
  };
  if (scope.signal.aborted) queueMicrotask(closeAll);
  else scope.signal.addEventListener('abort', closeAll, { once: true });
  const clean = <T>(value: T) => runtime.policy.redactValue(value) as unknown as ScriptValue;

  const client = (session: McpSession): ScriptObject => {
    const o = () => ({ signal: scope.signal });
    return {
      server: session.server,
      listTools: hostMethod(async () => clean(await session.listTools(o()))),
      callTool: hostMethod(async (name: ScriptValue, args?: ScriptValue) =>
        clean(await session.callTool(text(name, 'callTool', 'name'), table(args, 'callTool', 'args'), o()))),
      listResources: hostMethod(async () => clean(await session.listResources(o()))),
      readResource: hostMethod(async (uri: ScriptValue) => clean(await session.readResource(text(uri, 'readResource', 'uri'), o()))),
      listPrompts: hostMethod(async () => clean(await session.listPrompts(o()))),
      getPrompt: hostMethod(async (name: ScriptValue, args?: ScriptValue) => {
        const values: Record<string, string> = {};
        for (const [k, v] of Object.entries(table(args, 'getPrompt', 'args'))) values[k] = typeof v === 'string' ? v : JSON.stringify(v);
        return clean(await session.getPrompt(text(name, 'getPrompt', 'name'), values, o()));
      }),
      close: hostMethod(async () => {
        open.delete(session);
        await session.close();
        return null;
      }),
    };
  };

  const MCP: ScriptObject = {
    servers: () => connectorOf(scope)?.servers() ?? [],
    connect: async (target: ScriptValue) => {
      const connector = connectorOf(scope);
      if (!connector) {
        throw new LlmspellError('UNSUPPORTED', `${FN}.connect: this runtime has no MCP connector (the llmspell CLI installs one; a program composing its own runtime adds @llmspell/mcp's createMcpConnector)`);
      }
      const session = await connector.connect(targetOf(target), { signal: scope.signal });
      open.add(session);
      return client(session);
    },
  };
  return { MCP };
}

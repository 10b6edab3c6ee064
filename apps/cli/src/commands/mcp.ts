import path from 'node:path';
import {
  LlmspellError, executeComponent, securityLevelRank, type Tool, type ToolResult,
} from '@llmspell/core';
import type { McpClientConnector, ScriptTool } from '@llmspell/mcp';
import type { LoadedConfig } from '@llmspell/runtime';
import { attachMcp, loadMcp } from '../attach-mcp.js';
import { composeRuntime } from '../compose-runtime.js';
import { defaultEngineOf, engineFor } from '../engines.js';
import { paint, useColor, type CliIo } from '../io.js';
import { type ParsedArgs } from '../parse-args.js';
import { UsageError } from '../usage-error.js';
import { runScriptJob } from '../script-job.js';
import { readScriptFile } from '../script-file.js';
import { cliVersion } from '../version.js';

export async function mcpCommand(args: ParsedArgs, io: CliIo): Promise<number> {
  const sub = args.positionals[1] ?? 'list';
  if (sub === 'list') return listServers(args, io);
  if (sub === 'serve') return serve(args, io);
  throw new UsageError(`unknown mcp subcommand '${sub}' (list, serve)`);
}

async function listServers(args: ParsedArgs, io: CliIo): Promise<number> {
  await loadMcp(io.cwd);
  const { runtime } = await composeRuntime(args.flags, io, { state: false, tools: false });
  try {
    const connector = (await attachMcp(runtime, io, { tools: false })) as McpClientConnector;
    const servers = await connector.status();
    if (args.flags.output !== 'text') {
      io.stdout(JSON.stringify(servers, null, 2) + '\n');
    } else if (servers.length === 0) {
      io.stdout('No MCP servers configured. Add one to llmspell.toml:\n\n  [mcp.servers.everything]\n  command = "npx"\n  args = ["-y", "@modelcontextprotocol/server-everything"]\n');
    } else {
      const color = useColor(io);
      for (const s of servers) {
        const state = s.started ? paint(color, 32, `started${s.server ? ` (${s.server.name} ${s.server.version})` : ''}`) : paint(color, 31, 'failed');
        io.stdout(`${paint(color, 1, s.name)}  ${s.transport}  ${s.target}  ${state}\n`);
        if (s.error) io.stdout(`  ${s.error.message}\n`);
        const width = Math.max(0, ...s.tools.map((t) => t.name.length));
        for (const t of s.tools) io.stdout(`  ${t.name.padEnd(width)}  ${t.description.split('\n')[0]}\n`);
      }
    }
    return servers.every((s) => s.started) ? 0 : 1;
  } finally {
    await runtime.close();
  }
}

/** The script's leading comment block, its description as a tool. */
function scriptDescription(source: string, file: string): string {
  const lines: string[] = [];
  for (const line of source.split(/\r?\n/)) {
    const m = /^\s*(?:--|\/\/)\s?(.*)$/.exec(line);
    if (!m) break;
    if (!m[1].startsWith('!')) lines.push(m[1]);
  }
  return lines.join(' ').trim() || `Runs the llmspell script ${path.basename(file)}`;
}

function scriptTools(args: ParsedArgs, io: CliIo, toolNames: Set<string>, loaded: LoadedConfig): ScriptTool[] {
  const files = [...args.positionals.slice(2), ...(args.optionLists.script ?? [])];
  const seen = new Set<string>();
  return files.map((file): ScriptTool => {
    let absolute: string;
    let source: string;
    try {
      ({ full: absolute, source } = readScriptFile(io.cwd, file));
    } catch (error) {
      const e = error as LlmspellError;
      throw new LlmspellError(e.code, `--script ${file}: ${e.detail}`, { details: e.details });
    }
    const engine = engineFor(args.flags.engine ?? io.env.LLMSPELL_ENGINE, absolute) ?? defaultEngineOf(loaded);
    const name = path.basename(file).replace(/\.[^.]+$/, '').replace(/[^A-Za-z0-9_-]/g, '_');
    if (toolNames.has(name) || seen.has(name)) throw new UsageError(`--script ${file}: the name '${name}' is already taken by a tool or another script`);
    seen.add(name);
    return {
      name,
      description: scriptDescription(source, absolute),
      run: async (callArgs, { signal, onOutput }) => {
        const named: Record<string, string> = {};
        for (const [k, v] of Object.entries(callArgs)) named[k] = typeof v === 'string' ? v : JSON.stringify(v);
        const stdout: string[] = [];
        const value = await runScriptJob(
          { source, filename: path.basename(absolute), engine, file: absolute, args: { positional: [], named } },
          args.flags,
          io,
          {
            signal,
            output: {
              stdout: (t) => {
                stdout.push(t);
                onOutput(t, 'stdout');
              },
              stderr: (t) => onOutput(t, 'stderr'),
            },
          },
        );
        return { value: value as unknown, stdout };
      },
    };
  });
}

/**
 * `llmspell mcp serve [--http --port P --token T] [--script file]…`: the tools the policy
 * allows, and scripts as tools. Tools run through the runtime's execution path (hooks,
 * events, policy); each script call is a `runScriptJob`, the sandbox of `llmspell run`.
 */
async function serve(args: ParsedArgs, io: CliIo): Promise<number> {
  const http = args.options.http === true;
  const port = args.options.port === undefined ? 0 : Number(args.options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number, got '${String(args.options.port)}'`);
  if (!http && (args.options.port !== undefined || args.options.token !== undefined)) throw new UsageError('--port and --token go with --http');
  if (args.options.token === true || args.options.token === '') throw new UsageError('--token needs a value');
  const token = typeof args.options.token === 'string' ? args.options.token : undefined;
  const mcp = await loadMcp(io.cwd);
  // composeRuntime attaches the MCP connector and the configured servers' tools (once: a
  // second connector would start every server twice and leave the first ones running).
  const { runtime, loaded } = await composeRuntime(args.flags, io);
  try {
    if (token) runtime.policy.secrets.add(token);
    const allowed = runtime.tools.list().filter((t) => securityLevelRank(t.securityLevel) <= securityLevelRank(runtime.policy.maxSecurityLevel));
    const scripts = scriptTools(args, io, new Set(allowed.map((t) => t.name)), loaded);
    const executeTool = async (tool: Tool, toolArgs: Record<string, unknown>, signal: AbortSignal): Promise<ToolResult> => {
      const settings = (runtime.config.tools as Record<string, unknown>)[tool.name];
      const ctx = runtime.createContext({ signal, settings: typeof settings === 'object' && settings !== null ? (settings as Record<string, unknown>) : undefined });
      return runtime.policy.redactValue(await executeComponent(tool, toolArgs, ctx));
    };
    const serverOptions = { tools: allowed, scripts, executeTool, redact: (t: string) => runtime.policy.redact(t), version: cliVersion() };
    if (!http) {
      await mcp.serveMcpStdio(serverOptions, { stdin: io.stdin ?? process.stdin, stdout: process.stdout });
      return 0;
    }
    const server = await mcp.serveMcpHttp({ ...serverOptions, port, token });
    io.stderr(`llmspell mcp serve: ${allowed.length} tools and ${scripts.length} scripts on ${server.url}${token ? ' (bearer token required)' : ''}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } finally {
    await runtime.close();
  }
}

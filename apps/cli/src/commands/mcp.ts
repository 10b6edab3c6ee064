import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
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
      io.stdout('No MCP servers configured. Add one to llmspell.toml:\n\n  [mcp.servers.everything]\n  command = "npx"\n  args = ["-y", "@modelcontextprotocol/server-everything@2026.8.31"]\n');
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

/** A bearer token from a file: its content, trimmed (an editor's final newline is not part of it). */
function readTokenFile(file: string, cwd: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new LlmspellError('NOT_FOUND', `--token-file ${file}: no such file`, { details: { file } });
    throw new LlmspellError('IO_ERROR', `--token-file ${file}: cannot read it: ${(error as Error).message}`, { details: { file, errno: code } });
  }
  const token = text.trim();
  if (!token) throw new LlmspellError('INVALID_ARGUMENT', `--token-file ${file} is empty: write the token in it`, { details: { file } });
  return token;
}

/**
 * The token `serve --http` requires: --token, --token-file, else LLMSPELL_MCP_TOKEN, else one
 * made for this run (as Jupyter does), since without one every local user and process could
 * use the owner's tools. Only `--no-auth` serves without.
 */
function httpToken(args: ParsedArgs, io: CliIo): { token?: string; generated: boolean } {
  const { token, 'token-file': tokenFile, 'no-auth': noAuth } = args.options;
  if (token === true || (typeof token === 'string' && token.trim() === '')) throw new UsageError('--token needs a value');
  if (tokenFile === true || tokenFile === '') throw new UsageError('--token-file needs a file');
  if (token !== undefined && tokenFile !== undefined) throw new UsageError('give one of --token and --token-file');
  const fromEnv = io.env.LLMSPELL_MCP_TOKEN?.trim() || undefined;
  if (noAuth === true) {
    if (token !== undefined || tokenFile !== undefined) throw new UsageError('--no-auth serves without a token: leave out --token and --token-file, or --no-auth');
    if (fromEnv) throw new UsageError('--no-auth serves without a token, but LLMSPELL_MCP_TOKEN is set: unset it, or leave out --no-auth');
    return { generated: false };
  }
  if (typeof token === 'string') return { token: token.trim(), generated: false };
  if (typeof tokenFile === 'string') return { token: readTokenFile(tokenFile, io.cwd), generated: false };
  if (fromEnv) return { token: fromEnv, generated: false };
  return { token: randomBytes(32).toString('base64url'), generated: true };
}

function realOrResolved(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}

/**
 * Refuses to serve when the file tools' root is the default one (the current directory, see
 * SecurityPolicy) and that directory is / or the home directory, where a desktop client starts
 * its servers unless told otherwise: the client would get every file there, to read and write.
 */
function refuseWholeDiskRoot(loaded: LoadedConfig, io: CliIo): void {
  const security = loaded.config.runtime.security;
  if (security.allowed_paths !== undefined || security.allow_file_access === false) return;
  const cwd = realOrResolved(io.cwd);
  const homes = [io.env.HOME, os.homedir()].filter((h): h is string => Boolean(h)).map(realOrResolved);
  const where = cwd === path.parse(cwd).root ? 'the root directory' : homes.includes(cwd) ? 'the home directory' : undefined;
  if (!where) return;
  throw new LlmspellError(
    'CONFIG_INVALID',
    `mcp serve: started in ${where} (${cwd}) with no allowed_paths set, where the file tools would give the client every file under it to read and write. `
      + 'Start it from a project directory (`cwd` in the desktop client\'s server entry), or name the folders the tools may use: '
      + 'allowed_paths = ["/path/to/project"] under [runtime.security] in llmspell.toml, or LLMSPELL_ALLOWED_PATHS=/path/to/project',
    { details: { cwd } },
  );
}

/**
 * `llmspell mcp serve [--http [--port P] [--token-file F | --no-auth]] [--script file]…`: the
 * tools the policy allows, and scripts as tools. Tools run through the runtime's execution
 * path (hooks, events, policy); each script call is a `runScriptJob`, the sandbox of
 * `llmspell run`.
 */
async function serve(args: ParsedArgs, io: CliIo): Promise<number> {
  const http = args.options.http === true;
  const port = args.options.port === undefined ? 0 : Number(args.options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port needs a port number, got '${String(args.options.port)}'`);
  if (!http && ['port', 'token', 'token-file', 'no-auth'].some((o) => args.options[o] !== undefined)) throw new UsageError('--port, --token, --token-file and --no-auth go with --http');
  const { token, generated } = http ? httpToken(args, io) : { token: undefined, generated: false };
  const mcp = await loadMcp(io.cwd);
  // composeRuntime attaches the MCP connector and the configured servers' tools (once: a
  // second connector would start every server twice and leave the first ones running).
  const { runtime, loaded } = await composeRuntime(args.flags, io);
  try {
    if (token) runtime.policy.secrets.add(token);
    const allowed = runtime.tools.list().filter((t) => securityLevelRank(t.securityLevel) <= securityLevelRank(runtime.policy.maxSecurityLevel));
    const scripts = scriptTools(args, io, new Set(allowed.map((t) => t.name)), loaded);
    refuseWholeDiskRoot(loaded, io);
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
    const access = token ? ' (bearer token required)' : ' (no token: every local user and process may use these tools)';
    // one write: a reader that waits for the address line gets the token with it
    const made = generated
      ? `  a token made for this run; a client sends it with every request, as the header\n    Authorization: Bearer ${token}\n  (LLMSPELL_MCP_TOKEN or --token-file give a token that stays the same across runs)\n`
      : '';
    io.stderr(`llmspell mcp serve: ${allowed.length} tools and ${scripts.length} scripts on ${server.url}${access}\n${made}`);
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

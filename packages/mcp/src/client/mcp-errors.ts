import { ErrorCode as RpcCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { LlmspellError, isLlmspellError, type ErrorCode } from '@llmspell/core';

/** What the connection knows about its server when something fails. */
export interface FailureContext {
  server: string;
  /** The request that failed: `initialize`, `tools/call`… */
  method: string;
  timeoutMs: number;
  /** A fault the transport recorded (oversized message, stray output…). */
  fault?: LlmspellError;
  /** `exit 1`, `signal SIGKILL`… when the server process has ended. */
  exitStatus?: string;
  stderrTail?: string;
  /** Masks secrets in anything that reaches a message. */
  redact: (text: string) => string;
  /** Was the caller's signal aborted (the script's run ended)? */
  aborted?: boolean;
}

/** Error codes an MCP server's JSON-RPC error reply maps to. */
const REPLY_CODES: Record<number, ErrorCode> = {
  [RpcCode.MethodNotFound]: 'UNSUPPORTED',
  [RpcCode.InvalidParams]: 'INVALID_ARGUMENT',
  [-32002]: 'NOT_FOUND',
};

function withStderr(text: string, ctx: FailureContext): string {
  const tail = ctx.stderrTail?.trim();
  if (!tail) return text;
  const lines = tail.split(/\r?\n/).slice(-8).join('\n');
  return `${text}; stderr: ${lines.length > 1000 ? '…' + lines.slice(-1000) : lines}`;
}

/**
 * Turns whatever a request failed with into a coded LlmspellError naming the server, with the
 * tail of its stderr and every known secret masked. `MCP_TIMEOUT`: no answer in time;
 * `MCP_CONNECT_FAILED`: the server could not be started or reached, or went away;
 * `MCP_PROTOCOL_ERROR`: it broke the protocol (garbage, oversized or malformed messages).
 */
export function toMcpError(error: unknown, ctx: FailureContext): LlmspellError {
  const details = { server: ctx.server, method: ctx.method, ...(ctx.exitStatus ? { exit: ctx.exitStatus } : {}) };
  const make = (code: ErrorCode, text: string, cause?: unknown) =>
    new LlmspellError(code, ctx.redact(withStderr(text, ctx)), { details: { ...details, stderr: ctx.stderrTail ? ctx.redact(ctx.stderrTail) : undefined }, cause });
  if (ctx.fault) return make(ctx.fault.code, ctx.fault.detail, error);
  if (ctx.aborted) return new LlmspellError('CANCELLED', `server '${ctx.server}': ${ctx.method} cancelled`, { details, cause: error });
  if (isLlmspellError(error)) {
    return error.code === 'NETWORK_NOT_ALLOWED' || error.code === 'INVALID_ARGUMENT' ? error : make(error.code, `server '${ctx.server}': ${error.detail}`, error);
  }
  if (error instanceof McpError) {
    if (error.code === RpcCode.RequestTimeout) {
      return make('MCP_TIMEOUT', `server '${ctx.server}' did not answer ${ctx.method} within ${ctx.timeoutMs / 1000} s ([mcp] timeout_secs)`, error);
    }
    if (error.code === RpcCode.ConnectionClosed) {
      const why = ctx.exitStatus ? ` (${ctx.exitStatus})` : '';
      return ctx.method === 'initialize'
        ? make('MCP_CONNECT_FAILED', `server '${ctx.server}' exited before it finished initializing${why}`, error)
        : make('MCP_CONNECT_FAILED', `server '${ctx.server}' closed the connection during ${ctx.method}${why}`, error);
    }
    const message = error.message.replace(/^MCP error -?\d+: /, '');
    return make(REPLY_CODES[error.code] ?? 'MCP_PROTOCOL_ERROR', `server '${ctx.server}' answered ${ctx.method} with error ${error.code}: ${message}`, error);
  }
  const text = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  if (name === 'ZodError' || /invalid_type|invalid_union|Unrecognized key/.test(text)) {
    return make('MCP_PROTOCOL_ERROR', `server '${ctx.server}' answered ${ctx.method} with a result that does not fit the MCP schema: ${text.slice(0, 300)}`, error);
  }
  if (error instanceof Error && error.name === 'AbortError') {
    return new LlmspellError('CANCELLED', `server '${ctx.server}': ${ctx.method} cancelled`, { details, cause: error });
  }
  const code = ctx.method === 'initialize' || /fetch failed|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ECONNRESET|Not connected/i.test(text) ? 'MCP_CONNECT_FAILED' : 'MCP_PROTOCOL_ERROR';
  return make(code, `server '${ctx.server}': ${ctx.method} failed: ${text}`, error);
}

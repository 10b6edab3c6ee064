import {
  LlmspellError, type EventSink, type Logger, type McpElicitation, type McpSamplingRequest, type McpSamplingResult, type SecurityPolicy,
} from '@llmspell/core';

export type { McpElicitation, McpSamplingRequest, McpSamplingResult };

/** `[mcp.servers.NAME]` of llmspell.toml. */
export interface McpServerOptions {
  /** A process to start (stdio). */
  command?: string;
  args?: string[];
  /** The only variables the process gets beyond PATH, HOME and LANG. */
  env?: Record<string, string>;
  cwd?: string;
  /** A Streamable HTTP server (with the HTTP+SSE fallback). */
  url?: string;
  headers?: Record<string, string>;
  /** `provider/model` that answers the server's sampling requests; without it they are refused. */
  sampling?: string;
  /** Overrides `[mcp] timeout_secs` for this server. */
  timeout_secs?: number;
  /** Overrides `[mcp] elicitation` for this server. */
  elicitation?: McpElicitation;
  /** `false` leaves the server out. Default true. */
  enabled?: boolean;
}

/** `[mcp]` of llmspell.toml. */
export interface McpOptions {
  /** Per request (initialize included). Default 30. */
  timeout_secs?: number;
  /** Largest single message a server may send. Default 4 MiB. */
  max_response_bytes?: number;
  /**
   * How servers' elicitation requests are answered: `defaults` accepts a form whose every
   * required field has a default with the defaults (and declines the others), `decline`
   * declines every request, `auto` (the default) does what the host's `elicitation` says.
   */
  elicitation?: McpElicitation;
  servers?: Record<string, McpServerOptions>;
}

export const DEFAULT_TIMEOUT_SECS = 30;
export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

/** What a connector needs from the program that composes it. */
export interface McpHost {
  /** Network policy for URLs scripts pass, and the secret list every message is masked with. */
  policy: SecurityPolicy;
  /** Where `mcp.log`, `mcp.progress` and `mcp.elicitation` events go. */
  events?: EventSink;
  logger?: Logger;
  /** Working directory of server processes without a `cwd`. */
  cwd?: string;
  /** Answers sampling requests of servers whose config names a model. */
  sample?: (request: McpSamplingRequest) => Promise<McpSamplingResult>;
  /**
   * What `auto` elicitation means here: `defaults` (someone is at a terminal) or `decline`
   * (the default: no one to ask).
   */
  elicitation?: 'defaults' | 'decline';
  /** Environment the PATH, HOME and LANG of server processes come from. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** The answer mode in force: a server's own setting, else `[mcp]`'s, `auto` resolved by the host. */
export function elicitationMode(host: McpHost, ...settings: Array<McpElicitation | undefined>): 'defaults' | 'decline' {
  const setting = settings.find((s) => s !== undefined && s !== 'auto');
  return (setting as 'defaults' | 'decline' | undefined) ?? host.elicitation ?? 'decline';
}

const SERVER_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Checks a server's options (the CLI's config schema checks them too; programs may not). */
export function checkServerOptions(name: string, server: McpServerOptions): void {
  const bad = (why: string) => new LlmspellError('CONFIG_INVALID', `mcp.servers.${name}: ${why}`, { details: { server: name } });
  if (!SERVER_NAME.test(name)) throw bad('a server name starts with a letter and uses letters, digits, _ or -');
  if ((server.command === undefined) === (server.url === undefined)) throw bad('set either command (a process) or url (an HTTP server)');
  if (server.url !== undefined && !/^https?:\/\//i.test(server.url)) throw bad(`url must be http or https, got ${server.url}`);
}

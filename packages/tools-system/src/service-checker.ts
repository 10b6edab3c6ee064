import { promises as dns } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { aliasOf, type ExecutionContext, LlmspellError, type ResolvedHost, defineTool, z } from '@llmspell/core';
import { cancelledError } from './helpers.js';

const TOOL = 'service_checker';

const CHECK_TYPES: Record<string, string> = { tcp: 'tcp', port: 'tcp', http: 'http', https: 'https', dns: 'dns', resolve: 'dns' };
const MAX_TIMEOUT_SECONDS = 60;

const parameters = z.object({
  target: z.string().min(1).optional().describe('host:port for tcp, a URL (or host) for http/https, a host name for dns'),
  host: aliasOf('target', z.string().min(1)),
  url: aliasOf('target', z.string().min(1)),
  check_type: z.string().optional().describe('tcp | http | https | dns'),
  type: aliasOf('check_type'),
  port: z.number().int().min(1).max(65535).optional().describe('tcp: port, when target has none'),
  timeout_seconds: z.number().positive().max(MAX_TIMEOUT_SECONDS).default(5),
});

type Params = z.infer<typeof parameters>;

function invalid(parameter: string, why: string): LlmspellError {
  return new LlmspellError('INVALID_ARGUMENT', `${TOOL}: parameter '${parameter}': ${why}`, { details: { parameter } });
}

export function parseHostPort(target: string, port?: number): { host: string; port: number } {
  let host = target.trim();
  let p: number | undefined = port;
  const v6 = host.match(/^\[([^\]]+)\](?::(\d+))?$/);
  if (v6) {
    host = v6[1];
    if (v6[2]) p = Number(v6[2]);
  } else if (net.isIP(host) !== 6) {
    const m = host.match(/^(.*):(\d+)$/);
    if (m) {
      host = m[1];
      p = Number(m[2]);
    }
  }
  if (!host) throw invalid('target', `no host in '${target}'`);
  if (p === undefined) throw invalid('target', `tcp checks need host:port (or the port parameter), got '${target}'`);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw invalid('target', `port ${p} is out of range`);
  return { host, port: p };
}

function withTimeout<T>(ctx: ExecutionContext, ms: number, what: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(cancelledError(ctx, TOOL));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new LlmspellError('TIMEOUT', `${what} timed out after ${ms} ms`);
      controller.abort(e);
      reject(e);
    }, ms);
  });
  const cancelled = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  return Promise.race([work(controller.signal), timeout, cancelled]).finally(() => {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onAbort);
  });
}

/** A soft failure: the check ran, the service is not there. Policy refusals still throw. */
function unavailable(error: unknown): string {
  if (error instanceof LlmspellError && error.code !== 'TIMEOUT') throw error;
  return error instanceof Error ? error.message : String(error);
}

function connectTcp(address: string, port: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port });
    const onAbort = () => socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.end();
      socket.destroy();
      resolve();
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      reject(error);
    });
  });
}

/**
 * A name that does not resolve is an unavailable service (the reference reports
 * "DNS resolution failed" as data); only policy refusals, which carry no DNS cause, throw.
 */
function dnsFailure(error: unknown): string | undefined {
  const cause = error instanceof LlmspellError ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (cause && typeof cause.code === 'string' && /^(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME|ENODATA|ESERVFAIL|EBADNAME|ENONAME)$/.test(cause.code)) {
    return `DNS resolution failed: ${cause.message}`;
  }
  return undefined;
}

async function resolveOrUnavailable(ctx: ExecutionContext, host: string): Promise<ResolvedHost | { failed: string }> {
  try {
    return await ctx.policy.resolveHost(host);
  } catch (error) {
    const failed = dnsFailure(error);
    if (failed === undefined) throw error;
    return { failed };
  }
}

async function checkTcp(p: Params, ctx: ExecutionContext, target: string, timeoutMs: number) {
  const { host, port } = parseHostPort(target, p.port);
  const started0 = performance.now();
  const resolved = await resolveOrUnavailable(ctx, host);
  if ('failed' in resolved) return { available: false, host, port, status: 'DNS resolution failed', response_time_ms: ms(started0), error: resolved.failed };
  const started = performance.now();
  const errors: string[] = [];
  for (const a of resolved.addresses) {
    try {
      await withTimeout(ctx, Math.max(1, timeoutMs - (performance.now() - started)), `tcp connect to ${host}:${port}`, (signal) => connectTcp(a.address, port, signal));
      return { available: true, host, port, address: a.address, response_time_ms: ms(started) };
    } catch (error) {
      errors.push(`${a.address}: ${unavailable(error)}`);
      if (ctx.signal.aborted) throw cancelledError(ctx, TOOL);
      if (performance.now() - started >= timeoutMs) break;
    }
  }
  return { available: false, host, port, response_time_ms: ms(started), error: errors.join('; ') };
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/** A lookup that only ever hands out the addresses the policy already checked. */
function pinnedLookup(resolved: ResolvedHost) {
  return (
    _hostname: string,
    options: { all?: boolean } | number | undefined,
    callback: (err: NodeJS.ErrnoException | null, address: string | Array<{ address: string; family: number }>, family?: number) => void,
  ) => {
    const all = typeof options === 'object' && options !== null && options.all === true;
    if (all) callback(null, resolved.addresses);
    else callback(null, resolved.addresses[0].address, resolved.addresses[0].family);
  };
}

async function checkHttp(ctx: ExecutionContext, target: string, checkType: 'http' | 'https', timeoutMs: number) {
  const raw = /^[a-z][a-z0-9+.-]*:\/\//i.test(target) ? target : `${checkType}://${target}`;
  const started0 = performance.now();
  let url: URL;
  try {
    url = await ctx.policy.checkUrl(raw, 'target');
  } catch (error) {
    const failed = dnsFailure(error);
    if (failed === undefined) throw error;
    return { available: false, url: raw, status: 'DNS resolution failed', response_time_ms: ms(started0), error: failed };
  }
  const resolved = await resolveOrUnavailable(ctx, url.hostname);
  if ('failed' in resolved) return { available: false, url: url.toString(), status: 'DNS resolution failed', response_time_ms: ms(started0), error: resolved.failed };
  const started = performance.now();
  try {
    const response = await withTimeout(ctx, timeoutMs, `${url.protocol}//${url.host}`, (signal) => new Promise<http.IncomingMessage>((resolve, reject) => {
      const lib = url.protocol === 'https:' ? https : http;
      const req = lib.request(url, { method: 'GET', lookup: pinnedLookup(resolved) as unknown as net.LookupFunction, signal, headers: { 'user-agent': 'llmspell-service-checker' } }, (res) => {
        resolve(res);
        // Only the status matters; do not download the body.
        res.resume();
        req.destroy();
      });
      req.on('error', reject);
      req.end();
    }));
    const status = response.statusCode ?? 0;
    return {
      available: status > 0 && status < 500,
      url: url.toString(),
      status_code: status,
      status_text: response.statusMessage ?? '',
      healthy: status >= 200 && status < 400,
      headers: pick(response.headers, ['server', 'content-type', 'location']),
      address: resolved.addresses[0].address,
      response_time_ms: ms(started),
    };
  } catch (error) {
    return { available: false, url: url.toString(), response_time_ms: ms(started), error: unavailable(error) };
  }
}

function pick(headers: http.IncomingHttpHeaders, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) {
    const v = headers[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

async function checkDns(ctx: ExecutionContext, target: string, timeoutMs: number) {
  let host = target.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) host = new URL(host).hostname;
  host = host.replace(/^\[|\]$/g, '');
  ctx.policy.checkHostname(host);
  const started = performance.now();
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await withTimeout(ctx, timeoutMs, `dns lookup of ${host}`, () => dns.lookup(host, { all: true, verbatim: true }));
  } catch (error) {
    return { available: false, hostname: host, addresses: [], response_time_ms: ms(started), error: unavailable(error) };
  }
  for (const a of addresses) ctx.policy.checkAddress(a.address, host);
  return { available: addresses.length > 0, hostname: host, addresses, response_time_ms: ms(started) };
}

async function run(p: Params, ctx: ExecutionContext) {
  const target = p.target ?? p.url ?? p.host;
  if (!target) throw invalid('target', 'is required');
  const rawType = p.check_type ?? p.type ?? (p.url ? (p.url.startsWith('https') ? 'https' : 'http') : undefined);
  if (!rawType) throw invalid('check_type', 'is required (tcp, http, https or dns)');
  const checkType = CHECK_TYPES[rawType.trim().toLowerCase()];
  if (!checkType) throw invalid(p.check_type ? 'check_type' : 'type', `unknown check type '${rawType}' (tcp, http, https or dns)`);
  const timeoutMs = p.timeout_seconds * 1000;
  let result: Record<string, unknown>;
  if (checkType === 'tcp') result = await checkTcp(p, ctx, target, timeoutMs);
  else if (checkType === 'dns') result = await checkDns(ctx, target, timeoutMs);
  else result = await checkHttp(ctx, target, checkType as 'http' | 'https', timeoutMs);
  return {
    operation: checkType,
    message: `${target} is ${result.available ? 'available' : 'not available'} (${checkType})`,
    result: { target, check_type: checkType, ...result },
    metadata: { available: result.available, response_time_ms: result.response_time_ms },
  };
}

export const serviceCheckerTool = defineTool({
  name: TOOL,
  aliases: ['service-checker'],
  description: 'Check whether a TCP port, HTTP(S) endpoint or DNS name is reachable',
  outputSchema: z.discriminatedUnion('check_type', [
    z.object({
      target: z.string(), check_type: z.literal('tcp'), available: z.boolean(), host: z.string(), port: z.number(), address: z.string().optional().describe('The address that answered'),
      status: z.string().optional(), response_time_ms: z.number(), error: z.string().optional().describe('Why it is not available'),
    }),
    z.object({
      target: z.string(), check_type: z.enum(['http', 'https']), available: z.boolean().describe('Answered with a status below 500'), url: z.string(),
      status_code: z.number().optional(), status_text: z.string().optional(), healthy: z.boolean().optional().describe('A 2xx or 3xx status'),
      headers: z.record(z.string(), z.string()).optional().describe('server, content-type, location'), address: z.string().optional(), status: z.string().optional(),
      response_time_ms: z.number(), error: z.string().optional(),
    }),
    z.object({
      target: z.string(), check_type: z.literal('dns'), available: z.boolean(), hostname: z.string(),
      addresses: z.array(z.object({ address: z.string(), family: z.number() })), response_time_ms: z.number(), error: z.string().optional(),
    }),
  ]),
  ignoredParameters: ['service', 'timeout', 'operation', 'services', 'timeout_ms'],
  category: 'system',
  securityLevel: 'restricted',
  tags: ['network', 'health', 'tcp', 'http', 'dns', 'monitor'],
  parameters,
  examples: [
    { description: 'Is the web server up?', params: { target: 'https://example.com', check_type: 'https' } },
    { description: 'Is the port open?', params: { target: 'example.com:443', check_type: 'tcp' } },
    { description: 'Does the name resolve?', params: { target: 'example.com', check_type: 'dns' } },
  ],
  execute: run,
});

import type http from 'node:http';
import type https from 'node:https';
import { createRequire } from 'node:module';
import { Readable, Transform } from 'node:stream';
import type zlib from 'node:zlib';
import { timerDelay } from '../abortable-delay.js';
import { LlmspellError, isLlmspellError } from '../errors.js';
import { looksLikeSecretName } from './secrets.js';
import type { SecurityPolicy } from './security-policy.js';

// node:http, node:https (with tls) and node:zlib load on the first request: every run imports
// this module, and most never make one (compiling them was a tenth of a cold start's work).
let httpModules: { http: typeof http; https: typeof https } | undefined;
let zlibModule: typeof zlib | undefined;
const loadHttp = () => (httpModules ??= { http: createRequire(import.meta.url)('node:http') as typeof http, https: createRequire(import.meta.url)('node:https') as typeof https });
const loadZlib = () => (zlibModule ??= createRequire(import.meta.url)('node:zlib') as typeof zlib);

export interface GuardedRequestOptions {
  url: string;
  /** Default GET. */
  method?: string;
  headers?: Record<string, string | number | undefined>;
  body?: string | Uint8Array;
  /** Whole-request wall time (connect, redirects, body). Default 30 s. */
  timeoutMs?: number;
  /** Largest (decoded) response body. Default `policy.maxResponseBytes`. */
  maxBytes?: number;
  /** Redirects followed before giving up; 0 returns the 3xx response itself. Default 5. */
  maxRedirects?: number;
  signal?: AbortSignal;
  /** Parameter name used in error messages about the URL. Default `input`. */
  parameter?: string;
}

export interface GuardedResponse {
  status: number;
  statusText: string;
  /** Lower-cased header names; repeated headers joined with `, ` (set-cookie with `\n`). */
  headers: Record<string, string>;
  body: Buffer;
  /** The final URL after redirects. */
  url: string;
  /** Every URL redirected to, in order. */
  redirects: string[];
  durationMs: number;
}

const SENSITIVE_QUERY = new Set(['key', 'api_key', 'apikey', 'token', 'access_token', 'sig', 'signature', 'password', 'secret', 'auth', 'code']);
/**
 * Headers that must not follow a redirect to another origin: the well-known ones by name,
 * and any header whose name says it carries a credential (`X-Auth-Token`, `Private-Token`,
 * `X-Goog-Api-Key`, `Ocp-Apim-Subscription-Key`, `X-Amz-Security-Token`, `*-secret`…).
 * Dropping a harmless header by mistake costs little; forwarding a key costs the key.
 */
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'cookie2', 'www-authenticate', 'dpop']);
const CREDENTIAL_HEADER_WORDS = /auth|token|key|secret|passw|pwd|credential|session|cookie|signature|csrf|xsrf|bearer|jwt/;

/** Whether a request header may carry a credential (and so must not cross origins). */
export function isCredentialHeader(name: string): boolean {
  const n = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(n) || CREDENTIAL_HEADER_WORDS.test(n);
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The request for the next hop of a redirect, as browsers and curl make it: credentials stay
 * behind when the origin (scheme, host or port) changes, and 303 (or 301/302 after a POST)
 * turns the request into a GET without a body.
 */
function redirectedRequest(
  status: number,
  from: URL,
  next: URL,
  request: { method: string; headers: Record<string, string>; body: Buffer | undefined },
): { method: string; headers: Record<string, string>; body: Buffer | undefined } {
  let { method, headers, body } = request;
  if (next.origin !== from.origin) headers = Object.fromEntries(Object.entries(headers).filter(([k]) => !isCredentialHeader(k)));
  if (status === 303 || ((status === 301 || status === 302) && method !== 'GET' && method !== 'HEAD')) {
    method = method === 'HEAD' ? 'HEAD' : 'GET';
    body = undefined;
    headers = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-type' && k !== 'content-length'));
  }
  return { method, headers, body };
}

/** A URL fit for messages and logs: no user info, secret-looking query values replaced. */
export function redactUrl(url: string | URL): string {
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return String(url).replace(/\/\/[^/@\s]*@/, '//');
  }
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
  }
  for (const name of [...u.searchParams.keys()]) {
    if (SENSITIVE_QUERY.has(name.toLowerCase()) || looksLikeSecretName(name)) u.searchParams.set(name, 'REDACTED');
  }
  return u.toString();
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v.join(k.toLowerCase() === 'set-cookie' ? '\n' : ', ') : String(v);
  }
  return out;
}

/** What node:http accepts in a header name (an RFC 9110 token) and value (no control characters). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;

function cleanHeaders(headers: GuardedRequestOptions['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    const value = String(v);
    // Refused here, naming the header, rather than as node:http's ERR_INVALID_CHAR (an
    // IO_ERROR). The value stays out of the message: it may be a credential.
    const shown = JSON.stringify(k.replace(/[^\x20-\x7e]/g, '?'));
    if (/[\r\n]/.test(k) || /[\r\n]/.test(value)) {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'headers': header '${k.replace(/[\r\n]/g, ' ')}' contains a line break`, { details: { parameter: 'headers' } });
    }
    if (!HEADER_NAME.test(k)) {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'headers': ${shown} is not a valid header name`, { details: { parameter: 'headers' } });
    }
    if (BAD_HEADER_VALUE.test(value)) {
      throw new LlmspellError('INVALID_ARGUMENT', `parameter 'headers': the value of header ${shown} contains a control character or a character outside Latin-1`, { details: { parameter: 'headers', header: k } });
    }
    out[k.toLowerCase()] = value;
  }
  return out;
}

function describeSocketError(error: NodeJS.ErrnoException, url: string): LlmspellError {
  // The message of a socket error names host/port only, never request headers.
  const code = error.code ? ` (${error.code})` : '';
  return new LlmspellError('IO_ERROR', `request to ${redactUrl(url)} failed: ${error.message}${code}`, {
    details: { url: redactUrl(url), errno: error.code },
  });
}

interface HopResult {
  res: http.IncomingMessage;
  req: http.ClientRequest;
}

/**
 * The one HTTP client for network tools. Every hop (the first URL and each redirect) is
 * checked with `policy.checkUrl`, and the socket connects through `policy.guardedLookup`,
 * so the address that was checked is the one connected to. Bodies are capped, the call
 * honours a timeout and an abort signal, and errors carry no request headers.
 */
export async function guardedRequest(policy: SecurityPolicy, options: GuardedRequestOptions): Promise<GuardedResponse> {
  const started = performance.now();
  const parameter = options.parameter ?? 'input';
  const maxBytes = options.maxBytes ?? policy.maxResponseBytes;
  const maxRedirects = options.maxRedirects ?? 5;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let method = (options.method ?? 'GET').toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new LlmspellError('INVALID_ARGUMENT', `parameter 'method': invalid HTTP method '${method}'`);
  let headers = cleanHeaders(options.headers);
  if (!('user-agent' in headers)) headers['user-agent'] = 'llmspell/0.1 (+https://github.com/lexlapax/rs-llmspell)';
  let body: Buffer | undefined = options.body === undefined ? undefined : Buffer.from(options.body as Uint8Array | string);

  const controller = new AbortController();
  let failure: LlmspellError | undefined;
  const fail = (error: LlmspellError) => {
    if (!failure) failure = error;
    controller.abort(error);
  };
  const timer = setTimeout(
    () => fail(new LlmspellError('TIMEOUT', `request to ${redactUrl(options.url)} timed out after ${timeoutMs} ms`, { details: { timeout_ms: timeoutMs } })),
    timerDelay(timeoutMs),
  );
  const onAbort = () => fail(new LlmspellError('CANCELLED', `request to ${redactUrl(options.url)} cancelled`));
  if (options.signal?.aborted) {
    clearTimeout(timer);
    throw new LlmspellError('CANCELLED', `request to ${redactUrl(options.url)} cancelled before it started`);
  }
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const raceAbort = <T>(p: Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (controller.signal.aborted) return reject(failure);
      const onA = () => reject(failure);
      controller.signal.addEventListener('abort', onA, { once: true });
      p.then(
        (v) => { controller.signal.removeEventListener('abort', onA); resolve(v); },
        (e) => { controller.signal.removeEventListener('abort', onA); reject(e); },
      );
    });

  const redirects: string[] = [];
  let current = options.url;
  try {
    for (;;) {
      const target = await raceAbort(policy.checkUrl(current, parameter));
      if (target.password) policy.secrets.add(decodeURIComponent(target.password));
      const hop = await raceAbort(sendOnce(policy, target, method, headers, body, controller.signal, () => failure));
      const { res } = hop;
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location && maxRedirects > 0) {
        // Drain and forget the redirect body; a late reset on that socket must not surface.
        res.on('error', () => {});
        res.resume();
        if (redirects.length >= maxRedirects) {
          throw new LlmspellError('IO_ERROR', `too many redirects (more than ${maxRedirects}) starting at ${redactUrl(options.url)}`, {
            details: { redirects: redirects.map(redactUrl) },
          });
        }
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new LlmspellError('IO_ERROR', `redirect from ${redactUrl(target)} to an invalid location`);
        }
        ({ method, headers, body } = redirectedRequest(status, target, next, { method, headers, body }));
        redirects.push(next.toString());
        current = next.toString();
        continue;
      }
      const buffer = await raceAbort(readBody(res, maxBytes, current, method));
      return {
        status,
        statusText: res.statusMessage ?? '',
        headers: flattenHeaders(res.headers),
        body: buffer,
        url: current,
        redirects,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      };
    }
  } catch (error) {
    if (failure) throw failure;
    if (isLlmspellError(error)) throw error;
    throw describeSocketError(error as NodeJS.ErrnoException, current);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
    if (!controller.signal.aborted) controller.abort();
  }
}

export interface GuardedFetchOptions {
  /** Redirects followed, each hop checked like the first; default 5. */
  maxRedirects?: number;
  /** Parameter name used in error messages about the URL. Default `base_url`. */
  parameter?: string;
  /**
   * Largest (decoded) response body, counted as it streams; past it the body fails with
   * `SIZE_LIMIT_EXCEEDED` and the connection is closed. Default: no limit.
   */
  maxBytes?: number;
  /**
   * Largest single event of a `text/event-stream` response (bytes up to a blank line): a long
   * stream of small events is fine, one endless event is not. A response that is not an event
   * stream is capped as a whole at this size when `maxBytes` is not set. Default: no limit.
   */
  maxEventBytes?: number;
  /** The setting that raises the limits, named in `SIZE_LIMIT_EXCEEDED`. Default `runtime.security.max_response_bytes`. */
  limitSetting?: string;
  /**
   * Origins (`http://127.0.0.1:11434`) the operator configured: hops there skip `policy.checkUrl`
   * and the guarded DNS lookup, and reuse connections, so a configured local server works
   * under the default policy. Every other hop, a redirect target included, is checked.
   */
  trustedOrigins?: readonly string[];
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * A WHATWG `fetch` under the same network policy as `guardedRequest`, for libraries that take
 * a `fetch` (the ai SDK providers): every hop is checked with `policy.checkUrl`, sockets
 * connect through `policy.guardedLookup` (no DNS rebinding), credentials stay behind on a
 * cross-origin redirect, and the body streams. Failures look like fetch's own, so such
 * libraries classify and retry them as usual: a socket error is `TypeError('fetch failed')`
 * with the errno error as `cause`, an abort throws the signal's reason; a policy refusal is
 * the `LlmspellError` (`NETWORK_NOT_ALLOWED`) itself.
 */
export function guardedFetch(policy: SecurityPolicy, options: GuardedFetchOptions = {}): typeof fetch {
  const maxRedirects = options.maxRedirects ?? 5;
  const parameter = options.parameter ?? 'base_url';
  const trusted = new Set((options.trustedOrigins ?? []).map((o) => new URL(o).origin));
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request ? input : undefined;
    let url = request ? request.url : input instanceof URL ? input.href : String(input);
    let method = (init?.method ?? request?.method ?? 'GET').toUpperCase();
    const given: Record<string, string> = {};
    new Headers(init?.headers ?? request?.headers).forEach((v, k) => {
      given[k] = v;
    });
    let headers = cleanHeaders(given);
    const rawBody = init?.body ?? (request?.body ? await request.arrayBuffer() : undefined);
    let body: Buffer | undefined = rawBody === undefined || rawBody === null ? undefined : Buffer.from(await new Response(rawBody).arrayBuffer());
    const signal = init?.signal ?? request?.signal ?? undefined;
    const redirect = init?.redirect ?? request?.redirect ?? 'follow';
    const redirects: string[] = [];
    for (;;) {
      if (signal?.aborted) throw abortReason(signal);
      const isTrusted = trusted.has(new URL(url).origin);
      const target = isTrusted ? new URL(url) : await policy.checkUrl(url, parameter);
      let res: http.IncomingMessage;
      try {
        ({ res } = await sendOnce(policy, target, method, headers, body, signal, () => undefined, isTrusted));
      } catch (error) {
        if (signal?.aborted) throw abortReason(signal);
        if (isLlmspellError(error)) throw error;
        throw new TypeError('fetch failed', { cause: error });
      }
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location && redirect !== 'manual') {
        res.on('error', () => {});
        res.resume();
        let next: URL;
        try {
          next = new URL(location, target);
        } catch {
          throw new TypeError('fetch failed', { cause: new LlmspellError('IO_ERROR', `redirect from ${redactUrl(target)} to an invalid location`) });
        }
        if (redirect === 'error' || redirects.length >= maxRedirects) {
          throw new TypeError('fetch failed', {
            cause: new LlmspellError('IO_ERROR', redirect === 'error' ? `unexpected redirect from ${redactUrl(target)}` : `too many redirects (more than ${maxRedirects}) starting at ${redactUrl(redirects[0] ?? url)}`),
          });
        }
        ({ method, headers, body } = redirectedRequest(status, target, next, { method, headers, body }));
        url = next.toString();
        redirects.push(url);
        continue;
      }
      if (status < 200 || status > 599) {
        res.destroy();
        throw new TypeError('fetch failed', { cause: new LlmspellError('IO_ERROR', `${redactUrl(target)} answered with HTTP status ${status}`) });
      }
      const responseHeaders = new Headers();
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) responseHeaders.append(res.rawHeaders[i], res.rawHeaders[i + 1]);
      let stream: Readable | null = res;
      if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
        res.resume();
        stream = null;
      } else {
        const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
        const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? loadZlib().createGunzip() : encoding === 'deflate' ? loadZlib().createInflate() : encoding === 'br' ? loadZlib().createBrotliDecompress() : undefined;
        if (decoder) {
          res.on('error', (e) => decoder.destroy(e));
          stream = res.pipe(decoder);
          responseHeaders.delete('content-encoding');
          responseHeaders.delete('content-length');
        }
        const eventStream = String(res.headers['content-type'] ?? '').toLowerCase().includes('text/event-stream');
        // A server may answer a streaming request with a plain body (JSON, text) that has no
        // events to count: the per-event cap then bounds the body as a whole, or an endless
        // answer would be buffered by its reader until the host runs out of memory.
        const maxTotal = options.maxBytes ?? (eventStream ? undefined : options.maxEventBytes);
        if (maxTotal !== undefined || (eventStream && options.maxEventBytes !== undefined)) {
          const source = stream;
          const capped = byteCap(url, eventStream ? options.maxEventBytes : undefined, maxTotal, options.limitSetting ?? 'runtime.security.max_response_bytes');
          source.on('error', (e) => capped.destroy(e));
          // Closing the socket, not just the reader, is what stops an endless body.
          capped.on('error', () => res.destroy());
          stream = source.pipe(capped);
        }
      }
      const response = new Response(stream ? (Readable.toWeb(stream) as ReadableStream<Uint8Array>) : null, {
        status, statusText: res.statusMessage ?? '', headers: responseHeaders,
      });
      Object.defineProperty(response, 'url', { value: url });
      Object.defineProperty(response, 'redirected', { value: redirects.length > 0 });
      return response;
    }
  };
}

function sendOnce(
  policy: SecurityPolicy,
  target: URL,
  method: string,
  headers: Record<string, string>,
  body: Buffer | undefined,
  signal: AbortSignal | undefined,
  failure: () => LlmspellError | undefined,
  trusted = false,
): Promise<HopResult> {
  return new Promise<HopResult>((resolve, reject) => {
    const lib = target.protocol === 'https:' ? loadHttp().https : loadHttp().http;
    const hdrs: Record<string, string> = { ...headers };
    if (body !== undefined) hdrs['content-length'] = String(body.length);
    // agent:false: a pooled keep-alive socket was checked under some earlier policy/DNS
    // answer; each request dials (and so checks) afresh. A trusted (configured) origin is not
    // checked, so its connections may be pooled.
    const req = lib.request(target, {
      method,
      headers: hdrs,
      ...(trusted ? {} : { agent: false, lookup: policy.guardedLookup as unknown as http.RequestOptions['lookup'] }),
      signal,
    });
    req.on('response', (res) => resolve({ res, req }));
    req.on('error', (error) => reject(failure() ?? error));
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/**
 * Counts a response body as it streams and fails it with SIZE_LIMIT_EXCEEDED past `maxBytes`
 * in all, or past `maxEventBytes` in one server-sent event (the bytes since the last blank line).
 */
function byteCap(url: string, maxEventBytes: number | undefined, maxBytes: number | undefined, setting: string): Transform {
  let total = 0;
  let event = 0;
  let tail = Buffer.alloc(0);
  const tooBig = (limit: number, bytes: number, what: string) => new LlmspellError(
    'SIZE_LIMIT_EXCEEDED',
    `${what} from ${redactUrl(url)} is larger than the limit of ${limit} bytes (${bytes}+ bytes; ${setting}); the connection was closed`,
    { details: { limit, bytes } },
  );
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      if (maxBytes !== undefined && total > maxBytes) return callback(tooBig(maxBytes, total, 'response body'));
      if (maxEventBytes !== undefined) {
        // The tail of the previous chunk finds a blank line split across two chunks.
        const view = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
        const lf = view.lastIndexOf('\n\n');
        const crlf = view.lastIndexOf('\n\r\n');
        const end = Math.max(lf === -1 ? -1 : lf + 2, crlf === -1 ? -1 : crlf + 3);
        event = end === -1 ? event + chunk.length : view.length - end;
        tail = Buffer.from(view.subarray(Math.max(0, view.length - 2)));
        if (event > maxEventBytes) return callback(tooBig(maxEventBytes, event, 'an event of the stream'));
      }
      callback(null, chunk);
    },
  });
}

function readBody(res: http.IncomingMessage, maxBytes: number, url: string, method: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    if (method === 'HEAD') {
      res.resume();
      res.on('end', () => resolve(Buffer.alloc(0)));
      res.on('error', reject);
      return;
    }
    const tooBig = (bytes: number) => new LlmspellError(
      'SIZE_LIMIT_EXCEEDED',
      `response body from ${redactUrl(url)} is larger than the limit of ${maxBytes} bytes (${bytes}+ bytes; runtime.security.max_response_bytes)`,
      { details: { limit: maxBytes, bytes } },
    );
    const declared = Number(res.headers['content-length']);
    const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (Number.isFinite(declared) && declared > maxBytes && (encoding === '' || encoding === 'identity')) {
      res.destroy();
      reject(tooBig(declared));
      return;
    }
    let stream: Readable = res;
    if (encoding === 'gzip' || encoding === 'x-gzip') stream = res.pipe(loadZlib().createGunzip());
    else if (encoding === 'deflate') stream = res.pipe(loadZlib().createInflate());
    else if (encoding === 'br') stream = res.pipe(loadZlib().createBrotliDecompress());
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    const finish = (error?: unknown) => {
      if (done) return;
      done = true;
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, total));
    };
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) {
        // Settle first: destroying the response emits 'aborted' synchronously.
        finish(tooBig(total));
        res.destroy();
        if (stream !== res) stream.destroy();
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => finish());
    stream.on('error', (e) => finish(e));
    res.on('error', (e) => finish(e));
    res.on('aborted', () => finish(new LlmspellError('IO_ERROR', `connection to ${redactUrl(url)} closed before the body was complete`)));
  });
}

/**
 * A response body for scripts: JSON when the content type says so or the text looks like JSON
 * (and parses), else UTF-8 text; null when empty. Shared by every HTTP tool.
 */
export function decodeHttpBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return null;
  const text = body.toString('utf8');
  const ct = (contentType ?? '').toLowerCase();
  if (ct.includes('json') || /^\s*[[{"]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** A script's `headers` table as string headers; a nested value is refused naming the entry. */
export function stringHeaders(headers: Record<string, unknown> | undefined, parameter = 'headers'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'object') throw new LlmspellError('INVALID_ARGUMENT', `parameter '${parameter}.${k}' must be a string or number`);
    out[k] = String(v);
  }
  return out;
}

/**
 * Applies `redact` to every string inside a JSON-like value (buffers left alone). Keys are left
 * alone: `max_tokens` is a usage number, not a credential.
 */
export function redactStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact)) as T;
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)])) as T;
  }
  return value;
}

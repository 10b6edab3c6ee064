import { Redis, type RedisOptions } from 'ioredis';
import { LlmspellError } from '@llmspell/core';

/**
 * A Redis URL as it may be shown: host, port and database, never the password
 * (`redis://cache.internal:6379/0`).
 */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username && u.username !== 'default' ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'redis://(unparsable URL)';
  }
}

function secretsOf(url: string): string[] {
  try {
    const u = new URL(url);
    if (!u.password) return [];
    const out = new Set([u.password]);
    try {
      out.add(decodeURIComponent(u.password));
    } catch {
      // keep the raw form
    }
    return [...out];
  } catch {
    return [];
  }
}

/** A validated Redis location: what connects (`url`), what may be shown (`target`), what to scrub (`secrets`). */
export interface RedisTarget {
  readonly url: string;
  readonly target: string;
  readonly secrets: readonly string[];
}

export function redisTarget(url: unknown, where = 'queue url'): RedisTarget {
  if (typeof url !== 'string' || !/^rediss?:\/\/[^\s]+$/.test(url.trim())) {
    throw new LlmspellError('CONFIG_INVALID', `${where} must be redis://[:password@]host:port[/db] or rediss://… (got ${typeof url === 'string' ? JSON.stringify(describeRedisUrl(url)) : typeof url})`, { details: { parameter: where } });
  }
  const clean = url.trim();
  let parsed = false;
  try {
    const u = new URL(clean);
    parsed = true;
    // The client decodes the user name and password: a lone `%` would throw there, out of sight.
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    // Most often a password with / ? # or % in it. Neither it nor anything before the last `@`
    // may be shown: only the host the URL seems to name.
    const at = clean.lastIndexOf('@');
    const host = at >= 0 && /^[\w.\-[\]:]+(\/\d*)?$/.test(clean.slice(at + 1)) ? clean.slice(at + 1) : undefined;
    const described = describeRedisUrl(clean);
    const shown = parsed && !described.includes('(unparsable URL)') ? described
      : host ? `${/^rediss/.test(clean) ? 'rediss' : 'redis'}://…@${host}` : described;
    const hint = at >= 0
      ? '; if the password (or user name) has any of / ? # % @ in it, percent-encode them (/ as %2F, % as %25, @ as %40: encodeURIComponent does it)'
      : '';
    throw new LlmspellError('CONFIG_INVALID', `${where} is not a valid URL: ${shown}${hint}`, { details: { parameter: where } });
  }
  return { url: clean, target: describeRedisUrl(clean), secrets: secretsOf(clean) };
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

/** An error from Redis or the network as an LlmspellError that names the server, never its password. */
export function toQueueError(error: unknown, target: RedisTarget, action: string): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const raw = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  const text = scrub(raw, target.secrets);
  const details = { queue: target.target, ...(code ? { error_code: code } : {}) };
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(raw)) {
    return new LlmspellError('IO_ERROR', `${action}: Redis at ${target.target} refused the login (${text}); check the password in the queue URL`, { details });
  }
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|Connection is closed|connect ETIMEDOUT|Reached the max retries/i.test(raw) || /^E[A-Z]+$/.test(code)) {
    return new LlmspellError('IO_ERROR', `${action}: cannot reach Redis at ${target.target} (${code || text})`, { details });
  }
  return new LlmspellError('IO_ERROR', `${action}: ${text} (${target.target})`, { details });
}

/**
 * A connection for BullMQ: reconnects for as long as it takes (a worker outlives a Redis
 * restart) and never fails a command for being offline (`maxRetriesPerRequest: null`,
 * which BullMQ requires of workers).
 */
export function resilientConnection(target: RedisTarget, extra: RedisOptions = {}): Redis {
  const client = new Redis(target.url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)),
    ...extra,
  });
  // Connection errors are retried by the client; a listener keeps them from crashing the process.
  client.on('error', () => undefined);
  return client;
}

/**
 * Checks that Redis answers at `target` (fails within about `timeoutMs`), so a wrong URL or a
 * stopped server is a clear error at once rather than a command waiting forever.
 */
export async function probeRedis(target: RedisTarget, action: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis(target.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    // A socket that never opened has nothing to flush: do not keep the process up for it.
    disconnectTimeout: 100,
  });
  let last: unknown;
  client.on('error', (e) => (last = e));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw toQueueError(last ?? error, target, action);
  } finally {
    client.disconnect();
  }
}

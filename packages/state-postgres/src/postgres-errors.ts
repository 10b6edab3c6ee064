import { LlmspellError } from '@llmspell/core';

/**
 * A connection string as it may be shown: user, host, port and database, never the password
 * (`postgres://app@db.internal:5432/llmspell`). Query parameters are dropped too: they can
 * carry `password=` or key material (`sslkey`, `sslpassword`).
 */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    return `${u.protocol}//${user}${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable connection string)';
  }
}

/** The password a connection string carries (raw and decoded), for scrubbing from any text. */
export function passwordsIn(url: string): string[] {
  try {
    const u = new URL(url);
    const out = new Set<string>();
    if (u.password) {
      out.add(u.password);
      try {
        out.add(decodeURIComponent(u.password));
      } catch {
        // keep the raw form only
      }
    }
    const fromQuery = u.searchParams.get('password');
    if (fromQuery) out.add(fromQuery);
    return [...out].filter((p) => p.length > 0);
  } catch {
    return [];
  }
}

/** Removes every known password from a text (defence in depth: drivers may quote what they got). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s && out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/**
 * Turns a pg / socket error into an LlmspellError with a code a user can act on. `target` is
 * the connection string as it may be shown; `secrets` are scrubbed from the message.
 */
export function toStateError(error: unknown, target: string, action: string, secrets: readonly string[], statementTimeoutMs: number): LlmspellError {
  if (error instanceof LlmspellError) return error;
  const code = String((error as { code?: unknown })?.code ?? '');
  const raw = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
  const text = scrub(raw, secrets);
  const where = `${action} (${target})`;
  // The cause keeps the driver error for debugging but must not carry the password either.
  const cause = new Error(text);
  const details = { backend: 'postgres', target, ...(code ? { pg_code: code } : {}) };
  if (code === '57014') {
    return new LlmspellError('TIMEOUT', `${where}: the statement ran longer than statement_timeout_ms = ${statementTimeoutMs} and PostgreSQL cancelled it`, { cause, details: { ...details, statement_timeout_ms: statementTimeoutMs } });
  }
  if (code === '25006' || code === '42501') {
    return new LlmspellError('STATE_READ_ONLY', `${where}: PostgreSQL refused the write (${text})`, { cause, details });
  }
  if (code === '28P01' || code === '28000') {
    return new LlmspellError('STATE_ERROR', `${where}: PostgreSQL refused the login (${text}); check the user and password of runtime.state_persistence.url / LLMSPELL_STATE_URL`, { cause, details });
  }
  if (code === '3D000') {
    return new LlmspellError('STATE_ERROR', `${where}: the database does not exist (${text}); create it with \`createdb\``, { cause, details });
  }
  if (CONNECT_CODES.has(code) || /timeout exceeded when trying to connect|Connection terminated/i.test(raw)) {
    return new LlmspellError('STATE_ERROR', `${where}: cannot reach PostgreSQL (${code || text})`, { cause, details });
  }
  if (code === '53100' || code === '53200' || code === '58030') {
    return new LlmspellError('IO_ERROR', `${where}: ${text}`, { cause, details });
  }
  return new LlmspellError('STATE_ERROR', `${where}: ${text}`, { cause, details });
}

/** Errors worth running the whole transaction again for: deadlock, serialization failure. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return code === '40P01' || code === '40001';
}

/**
 * Secret detection and redaction. Names are matched on word-ish boundaries rather than
 * plain substrings, so `max_tokens` or `author` are not taken for secrets (a quirk of
 * the reference).
 */
const SECRET_NAME = /(^|[_\-.])(api[_-]?key|apikey|secret|secret[_-]?key|password|passwd|pwd|token|access[_-]?token|auth[_-]?token|bearer[_-]?token|refresh[_-]?token|private[_-]?key|privatekey|credentials?|authorization|auth|session[_-]?key|client[_-]?secret)($|[_\-.])/i;

export function looksLikeSecretName(name: string): boolean {
  const n = name.trim();
  if (SECRET_NAME.test(n)) return true;
  // camelCase names: apiKey, accessToken, clientSecret
  return SECRET_NAME.test(n.replace(/([a-z0-9])([A-Z])/g, '$1_$2'));
}

const SECRET_VALUE_PATTERNS: RegExp[] = [
  /sk-ant-[A-Za-z0-9_-]{20,}/g,
  /sk-(?:proj-)?[A-Za-z0-9_-]{20,}/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{30,}\b/g,
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\b/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/g,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

const ASSIGNMENT_PATTERN = /\b(api[_-]?key|apikey|api[_-]?secret|access[_-]?token|auth[_-]?token|password|passwd|pwd|secret|private[_-]?key|client[_-]?secret)(\s*[:=]\s*)(["']?)([^\s"',;&]{6,})\3/gi;

export const REDACTED = '[REDACTED]';

export function looksLikeSecretValue(value: string): boolean {
  for (const p of SECRET_VALUE_PATTERNS) {
    p.lastIndex = 0;
    if (p.test(value)) return true;
  }
  ASSIGNMENT_PATTERN.lastIndex = 0;
  return ASSIGNMENT_PATTERN.test(value);
}

/**
 * Holds the exact secret values this process knows (API keys from config and the
 * environment) plus the generic patterns, and scrubs them from any text.
 */
export class SecretRedactor {
  private readonly known = new Set<string>();

  /** Registers a secret value; values shorter than 6 characters are ignored (too many false hits). */
  add(value: string | undefined | null): void {
    if (typeof value === 'string' && value.length >= 6) this.known.add(value);
  }

  get size(): number {
    return this.known.size;
  }

  redact(text: string): string {
    let out = text;
    for (const secret of this.known) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    for (const p of SECRET_VALUE_PATTERNS) out = out.replace(p, REDACTED);
    out = out.replace(ASSIGNMENT_PATTERN, (_m, name: string, sep: string, q: string) => `${name}${sep}${q}${REDACTED}${q}`);
    return out;
  }

  /** Redacts strings inside a JSON-like value, and every value stored under a secret-looking key. */
  redactValue<T>(value: T, seen = new WeakSet<object>()): T {
    if (typeof value === 'string') return this.redact(value) as T;
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value as object)) return value;
    seen.add(value as object);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v, seen)) as T;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = looksLikeSecretName(k) && (typeof v === 'string' || typeof v === 'number') && v !== '' ? REDACTED : this.redactValue(v, seen);
    }
    return out as T;
  }
}
